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

/**
 * Whether the error, or one it wraps, is a protocol error saying the group moved on. kafkajs wraps
 * the protocol error of a failed retry loop (KafkaJSNonRetriableError, …RetriesExceeded) in `cause`.
 */
const isMembershipLost = (error: unknown): boolean => {
  for (let current = error, depth = 0; typeof current === "object" && current !== null && depth < 8; depth++) {
    if ("type" in current && MEMBERSHIP_LOST.has(String(current.type))) return true
    current = "cause" in current ? current.cause : undefined
  }
  return false
}

export const fromUnknown = (operation: string) => (cause: unknown) =>
  new KafkaError({
    operation,
    reason: cause instanceof Error ? cause.message : String(cause),
    cause,
    memberLost: isMembershipLost(cause)
  })
