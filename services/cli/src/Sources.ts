/**
 * Where events come from: a file (NDJSON, gzip-compressed when it ends in `.gz`), every event file
 * of a directory (sorted by name), or standard input (`-`). Lines are handed over one at a time as
 * the file is read, so a ten-million-line export is never held in memory.
 */
import { createReadStream, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import type { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { Effect, Stream } from "effect"
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
  if (!source.gzip) return raw
  const gunzip = createGunzip({ chunkSize: CHUNK })
  raw.on("error", (error) => gunzip.destroy(error))
  raw.pipe(gunzip)
  gunzip.on("close", () => raw.destroy())
  return gunzip
}

/** The non-empty lines of one chunk of a file, and the number (from 1) of each within the file. */
export interface Lines {
  readonly texts: Array<string>
  readonly numbers: Array<number>
}

const LF = 0x0a
const CR = 0x0d

/**
 * Splits a byte stream into lines as it is read: one batch per chunk read (about a mebibyte), so
 * the reader waits for whoever consumes the batches. A leading byte order mark, CRLF line ends and
 * a last line without a line break are handled; empty lines are counted but not handed over.
 *
 * Lines are found in the bytes (a line feed never occurs inside a UTF-8 sequence) and decoded one
 * by one: small strings die young, where a decoded chunk (a megabyte or two) would be allocated
 * outside the young generation and pile up until a full collection.
 */
async function* split(stream: Readable): AsyncGenerator<Lines, number> {
  let rest: Buffer | undefined
  let number = 0
  let first = true
  const decode = (bytes: Buffer, start: number, end: number): string => {
    const line = bytes.toString("utf8", start, end > start && bytes[end - 1] === CR ? end - 1 : end)
    if (!first) return line
    first = false
    return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const bytes = rest === undefined ? chunk : Buffer.concat([rest, chunk])
    const texts: Array<string> = []
    const numbers: Array<number> = []
    let start = 0
    for (let end = bytes.indexOf(LF, start); end !== -1; end = bytes.indexOf(LF, start)) {
      number++
      const line = decode(bytes, start, end)
      if (line.length > 0) {
        texts.push(line)
        numbers.push(number)
      }
      start = end + 1
    }
    rest = start < bytes.length ? bytes.subarray(start) : undefined
    yield { texts, numbers }
  }
  if (rest !== undefined) {
    number++
    const line = decode(rest, 0, rest.length)
    if (line.length > 0) yield { texts: [line], numbers: [number] }
  }
  return number
}

const pump = async (stream: Readable, sink: LineSink): Promise<number> => {
  const batches = split(stream)
  for (;;) {
    const next = await batches.next()
    if (next.done === true) return next.value
    const { texts, numbers } = next.value
    for (let i = 0; i < texts.length; i++) sink.line(texts[i] as string, numbers[i] as number)
    const waiting = sink.chunk?.()
    if (waiting !== undefined) await waiting
  }
}

const readFailed = (source: Source) => (cause: unknown) =>
  cause instanceof WriteFailed ? cause : new ReadFailed({ path: source.path === "-" ? "standard input" : source.path, reason: reasonOf(cause) })

const opened = (source: Source) =>
  Effect.acquireRelease(
    Effect.sync(() => openStream(source)),
    (stream) => Effect.sync(() => (source.path === "-" ? stream.pause() : stream.destroy()))
  )

/** Reads a source line by line; the file is closed when reading ends, fails or is interrupted. */
export const readLines = (source: Source, sink: LineSink): Effect.Effect<number, ReadFailed | WriteFailed> =>
  Effect.scoped(Effect.flatMap(opened(source), (stream) => Effect.tryPromise({ try: () => pump(stream, sink), catch: readFailed(source) })))

/**
 * The non-empty lines of the sources, in order, as a stream that reads only as fast as it is
 * consumed (`relink publish`). Each file is closed when its lines end, fail or are no longer wanted.
 */
export const lines = (sources: ReadonlyArray<Source>): Stream.Stream<string, ReadFailed | WriteFailed> =>
  Stream.fromIterable(sources).pipe(
    Stream.flatMap((source) =>
      Stream.unwrap(Effect.map(opened(source), (stream) => Stream.fromAsyncIterable(split(stream), readFailed(source)))).pipe(
        Stream.flatMap((batch) => Stream.fromArray(batch.texts))
      )
    )
  )
