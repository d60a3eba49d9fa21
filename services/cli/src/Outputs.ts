/**
 * Outputs never touch inputs. Before anything is read, every output a run writes (`--out`, the
 * rejects file) is compared with every file it reads and with the other outputs: by the path it
 * resolves to (symbolic links followed) and, for a file that exists, by device and inode (hard
 * links). A clash is refused before any file is opened. A directory of inputs leaves out the run's
 * own outputs, so a second run never reads what the first one wrote there.
 */
import { realpathSync, statSync } from "node:fs"
import { basename, dirname, join, resolve as absolute } from "node:path"
import { Effect } from "effect"
import { OutputClash } from "./Errors.ts"
import type * as Sources from "./Sources.ts"

/** An output of the run, and how to name it in an error: "--out", "the default rejects file". */
export interface Output {
  readonly what: string
  readonly path: string
}

/** The path with every existing part resolved; a part that does not exist yet is kept as written. */
const resolved = (path: string): string => {
  const whole = absolute(path)
  try {
    return realpathSync(whole)
  } catch {
    const parent = dirname(whole)
    return parent === whole ? whole : join(resolved(parent), basename(whole))
  }
}

interface Identity {
  readonly path: string
  /** `dev:ino` of an existing regular file. */
  readonly inode: string | undefined
  /** A device, FIFO or directory: writing it destroys no file (`/dev/null`). */
  readonly special: boolean
}

const identify = (path: string): Identity => {
  try {
    const stats = statSync(path)
    return { path: resolved(path), inode: stats.isFile() ? `${stats.dev}:${stats.ino}` : undefined, special: !stats.isFile() }
  } catch {
    return { path: resolved(path), inode: undefined, special: false }
  }
}

const same = (a: Identity, b: Identity): boolean => a.path === b.path || (a.inode !== undefined && a.inode === b.inode)

const files = (outputs: ReadonlyArray<Output>): ReadonlyArray<Output> => outputs.filter((o) => o.path !== "-")

/** Whether a file is one of the outputs: what a directory of inputs must skip. */
export const isOutput =
  (outputs: ReadonlyArray<Output>) =>
  (path: string): boolean => {
    const file = identify(path)
    return files(outputs).some((o) => same(identify(o.path), file))
  }

/** Fails with one line when an output is one of the inputs, or two outputs are one file. */
export const guard = (outputs: ReadonlyArray<Output>, inputs: ReadonlyArray<Sources.Source>): Effect.Effect<void, OutputClash> =>
  Effect.suspend(() => {
    const written = files(outputs)
      .map((output) => ({ output, identity: identify(output.path) }))
      .filter((o) => !o.identity.special)
    for (const { output, identity } of written) {
      for (const input of inputs) {
        if (input.path !== "-" && same(identity, identify(input.path))) {
          const hint = output.what.startsWith("the default") ? "name another with --rejects" : "choose another path"
          return Effect.fail(
            new OutputClash({ what: output.what, path: output.path, clash: `is the input ${input.path}: writing it would destroy what is read; ${hint}` })
          )
        }
      }
    }
    for (const [i, a] of written.entries()) {
      for (const b of written.slice(i + 1)) {
        if (same(a.identity, b.identity)) {
          return Effect.fail(new OutputClash({ what: a.output.what, path: a.output.path, clash: `and ${b.output.what} ${b.output.path} are the same file; choose two paths` }))
        }
      }
    }
    return Effect.void
  })
