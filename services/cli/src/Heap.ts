/**
 * A full garbage collection on request. The embedded scan calls it twice: when the fold is done
 * (the fold leaves the old generation full of its garbage; without a full collection there,
 * what follows moved far more to the old generation) and between evaluating and matching (the
 * projections released while evaluating are then free room for matching, instead of garbage that
 * matching grows the heap past). See the README's benchmarks for the numbers.
 *
 * Node exposes `gc` only behind `--expose-gc`; V8 reads that flag when a context is created, so a
 * new context made after setting it has the function.
 */
import { Effect } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

let gc: (() => void) | undefined

/** Runs a full, compacting collection now. */
export const collectNow = (): void => {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc")
    gc = runInNewContext("gc") as () => void
  }
  gc()
}

export const collect: Effect.Effect<void> = Effect.sync(collectNow)
