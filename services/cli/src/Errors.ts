/**
 * What can go wrong in a `relink` command, as tagged errors. Each has a one-line `message` for a
 * person at a terminal; `bin.ts` prints it as `relink: <message>` and exits non-zero. Messages never
 * contain event contents (ID numbers and phones must not reach a terminal or a log).
 */
import { Data } from "effect"
import * as Invocation from "./Invocation.ts"

/** `--events` names a file or directory that does not exist. */
export class EventsNotFound extends Data.TaggedError("EventsNotFound")<{ readonly path: string }> {
  override get message() {
    return `events file or directory not found: ${this.path}`
  }
}

/** A directory without event files, or one that cannot be listed. */
export class UnreadableDirectory extends Data.TaggedError("UnreadableDirectory")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot read events from directory ${this.path}: ${this.reason}`
  }
}

/** A file that exists but cannot be read (permissions, a broken gzip stream…). */
export class ReadFailed extends Data.TaggedError("ReadFailed")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot read ${this.path}: ${this.reason}`
  }
}

/** `1048576` → `1,048,576 bytes (1 MiB)`: a limit as the documentation states it. */
const bytes = (n: number): string => {
  const units = ["KiB", "MiB", "GiB", "TiB"] as const
  let unit = -1
  let scaled = n
  while (scaled >= 1024 && scaled % 1024 === 0 && unit < units.length - 1) {
    scaled /= 1024
    unit++
  }
  return `${n.toLocaleString("en-US")} bytes${unit < 0 ? "" : ` (${scaled} ${units[unit]})`}`
}

/**
 * An input that holds more than its limit allows, by what was read: a device, a FIFO or an endless
 * stream is cut there (`stat` cannot tell their size). `input` names it as the user gave it
 * (`--rule /dev/zero`), `limit` says which bound it passed.
 */
export class InputTooLarge extends Data.TaggedError("InputTooLarge")<{ readonly input: string; readonly bytes: number; readonly limit: string }> {
  override get message() {
    return `${this.input}: more than ${bytes(this.bytes)}, ${this.limit}`
  }
}

/** Events that are binary data: a line past the line limit holding NUL bytes (`/dev/zero`, an image). */
export class BinaryInput extends Data.TaggedError("BinaryInput")<{ readonly input: string; readonly line: number; readonly maxLineBytes: number }> {
  override get message() {
    return `${this.input}: binary data, not NDJSON: line ${this.line} runs past --max-line-bytes ${this.maxLineBytes.toLocaleString("en-US")} and holds NUL bytes`
  }
}

/**
 * Reading stopped because most of what was read is no event (`Ingest.notAnExportAfter`): an endless
 * stream of anything else, or the wrong file.
 */
export class NotAnExport extends Data.TaggedError("NotAnExport")<{
  readonly input: string
  readonly lines: number
  readonly rejected: number
  readonly rejectsPath: string | undefined
}> {
  override get message() {
    const where = this.rejectsPath === undefined ? "" : `, see ${this.rejectsPath}`
    return `${this.input}: ${this.rejected.toLocaleString("en-US")} of the first ${this.lines.toLocaleString("en-US")} lines were rejected${where}: not an export of events, reading stopped`
  }
}

/** An output file or directory (`-`: standard output) that cannot be written. */
export class WriteFailed extends Data.TaggedError("WriteFailed")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot write ${this.path === "-" ? "standard output" : this.path}: ${this.reason}`
  }
}

/** `--as-of` (or `--now`) is neither a calendar date nor an ISO instant with an offset. */
export class BadAsOf extends Data.TaggedError("BadAsOf")<{ readonly value: string; readonly flag?: string }> {
  override get message() {
    return `${this.flag ?? "--as-of"} ${JSON.stringify(this.value)} is not a date (2026-11-27) or an ISO instant with an offset (2026-11-27T18:00:00+08:00)`
  }
}

/** `--org` names an organisation that no `OrgRegistered` event registers. */
export class UnknownOrg extends Data.TaggedError("UnknownOrg")<{
  readonly orgId: string
  readonly known: number
  readonly suggestions: ReadonlyArray<string>
  /** Where the organisations were read from, as `relink orgs` takes it: `--events PATH` or `--mongo URI`. */
  readonly origin: string
}> {
  override get message() {
    const hint = this.suggestions.length > 0 ? ` Did you mean ${this.suggestions.join(", ")}?` : ""
    const where = this.origin.startsWith("--mongo") ? "the worker's database" : "the events"
    return `organisation ${JSON.stringify(this.orgId)} is not registered in ${where} (${this.known} organisations are).${hint} List the ids with: ${Invocation.current.command} orgs ${this.origin}`
  }
}

/** `--format` not given and the output's extension names none relink writes. */
export class UnknownFormat extends Data.TaggedError("UnknownFormat")<{ readonly format: string; readonly allowed: ReadonlyArray<string> }> {
  override get message() {
    return `unknown format ${JSON.stringify(this.format)}; use --format ${this.allowed.join("|")}`
  }
}

/** A flag value that the flag's own type accepts but the command cannot use. */
export class BadArgument extends Data.TaggedError("BadArgument")<{ readonly flag: string; readonly reason: string }> {
  override get message() {
    return `${this.flag}: ${this.reason}`
  }
}

/**
 * A wrong invocation the flag parser cannot see: flags that exclude each other, a setting given
 * neither as a flag nor as an environment variable. Reported like the parser's own errors, as
 * `relink worker: <reason> (see relink worker --help)`, exit code 2.
 */
export class Usage extends Data.TaggedError("Usage")<{ readonly command: string; readonly reason: string }> {
  override get message() {
    return `${this.command}: ${this.reason} (see ${this.command} --help)`
  }
}

/**
 * An output that is an input, or two outputs that are one file: writing it would destroy what is
 * read or what was just written. `what` names the output ("--out", "the default rejects file").
 */
export class OutputClash extends Data.TaggedError("OutputClash")<{ readonly what: string; readonly path: string; readonly clash: string }> {
  override get message() {
    return `${this.what} ${this.path} ${this.clash}`
  }
}

/** The input held no line that decodes as an event: an empty export, or the wrong file. */
export class NoValidEvents extends Data.TaggedError("NoValidEvents")<{
  readonly lines: number
  readonly rejected: number
  readonly rejectsPath: string | undefined
}> {
  override get message() {
    if (this.lines === 0) return "no valid event: the input holds no lines"
    const where = this.rejectsPath === undefined ? "" : `: see ${this.rejectsPath}`
    return `no valid event in ${this.lines} line${this.lines === 1 ? "" : "s"} (${this.rejected} rejected${where})`
  }
}

/** `relink train` on data that holds too little to estimate a rule from (`Training.minimum`): nothing is written. */
export class CannotTrain extends Data.TaggedError("CannotTrain")<{ readonly events: string; readonly reason: string }> {
  override get message() {
    return `cannot train on ${this.events}: ${this.reason}; nothing written`
  }
}

/** `relink resolve --from` names a file that is no review file (待核实比对清单), or one of another format version. */
export class NotAReviewFile extends Data.TaggedError("NotAReviewFile")<{ readonly input: string; readonly reason: string }> {
  override get message() {
    return `${this.input}: not a review file of relink report review: ${this.reason}`
  }
}

/** `relink import --from` names a sheet whose header row cannot be found, or lacks a column its kind needs, under the mapping given. */
export class UnmappedSheet extends Data.TaggedError("UnmappedSheet")<{ readonly input: string; readonly reason: string }> {
  override get message() {
    return `${this.input}: cannot be imported: ${this.reason}`
  }
}

/**
 * `relink import --from` names a file that is no spreadsheet relink imports: not an XLSX workbook
 * nor CSV text, or a workbook refused (an .xls, an encrypted or macro-enabled one).
 */
export class NotASpreadsheet extends Data.TaggedError("NotASpreadsheet")<{ readonly input: string; readonly reason: string }> {
  override get message() {
    return `${this.input}: not a spreadsheet relink imports: ${this.reason}`
  }
}

/** `--sheet` names a worksheet the workbook does not have (or the file is CSV, which has none). */
export class UnknownSheet extends Data.TaggedError("UnknownSheet")<{ readonly input: string; readonly sheet: string; readonly names: ReadonlyArray<string> }> {
  override get message() {
    return this.names.length === 0
      ? `${this.input}: --sheet ${JSON.stringify(this.sheet)}: CSV has no sheets; leave --sheet out`
      : `${this.input}: no sheet ${JSON.stringify(this.sheet)}; its sheets are ${this.names.map((n) => JSON.stringify(n)).join(", ")}`
  }
}

/** Rows of a review file that cannot be applied (each reported on a line of its own before): nothing written. */
export class RowsRefused extends Data.TaggedError("RowsRefused")<{ readonly input: string; readonly refused: number }> {
  override get message() {
    return `${this.input}: ${this.refused === 1 ? "1 row" : `${this.refused.toLocaleString("en-US")} rows`} refused, nothing written: correct ${this.refused === 1 ? "it" : "them"}, or give --partial to write the rows that hold`
  }
}

/** Kafka or MongoDB refused or failed (the adapter's one-line message), or stored data could not be read. */
export class ServiceFailed extends Data.TaggedError("ServiceFailed")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** Every failure a command reports to the person who ran it. */
export type CommandError =
  | EventsNotFound
  | UnreadableDirectory
  | ReadFailed
  | InputTooLarge
  | BinaryInput
  | NotAnExport
  | WriteFailed
  | BadAsOf
  | UnknownOrg
  | UnknownFormat
  | BadArgument
  | Usage
  | OutputClash
  | NoValidEvents
  | CannotTrain
  | NotAReviewFile
  | UnmappedSheet
  | NotASpreadsheet
  | UnknownSheet
  | RowsRefused
  | ServiceFailed

const tags: ReadonlySet<string> = new Set([
  "EventsNotFound",
  "UnreadableDirectory",
  "ReadFailed",
  "InputTooLarge",
  "BinaryInput",
  "NotAnExport",
  "WriteFailed",
  "BadAsOf",
  "UnknownOrg",
  "UnknownFormat",
  "BadArgument",
  "Usage",
  "OutputClash",
  "NoValidEvents",
  "CannotTrain",
  "NotAReviewFile",
  "UnmappedSheet",
  "NotASpreadsheet",
  "UnknownSheet",
  "RowsRefused",
  "ServiceFailed"
])

/** Errors in what was asked for rather than in doing it: exit code 2, as for the flag parser's own. */
const argumentTags: ReadonlySet<string> = new Set([
  "BadAsOf",
  "UnknownFormat",
  "BadArgument",
  "Usage",
  "OutputClash",
  "InputTooLarge",
  "BinaryInput",
  "NotAnExport",
  "NotAReviewFile",
  "UnmappedSheet",
  "NotASpreadsheet",
  "UnknownSheet",
  "RowsRefused"
])

export const isArgumentError = (error: CommandError): boolean => argumentTags.has(error._tag)

export const isCommandError = (u: unknown): u is CommandError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && tags.has(u._tag)

/** The code of a Node.js system error (`ENOENT`, …), if it is one. */
export const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/** The reason of a Node.js system error, without the stack. */
export const reasonOf = (cause: unknown): string => {
  const code = codeOf(cause)
  if (code !== undefined) {
    const known: Record<string, string> = {
      ENOENT: "no such file or directory",
      EACCES: "permission denied",
      EISDIR: "is a directory",
      ENOTDIR: "not a directory",
      EEXIST: "already exists",
      ENOSPC: "no space left on device",
      EPIPE: "broken pipe",
      Z_DATA_ERROR: "not a valid gzip stream",
      Z_BUF_ERROR: "truncated gzip stream"
    }
    return known[code] ?? code
  }
  return cause instanceof Error ? cause.message : String(cause)
}
