/**
 * Where events come from: a file (NDJSON, gzip-compressed when it ends in `.gz`), every event file
 * of a directory (sorted by name), or standard input (`-`). Lines are handed over one at a time as
 * the file is read, so a ten-million-line export is never held in memory.
 */
import { constants, createReadStream, openSync, readdirSync, statSync } from "node:fs"
import { Socket } from "node:net"
import { join } from "node:path"
import type { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { Effect, Stream } from "effect"
import { Event } from "@relink/core"
import { EventsNotFound, ReadFailed, UnreadableDirectory, WriteFailed, reasonOf } from "./Errors.ts"
import * as Turns from "./Turns.ts"

export interface Source {
  /** A file path, or `-` for standard input. */
  readonly path: string
  readonly gzip: boolean
}

const EVENT_FILE = /\.(ndjson|jsonl)(\.gz)?$/i

/**
 * Resolves `--events FILE|DIR|-` to the files to read, in order. Files of a directory that `skip`
 * names (the run's own outputs) are not read.
 */
export const resolve = (spec: string, skip: (path: string) => boolean = () => false): Effect.Effect<ReadonlyArray<Source>, EventsNotFound | UnreadableDirectory> =>
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
      .filter((path) => !skip(path))
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

/** What the lines of a source are handed to as they are cut. */
export interface Lines {
  /** One line, without its line break; `number` counts from 1 within the file. */
  readonly line: (text: string, number: number) => void
  /** A line longer than the limit, never held whole: its first bytes (up to 256) and its length in bytes. */
  readonly tooLong: (excerpt: string, bytes: number, number: number) => void
  /** A line whose bytes are not valid UTF-8: the bytes as they were and the first bad one (from 1). */
  readonly invalidUtf8: (bytes: Buffer, at: number, number: number) => void
}

/** What receives the lines of a source. */
export interface LineSink extends Lines {
  /** Called after each chunk; reading waits for the promise it returns, if any (a `WriteFailed` rejection stays one). */
  readonly chunk?: () => Promise<void> | undefined
}

/** The longest line read by default: an event is a few hundred bytes, a megabyte is no event. */
export const defaultMaxLineBytes = 1 << 20

const CHUNK = 1 << 20

/**
 * A FIFO is read as a pipe, as standard input is: opened without waiting for a writer and read as
 * data arrives. Opened and read like a file, it would hold a thread of Node's pool in open(2) or
 * read(2) until a writer came, and a process cannot exit while one is held.
 */
const openFifo = (path: string): Readable => new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false })

const openStream = (source: Source): Readable => {
  const raw: Readable =
    source.path === "-" ? process.stdin : statSync(source.path).isFIFO() ? openFifo(source.path) : createReadStream(source.path, { highWaterMark: CHUNK })
  if (!source.gzip) return raw
  const gunzip = createGunzip({ chunkSize: CHUNK })
  raw.on("error", (error) => gunzip.destroy(error))
  raw.pipe(gunzip)
  gunzip.on("close", () => raw.destroy())
  return gunzip
}

const LF = 0x0a
const CR = 0x0d
const NUL = 0x00
const EXCERPT = 256

/**
 * Cuts a byte stream into lines, chunk by chunk as it is read. A leading byte order mark, CRLF line
 * ends and a last line without a line break are handled; empty lines are counted (line numbers are
 * those of the file) but not handed over. A line longer than `maxBytes` is handed over as an
 * excerpt and its length: past the limit only its length is kept, so a stream without line breaks
 * (`/dev/zero`) never fills memory, and one holding NUL bytes fails as the binary data it is.
 *
 * Lines are found in the bytes (a line feed never occurs inside a UTF-8 sequence) and each is
 * decoded just before it is handed over, so it dies young: a decoded chunk (a megabyte or two) is
 * allocated outside the young generation, and the lines of a chunk decoded up front outlive the
 * collections that run while the chunk is processed and are moved to the old generation.
 */
const splitter = (maxBytes: number) => {
  let rest: Buffer | undefined
  /** The line past the limit being read through: its first bytes and its length so far. */
  let long: { readonly excerpt: Buffer; bytes: number } | undefined
  let number = 0
  let first = true
  const hand = (bytes: Buffer, start: number, end: number, each: Lines) => {
    number++
    const last = end > start && bytes[end - 1] === CR ? end - 1 : end
    let text = bytes.toString("utf8", start, last)
    // Decoding replaces bad bytes with U+FFFD; only a line holding one can have had any.
    const at = text.includes("\uFFFD") ? Event.invalidUtf8At(bytes.subarray(start, last)) : undefined
    if (at !== undefined) {
      first = false
      each.invalidUtf8(Buffer.from(bytes.subarray(start, last)), at, number)
      return
    }
    if (first) {
      first = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    if (text.length > 0) each.line(text, number)
  }
  const handLong = (excerpt: Buffer, bytes: number, each: Lines) => {
    number++
    first = false
    each.tooLong(excerpt.toString("utf8"), bytes, number)
  }
  return {
    /** Hands over every line the chunk completes. */
    chunk: (chunk: Buffer, each: Lines): void => {
      let bytes = chunk
      let start = 0
      if (long !== undefined) {
        const end = chunk.indexOf(LF)
        if (end === -1) {
          long.bytes += chunk.length
          return
        }
        handLong(long.excerpt, long.bytes + end, each)
        long = undefined
        start = end + 1
      } else if (rest !== undefined) bytes = Buffer.concat([rest, chunk])
      for (let end = bytes.indexOf(LF, start); end !== -1; end = bytes.indexOf(LF, start)) {
        if (end - start > maxBytes) handLong(bytes.subarray(start, start + EXCERPT), end - start, each)
        else hand(bytes, start, end, each)
        start = end + 1
      }
      rest = start < bytes.length ? bytes.subarray(start) : undefined
      if (rest !== undefined && rest.length > maxBytes) {
        if (rest.includes(NUL)) throw new Error(`binary data, not NDJSON: line ${number + 1} runs past ${maxBytes} bytes and holds NUL bytes`)
        // A copy: the excerpt must not keep the whole chunk alive.
        long = { excerpt: Buffer.from(rest.subarray(0, EXCERPT)), bytes: rest.length }
        rest = undefined
      }
    },
    /** Hands over a last line without a line break; the number of lines in the stream. */
    end: (each: Lines): number => {
      if (long !== undefined) handLong(long.excerpt, long.bytes, each)
      else if (rest !== undefined) hand(rest, 0, rest.length, each)
      long = undefined
      rest = undefined
      return number
    }
  }
}

/** Hands each line to the sink as the stream is read; after each chunk, waits for the sink if it asks to. */
const pump = async (stream: Readable, sink: LineSink, maxLineBytes: number): Promise<number> => {
  const lines = splitter(maxLineBytes)
  const waitForSink = async () => {
    const waiting = sink.chunk?.()
    if (waiting !== undefined) await waiting
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    lines.chunk(chunk, sink)
    await waitForSink()
    // Chunks read ahead come as resolved promises, without a turn of the event loop: take one.
    if (Turns.due()) await Turns.take()
  }
  const count = lines.end(sink)
  await waitForSink()
  return count
}

/** The lines of a stream, one batch per chunk read, for a consumer that pulls; a line past the limit ends it. */
async function* batches(stream: Readable, maxLineBytes: number): AsyncGenerator<ReadonlyArray<string>> {
  const lines = splitter(maxLineBytes)
  const batch: Array<string> = []
  const add: Lines = {
    line: (text) => void batch.push(text),
    tooLong: (_, bytes, number) => {
      throw new Error(`line ${number} is ${bytes} bytes long, more than the ${maxLineBytes} an event may take`)
    },
    invalidUtf8: (_, at, number) => {
      throw new Error(`line ${number} is not UTF-8: ${Event.invalidUtf8(at).reason}`)
    }
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    lines.chunk(chunk, add)
    yield batch.splice(0)
  }
  lines.end(add)
  if (batch.length > 0) yield batch
}

const readFailed = (source: Source) => (cause: unknown) =>
  cause instanceof WriteFailed ? cause : new ReadFailed({ path: source.path === "-" ? "standard input" : source.path, reason: reasonOf(cause) })

const opened = (source: Source) =>
  Effect.acquireRelease(
    Effect.sync(() => openStream(source)),
    (stream) => Effect.sync(() => (source.path === "-" ? stream.pause() : stream.destroy()))
  )

/** Reads a source line by line; the file is closed when reading ends, fails or is interrupted. */
export const readLines = (source: Source, sink: LineSink, maxLineBytes: number): Effect.Effect<number, ReadFailed | WriteFailed> =>
  Effect.scoped(Effect.flatMap(opened(source), (stream) => Effect.tryPromise({ try: () => pump(stream, sink, maxLineBytes), catch: readFailed(source) })))

/**
 * The non-empty lines of the sources, in order, as a stream that reads only as fast as it is
 * consumed (`relink publish`). Each file is closed when its lines end, fail or are no longer wanted.
 */
export const lines = (sources: ReadonlyArray<Source>, maxLineBytes = defaultMaxLineBytes): Stream.Stream<string, ReadFailed | WriteFailed> =>
  Stream.fromIterable(sources).pipe(
    Stream.flatMap((source) =>
      Stream.unwrap(Effect.map(opened(source), (stream) => Stream.fromAsyncIterable(batches(stream, maxLineBytes), readFailed(source)))).pipe(
        Stream.flatMap((batch) => Stream.fromArray(batch))
      )
    )
  )
