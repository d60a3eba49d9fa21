import { Data } from "effect"

/** A Kafka operation failed; `operation` says which (connect, send, commit, …). */
export class KafkaError extends Data.TaggedError("KafkaError")<{
  readonly operation: string
  readonly reason: string
  readonly cause?: unknown
  /** The group moved on (rebalance, or this member was dropped): the batch in hand is stale. */
  readonly memberLost?: boolean
}> {
  override get message() {
    return `Kafka ${this.operation} failed: ${this.reason}`
  }
}

const MEMBERSHIP_LOST = new Set(["UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "REBALANCE_IN_PROGRESS", "FENCED_INSTANCE_ID"])

export const fromUnknown = (operation: string) => (cause: unknown) =>
  new KafkaError({
    operation,
    reason: cause instanceof Error ? cause.message : String(cause),
    cause,
    memberLost: typeof cause === "object" && cause !== null && "type" in cause && MEMBERSHIP_LOST.has(String(cause.type))
  })
