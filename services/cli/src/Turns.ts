/**
 * Long work in slices, with a turn of the event loop between them. While JavaScript runs, no
 * signal handler, timer or output drain does, and a resolved promise does not leave the current
 * task: a command that folds a million members in one go would see SIGINT only when done. So the
 * core's long folds come in steps (`Steps`), which `drive` runs a slice at a time, and the loops
 * that write outputs take a turn whenever a slice has run (`due`, `take`). A signal is then seen
 * within a slice (`SLICE_MS`), and after it, work waiting for its turn is not resumed: the process
 * is ending.
 */
import { Effect } from "effect"
import { Steps } from "@relink/core"
import * as Lifecycle from "./Lifecycle.ts"

/** How long work runs before the event loop turns: short beside the second a signal may take. */
export const SLICE_MS = 50

let sliceStarted = performance.now()

/** Whether the work in the current task has run for a slice. */
export const due = (): boolean => performance.now() - sliceStarted >= SLICE_MS

/** Resolves once the event loop has turned (timers, signals and I/O have run); after a signal, never. */
export const take = (): Promise<void> =>
  new Promise((resolve) =>
    setImmediate(() => {
      sliceStarted = performance.now()
      if (!Lifecycle.stopping()) resolve()
    })
  )

const turn: Effect.Effect<void> = Effect.promise(take)

/** Runs the steps a slice at a time, the event loop turning in between; interruptible at each turn. */
export const drive = <A>(steps: Steps.Steps<A>): Effect.Effect<A> => {
  const slice = (): Effect.Effect<A> => {
    for (;;) {
      const next = steps.next()
      if (next.done === true) return Effect.succeed(next.value)
      if (due()) return Effect.flatMap(turn, slice)
    }
  }
  return Effect.suspend(slice)
}

/** Calls `f` on each item, a slice at a time. */
export const each = <A>(items: Iterable<A>, f: (item: A) => void): Effect.Effect<void> => drive(Steps.each(items, f))
