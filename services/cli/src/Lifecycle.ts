/**
 * What an interruption (SIGINT, SIGTERM) means for the exit code. A command cut short exits as a
 * shell expects of a process the signal ended: 130 for SIGINT (Ctrl-C), 143 for SIGTERM. `relink
 * worker` runs until it is told to stop, so for it SIGTERM is the normal end: it finishes the batch
 * in flight, commits, disconnects and exits 0.
 */
import { Effect } from "effect"

let stopsNormally = false
let signal: "SIGINT" | "SIGTERM" = "SIGINT"

/** Declares that the running command ends normally when interrupted (exit code 0). */
export const stopsOnSignal: Effect.Effect<void> = Effect.sync(() => {
  stopsNormally = true
})

/** Notes which signal arrives; the runtime's own handlers interrupt the command. */
export const recordSignals = (): void => {
  for (const name of ["SIGINT", "SIGTERM"] as const) process.on(name, () => void (signal = name))
}

/** The exit code of an interrupted run. */
export const interruptedExitCode = (): number => (stopsNormally ? 0 : signal === "SIGTERM" ? 143 : 130)
