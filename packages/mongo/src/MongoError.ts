/**
 * A failed MongoDB operation, classified by what the caller can do about it, with the driver's
 * error kept as its cause.
 */
import { Data } from "effect"
import { MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from "mongodb"

/**
 * - `DuplicateKey`: the document's `_id` (or a unique key) is taken — often "already there".
 * - `Unavailable`: the server could not be reached or the connection dropped: worth retrying.
 * - `Rejected`: the server refused the operation (bad command, validation, …): retrying repeats it.
 * - `Other`: anything else, such as a worker's own consistency check giving up.
 */
export type Kind = "DuplicateKey" | "Unavailable" | "Rejected" | "Other"

export class MongoError extends Data.TaggedError("MongoError")<{
  readonly operation: string
  readonly reason: string
  readonly kind?: Kind
  readonly code?: number
  readonly cause?: unknown
}> {
  override get message() {
    return `MongoDB ${this.operation} failed: ${this.reason}`
  }
}

/** Server codes of a taken unique key (11000; 11001 and 12582 from older servers and mongos). */
const DUPLICATE_KEY_CODES = new Set([11000, 11001, 12582])

const codeOf = (cause: unknown): number | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "number" ? cause.code : undefined

/** Whether a driver error (or a write error of a bulk write) is a taken unique key. */
export const isDuplicateKey = (cause: unknown): boolean => {
  const code = codeOf(cause)
  return code !== undefined && DUPLICATE_KEY_CODES.has(code)
}

export const classify = (cause: unknown): Kind => {
  if (isDuplicateKey(cause)) return "DuplicateKey"
  if (cause instanceof MongoNetworkError || cause instanceof MongoServerSelectionError || cause instanceof MongoTopologyClosedError) return "Unavailable"
  if (codeOf(cause) !== undefined) return "Rejected"
  return "Other"
}

/** The error of `operation` failing with a driver error (or anything thrown inside it). */
export const fromCause = (operation: string) => (cause: unknown): MongoError => {
  const code = codeOf(cause)
  return new MongoError({
    operation,
    reason: cause instanceof Error ? cause.message : String(cause),
    kind: classify(cause),
    cause,
    ...(code !== undefined && { code })
  })
}
