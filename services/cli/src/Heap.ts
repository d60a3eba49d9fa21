/**
 * A full garbage collection on request. An embedded scan calls it once, when the fold is done: the
 * fold leaves the old generation full of its garbage, and without a full collection there the
 * matching that follows moved four times as much to the old generation (its short-lived persons
 * and keys), which is what set the scan's peak memory (see the README's benchmarks).
 *
 * Node exposes `gc` only behind `--expose-gc`; V8 reads that flag when a context is created, so a
 * new context made after setting it has the function.
 */
import { Effect } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

let gc: (() => void) | undefined

const load = (): (() => void) => {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc")
    gc = runInNewContext("gc") as () => void
  }
  return gc
}

/** Runs a full, compacting collection now. */
export const collect: Effect.Effect<void> = Effect.sync(() => load()())
