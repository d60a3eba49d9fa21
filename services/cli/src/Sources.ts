/**
 * Where events come from: a file (NDJSON, gzip-compressed when it ends in `.gz`), every event file
 * of a directory (sorted by name), or standard input (`-`). Lines are handed over one at a time as
 * the file is read, so a ten-million-line export is never held in memory.
 */
import { createReadStream, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import type { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { Effect } from "effect"
import { EventsNotFound, ReadFailed, UnreadableDirectory, WriteFailed, reasonOf } from "./Errors.ts"

export interface Source {
  /** A file path, or `-` for standard input. */
  readonly path: string
  readonly gzip: boolean
}

const EVENT_FILE = /\.(ndjson|jsonl)(\.gz)?$/i

/** Resolves `--events FILE|DIR|-` to the files to read, in order. */
export const resolve = (spec: string): Effect.Effect<ReadonlyArray<Source>, EventsNotFound | UnreadableDirectory> =>
  Effect.suspend((): Effect.Effect<ReadonlyArray<Source>, EventsNotFound | UnreadableDirectory> => {
    if (spec === "-") return Effect.succeed([{ path: "-", gzip: false }])
    let isDirectory: boolean
    try {
      isDirectory = statSync(spec).isDirectory()
    } catch (cause) {
      return reasonOf(cause) === "no such file or directory" || reasonOf(cause) === "not a directory"
        ? Effect.fail(new EventsNotFound({ path: spec }))
        : Effect.fail(new UnreadableDirectory({ path: spec, reason: reasonOf(cause) }))
    }
    if (!isDirectory) return Effect.succeed([{ path: spec, gzip: /\.gz$/i.test(spec) }])
    let names: Array<string>
    try {
      names = readdirSync(spec)
    } catch (cause) {
      return Effect.fail(new UnreadableDirectory({ path: spec, reason: reasonOf(cause) }))
    }
    const files = names
      .filter((name) => EVENT_FILE.test(name))
      .sort()
      .map((name) => join(spec, name))
      .filter((path) => {
        try {
          return statSync(path).isFile()
        } catch {
          return false
        }
      })
    return files.length === 0
      ? Effect.fail(new UnreadableDirectory({ path: spec, reason: "it holds no *.ndjson, *.ndjson.gz or *.jsonl files" }))
      : Effect.succeed(files.map((path) => ({ path, gzip: /\.gz$/i.test(path) })))
  })

/** What receives the lines of a source. */
export interface LineSink {
  /** One line, without its line break; `number` counts from 1 within the file. */
  readonly line: (text: string, number: number) => void
  /** Called after each chunk; reading waits for the promise it returns, if any (a `WriteFailed` rejection stays one). */
  readonly chunk?: () => Promise<void> | undefined
}

const CHUNK = 1 << 20

const openStream = (source: Source): Readable => {
  const raw: Readable = source.path === "-" ? process.stdin : createReadStream(source.path, { highWaterMark: CHUNK })
  if (!source.gzip) {
    raw.setEncoding("utf8")
    return raw
  }
  const gunzip = createGunzip({ chunkSize: CHUNK })
  raw.on("error", (error) => gunzip.destroy(error))
  raw.pipe(gunzip)
  gunzip.setEncoding("utf8")
  gunzip.on("close", () => raw.destroy())
  return gunzip
}

const pump = async (stream: Readable, sink: LineSink): Promise<number> => {
  let rest = ""
  let number = 0
  let first = true
  for await (const chunk of stream as AsyncIterable<string>) {
    let text = rest.length === 0 ? chunk : rest + chunk
    if (first) {
      first = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    let start = 0
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      number++
      const line = end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end)
      if (line.length > 0) sink.line(line, number)
      start = end + 1
    }
    rest = start === 0 ? text : text.slice(start)
    const waiting = sink.chunk?.()
    if (waiting !== undefined) await waiting
  }
  if (rest.length > 0) {
    number++
    const line = rest.endsWith("\r") ? rest.slice(0, -1) : rest
    if (line.length > 0) sink.line(line, number)
  }
  return number
}

/** Reads a source line by line; the file is closed when reading ends, fails or is interrupted. */
export const readLines = (source: Source, sink: LineSink): Effect.Effect<number, ReadFailed | WriteFailed> =>
  Effect.scoped(
    Effect.acquireRelease(
      Effect.sync(() => openStream(source)),
      (stream) => Effect.sync(() => (source.path === "-" ? stream.pause() : stream.destroy()))
    ).pipe(
      Effect.flatMap((stream) =>
        Effect.tryPromise({
          try: () => pump(stream, sink),
          catch: (cause) =>
            cause instanceof WriteFailed
              ? cause
              : new ReadFailed({ path: source.path === "-" ? "standard input" : source.path, reason: reasonOf(cause) })
        })
      )
    )
  )
