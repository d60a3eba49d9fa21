/**
 * The embedded scan's input side: every line of every source goes through `Event.decodeLine` and
 * `Scan.addAsOf`. A malformed line is skipped, counted and written to the rejects file as
 * `{"file","line","tag","reason","text"}` — nothing else is lost. A line past the length limit is
 * rejected with an excerpt; the rejects file holds at most `maxRejects` lines, and the count says
 * how many more there were. The core decides; this only reads.
 */
import { Effect, Result, type Scope } from "effect"
import { Event, Scan } from "@relink/core"
import type { ReadFailed, WriteFailed } from "./Errors.ts"
import type * as Progress from "./Progress.ts"
import * as Sink from "./Sink.ts"
import * as Sources from "./Sources.ts"

export interface Ingested {
  readonly state: Scan.State
  readonly sources: ReadonlyArray<Sources.Source>
  /** Non-empty lines read. */
  readonly lines: number
  readonly malformed: number
  /** Malformed lines past `maxRejects`: counted, not written. */
  readonly unwritten: number
  /** The rejects file, when at least one line was malformed. */
  readonly rejectsPath: string | undefined
  readonly seconds: number
}

export interface Options {
  readonly asOf: number
  /** Where malformed lines go; the file is created (0600: it holds the lines as they were) only when there is one. */
  readonly rejectsPath: string
  /** The longest line read, in bytes. */
  readonly maxLineBytes: number
  /** The most lines the rejects file takes. */
  readonly maxRejects: number
  readonly progress: Progress.Progress
}

/**
 * One line of the rejects file. The text is the input line as it was (its first bytes, for a line
 * past the limit): the file is as sensitive as the input.
 */
export interface Reject {
  readonly file: string
  readonly line: number
  readonly tag: Event.DecodeError["_tag"] | "LineTooLong" | "InvalidUtf8"
  readonly reason: string
  readonly text: string
  /** The line's bytes, base64-encoded, when they are not UTF-8: `text` cannot hold them. */
  readonly base64?: string
}

export const ingest = (
  sources: ReadonlyArray<Sources.Source>,
  options: Options
): Effect.Effect<Ingested, ReadFailed | WriteFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const state = Scan.make()
    const rejects = yield* Sink.openLazy(options.rejectsPath, { private: true })
    const started = performance.now()
    let lines = 0
    let malformed = 0
    const { asOf, progress, maxLineBytes, maxRejects } = options
    for (const source of sources) {
      const file = source.path
      const label = file === "-" ? "stdin" : (file.split("/").pop() ?? file)
      const reject = (reject: Reject) => {
        malformed++
        if (malformed <= maxRejects) rejects.write(`${JSON.stringify(reject)}\n`)
      }
      yield* Sources.readLines(
        source,
        {
          line: (text, line) => {
            lines++
            const decoded = Event.decodeLine(text)
            if (Result.isSuccess(decoded)) {
              Scan.addAsOf(state, decoded.success, asOf)
              return
            }
            const { _tag: tag, reason } = decoded.failure
            reject({ file, line, tag, reason, text })
          },
          tooLong: (excerpt, bytes, line) => {
            lines++
            const reason = `the line is ${bytes} bytes long, more than --max-line-bytes ${maxLineBytes}; text holds its first bytes`
            reject({ file, line, tag: "LineTooLong", reason, text: excerpt })
          },
          invalidUtf8: (bytes, at, line) => {
            lines++
            const { _tag: tag, reason } = Event.invalidUtf8(at)
            reject({ file, line, tag, reason, text: bytes.toString("utf8"), base64: bytes.toString("base64") })
          },
          chunk: () => {
            progress.update({ label, events: lines, malformed })
            return malformed > 0 ? rejects.ready() : undefined
          }
        },
        maxLineBytes
      )
    }
    const written = rejects.written()
    yield* Sink.run(rejects, (s) => s.close())
    return {
      state,
      sources,
      lines,
      malformed,
      unwritten: Math.max(0, malformed - maxRejects),
      rejectsPath: written ? options.rejectsPath : undefined,
      seconds: (performance.now() - started) / 1000
    }
  })
