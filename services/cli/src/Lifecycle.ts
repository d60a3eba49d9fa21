/**
 * What a signal (SIGINT, SIGTERM) means for the process. A command cut short exits as a shell
 * expects of a process the signal ended: 130 for SIGINT (Ctrl-C), 143 for SIGTERM. `relink worker`
 * runs until it is told to stop, so for it SIGTERM is the normal end: it finishes the batch in
 * flight, commits, disconnects and exits 0.
 *
 * The runtime interrupts the command on the signal; its finalizers remove temporary files and close
 * connections. Whatever they wait for (a broker or a collector that never answers, a pipe nobody
 * reads) gets `GRACE_MS`: then the process exits all the same, with the same code, its temporary
 * files removed on the way out (`Sink`). A second signal exits at once.
 */
import { Effect } from "effect"

/** How long a command's finalizers have after a signal before the process exits without them. */
export const GRACE_MS = 1000

let stopsNormally = false
let signal: "SIGINT" | "SIGTERM" | undefined

/** Declares that the running command ends normally when interrupted (exit code 0). */
export const stopsOnSignal: Effect.Effect<void> = Effect.sync(() => {
  stopsNormally = true
})

/** The exit code of an interrupted run. */
export const interruptedExitCode = (): number => (stopsNormally ? 0 : signal === "SIGTERM" ? 143 : 130)

/** Whether a signal arrived: the process is ending, and long work has no reason to go on. */
export const stopping = (): boolean => signal !== undefined

/**
 * Notes which signal arrives and bounds how long the process outlives it; the runtime's own
 * handlers interrupt the command.
 */
export const recordSignals = (): void => {
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.on(name, () => {
      if (signal !== undefined) process.exit(interruptedExitCode())
      signal = name
      setTimeout(() => process.exit(interruptedExitCode()), GRACE_MS).unref()
    })
  }
}
