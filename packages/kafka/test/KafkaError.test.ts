import { describe, expect, it } from "vitest"
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs"
import * as KafkaError from "../src/KafkaError.ts"

// Built the way kafkajs builds them: a protocol error from the broker's code, wrapped by its
// retrier in `cause` when a retry loop gives up.
const protocolError = (type: string, message: string) => new KafkaJSProtocolError(Object.assign(new Error(message), { type, code: 25 }))
const wrapped = <E extends Error>(outer: E, cause: Error): E => Object.assign(outer, { cause })

describe("KafkaError.fromUnknown", () => {
  it("marks a lost group membership when the broker says so directly", () => {
    const error = KafkaError.fromUnknown("commit")(protocolError("UNKNOWN_MEMBER_ID", "The coordinator is not aware of this member"))
    expect(error.memberLost).toBe(true)
    expect(error.message).toBe("Kafka commit failed: The coordinator is not aware of this member")
  })

  it("marks a lost group membership wrapped by kafkajs's retrier", () => {
    const lost = protocolError("UNKNOWN_MEMBER_ID", "The coordinator is not aware of this member")
    expect(KafkaError.fromUnknown("commit")(wrapped(new KafkaJSNonRetriableError(lost), lost)).memberLost).toBe(true)
    const rebalancing = protocolError("REBALANCE_IN_PROGRESS", "The group is rebalancing")
    expect(KafkaError.fromUnknown("commit")(wrapped(new KafkaJSNumberOfRetriesExceeded(rebalancing, { retryCount: 10, retryTime: 10_000 }), rebalancing)).memberLost).toBe(true)
  })

  it("does not mark other failures, wrapped or not", () => {
    const down = protocolError("NOT_COORDINATOR", "This is not the correct coordinator for this group")
    expect(KafkaError.fromUnknown("commit")(down).memberLost).toBe(false)
    expect(KafkaError.fromUnknown("commit")(wrapped(new KafkaJSNumberOfRetriesExceeded(down, { retryCount: 10, retryTime: 10_000 }), down)).memberLost).toBe(false)
    expect(KafkaError.fromUnknown("send")(new Error("Connection error: ECONNREFUSED")).memberLost).toBe(false)
    expect(KafkaError.fromUnknown("send")("a string").memberLost).toBe(false)
  })
})
