/**
 * A failed MongoDB operation, classified by what the caller can do about it, with the driver's
 * error kept as its cause: `isRetryable` says whether the same operation, sent again later, can
 * succeed.
 */
import { Data } from "effect"
import {
  MongoBulkWriteError,
  MongoError as DriverError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
  MongoTopologyClosedError
} from "mongodb"

/**
 * - `Unavailable`: the server could not be reached, the connection dropped, or the server is
 *   stepping down or shutting down: retrying can succeed.
 * - `Timeout`: the operation ran out of time (on the wire or on the server): retrying can succeed.
 * - `WriteConflict`: another writer held the documents: retrying can succeed.
 * - `DuplicateKey`: the document's `_id` (or a unique key) is taken — often "already there", which
 *   the callers that expect it handle; one that reaches a batch is not mended by sending it again.
 * - `Rejected`: the server refused the operation (bad command, validation, …): retrying repeats it.
 * - `Other`: anything else — no driver error the server or the wire explains, such as an
 *   exception inside the operation: retrying repeats it.
 */
export type Kind = "Unavailable" | "Timeout" | "WriteConflict" | "DuplicateKey" | "Rejected" | "Other"

const retryable: ReadonlySet<Kind> = new Set(["Unavailable", "Timeout", "WriteConflict"])

export class MongoError extends Data.TaggedError("MongoError")<{
  readonly operation: string
  readonly reason: string
  readonly kind: Kind
  readonly code?: number
  readonly cause?: unknown
}> {
  override get message() {
    return `MongoDB ${this.operation} failed: ${this.reason}`
  }

  /** Whether sending the operation again later can succeed. */
  get isRetryable(): boolean {
    return retryable.has(this.kind)
  }
}

/** Server codes of a taken unique key (11000; 11001 and 12582 from older servers and mongos). */
const DUPLICATE_KEY_CODES = new Set([11000, 11001, 12582])

/**
 * Server codes of a server that cannot serve now but will: the codes the driver itself retries
 * reads and writes on (HostUnreachable, HostNotFound, ShutdownInProgress, PrimarySteppedDown,
 * SocketException, NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange,
 * NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary, ReadConcernMajorityNotAvailableYet).
 */
const UNAVAILABLE_CODES = new Set([6, 7, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436, 134])

/** Server codes of an operation out of time: NetworkTimeout, MaxTimeMSExpired, ExceededTimeLimit. */
const TIMEOUT_CODES = new Set([89, 50, 262])

const WRITE_CONFLICT = 112

/** Labels the server or the driver puts on an error that retrying can get past. */
const RETRYABLE_LABELS: ReadonlyArray<string> = [
  MongoErrorLabel.RetryableWriteError,
  MongoErrorLabel.TransientTransactionError,
  MongoErrorLabel.RetryableError,
  MongoErrorLabel.SystemOverloadedError
]

const codeOf = (cause: unknown): number | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "number" ? cause.code : undefined

/** Whether a driver error (or a write error of a bulk write) is a taken unique key. */
export const isDuplicateKey = (cause: unknown): boolean => {
  const code = codeOf(cause)
  return code !== undefined && DUPLICATE_KEY_CODES.has(code)
}

/**
 * The error a driver error stands for: a bulk write that failed before any write error (a lost
 * connection, a failed command) wraps the driver's error as its `errorResponse`.
 */
const unwrapped = (cause: unknown): unknown => {
  if (!(cause instanceof MongoBulkWriteError)) return cause
  const writeErrors = Array.isArray(cause.writeErrors) ? cause.writeErrors : [cause.writeErrors]
  const response: unknown = cause.errorResponse
  return writeErrors.length === 0 && response instanceof Error ? response : cause
}

export const classify = (error: unknown): Kind => {
  const cause = unwrapped(error)
  if (cause instanceof MongoNetworkTimeoutError || cause instanceof MongoOperationTimeoutError) return "Timeout"
  if (cause instanceof MongoNetworkError || cause instanceof MongoServerSelectionError || cause instanceof MongoTopologyClosedError) return "Unavailable"
  const code = codeOf(cause)
  if (code !== undefined && DUPLICATE_KEY_CODES.has(code)) return "DuplicateKey"
  if (code !== undefined && TIMEOUT_CODES.has(code)) return "Timeout"
  if (code === WRITE_CONFLICT) return "WriteConflict"
  if ((code !== undefined && UNAVAILABLE_CODES.has(code)) || (cause instanceof DriverError && RETRYABLE_LABELS.some((label) => cause.hasErrorLabel(label)))) {
    return "Unavailable"
  }
  if (code !== undefined) return "Rejected"
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
