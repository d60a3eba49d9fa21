/**
 * Text outputs (a file, or standard output) that respect back-pressure: a command writes rows as it
 * produces them, a million members never become one string. A file is written to a temporary file
 * beside it and renamed into place by `close`, so an interrupted or failed run leaves no half file
 * and an existing file is only ever replaced by a complete one. Opened as scoped resources: when the
 * command's scope ends before `close`, the temporary file is removed; a process that exits before
 * its scope ends (a signal's grace run out) removes it on the way out.
 */
import { randomBytes } from "node:crypto"
import { createWriteStream, fstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, statSync, unlinkSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { type Writable, finished } from "node:stream"
import { createGzip } from "node:zlib"
import { Effect, Exit, type Scope } from "effect"
import { WriteFailed, codeOf, reasonOf } from "./Errors.ts"
import * as Turns from "./Turns.ts"

const FLUSH_AT = 1 << 18

export interface Sink {
  /** Where the text goes: a path, or `-` for standard output. */
  readonly path: string
  /** Queues text; call `ready` now and then to let the output catch up. */
  readonly write: (text: string) => void
  /**
   * Resolves once queued text is handed to the stream and it has room again, after a turn of the
   * event loop when a slice of work has run (`Turns`); rejects with `WriteFailed`.
   */
  readonly ready: () => Promise<void>
  /** Flushes and closes, then renames a file into place (standard output is flushed, not closed). */
  readonly close: () => Promise<void>
  /** Whether anything was written (a lazy sink creates its file on the first write). */
  readonly written: () => boolean
}

/** A sink and how to give it up: a file not closed yet is removed, standard output is flushed. */
interface Owned extends Sink {
  readonly abort: () => void
}

/** A stream to write to and, for files, the last stream of its pipeline (the file itself). */
interface Target {
  readonly stream: Writable
  readonly last?: Writable
  /** Where the file goes once complete. */
  readonly placement?: Placement
}

export interface FileOptions {
  /** Created readable by its owner only (0600): rejects and `--reveal` lists hold full ID numbers and phones. */
  readonly private?: boolean
}

/**
 * Where an output file is written. `temp` is beside the file (a rename never crosses a file
 * system), hidden and not named like an event file, so a directory of inputs never picks it up; an
 * existing device or FIFO (`/dev/null`) is written in place. Through a symbolic link, the file it
 * names is replaced.
 */
interface Placement {
  readonly path: string
  readonly temp: string | undefined
  readonly mode: number
}

/** Whether the path is a directory; undefined when there is nothing there (or a file above it, found next). */
const isDirectory = (path: string): boolean | undefined => {
  try {
    return statSync(path).isDirectory()
  } catch (cause) {
    if (codeOf(cause) === "ENOENT" || codeOf(cause) === "ENOTDIR") return undefined
    throw cause
  }
}

/**
 * Creates the directory of an output path, and those above it that are missing, one at a time: a
 * file in the way is "not a directory", as it is, and a directory that cannot hold others (`/proc`)
 * fails once. (`mkdirSync` with `recursive` loops forever on `/proc/x/y`.)
 */
const makeParent = (path: string): void => {
  const missing: Array<string> = []
  let directory = dirname(path)
  for (let found = isDirectory(directory); found !== true; found = isDirectory(directory)) {
    if (found === false) throw new Error(`${directory} is not a directory`)
    missing.push(directory)
    const parent = dirname(directory)
    if (parent === directory) break
    directory = parent
  }
  for (const each of missing.reverse()) {
    try {
      mkdirSync(each)
    } catch (cause) {
      // Made meanwhile by another process: as good.
      if (codeOf(cause) !== "EEXIST" || isDirectory(each) !== true) throw cause
    }
  }
}

/**
 * Temporary files not yet renamed into place or removed. A process that exits before a sink's
 * scope ends — the grace after a signal run out while a finalizer waited on a broker — removes them
 * as it goes: no signal leaves one behind.
 */
const pending = new Set<string>()
process.on("exit", () => {
  for (const temp of pending) {
    try {
      unlinkSync(temp)
    } catch {
      // Already gone: nothing to remove.
    }
  }
})

const place = (path: string, options: FileOptions | undefined): Placement => {
  makeParent(path)
  const privately = options?.private === true
  const existing = (() => {
    try {
      return statSync(path)
    } catch {
      return undefined
    }
  })()
  if (existing !== undefined && !existing.isFile()) return { path, temp: undefined, mode: 0o666 }
  const target = existing === undefined ? path : realpathSync(path)
  // A replaced file keeps its permissions, unless the new one must be private.
  const mode = privately ? 0o600 : existing === undefined ? 0o666 : existing.mode & 0o777
  return { path: target, temp: join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`), mode }
}

/** Creates the temporary file of a placement (its mode set from the start), or opens the device; returns its descriptor. */
const openPlacement = (placement: Placement): number => {
  if (placement.temp === undefined) return openSync(placement.path, "w")
  const fd = openSync(placement.temp, "wx", placement.mode)
  pending.add(placement.temp)
  return fd
}

const commitPlacement = (placement: Placement): void => {
  if (placement.temp === undefined) return
  renameSync(placement.temp, placement.path)
  pending.delete(placement.temp)
}

const discardPlacement = (placement: Placement): void => {
  if (placement.temp === undefined) return
  pending.delete(placement.temp)
  try {
    unlinkSync(placement.temp)
  } catch (cause) {
    // Never created, or already renamed: nothing to remove.
    if (codeOf(cause) !== "ENOENT") throw cause
  }
}

/** A sink over a target opened already, or one opened on the first write (`create`). */
const make = (path: string, create: Target | (() => Target), owned: boolean): Owned => {
  let stream: Writable | undefined
  let last: Writable | undefined
  let placement: Placement | undefined
  let buffer: Array<string> = []
  let buffered = 0
  let failure: WriteFailed | undefined
  let drain: Promise<void> | undefined
  let closed = false
  let committed = false
  const fail = (cause: unknown) => {
    failure ??= new WriteFailed({ path, reason: reasonOf(cause) })
  }
  const streamOf = (): Writable | undefined => {
    if (stream === undefined && failure === undefined) {
      try {
        const target = typeof create === "function" ? create() : create
        stream = target.stream
        last = target.last ?? target.stream
        placement = target.placement
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
  // An open file is known from the start, so giving up removes it even before the first write.
  if (typeof create !== "function") streamOf()
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
      // Standard output to a file never has to drain: the loop would not turn.
      else if (Turns.due()) await Turns.take()
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
      if (failure === undefined && placement !== undefined) {
        try {
          commitPlacement(placement)
          committed = true
        } catch (cause) {
          fail(cause)
        }
      }
      return check()
    },
    abort: () => {
      if (committed) return
      closed = true
      buffer = []
      stream?.destroy()
      if (placement !== undefined) discardPlacement(placement)
    },
    written: () => stream !== undefined || buffer.length > 0
  }
}

const fileStream = (path: string, options: FileOptions & { readonly gzip?: boolean } = {}) => (): Target => {
  const placement = place(path, options)
  // Opened now, not on the stream's next tick: a run given up at once still finds the file to remove.
  const file = createWriteStream("", { fd: openPlacement(placement) })
  if (options.gzip !== true) return { stream: file, placement }
  const compress = createGzip({ level: 6 })
  compress.pipe(file)
  return { stream: compress, last: file, placement }
}

/**
 * Acquired uninterruptibly, so a file once created always has its finalizer: a signal never leaves
 * it behind. Standard output gets what was written before a failure; after an interruption nothing
 * waits for a reader that may never come.
 */
const acquire = <E>(open: Effect.Effect<Owned, E>): Effect.Effect<Sink, E, Scope.Scope> =>
  Effect.acquireRelease(open, (s, exit) =>
    Effect.promise(() => {
      if (s.path === "-" && !Exit.hasInterrupts(exit)) return s.close().catch(() => undefined)
      s.abort()
      return Promise.resolve()
    })
  )

/**
 * Whether standard output is closed (`>&-`). Node puts the null device, opened read-write, in the
 * place of a closed descriptor, as `spawn` does for "ignore" and systemd for "null"; a shell's
 * `> /dev/null` opens it write-only, and a descriptor opened so cannot be read.
 */
const standardOutputClosed = (): boolean => {
  try {
    const output = fstatSync(1)
    if (!output.isCharacterDevice() || output.rdev !== statSync("/dev/null").rdev) return false
    readSync(1, Buffer.alloc(1))
    return true
  } catch {
    return false
  }
}

/**
 * Fails when standard output is closed: text written there would be lost without a word, and the
 * run would end as if it had succeeded. Redirected to /dev/null, it is written (and discarded).
 */
export const checkStandardOutput: Effect.Effect<void, WriteFailed> = Effect.suspend(() =>
  standardOutputClosed()
    ? Effect.fail(new WriteFailed({ path: "-", reason: "it is closed; give --out FILE, or send it to /dev/null to discard it" }))
    : Effect.void
)

/**
 * Opens a text file for writing (creating its directory), or standard output for `-` (refused when
 * closed). The file appears, complete, when `close` succeeds.
 */
export const open = (path: string, options?: FileOptions & { readonly gzip?: boolean }): Effect.Effect<Sink, WriteFailed, Scope.Scope> =>
  path === "-"
    ? Effect.andThen(checkStandardOutput, acquire(Effect.sync(() => make("-", { stream: process.stdout }, false))))
    : acquire(
        Effect.try({
          try: () => make(path, fileStream(path, options)(), true),
          catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
        })
      )

/** A file that is only created when something is written to it (e.g. the rejects file). */
export const openLazy = (path: string, options?: FileOptions): Effect.Effect<Sink, never, Scope.Scope> =>
  acquire(Effect.sync(() => make(path, fileStream(path, options), true)))

/** A file written by a writer of its own (exceljs): the output's path, for messages, and a stream on its temporary file. */
export interface Staged {
  readonly path: string
  readonly file: Writable
}

/**
 * Writes a file with a writer of its own: `write` gets a stream on the temporary file, which is
 * renamed into place when it succeeds and removed otherwise.
 */
export const staged = <E, R>(
  path: string,
  options: FileOptions,
  write: (target: Staged) => Effect.Effect<void, E | WriteFailed, R>
): Effect.Effect<void, E | WriteFailed, R> =>
  Effect.acquireUseRelease(
    Effect.try({
      try: () => {
        const placement = place(path, options)
        // Opened here, with its mode: the writer never opens (or reopens, once removed) a file itself.
        return { placement, file: createWriteStream("", { fd: openPlacement(placement) }) }
      },
      catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
    }),
    ({ placement, file }) =>
      write({ path, file }).pipe(
        Effect.flatMap(() => Effect.try({ try: () => commitPlacement(placement), catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) }) }))
      ),
    ({ placement, file }) =>
      Effect.sync(() => {
        file.destroy()
        discardPlacement(placement)
      })
  )

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
    try: () => makeParent(path),
    catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
  })
