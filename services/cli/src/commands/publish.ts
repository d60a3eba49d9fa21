/**
 * `relink publish`: loads an export of events into Kafka for the worker — every line as one message,
 * keyed as the contract says (`memberId`, else `eventId`), read the way `relink scan` reads (files,
 * directories, gzip, standard input) and sent as fast as the broker takes it. Lines that do not
 * decode are sent too: the worker puts them on the dead-letter topic, as it would a bad producer's.
 */
import { Config, Effect, Layer, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { Admin, Client, KafkaConfig, Producer } from "@relink/kafka"
import { Publish, WorkerConfig } from "@relink/worker"
import { type CommandError, ServiceFailed, Usage } from "../Errors.ts"
import * as Progress from "../Progress.ts"
import * as Settings from "../Settings.ts"
import * as Sources from "../Sources.ts"
import * as Shared from "./shared.ts"

const COMMAND = "relink publish"

export interface PublishFlags {
  readonly events: string
  readonly brokers: Option.Option<string>
  readonly topic: Option.Option<string>
  readonly partitions: Option.Option<number>
  readonly maxInputBytes: number
  readonly quiet: boolean
}

const flagOfVariable = { KAFKA_BROKERS: "--brokers", RELINK_TOPIC: "--topic", RELINK_PARTITIONS: "--partitions" }

/** The flags given, as the environment variables they override (the worker's names). */
export const settingsOf = (flags: Pick<PublishFlags, "brokers" | "topic" | "partitions">): Record<string, string> =>
  Settings.variablesOf({
    KAFKA_BROKERS: Settings.given(flags.brokers),
    RELINK_TOPIC: Settings.given(flags.topic),
    RELINK_PARTITIONS: Settings.given(flags.partitions)
  })

/** Kafka settings and the partition count for a topic that does not exist yet. */
export const configFor = (
  flags: Pick<PublishFlags, "brokers" | "topic" | "partitions">,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<{ readonly kafka: KafkaConfig.KafkaConfig; readonly partitions: number }, Usage> =>
  Effect.gen(function* () {
    if (Option.isSome(flags.partitions) && flags.partitions.value < 1) {
      return yield* new Usage({ command: COMMAND, reason: `--partitions ${flags.partitions.value} is out of range (1 or more)` })
    }
    const provider = Settings.providerOf(settingsOf(flags), env)
    yield* Settings.requireAll(COMMAND, provider, [{ variable: "KAFKA_BROKERS", flag: "--brokers", what: "Kafka brokers", metavar: "HOST:PORT[,HOST:PORT…]" }])
    return yield* Settings.read(
      COMMAND,
      provider,
      Config.all({ kafka: KafkaConfig.config, partitions: WorkerConfig.config.pipe(Config.map((c) => c.partitions)) }),
      flagOfVariable
    )
  })

/**
 * Sends lines to the topic the flags name, creating it when missing, keyed as the contract says:
 * what `relink publish` does with an export and `relink resolve` with its decisions.
 */
export const publishStream = (
  flags: Pick<PublishFlags, "brokers" | "topic" | "partitions">,
  lines: Stream.Stream<string, CommandError>,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<{ readonly published: number; readonly topic: string }, CommandError> =>
  Effect.gen(function* () {
    const { kafka, partitions } = yield* configFor(flags, env)
    const client = Client.layer(kafka)
    const published = yield* Effect.gen(function* () {
      yield* Admin.ensureTopics([{ topic: kafka.topic, numPartitions: partitions }])
      return yield* Publish.publishLines(kafka.topic, lines)
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(client, Producer.layer.pipe(Layer.provide(client)))),
      Effect.catchTag("KafkaError", (error) => Effect.fail(new ServiceFailed({ reason: error.message })))
    )
    return { published, topic: kafka.topic }
  })

/** Publishes every line of the sources; says how many went to which topic. */
export const runPublish = (
  flags: PublishFlags,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<{ readonly published: number; readonly topic: string }, CommandError> =>
  Effect.gen(function* () {
    // The settings first: a missing broker is said before any input is opened.
    const { kafka } = yield* configFor(flags, env)
    const sources = yield* Sources.resolve(flags.events)
    const started = performance.now()
    const progress = Progress.make({ unit: "lines", enabled: !flags.quiet && process.stderr.isTTY === true })
    let read = 0
    const lines = Sources.lines(sources, Sources.readLimit(Sources.defaultMaxLineBytes, flags.maxInputBytes)).pipe(
      Stream.mapArray((chunk) => {
        read += chunk.length
        progress.update({ label: `publish to ${kafka.topic}`, events: read })
        return chunk
      })
    )
    const { published } = yield* publishStream(flags, lines, env).pipe(Effect.ensuring(Effect.sync(() => progress.done())))
    const seconds = (performance.now() - started) / 1000
    yield* Shared.note(
      flags.quiet,
      `published ${Progress.count(published, "line")} to ${kafka.topic} in ${seconds.toFixed(1)} s` +
        (seconds > 0 && published > 0 ? ` (${Progress.rate(published / seconds).replace("/s", " messages/s")})` : "")
    )
    return { published, topic: kafka.topic }
  })

/**
 * The flags of a command that publishes what it makes to the worker's topic instead of writing it
 * (`relink resolve`, `relink import`), `brokers` described by the command: what goes, and its alternative.
 */
export const publishedWith = (brokers: string) => ({
  brokers: Flag.String("brokers").pipe(Flag.withMetavar("HOST:PORT[,…]"), Flag.withDescription(brokers), Flag.optional),
  topic: Flag.String("topic").pipe(Flag.withMetavar("TOPIC"), Flag.withDescription("With --brokers: the worker's input topic. Default: relink.events [env: RELINK_TOPIC]"), Flag.optional),
  partitions: Flag.Int("partitions").pipe(
    Flag.withMetavar("N"),
    Flag.withDescription("With --brokers: partitions of the topic when it has to be created. Default: 6 [env: RELINK_PARTITIONS]"),
    Flag.optional
  )
})

export const publish = Command.make(
  "publish",
  {
    events: Shared.events,
    brokers: Flag.String("brokers").pipe(
      Flag.withMetavar("HOST:PORT[,…]"),
      Flag.withDescription("Kafka bootstrap brokers, comma-separated. Required [env: KAFKA_BROKERS]"),
      Flag.optional
    ),
    topic: Flag.String("topic").pipe(Flag.withMetavar("TOPIC"), Flag.withDescription("The worker's input topic. Default: relink.events [env: RELINK_TOPIC]"), Flag.optional),
    partitions: Flag.Int("partitions").pipe(
      Flag.withMetavar("N"),
      Flag.withDescription("Partitions of the topic when it has to be created (an existing topic is left as it is). Default: 6 [env: RELINK_PARTITIONS]"),
      Flag.optional
    ),
    maxInputBytes: Shared.maxInputBytes,
    quiet: Shared.quiet
  },
  (flags) => Effect.asVoid(runPublish(flags))
).pipe(
  Command.withDescription(
    "Load an export of events into Kafka for the worker: one message per line, keyed by memberId (else eventId) as the event contract says, so each member's events stay on one partition. Creates the topic when it is missing. Lines that do not decode are sent as they are; the worker puts them on <topic>.DLT. Kafka TLS and SASL settings come from the environment (KAFKA_SSL, KAFKA_SASL_MECHANISM/USERNAME/PASSWORD), as for the worker."
  ),
  Command.withShortDescription("Load an export of events into Kafka"),
  Command.withExamples([
    { command: "relink publish --events out/demo/events.ndjson --brokers localhost:9092", description: "into relink.events" },
    { command: "zcat exports/*.ndjson.gz | relink publish --events - --brokers localhost:9092 --topic replay.events --partitions 12" }
  ])
)
