/**
 * The `relink` command tree. Each subcommand lives in its own module under `commands/`; adding one
 * means writing the module and listing it here.
 */
import { Effect, Layer } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import { demo } from "./commands/demo.ts"
import { orgs } from "./commands/orgs.ts"
import { publish } from "./commands/publish.ts"
import { report } from "./commands/report.ts"
import { importCommand } from "./commands/import.ts"
import { resolve } from "./commands/resolve.ts"
import { scan } from "./commands/scan.ts"
import { simulate } from "./commands/simulate.ts"
import { train } from "./commands/train.ts"
import { worker } from "./commands/worker.ts"

export const version = "0.1.0"

export const subcommands = [simulate, scan, report, resolve, importCommand, orgs, train, demo, worker, publish] as const

export const relink = Command.make("relink").pipe(
  Command.withDescription(
    "relink keeps every party member linked to a party organisation: it works out, from events, who has lost contact (失联), who is floating without registering (流出未报到), who is stuck in a transfer (转接逾期), which organisation must find each of them, and which registrations or leads are probably them."
  ),
  Command.withSubcommands(subcommands),
  Command.withExamples([
    { command: "relink simulate --members 2000 --seed 1 --out out/demo", description: "realistic synthetic events" },
    { command: "relink report unlinked --events out/demo/events.ndjson --out out/demo/unlinked.xlsx", description: "the list to act on" },
    { command: "RELINK_PII_KEY=… relink worker --brokers localhost:9092 --mongo mongodb://localhost:27017", description: "the worker, until SIGTERM" },
    { command: "relink publish --events out/demo/events.ndjson --brokers localhost:9092", description: "an export into the worker's topic" },
    {
      command: "RELINK_PII_KEY=… relink report unlinked --mongo mongodb://localhost:27017 --out out/unlinked.xlsx",
      description: "the same list from the worker's MongoDB state"
    }
  ])
)

/** `relink scan: Missing required flag: --events (see relink scan --help)` */
export const invocationError = (commandPath: ReadonlyArray<string>, errors: ReadonlyArray<CliError.CliError>): string => {
  const command = commandPath.length === 0 ? "relink" : commandPath.join(" ")
  const messages = errors.map((e) => e.message.replace(/\s*\n\s*/g, " ").trim())
  return `${command}: ${messages.join("; ")} (see ${command} --help)`
}

/**
 * Help and version on standard output as effect/cli formats them; a wrong invocation as one line
 * on standard error, not the whole help page.
 */
export const presenter: CliOutput.Presenter = {
  present: (event) =>
    Effect.gen(function* () {
      switch (event._tag) {
        case "InvalidInvocation":
          yield* Effect.sync(() => process.stderr.write(`${invocationError(event.commandPath, event.errors)}\n`))
          return
        default:
          return yield* CliOutput.defaultPresenter.present(event)
      }
    })
}

export const outputLayer = Layer.mergeAll(
  CliOutput.layerPresenter(presenter),
  CliOutput.layer(CliOutput.defaultFormatter({ colors: false, globalFlags: "summary" }))
)

/** Runs the command tree on the given arguments (without `node` and the script). */
export const run = (args: ReadonlyArray<string>) => Command.runWith(relink, { version, renderErrors: true })(args).pipe(Effect.provide(outputLayer))
