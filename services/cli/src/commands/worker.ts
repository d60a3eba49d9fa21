/**
 * `relink worker`: the long-running worker (`@relink/worker`) — Kafka → core → MongoDB, sweeper,
 * dead letters, status events, health and metrics — started from the command line. Every flag
 * stands for one of the worker's environment variables and overrides it; whatever no flag gives
 * comes from the environment, as for `relink-worker`. The PII key comes only from the environment.
 */
import { Config, ConfigProvider, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Worker } from "@relink/worker"
import { BadArgument, BadAsOf, type CommandError, type InputTooLarge, ServiceFailed, Usage } from "../Errors.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as Settings from "../Settings.ts"
import { parseAsOf } from "../Time.ts"
import * as Shared from "./shared.ts"

const COMMAND = "relink worker"

export interface WorkerFlags {
  readonly brokers: Option.Option<string>
  readonly mongo: Option.Option<string>
  readonly database: Option.Option<string>
  readonly topic: Option.Option<string>
  readonly flagsTopic: Option.Option<string>
  readonly group: Option.Option<string>
  readonly httpPort: Option.Option<number>
  readonly partitions: Option.Option<number>
  readonly now: Option.Option<string>
  readonly rule: Option.Option<string>
}

/** Each flag, and the environment variable (the worker's `Config` name) it overrides. */
export const variables = {
  brokers: { flag: "--brokers", variable: "KAFKA_BROKERS" },
  mongo: { flag: "--mongo", variable: "MONGODB_URI" },
  database: { flag: "--database", variable: "MONGODB_DATABASE" },
  topic: { flag: "--topic", variable: "RELINK_TOPIC" },
  flagsTopic: { flag: "--flags-topic", variable: "RELINK_FLAGS_TOPIC" },
  group: { flag: "--group", variable: "KAFKA_GROUP_ID" },
  httpPort: { flag: "--http-port", variable: "RELINK_HTTP_PORT" },
  partitions: { flag: "--partitions", variable: "RELINK_PARTITIONS" },
  now: { flag: "--now", variable: "RELINK_NOW" },
  rule: { flag: "--rule", variable: "RELINK_MATCH_RULE" }
} as const satisfies Record<keyof WorkerFlags, { readonly flag: string; readonly variable: string }>

/** Variable → flag, to name the flag in an error about its variable. */
export const flagOfVariable: Readonly<Record<string, string>> = Object.fromEntries(Object.values(variables).map(({ flag, variable }) => [variable, flag]))

/** What the worker cannot start without. */
export const required: ReadonlyArray<Settings.Required> = [
  { variable: "KAFKA_BROKERS", flag: "--brokers", what: "Kafka brokers", metavar: "HOST:PORT[,HOST:PORT…]" },
  { variable: "MONGODB_URI", flag: "--mongo", what: "MongoDB connection string", metavar: "URI" },
  Settings.piiKey
]

/**
 * The flags given, as the worker's environment variables. `--now` takes what `--as-of` takes (a
 * date is the end of that day, China Standard Time) and becomes an ISO instant for `RELINK_NOW`.
 * `--rule` names a file whose rule, checked, becomes `RELINK_MATCH_RULE`: a rule with many name
 * frequencies is larger than an environment variable may be (128 KiB on Linux).
 */
export const settingsOf = (flags: WorkerFlags): Effect.Effect<Record<string, string>, BadArgument | BadAsOf | InputTooLarge | Usage> =>
  Effect.gen(function* () {
    let now: string | undefined
    if (Option.isSome(flags.now)) {
      const at = parseAsOf(flags.now.value)
      if (at === undefined) return yield* new BadAsOf({ value: flags.now.value, flag: "--now" })
      now = new Date(at).toISOString()
    }
    for (const key of ["httpPort", "partitions"] as const) {
      const value = flags[key]
      const minimum = key === "httpPort" ? 0 : 1
      if (Option.isSome(value) && (value.value < minimum || (key === "httpPort" && value.value > 65535))) {
        return yield* new Usage({ command: COMMAND, reason: `${variables[key].flag} ${value.value} is out of range (${key === "httpPort" ? "0–65535; 0 picks a free port" : "1 or more"})` })
      }
    }
    return Settings.variablesOf({
      [variables.brokers.variable]: Settings.given(flags.brokers),
      [variables.mongo.variable]: Settings.given(flags.mongo),
      [variables.database.variable]: Settings.given(flags.database),
      [variables.topic.variable]: Settings.given(flags.topic),
      [variables.flagsTopic.variable]: Settings.given(flags.flagsTopic),
      [variables.group.variable]: Settings.given(flags.group),
      [variables.httpPort.variable]: Settings.given(flags.httpPort),
      [variables.partitions.variable]: Settings.given(flags.partitions),
      [variables.now.variable]: now,
      [variables.rule.variable]: Option.isSome(flags.rule) ? JSON.stringify(yield* Shared.readRule(flags.rule)) : undefined
    })
  })

/** The worker's configuration: the flags over the environment, required settings checked. */
export const providerFor = (
  flags: WorkerFlags,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<ConfigProvider.ConfigProvider, BadArgument | BadAsOf | InputTooLarge | Usage> =>
  Effect.gen(function* () {
    const provider = Settings.providerOf(yield* settingsOf(flags), env)
    yield* Settings.requireAll(COMMAND, provider, required)
    yield* Settings.readPiiKey(COMMAND, provider)
    return provider
  })

/** The worker's own failures, as one line each. */
const commandError = (error: unknown): CommandError => {
  if (error instanceof Config.ConfigError) return new Usage({ command: COMMAND, reason: Settings.configReason(error, flagOfVariable) })
  if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "PiiError" && "reason" in error) {
    return new Usage({ command: COMMAND, reason: String(error.reason) })
  }
  return new ServiceFailed({ reason: error instanceof Error ? error.message : String(error) })
}

/** Runs the worker until interrupted (then exits 0) or until it fails. */
export const runWorker = (flags: WorkerFlags, env: Readonly<Record<string, string | undefined>> = process.env): Effect.Effect<void, CommandError> =>
  Effect.gen(function* () {
    const provider = yield* providerFor(flags, env)
    yield* Lifecycle.stopsOnSignal
    yield* Worker.fromEnvironment.pipe(Effect.provideService(ConfigProvider.ConfigProvider, provider), Effect.mapError(commandError))
  })

const described = (flag: keyof WorkerFlags, text: string) => `${text} [env: ${variables[flag].variable}]`

export const worker = Command.make(
  "worker",
  {
    brokers: Flag.String("brokers").pipe(
      Flag.withMetavar("HOST:PORT[,…]"),
      Flag.withDescription(described("brokers", "Kafka bootstrap brokers, comma-separated. Required")),
      Flag.optional
    ),
    mongo: Flag.String("mongo").pipe(
      Flag.withMetavar("URI"),
      Flag.withDescription(described("mongo", "MongoDB connection string (mongodb://…; a replica set, a sharded cluster or FerretDB). Required")),
      Flag.optional
    ),
    database: Flag.String("database").pipe(Flag.withMetavar("NAME"), Flag.withDescription(described("database", "MongoDB database. Default: relink")), Flag.optional),
    topic: Flag.String("topic").pipe(
      Flag.withMetavar("TOPIC"),
      Flag.withDescription(described("topic", "Input topic of events; malformed messages go to <topic>.DLT. Default: relink.events")),
      Flag.optional
    ),
    flagsTopic: Flag.String("flags-topic").pipe(
      Flag.withMetavar("TOPIC"),
      Flag.withDescription(described("flagsTopic", "Where MemberStatusChanged, MatchProposed and MemberRelinked go. Default: relink.flags")),
      Flag.optional
    ),
    group: Flag.String("group").pipe(
      Flag.withMetavar("GROUP_ID"),
      Flag.withDescription(described("group", "Kafka consumer group; more workers in one group share the partitions. Default: relink-worker")),
      Flag.optional
    ),
    httpPort: Flag.Int("http-port").pipe(
      Flag.withMetavar("PORT"),
      Flag.withDescription(described("httpPort", "Port of /healthz, /readyz and /metrics (Prometheus); 0 picks a free one. Default: 9464")),
      Flag.optional
    ),
    partitions: Flag.Int("partitions").pipe(
      Flag.withMetavar("N"),
      Flag.withDescription(described("partitions", "Partitions of the topics the worker creates when they are missing. Default: 6")),
      Flag.optional
    ),
    now: Flag.String("now").pipe(
      Flag.withMetavar("DATE|INSTANT"),
      Flag.withDescription(
        described("now", "Evaluate and sweep as of this fixed instant instead of the clock (replays, tests): 2026-11-27 (end of that day, China Standard Time) or an ISO instant. Default: the clock")
      ),
      Flag.optional
    ),
    rule: Shared.rule.pipe(
      Flag.withDescription(described("rule", "The match rule, as a JSON file (what relink train writes); the file is read and checked at start. Default: the built-in rule"))
    )
  },
  (flags) => runWorker(flags)
).pipe(
  Command.withDescription(
    "Run the worker until stopped: consume events from Kafka, store them and every member's projection and status in MongoDB (each event inserted once under its eventId, each member written only over the version it was read at, outputs kept until published, offsets committed after the writes they cover: a redelivered message changes nothing), send malformed messages to <topic>.DLT, propose matches, publish status changes to the flags topic, and sweep for members whose status changes with time. Each flag overrides its environment variable (shown in brackets); the rest of the worker's settings come from the environment too (KAFKA_CLIENT_ID, KAFKA_SSL, KAFKA_SASL_MECHANISM/USERNAME/PASSWORD, RELINK_SWEEP_INTERVAL_MS, RELINK_LAG_INTERVAL_MS, RELINK_FROM_BEGINNING, RELINK_POLICY, RELINK_MATCH_RULE). The key that encrypts ID numbers and phones at rest is read from RELINK_PII_KEY only — never a flag, which would show in ps. Logs are JSON lines on standard output. SIGTERM or Ctrl-C finishes the batch in flight, commits, disconnects and exits 0."
  ),
  Command.withShortDescription("The long-running worker: Kafka → MongoDB, sweeper, dead letters, status events"),
  Command.withExamples([
    {
      command: "RELINK_PII_KEY=$(cat /run/secrets/relink-pii) relink worker --brokers kafka1:9092,kafka2:9092 --mongo mongodb://db1,db2/?replicaSet=rs0",
      description: "production: one of several workers in the group relink-worker"
    },
    {
      command: "relink worker --brokers localhost:9092 --mongo mongodb://localhost:27017 --topic replay.events --group replay --database replay --now 2026-11-27",
      description: "a replay of an export as of a fixed instant, into its own database"
    }
  ])
)
