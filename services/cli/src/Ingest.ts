/**
 * The embedded scan's input side: every line of every source goes through `Event.decodeLine` and
 * `Scan.addAsOf`. A malformed line is skipped, counted and written to the rejects file as
 * `{"file","line","tag","reason","text"}` — nothing else is lost. The core decides; this only reads.
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
  /** The rejects file, when at least one line was malformed. */
  readonly rejectsPath: string | undefined
  readonly seconds: number
}

export interface Options {
  readonly asOf: number
  /** Where malformed lines go; the file is created only when there is one. */
  readonly rejectsPath: string
  readonly progress: Progress.Progress
}

/** One line of the rejects file. The text is the input line as it was: the file is as sensitive as the input. */
export interface Reject {
  readonly file: string
  readonly line: number
  readonly tag: Event.DecodeError["_tag"] | "InvalidUtf8"
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
    const rejects = yield* Sink.openLazy(options.rejectsPath)
    const started = performance.now()
    let lines = 0
    let malformed = 0
    const { asOf, progress } = options
    for (const source of sources) {
      const file = source.path
      const label = file === "-" ? "stdin" : (file.split("/").pop() ?? file)
      yield* Sources.readLines(source, {
        line: (text, line) => {
          lines++
          const decoded = Event.decodeLine(text)
          if (Result.isSuccess(decoded)) {
            Scan.addAsOf(state, decoded.success, asOf)
            return
          }
          malformed++
          const { _tag: tag, reason } = decoded.failure
          const reject: Reject = { file, line, tag, reason, text }
          rejects.write(`${JSON.stringify(reject)}\n`)
        },
        invalidUtf8: (bytes, at, line) => {
          lines++
          malformed++
          const { _tag: tag, reason } = Event.invalidUtf8(at)
          const reject: Reject = { file, line, tag, reason, text: bytes.toString("utf8"), base64: bytes.toString("base64") }
          rejects.write(`${JSON.stringify(reject)}\n`)
        },
        chunk: () => {
          progress.update({ label, events: lines, malformed })
          return malformed > 0 ? rejects.ready() : undefined
        }
      })
    }
    const written = rejects.written()
    yield* Sink.run(rejects, (s) => s.close())
    return {
      state,
      sources,
      lines,
      malformed,
      rejectsPath: written ? options.rejectsPath : undefined,
      seconds: (performance.now() - started) / 1000
    }
  })
