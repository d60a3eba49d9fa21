/**
 * Text outputs (a file, or standard output) that respect back-pressure: a command writes rows as it
 * produces them, a million members never become one string. Opened as scoped resources: the file is
 * closed (and flushed) when the command's scope ends, whatever happened.
 */
import { createWriteStream, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { type Writable, finished } from "node:stream"
import { createGzip } from "node:zlib"
import { Effect, type Scope } from "effect"
import { WriteFailed, reasonOf } from "./Errors.ts"

const FLUSH_AT = 1 << 18

export interface Sink {
  /** Where the text goes: a path, or `-` for standard output. */
  readonly path: string
  /** Queues text; call `ready` now and then to let the output catch up. */
  readonly write: (text: string) => void
  /** Resolves once queued text is handed to the stream and it has room again; rejects with `WriteFailed`. */
  readonly ready: () => Promise<void>
  /** Flushes and closes (standard output is flushed, not closed). */
  readonly close: () => Promise<void>
  /** Whether anything was written (a lazy sink creates its file on the first write). */
  readonly written: () => boolean
}

/** A stream to write to and, for files, the last stream of its pipeline (the file itself). */
interface Target {
  readonly stream: Writable
  readonly last?: Writable
}

const make = (path: string, create: () => Target, owned: boolean): Sink => {
  let stream: Writable | undefined
  let last: Writable | undefined
  let buffer: Array<string> = []
  let buffered = 0
  let failure: WriteFailed | undefined
  let drain: Promise<void> | undefined
  let closed = false
  const fail = (cause: unknown) => {
    failure ??= new WriteFailed({ path, reason: reasonOf(cause) })
  }
  const streamOf = (): Writable | undefined => {
    if (stream === undefined && failure === undefined) {
      try {
        const target = create()
        stream = target.stream
        last = target.last ?? target.stream
        stream.on("error", fail)
        last.on("error", fail)
      } catch (cause) {
        fail(cause)
      }
    }
    return stream
  }
  /** A stream that failed, or was destroyed or ended, will never drain again: never wait for it. */
  const dead = (target: Writable) => failure !== undefined || target.destroyed || target.writableEnded
  const push = () => {
    if (buffer.length === 0) return
    const text = buffer.length === 1 ? (buffer[0] as string) : buffer.join("")
    buffer = []
    buffered = 0
    const target = streamOf()
    if (target === undefined || dead(target)) return
    if (!target.write(text) && drain === undefined && !dead(target)) {
      drain = new Promise<void>((resolve) => {
        const done = () => {
          target.off("drain", done)
          target.off("error", done)
          target.off("close", done)
          drain = undefined
          resolve()
        }
        target.on("drain", done)
        target.on("error", done)
        target.on("close", done)
      })
    }
  }
  const check = () => (failure === undefined ? Promise.resolve() : Promise.reject(failure))
  return {
    path,
    write: (text) => {
      buffer.push(text)
      buffered += text.length
      if (buffered >= FLUSH_AT) push()
    },
    ready: async () => {
      push()
      if (drain !== undefined) await drain
      return check()
    },
    close: async () => {
      if (closed) return check()
      closed = true
      push()
      if (drain !== undefined) await drain
      const target = stream
      const file = last
      if (target !== undefined && file !== undefined) {
        await new Promise<void>((resolve) => {
          if (owned) {
            // Resolves when the file itself is written and closed (after a gzip stage, if any).
            finished(file, () => resolve())
            if (!target.writableEnded) target.end()
          } else if (target.writableNeedDrain && !dead(target)) {
            const done = () => {
              target.off("drain", done)
              target.off("error", done)
              target.off("close", done)
              resolve()
            }
            target.on("drain", done)
            target.on("error", done)
            target.on("close", done)
          } else resolve()
        })
      }
      return check()
    },
    written: () => stream !== undefined || buffer.length > 0
  }
}

const fileStream = (path: string, gzip = false) => (): Target => {
  mkdirSync(dirname(path), { recursive: true })
  const file = createWriteStream(path)
  if (!gzip) return { stream: file }
  const compress = createGzip({ level: 6 })
  compress.pipe(file)
  return { stream: compress, last: file }
}

const acquire = (sink: Sink): Effect.Effect<Sink, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.succeed(sink), (s) => Effect.promise(() => s.close().catch(() => undefined)))

/** Opens a text file for writing (creating its directory), or standard output for `-`. */
export const open = (path: string, options?: { readonly gzip?: boolean }): Effect.Effect<Sink, WriteFailed, Scope.Scope> =>
  path === "-"
    ? acquire(make("-", () => ({ stream: process.stdout }), false))
    : Effect.try({
        try: () => fileStream(path, options?.gzip === true)(),
        catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
      }).pipe(Effect.flatMap((target) => acquire(make(path, () => target, true))))

/** A file that is only created when something is written to it (e.g. the rejects file). */
export const openLazy = (path: string): Effect.Effect<Sink, never, Scope.Scope> => acquire(make(path, fileStream(path), true))

/** Awaits an output operation; any failure becomes `WriteFailed` for that path. */
export const attempt = (path: string, operation: () => Promise<void>): Effect.Effect<void, WriteFailed> =>
  Effect.tryPromise({
    try: operation,
    catch: (cause) => (cause instanceof WriteFailed ? cause : new WriteFailed({ path, reason: reasonOf(cause) }))
  })

/** Awaits a sink operation; a stream error becomes `WriteFailed`. */
export const run = (sink: Sink, operation: (sink: Sink) => Promise<void>): Effect.Effect<void, WriteFailed> =>
  attempt(sink.path, () => operation(sink))

/** Creates the directory of an output path. */
export const ensureDirectory = (path: string): Effect.Effect<void, WriteFailed> =>
  Effect.try({
    try: () => void mkdirSync(dirname(path), { recursive: true }),
    catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
  })
