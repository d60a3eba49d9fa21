#!/usr/bin/env node
/**
 * The `relink` executable. Exit codes: 0 done (and `relink worker` stopped by SIGTERM or Ctrl-C);
 * 1 the command failed (missing events file, unknown organisation, an output that cannot be
 * written — a closed or full standard output too —, Kafka or MongoDB failing, no valid event
 * read…); 2 wrong arguments or inputs (a flag out of its bounds, a bad --as-of, an output that is
 * an input, a required setting given neither as a flag nor in the environment, an unusable rule,
 * an input past its limits, binary data or no export of events, no review file or refused rows
 * of one); 130 interrupted by SIGINT, 143
 * by SIGTERM; 141 standard output was closed by its reader. Every failure is one line on standard
 * error: `relink: <what went wrong>`, or `relink <command>: <what> (see … --help)` for a wrong
 * invocation.
 *
 * A signal stops any command within two seconds, whatever it is doing: long work runs in slices
 * that let the signal through (`Turns`), and what the command's finalizers wait for — a broker, a
 * database or a collector that never answers — gets a second (`Lifecycle`). The file being
 * replaced stays as it was and no temporary file is left (`Sink`). A second signal exits at once.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit } from "effect"
import { CliError } from "effect/cli"
import { Telemetry } from "@relink/worker"
import { run } from "./Cli.ts"
import { isArgumentError, isCommandError } from "./Errors.ts"
import * as Heap from "./Heap.ts"
import * as Invocation from "./Invocation.ts"
import * as Terminal from "./render/Terminal.ts"
import { interruptedExitCode, recordSignals } from "./Lifecycle.ts"

/** One line on standard error: messages name paths and ids from the input, so they are cleaned for a terminal. */
const line = (text: string): void => void process.stderr.write(`${Terminal.clean(text)}\n`)

/** Reports a failed run on standard error; returns the exit code. */
export const report = (cause: Cause.Cause<unknown>): number => {
  if (Cause.hasInterruptsOnly(cause)) return interruptedExitCode()
  const error = Cause.squash(cause)
  if (CliError.isCliError(error)) {
    // Wrong invocations were already printed as one line by the presenter; bare help is no error.
    if (error._tag === "ShowHelp") return error.errors.length === 0 ? 0 : 2
    line(`relink: ${error.message.replace(/\s*\n\s*/g, " ")}`)
    return 2
  }
  if (isCommandError(error)) {
    if (isArgumentError(error)) {
      line(error._tag === "Usage" ? error.message : `relink: ${error.message}`)
      return 2
    }
    // The reader of standard output went away (`relink scan … | head`): stop quietly, as on SIGPIPE.
    if (error._tag === "WriteFailed" && error.path === "-" && error.reason === "broken pipe") return 141
    line(`relink: ${error.message}`)
    return 1
  }
  const message = error instanceof Error ? error.message : String(error)
  line(`relink: unexpected error: ${message}`)
  if (process.env["RELINK_DEBUG"] !== undefined) process.stderr.write(`${Cause.pretty(cause)}\n`)
  return 1
}

// `pnpm relink …` runs in the repository root: relative paths are taken from where the user typed it.
const directory = Invocation.current.directory
if (directory !== undefined) {
  try {
    process.chdir(directory)
  } catch (error) {
    line(`relink: cannot work in ${directory}, the directory pnpm was run from: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}

const args = process.argv.slice(2)
const command = args.find((arg) => !arg.startsWith("-"))

/**
 * A command is one span, `relink <command>`, sent to an OpenTelemetry collector when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing is sent otherwise). `relink worker` traces its
 * batches itself, and a span as long as the process would say nothing.
 */
const traced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  command === undefined || command === "worker"
    ? effect
    : effect.pipe(Effect.withSpan(`relink ${command}`, { attributes: { "relink.command": command } }), Effect.provide(Telemetry.layer("relink")))

const main = Effect.exit(traced(run(args))).pipe(
  Effect.map((exit) => {
    if (Exit.isFailure(exit)) process.exitCode = report(exit.cause)
  }),
  Effect.provide(NodeServices.layer)
)

// kafkajs 2.2.4 hands setTimeout a negative delay on every connection (tulios/kafkajs#1751), which
// Node 24 reports as a TimeoutNegativeWarning: harmless, and not for a person at a terminal to read.
// Every other warning is printed as Node prints it.
process.removeAllListeners("warning")
process.on("warning", (warning: Error & { readonly code?: string }) => {
  if (warning.name === "TimeoutNegativeWarning") return
  process.stderr.write(`(node:${process.pid}) ${warning.code === undefined ? "" : `[${warning.code}] `}${warning.name}: ${warning.message}\n`)
})

// An embedded scan holds a gigabyte per million members: a heap that grows by at most a third past
// what is live keeps its peak within a known margin (see Heap.ts and docs/benchmarks.md).
Heap.boundGrowth(35)

// For benchmarks: the process's own peak memory and CPU time, on standard error at exit.
if (process.env["RELINK_STATS"] !== undefined) {
  process.on("exit", () => {
    const usage = process.resourceUsage()
    process.stderr.write(
      `relink-stats ${JSON.stringify({ maxRssBytes: usage.maxRSS * 1024, userSeconds: usage.userCPUTime / 1e6, systemSeconds: usage.systemCPUTime / 1e6 })}\n`
    )
  })
}

recordSignals()

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  // Interrupted by a signal: `main` never got to set the exit code.
  teardown: (exit, onExit) => onExit(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? interruptedExitCode() : Exit.isFailure(exit) ? 1 : 0)
})
