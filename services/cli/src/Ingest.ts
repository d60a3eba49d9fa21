/**
 * The embedded scan's input side: every line of every source goes through `Event.decodeLine` and
 * `Scan.addAsOf`. A malformed line is skipped, counted and written to the rejects file as
 * `{"file","line","tag","reason","text"}` — nothing else is lost. A line repeating an eventId with
 * other content than its first copy (in the order the sources are read) is rejected the same way
 * (`ConflictingDuplicate`, naming the first copy's line); one with the same content is a duplicate,
 * only counted. A line past the length limit is rejected with an excerpt; the rejects file holds
 * at most `maxRejects` lines, and the count says how many more there were. The core decides; this
 * only reads.
 *
 * Reading is bounded by bytes (`--max-input-bytes`, `Sources.ReadLimit`) and by what it finds: once
 * `notAnExportAfter` lines were rejected and they are most of the lines read, the input is no export
 * of events (`yes`, `/dev/urandom`, the wrong file) and reading stops (`NotAnExport`).
 */
import { Effect, Result, type Scope } from "effect"
import { Event, Scan } from "@relink/core"
import { type BinaryInput, type InputTooLarge, NotAnExport, type ReadFailed, type WriteFailed } from "./Errors.ts"
import type * as Progress from "./Progress.ts"
import * as Sink from "./Sink.ts"
import * as Sources from "./Sources.ts"
import * as Json from "./render/Json.ts"

export interface Ingested {
  readonly state: Scan.State
  readonly sources: ReadonlyArray<Sources.Source>
  /** Non-empty lines read. */
  readonly lines: number
  readonly malformed: number
  /** Lines repeating an eventId with other content than its first copy: rejected like malformed ones. */
  readonly conflicts: number
  /** Lines repeating an eventId with its first copy's content: left out, not rejected. */
  readonly duplicates: number
  /** Rejected lines (malformed or conflicting) past `maxRejects`: counted, not written. */
  readonly unwritten: number
  /** The rejects file, when at least one line was rejected. */
  readonly rejectsPath: string | undefined
  readonly seconds: number
}

export interface Options {
  readonly asOf: number
  /** Where malformed lines go; the file is created (0600: it holds the lines as they were) only when there is one. */
  readonly rejectsPath: string
  /** The longest line read, in bytes. */
  readonly maxLineBytes: number
  /** The most bytes read from all the sources together, decompressed. */
  readonly maxInputBytes: number
  /** The most lines the rejects file takes. */
  readonly maxRejects: number
  readonly progress: Progress.Progress
  /** Keep each member's facts with their instants, for a series of evaluations (`Timeline`). */
  readonly history?: boolean
}

/**
 * One line of the rejects file. The text is the input line as it was (its first bytes, for a line
 * past the limit): the file is as sensitive as the input.
 */
export interface Reject {
  readonly file: string
  readonly line: number
  readonly tag: Event.DecodeError["_tag"] | "LineTooLong" | "InvalidUtf8" | "ConflictingDuplicate"
  readonly reason: string
  readonly text: string
  /** The line's bytes, base64-encoded, when they are not UTF-8: `text` cannot hold them. */
  readonly base64?: string
}

/** More than this share of the lines rejected, and the input may not be the export meant. */
const MOSTLY_REJECTED = 0.5

/** Whether most of the lines read were rejected. */
export const mostlyRejected = (lines: number, rejected: number): boolean => rejected > lines * MOSTLY_REJECTED

/**
 * Rejected lines after which reading stops when they are most of the lines read: an endless stream
 * of anything but events ends within seconds (a rejected line costs microseconds), where a real
 * export, with its few malformed lines, never comes near.
 */
export const notAnExportAfter = 100_000

export const ingest = (
  sources: ReadonlyArray<Sources.Source>,
  options: Options
): Effect.Effect<Ingested, ReadFailed | InputTooLarge | BinaryInput | NotAnExport | WriteFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const state = Scan.make({ history: options.history === true })
    const rejects = yield* Sink.openLazy(options.rejectsPath, { private: true })
    const started = performance.now()
    let lines = 0
    let malformed = 0
    let rejected = 0
    const { asOf, progress, maxLineBytes, maxRejects } = options
    const limit = Sources.readLimit(maxLineBytes, options.maxInputBytes)
    // A line's position is its number plus the lines of the sources before it, so that a repeat
    // can name the line (and the file) of its eventId's first copy.
    const read: Array<{ readonly file: string; readonly before: number }> = []
    let before = 0
    const lineAt = (position: number, file: string): string => {
      const source = read.findLast((s) => s.before < position)
      if (position === 0 || source === undefined) return "an earlier line"
      const line = `line ${position - source.before}`
      return source.file === file ? line : `${line} of ${source.file === "-" ? "standard input" : source.file}`
    }
    for (const source of sources) {
      const file = source.path
      const label = file === "-" ? "stdin" : (file.split("/").pop() ?? file)
      read.push({ file, before })
      const reject = (reject: Reject) => {
        rejected++
        if (rejected <= maxRejects) rejects.write(`${Json.stringify(reject)}\n`)
        if (rejected >= notAnExportAfter && mostlyRejected(lines, rejected)) {
          throw new NotAnExport({ input: file === "-" ? "standard input" : file, lines, rejected, rejectsPath: maxRejects > 0 ? options.rejectsPath : undefined })
        }
      }
      const start = before
      const count = yield* Sources.readLines(
        source,
        {
          line: (text, line) => {
            lines++
            const decoded = Event.decodeLine(text)
            if (Result.isSuccess(decoded)) {
              const repeat = Scan.addAsOf(state, decoded.success, asOf, start + line)
              if (repeat?.copy === "conflict") {
                const { _tag: tag, reason } = Event.conflictingDuplicate(decoded.success.eventId, lineAt(repeat.first, file))
                reject({ file, line, tag, reason, text })
              }
              return
            }
            malformed++
            const { _tag: tag, reason } = decoded.failure
            reject({ file, line, tag, reason, text })
          },
          tooLong: (excerpt, bytes, line) => {
            lines++
            malformed++
            const reason = `the line is ${bytes} bytes long, more than --max-line-bytes ${maxLineBytes}; text holds its first bytes`
            reject({ file, line, tag: "LineTooLong", reason, text: excerpt })
          },
          invalidUtf8: (bytes, at, line) => {
            lines++
            malformed++
            const { _tag: tag, reason } = Event.invalidUtf8(at)
            reject({ file, line, tag, reason, text: bytes.toString("utf8"), base64: bytes.toString("base64") })
          },
          chunk: () => {
            progress.update({ label, events: lines, malformed: rejected })
            return rejected > 0 ? rejects.ready() : undefined
          }
        },
        limit
      ).pipe(
        // What was rejected before reading stopped is kept: it shows what the input is.
        Effect.tapError((error) => (error._tag === "NotAnExport" ? Sink.run(rejects, (s) => s.close()) : Effect.void))
      )
      before += count
    }
    const written = rejects.written()
    yield* Sink.run(rejects, (s) => s.close())
    return {
      state,
      sources,
      lines,
      malformed,
      conflicts: state.conflicts,
      duplicates: state.duplicates,
      unwritten: Math.max(0, rejected - maxRejects),
      rejectsPath: written ? options.rejectsPath : undefined,
      seconds: (performance.now() - started) / 1000
    }
  })
