/**
 * Where events come from: a file (NDJSON, gzip-compressed when it ends in `.gz` or starts with the
 * gzip bytes 1f 8b), every event file of a directory (sorted by name), or standard input (`-`).
 * Lines are handed over one at a time as the file is read, so a ten-million-line export is never
 * held in memory; what is read is bounded by bytes, never by what `stat` says (`readLimit`).
 */
import { lstatSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { pipeline, Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { Effect, type Scope, Stream } from "effect"
import { Event } from "@relink/core"
import * as Bounded from "./Bounded.ts"
import { BinaryInput, EventsNotFound, InputTooLarge, NotAnExport, ReadFailed, UnreadableDirectory, WriteFailed, reasonOf } from "./Errors.ts"
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
    // Every entry named like an event file is read: one that cannot be is an error, never skipped.
    for (const path of files) {
      const unreadable = unreadableEntry(path)
      if (unreadable !== undefined) return Effect.fail(new UnreadableDirectory({ path: spec, reason: `${path} ${unreadable}` }))
    }
    return files.length === 0
      ? Effect.fail(new UnreadableDirectory({ path: spec, reason: "it holds no *.ndjson, *.ndjson.gz or *.jsonl files" }))
      : Effect.succeed(files.map((path) => ({ path, gzip: /\.gz$/i.test(path) })))
  })

/** Why an entry named like an event file cannot be read as one, if it cannot: a link to nothing, a directory. */
const unreadableEntry = (path: string): string | undefined => {
  try {
    return statSync(path).isDirectory() ? "is a directory, not a file of events" : undefined
  } catch (cause) {
    let link = false
    try {
      link = lstatSync(path).isSymbolicLink()
    } catch {
      // Gone between the listing and now: said as what stat said.
    }
    return link ? "is a symbolic link to a file that does not exist" : `cannot be read: ${reasonOf(cause)}`
  }
}

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
  /**
   * Called after each chunk; reading waits for the promise it returns, if any. A `WriteFailed` or
   * `NotAnExport` the sink throws or rejects with stays one.
   */
  readonly chunk?: () => Promise<void> | undefined
}

/** The longest line read by default: an event is a few hundred bytes, a megabyte is no event. */
export const defaultMaxLineBytes = 1 << 20

/**
 * The most bytes a run reads from its events by default, all files together, decompressed: more
 * than twice the largest export `relink simulate` writes (ten million members, about 28 GB), and
 * more members than a scan holds in one machine's memory (a gigabyte per million members). An
 * endless stream (a device, a FIFO, a pipe) is cut here.
 */
export const defaultMaxInputBytes = 64 * 1024 ** 3

/** How much a run may read from its events, and how much it has read so far (shared by every source of the run). */
export interface ReadLimit {
  readonly maxLineBytes: number
  readonly maxInputBytes: number
  read: number
}

export const readLimit = (maxLineBytes = defaultMaxLineBytes, maxInputBytes = defaultMaxInputBytes): ReadLimit => ({ maxLineBytes, maxInputBytes, read: 0 })

const CHUNK = 1 << 20

/** A source as the user named it, for messages. */
const nameOf = (source: Source): string => (source.path === "-" ? "standard input" : source.path)

/** The raw bytes of a source, open for the scope: a file (`Bounded.open`), or standard input, paused rather than closed after. */
const opened = (source: Source): Effect.Effect<Readable, ReadFailed, Scope.Scope> =>
  source.path === "-"
    ? Effect.acquireRelease(
        Effect.sync(() => process.stdin),
        (stdin) => Effect.sync(() => stdin.pause())
      )
    : Bounded.open(source.path, { highWaterMark: CHUNK })

/** The chunks of a stream, with the bytes already taken from it first; it is closed when they end or are no longer wanted. */
async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head
    for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value
  } finally {
    await rest.return?.()
  }
}

/** RFC 1952: every gzip member starts with these two bytes; no NDJSON line does (0x8b is no UTF-8 lead byte). */
const isGzip = (head: Buffer): boolean => head[0] === 0x1f && head[1] === 0x8b

/**
 * The bytes of a source, decompressed when it is gzip: by its name, or by its first two bytes, so
 * that a compressed export named `.ndjson`, or piped in, is read as what it is. Each chunk counts
 * against the run's limit; past it, `InputTooLarge`.
 */
async function* bytesOf(raw: Readable, source: Source, limit: ReadLimit): AsyncGenerator<Buffer> {
  const chunks = (raw as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  let head = Buffer.alloc(0)
  // A pipe may hand the first two bytes over one at a time.
  while (head.length < 2) {
    const next = await chunks.next()
    if (next.done === true) break
    head = Buffer.concat([head, next.value])
  }
  const all = prepend(head, chunks)
  const bytes: AsyncIterable<Buffer> = source.gzip || isGzip(head) ? pipeline(Readable.from(all), createGunzip({ chunkSize: CHUNK }), () => undefined) : all
  for await (const chunk of bytes) {
    limit.read += chunk.length
    if (limit.read > limit.maxInputBytes) {
      throw new InputTooLarge({ input: nameOf(source), bytes: limit.maxInputBytes, limit: "the most --max-input-bytes lets a run read from its events (all files together, decompressed)" })
    }
    yield chunk
  }
}

const LF = 0x0a
const CR = 0x0d
const NUL = 0x00
const EXCERPT = 256

/**
 * Cuts a byte stream into lines, chunk by chunk as it is read. A byte order mark opening a line
 * (the first, or any other of concatenated files), CRLF line ends and a last line without a line
 * break are handled; empty lines are counted (line numbers are those of the file) but not handed
 * over. A line longer than `maxBytes` is handed over as an excerpt and its length: past the limit
 * only its length is kept, so a stream without line breaks (`/dev/zero`) never fills memory, and
 * one holding NUL bytes fails as the binary data it is (`BinaryInput`).
 *
 * Lines are found in the bytes (a line feed never occurs inside a UTF-8 sequence) and each is
 * decoded just before it is handed over, so it dies young: a decoded chunk (a megabyte or two) is
 * allocated outside the young generation, and the lines of a chunk decoded up front outlive the
 * collections that run while the chunk is processed and are moved to the old generation.
 */
const splitter = (source: Source, maxBytes: number) => {
  let rest: Buffer | undefined
  /** The line past the limit being read through: its first bytes and its length so far. */
  let long: { readonly excerpt: Buffer; bytes: number } | undefined
  let number = 0
  const hand = (bytes: Buffer, start: number, end: number, each: Lines) => {
    number++
    const last = end > start && bytes[end - 1] === CR ? end - 1 : end
    const text = bytes.toString("utf8", start, last)
    // Decoding replaces bad bytes with U+FFFD; only a line holding one can have had any.
    const at = text.includes("\uFFFD") ? Event.invalidUtf8At(bytes.subarray(start, last)) : undefined
    if (at !== undefined) each.invalidUtf8(Buffer.from(bytes.subarray(start, last)), at, number)
    // A byte order mark opens any line: files written with one may have been concatenated.
    else if (text.charCodeAt(0) === 0xfeff) {
      if (text.length > 1) each.line(text.slice(1), number)
    } else if (text.length > 0) each.line(text, number)
  }
  const handLong = (excerpt: Buffer, bytes: number, each: Lines) => {
    number++
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
        if (rest.includes(NUL)) throw new BinaryInput({ input: nameOf(source), line: number + 1, maxLineBytes: maxBytes })
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
const pump = async (raw: Readable, source: Source, sink: LineSink, limit: ReadLimit): Promise<number> => {
  const lines = splitter(source, limit.maxLineBytes)
  const waitForSink = async () => {
    const waiting = sink.chunk?.()
    if (waiting !== undefined) await waiting
  }
  for await (const chunk of bytesOf(raw, source, limit)) {
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
async function* batches(raw: Readable, source: Source, limit: ReadLimit): AsyncGenerator<ReadonlyArray<string>> {
  const lines = splitter(source, limit.maxLineBytes)
  const batch: Array<string> = []
  const add: Lines = {
    line: (text) => void batch.push(text),
    tooLong: (_, bytes, number) => {
      throw new Error(`line ${number} is ${bytes} bytes long, more than the ${limit.maxLineBytes} an event may take`)
    },
    invalidUtf8: (_, at, number) => {
      throw new Error(`line ${number} is not UTF-8: ${Event.invalidUtf8(at).reason}`)
    }
  }
  for await (const chunk of bytesOf(raw, source, limit)) {
    lines.chunk(chunk, add)
    yield batch.splice(0)
  }
  lines.end(add)
  if (batch.length > 0) yield batch
}

/** What reading a source failed with: the limits' and the sink's own errors as they are, anything else a `ReadFailed`. */
const readFailed = (source: Source) => (cause: unknown) =>
  cause instanceof WriteFailed || cause instanceof InputTooLarge || cause instanceof BinaryInput || cause instanceof NotAnExport
    ? cause
    : new ReadFailed({ path: nameOf(source), reason: reasonOf(cause) })

/** Reads a source line by line; the file is closed when reading ends, fails or is interrupted. */
export const readLines = (
  source: Source,
  sink: LineSink,
  limit: ReadLimit
): Effect.Effect<number, ReadFailed | InputTooLarge | BinaryInput | NotAnExport | WriteFailed> =>
  Effect.scoped(Effect.flatMap(opened(source), (raw) => Effect.tryPromise({ try: () => pump(raw, source, sink, limit), catch: readFailed(source) })))

/**
 * The non-empty lines of the sources, in order, as a stream that reads only as fast as it is
 * consumed (`relink publish`). Each file is closed when its lines end, fail or are no longer wanted.
 */
export const lines = (
  sources: ReadonlyArray<Source>,
  limit: ReadLimit = readLimit()
): Stream.Stream<string, ReadFailed | InputTooLarge | BinaryInput | NotAnExport | WriteFailed> =>
  Stream.fromIterable(sources).pipe(
    Stream.flatMap((source) =>
      Stream.unwrap(Effect.map(opened(source), (raw) => Stream.fromAsyncIterable(batches(raw, source, limit), readFailed(source)))).pipe(
        Stream.flatMap((batch) => Stream.fromArray(batch))
      )
    )
  )
