/**
 * Driving the real worker from tests: a child process of `services/worker/src/main.ts` with its
 * own topic, consumer group and database, plus publishing, waiting for catch-up and reading the
 * resulting MongoDB state back in the embedded scan's terms.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { MongoClient } from "mongodb"
import { Effect, Layer, Redacted, Stream } from "effect"
import { Admin, Client, GroupProgress, type KafkaConfig, Producer } from "@relink/kafka"
import { Pii } from "@relink/mongo"
import { Publish, Snapshot, Store } from "@relink/worker"

const MAIN = fileURLToPath(new URL("../../../services/worker/src/main.ts", import.meta.url))
export const PII_KEY = "integration-test-key-0123456789abcdef"

export interface Setup {
  readonly brokers: string
  readonly mongoUri: string
  readonly topic: string
  readonly groupId: string
  readonly database: string
  readonly partitions: number
  readonly asOf: number
}

let sequence = 0
export const freshSetup = (brokers: string, mongoUri: string, asOf: number, partitions = 4): Setup => {
  const id = `${process.pid}-${Date.now()}-${++sequence}`
  return { brokers, mongoUri, topic: `events-${id}`, groupId: `worker-${id}`, database: `relink-${id}`.slice(0, 60), partitions, asOf }
}

export const kafkaConfig = (setup: Setup): KafkaConfig.KafkaConfig => ({
  brokers: setup.brokers.split(","),
  clientId: "relink-test",
  groupId: setup.groupId,
  topic: setup.topic,
  flagsTopic: `${setup.topic}.flags`,
  ssl: false
})

const kafkaLayer = (setup: Setup) => {
  const client = Client.layer(kafkaConfig(setup))
  return Layer.merge(client, Producer.layer.pipe(Layer.provide(client)))
}

const run = <A, E>(setup: Setup, effect: Effect.Effect<A, E, Client.Client | Producer.Producer>) =>
  Effect.runPromise(Effect.scoped(effect.pipe(Effect.provide(kafkaLayer(setup)))))

export const createTopics = (setup: Setup) =>
  run(
    setup,
    Admin.ensureTopics([
      { topic: setup.topic, numPartitions: setup.partitions },
      { topic: `${setup.topic}.DLT`, numPartitions: setup.partitions },
      { topic: `${setup.topic}.flags`, numPartitions: setup.partitions }
    ])
  )

export const publish = (setup: Setup, lines: Iterable<string>) =>
  run(setup, Publish.publishLines(setup.topic, Stream.fromIterable(lines)))

/** Messages of the topic the worker group has not committed yet (NaN while Kafka does not answer). */
export const lag = (setup: Setup): Promise<number> => run(setup, Effect.map(GroupProgress.of(setup.groupId, setup.topic), (p) => p.lag)).catch(() => Number.NaN)

/** Waits until the worker group's lag is at most `atMost`; the error shows what the workers last said. */
export const waitForLag = async (setup: Setup, atMost: number, timeoutMs: number, workers: ReadonlyArray<WorkerProcess> = []): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const current = await lag(setup)
    if (current <= atMost) return
    if (Date.now() > deadline) {
      const said = workers.flatMap((w) => w.output.slice(-15)).join("\n")
      throw new Error(`worker lag still ${current} (waited for ≤ ${atMost}) after ${timeoutMs} ms; the workers last said:\n${said}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Waits until the worker group has committed every message of the topic. */
export const waitForCatchUp = (setup: Setup, timeoutMs = 150_000, workers: ReadonlyArray<WorkerProcess> = []): Promise<void> =>
  waitForLag(setup, 0, timeoutMs, workers)

export interface WorkerProcess {
  readonly child: ChildProcess
  /** Every line the worker printed (stdout and stderr). */
  readonly output: Array<string>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  stop(signal?: NodeJS.Signals): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

export const startWorker = (setup: Setup, extraEnv: Record<string, string> = {}): WorkerProcess => {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KAFKA_BROKERS: setup.brokers,
      KAFKA_GROUP_ID: setup.groupId,
      KAFKA_CLIENT_ID: "relink-worker-test",
      RELINK_TOPIC: setup.topic,
      RELINK_FLAGS_TOPIC: `${setup.topic}.flags`,
      MONGODB_URI: setup.mongoUri,
      MONGODB_DATABASE: setup.database,
      RELINK_PII_KEY: PII_KEY,
      RELINK_NOW: new Date(setup.asOf).toISOString(),
      RELINK_HTTP_PORT: "0",
      RELINK_PARTITIONS: String(setup.partitions),
      RELINK_SWEEP_INTERVAL_MS: "2000",
      // A killed worker's partitions stall until its session expires: keep that short in tests.
      RELINK_SESSION_TIMEOUT_MS: "6000",
      ...extraEnv
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output: Array<string> = []
  const collect = (chunk: Buffer) => output.push(...chunk.toString("utf8").split("\n").filter((l) => l.length > 0))
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  return {
    child,
    output,
    exited,
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The port of /metrics, from the worker's startup log line. */
export const metricsPort = async (worker: WorkerProcess): Promise<number> => {
  for (let i = 0; i < 100; i++) {
    const line = worker.output.find((l) => l.includes("health and metrics listening"))
    const port = line === undefined ? undefined : /"port":(\d+)/.exec(line)?.[1]
    if (port !== undefined) return Number(port)
    await pause(100)
  }
  throw new Error(`the worker never said where /metrics is:\n${worker.output.slice(-5).join("\n")}`)
}

/** A metric's value on the worker's /metrics; undefined when the worker does not report it. */
export const metric = async (port: number, name: string): Promise<number | undefined> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const value = new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]
  return value === undefined ? undefined : Number(value)
}

/** A fresh topic and database, `lines` published to it, and a worker caught up on them. */
export const workerOn = async (brokers: string, mongoUri: string, lines: ReadonlyArray<string>, asOf: number) => {
  const setup = freshSetup(brokers, mongoUri, asOf)
  await createTopics(setup)
  await publish(setup, lines)
  const worker = startWorker(setup)
  await waitForCatchUp(setup)
  return { setup, worker }
}

const storeLayer = (setup: Setup) =>
  Layer.merge(Store.layer({ uri: setup.mongoUri, database: setup.database }), Pii.layer(Redacted.make(PII_KEY)))

export const snapshot = (setup: Setup) =>
  Effect.runPromise(Effect.scoped(Snapshot.load(setup.asOf).pipe(Effect.provide(storeLayer(setup)))))

/** Ids of the stored events, read with the driver itself (no relink code between the test and the data). */
export const storedEventIds = async (setup: Setup): Promise<ReadonlySet<string>> => {
  const client = new MongoClient(setup.mongoUri)
  try {
    const docs = await client.db(setup.database).collection<{ _id: string }>("events").find({}, { projection: { _id: 1 } }).toArray()
    return new Set(docs.map((d) => d._id))
  } finally {
    await client.close()
  }
}

export const withStore = <A, E>(setup: Setup, f: (store: Store.StoreShape) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(Store.Store, f).pipe(Effect.provide(storeLayer(setup)))))

export { differences, scanOf } from "../../support/Agreement.ts"
