/**
 * The long-running worker: ensures its topics, serves health and metrics, stores its match rule
 * with the data (`StoredSettings`), sweeps on an interval, publishes what a previous run left staged,
 * and consumes the input topic batch by batch until interrupted (SIGTERM: the batch in flight
 * finishes and commits, then everything disconnects). Start-up is one trace, a `relink.start` span
 * over connecting, creating what is missing and publishing what was left staged; each sweep and
 * each batch is a trace of its own.
 */
import { Clock, Config, Duration, Effect, Layer, Logger, Metric, Schedule, Stream } from "effect"
import { Admin, Client, Consumer, GroupProgress, KafkaConfig, Producer } from "@relink/kafka"
import { Mongo, Pii } from "@relink/mongo"
import * as Store from "./Store.ts"
import * as Engine from "./Engine.ts"
import * as Http from "./Http.ts"
import * as Metrics from "./Metrics.ts"
import { processBatch } from "./Pipeline.ts"
import * as Publisher from "./Publisher.ts"
import * as StoredSettings from "./StoredSettings.ts"
import * as Telemetry from "./Telemetry.ts"
import { sweepOnce } from "./Sweeper.ts"
import * as WorkerConfig from "./WorkerConfig.ts"

export interface Settings {
  readonly kafka: KafkaConfig.KafkaConfig
  readonly mongo: Mongo.MongoSettings
  readonly worker: WorkerConfig.WorkerConfig
}

const keepTrying = Schedule.exponential(Duration.millis(500), 2).pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(15))))
)

/** A clock that stands still at `at` for timestamps but sleeps for real (replays and tests). */
const fixedClock = (at: number, real: Clock.Clock): Clock.Clock => {
  const nanos = BigInt(at) * 1_000_000n
  return {
    currentTimeMillisUnsafe: () => at,
    currentTimeMillis: Effect.succeed(at),
    currentTimeNanosUnsafe: () => nanos,
    currentTimeNanos: Effect.succeed(nanos),
    monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: real.monotonicTimeNanos,
    sleep: (duration) => real.sleep(duration)
  }
}

/** Start-up once the services are there: the topics, the HTTP server, the stored settings, what a previous run left staged. */
const start = (settings: Settings) =>
  Effect.gen(function* () {
    const { kafka, worker } = settings
    yield* Admin.ensureTopics([
      { topic: kafka.topic, numPartitions: worker.partitions },
      { topic: KafkaConfig.deadLetterTopic(kafka.topic), numPartitions: worker.partitions },
      { topic: kafka.flagsTopic, numPartitions: worker.partitions }
    ]).pipe(Effect.retry(keepTrying))
    yield* Layer.build(Http.layer(worker.httpPort))
    // The read side evaluates and explains under these; only MongoDB being away is worth waiting for.
    yield* StoredSettings.save({ rule: worker.rule, policy: worker.policy }).pipe(Effect.retry({ schedule: keepTrying, while: (error) => error._tag === "MongoError" }))
    yield* Publisher.flush.pipe(Effect.retry(keepTrying))
  })

/** The running worker: the sweeper, the metrics, and the consumer until interrupted. */
const program = (settings: Settings) =>
  Effect.gen(function* () {
    const { kafka, worker } = settings
    const metrics = yield* Metrics.Metrics
    yield* sweepOnce.pipe(
      Effect.catch((error) => Effect.logWarning(`sweep failed: ${error.message}`)),
      Effect.repeat(Schedule.spaced(Duration.millis(worker.sweepIntervalMs))),
      Effect.forkScoped
    )
    const store = yield* Store.Store
    // The store counts its round trips; the counter follows it.
    let commandsCounted = 0
    yield* Effect.suspend(() => {
      const sent = store.commandsSent()
      const delta = sent - commandsCounted
      commandsCounted = sent
      return Metric.update(Metrics.mongoCommands, delta)
    }).pipe(Effect.repeat(Schedule.spaced(Duration.seconds(1))), Effect.forkScoped)
    metrics.ready = true
    const committed = (message: string) =>
      GroupProgress.of(kafka.groupId, kafka.topic).pipe(
        Effect.flatMap((progress) =>
          Effect.logInfo(message).pipe(Effect.annotateLogs({ topic: kafka.topic, group: kafka.groupId, committed: GroupProgress.describe(progress), lag: progress.lag }))
        ),
        Effect.catch((error) => Effect.logWarning(`${message}; committed offsets unknown: ${error.message}`).pipe(Effect.annotateLogs({ topic: kafka.topic, group: kafka.groupId })))
      )
    // Runs last of all when the worker stops: after the consumer committed and disconnected.
    yield* Effect.addFinalizer(() => committed("worker stopped"))
    yield* committed("worker consuming")
    yield* GroupProgress.watch(kafka.groupId, kafka.topic, Duration.millis(worker.lagIntervalMs), (progress) =>
      Metric.update(Metrics.consumerLag, progress.lag)
    ).pipe(
      Effect.tapError((error) => Effect.logWarning(`reading the consumer lag failed, retrying: ${error.message}`)),
      Effect.retry(keepTrying),
      Effect.forkScoped
    )
    yield* Consumer.batches({
      groupId: kafka.groupId,
      topics: [kafka.topic],
      fromBeginning: worker.fromBeginning,
      maxBytesPerPartition: worker.batchBytes,
      sessionTimeoutMs: worker.sessionTimeoutMs
    }).pipe(
      Stream.runForEach(processBatch),
      // The consumer gave up (e.g. the brokers were away longer than kafkajs retries): start it again.
      Effect.tapError((error) => Effect.logWarning(`consumer stopped, restarting: ${error.message}`)),
      Effect.retry(keepTrying)
    )
  })

/** Everything the worker needs, from settings and the PII key. */
export const layer = (settings: Settings, piiKey: Parameters<typeof Pii.layer>[0]) => {
  const client = Client.layer(settings.kafka)
  // MongoDB may be away when the worker starts: keep trying instead of exiting (no crash loop).
  const store = Layer.effect(
    Store.Store,
    Store.make(settings.mongo).pipe(
      Effect.tapError((error) => Effect.logWarning(`MongoDB not reachable, retrying: ${error.message}`)),
      Effect.retry(keepTrying)
    )
  )
  const pii = Pii.layer(piiKey)
  const engine = Engine.layer({
    policy: settings.worker.policy,
    rule: settings.worker.rule,
    flagsTopic: settings.kafka.flagsTopic,
    outboxRetentionMs: settings.worker.outboxRetentionMs
  }).pipe(
    Layer.provide(Layer.merge(store, pii))
  )
  return Layer.mergeAll(client, Producer.layer.pipe(Layer.provide(client)), store, pii, engine, Metrics.layer)
}

/** Runs the worker until interrupted. */
export const run = (settings: Settings, piiKey: Parameters<typeof Pii.layer>[0]) => {
  const main = Effect.scoped(
    Effect.gen(function* () {
      // Connecting (MongoDB's collections and indexes too) and the rest of start-up: one trace.
      const services = yield* Effect.gen(function* () {
        const services = yield* Layer.build(layer(settings, piiKey))
        yield* start(settings).pipe(Effect.provideContext(services))
        return services
      }).pipe(Effect.withSpan("relink.start"))
      return yield* program(settings).pipe(Effect.provideContext(services))
    })
  )
  const fixedNow = settings.worker.fixedNow
  return fixedNow === undefined ? main : Clock.clockWith((real) => Effect.provideService(main, Clock.Clock, fixedClock(fixedNow, real)))
}

/** The worker configured entirely from `Config` (environment variables by default), logging JSON lines. */
export const fromEnvironment = Effect.gen(function* () {
  const kafka = yield* KafkaConfig.config
  const mongo = yield* Mongo.config
  const worker = yield* WorkerConfig.config
  const piiKey = yield* Config.Redacted("RELINK_PII_KEY")
  return yield* run({ kafka, mongo, worker }, piiKey)
}).pipe(Effect.provide(Layer.merge(Logger.layer([Logger.consoleJson]), Telemetry.layer("relink-worker"))))
