import { Data } from "effect"

/** A Kafka operation failed; `operation` says which (connect, send, commit, …). */
export class KafkaError extends Data.TaggedError("KafkaError")<{
  readonly operation: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `Kafka ${this.operation} failed: ${this.reason}`
  }
}

export const fromUnknown = (operation: string) => (cause: unknown) =>
  new KafkaError({ operation, reason: cause instanceof Error ? cause.message : String(cause), cause })
