/**
 * Reading inputs so that they can always be cut: whole-file inputs (a rule now; label files and
 * workbooks alike) are read into memory up to a limit, by what is read rather than by what `stat`
 * says (a device or a FIFO has a size of 0, and `/dev/zero` never ends), and every input file is
 * opened so that closing it takes effect at once, also while it waits for bytes.
 */
import { closeSync, constants, createReadStream, fstat, open as openFile, statSync } from "node:fs"
import { Socket } from "node:net"
import type { Readable } from "node:stream"
import { Effect, type Scope } from "effect"
import { InputTooLarge, ReadFailed, reasonOf } from "./Errors.ts"

const isFifo = (path: string): boolean => {
  try {
    return statSync(path).isFIFO()
  } catch {
    // Not there, or not to be looked at: opening it says why.
    return false
  }
}

/**
 * Opens `path` for reading. A FIFO (or a socket) is read as a pipe, whose reads wait in the event
 * loop: a file stream's wait for a writer holds a worker thread that closing cannot free, so a FIFO
 * read as a file would keep the process until someone writes. Anything else is read as a file.
 */
const openStream = (path: string, highWaterMark: number, end: number | undefined): Promise<Readable> =>
  new Promise((resolve, reject) =>
    // Opened to read, a FIFO waits for a writer inside open(2), in a worker thread nothing can free:
    // it is opened without waiting (reads still wait for data, in the event loop).
    openFile(path, isFifo(path) ? constants.O_RDONLY | constants.O_NONBLOCK : "r", (opening, fd) => {
      if (opening !== null) return reject(opening)
      fstat(fd, (statting, stats) => {
        if (statting !== null) {
          closeSync(fd)
          return reject(statting)
        }
        resolve(stats.isFIFO() || stats.isSocket() ? new Socket({ fd, readable: true, writable: false }) : createReadStream("", { fd, highWaterMark, ...(end === undefined ? {} : { end }) }))
      })
    })
  )

/** The file at `path` as a stream, closed when the scope ends; a file that cannot be opened is a `ReadFailed`. */
export const open = (path: string, options: { readonly highWaterMark: number; readonly end?: number }): Effect.Effect<Readable, ReadFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => openStream(path, options.highWaterMark, options.end), catch: (cause) => new ReadFailed({ path, reason: reasonOf(cause) }) }),
    (stream) => Effect.sync(() => stream.destroy())
  )

export interface Limit {
  /** The most bytes the input may hold. */
  readonly bytes: number
  /** The input as the user named it, for the message: `--rule r.json`. */
  readonly input: string
  /** Which bound it is, for the message: `the most a rule file takes`. */
  readonly what: string
}

const CHUNK = 64 * 1024

/** Reads the stream whole, failing once it holds more than the limit. */
const readUpTo = async (stream: Readable, limit: Limit): Promise<Buffer> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit.bytes) throw new InputTooLarge({ input: limit.input, bytes: limit.bytes, limit: limit.what })
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

/**
 * The bytes of the file at `path`, or `InputTooLarge` past the limit, or `ReadFailed` naming the
 * reason. A file stream stops at one byte past the limit (`end` is inclusive), enough to know it is
 * too large; the file is closed when reading ends, fails or is interrupted.
 */
export const readFile = (path: string, limit: Limit): Effect.Effect<Buffer, InputTooLarge | ReadFailed> =>
  Effect.scoped(
    Effect.flatMap(open(path, { highWaterMark: Math.min(CHUNK, limit.bytes + 1), end: limit.bytes }), (stream) =>
      Effect.tryPromise({
        try: () => readUpTo(stream, limit),
        catch: (cause) => (cause instanceof InputTooLarge ? cause : new ReadFailed({ path, reason: reasonOf(cause) }))
      })
    )
  )
