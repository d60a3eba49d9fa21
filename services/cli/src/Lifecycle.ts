/**
 * What an interruption (SIGINT, SIGTERM) means for the exit code. A command cut short exits 130,
 * as a shell expects of Ctrl-C; `relink worker` runs until it is told to stop, so for it SIGTERM is
 * the normal end: it finishes the batch in flight, commits, disconnects and exits 0.
 */
import { Effect } from "effect"

let onInterrupt = 130

/** Declares that the running command ends normally when interrupted (exit code 0). */
export const stopsOnSignal: Effect.Effect<void> = Effect.sync(() => {
  onInterrupt = 0
})

/** The exit code of an interrupted run. */
export const interruptedExitCode = (): number => onInterrupt
