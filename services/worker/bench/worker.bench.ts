/**
 * Worker benchmark (issue 6): end-to-end events/s from a Kafka topic into MongoDB, next to two
 * baselines measured in the same run on the same data and services: raw kafkajs consumption (no
 * processing) and raw driver bulk upserts (no Kafka). Goal: end to end ≥ 0.7 × the slower baseline.
 * Raw driver inserts are measured too, as a stricter reference: on FerretDB 1.24 (SQLite) every
 * write that looks a document up by `_id` scans its collection, so upserts cost O(n) each.
 *
 *   pnpm exec node services/worker/bench/worker.bench.ts [--events 6000] [--members events/12] [--seed 1] [--upsertSample 2000] [--otlp 0|1]
 *
 * With `--otlp 1` the worker exports its traces and metrics (OTLP over HTTP, protobuf) to a
 * receiver in this process that only counts what arrives: the cost of observability is the
 * difference in worker CPU per event between a run with and a run without.
 *
 * KAFKA_BROKERS / MONGODB_URI are used when set (the topics and databases are deleted afterwards);
 * otherwise a private Kafka broker and FerretDB are started as for the integration tests, and
 * stopped at the end. The simulated stream is published once to a fresh topic; each reader gets
 * its own consumer group or database. The worker is `services/worker/src/main.ts` in a child
 * process with the settings of the environment (defaults otherwise), a fixed evaluation instant
 * and a free metrics port; its rate runs from its "worker consuming" log line (process start,
 * MongoDB connection and index creation excluded) until its metrics count every event committed.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Data, Effect } from "effect"
import { Kafka, logLevel } from "kafkajs"
import { MongoBulkWriteError, MongoClient } from "mongodb"
import { Simulation } from "@relink/simulation"
import { asOf, header, int, line, now, numberOptions, perSecond, seconds } from "../../../packages/core/bench/common.ts"
// The helpers that drive the real worker in the integration tests, and the services they run on.
import * as W from "../../../test/integration/support/worker.ts"
import { startServices } from "../../../test/setup/services.ts"
import * as WorkerConfig from "../src/WorkerConfig.ts"

class BenchError extends Data.TaggedError("BenchError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

const GOAL = 0.7

const options = numberOptions({ events: 6_000, members: 0, seed: 1, upsertSample: 2_000, otlp: 0 })
// The simulation gives ~15 events per member: enough members that the stream has `events` events.
const members = options.members > 0 ? options.members : Math.ceil(options.events / 12)

header("worker: end to end vs raw kafkajs and raw driver (issue 6)")

// --- Input, not timed: the first `events` events of a simulated stream.
const lines: Array<string> = []
for (const item of Simulation.generate({ members, seed: options.seed, asOf })) {
  if (lines.length >= options.events) break
  lines.push(JSON.stringify(item.event))
}
const events = lines.map((text) => JSON.parse(text) as { readonly eventId: string })
const distinct = new Set(events.map((e) => e.eventId)).size
line("input", `${int(lines.length)} events, ${int(distinct)} distinct (${int(members)}-member simulation, seed ${options.seed})`)

const kafkaOf = (setup: W.Setup) => new Kafka({ clientId: "relink-bench", brokers: setup.brokers.split(","), logLevel: logLevel.NOTHING })

/** Raw kafkajs: a consumer group of its own reads the topic from the beginning and only counts. */
const rawConsume = async (setup: W.Setup, batchBytes: number) => {
  // The worker's fetch sizes (Consumer.batches), so that both get the same batches.
  const consumer = kafkaOf(setup).consumer({ groupId: `${setup.groupId}-raw`, maxBytesPerPartition: batchBytes, maxBytes: 8 * batchBytes })
  const started = now()
  let count = 0
  let batches = 0
  let firstBatchAt = Number.NaN
  try {
    await consumer.connect()
    await consumer.subscribe({ topic: setup.topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            if (batches++ === 0) firstBatchAt = now()
            count += batch.messages.length
            if (count >= lines.length) resolve()
          }
        })
        .catch(reject)
    })
    return { ms: now() - started, joinMs: firstBatchAt - started, batches }
  } finally {
    await consumer.disconnect()
  }
}

/** The stream redelivers ~1 % of its events: their inserts fail with duplicate keys, as in the worker. */
const ignoreDuplicates = (error: unknown) => {
  if (!(error instanceof MongoBulkWriteError) || [error.writeErrors].flat().some((e) => e.code !== 11000)) throw error
}

/** Raw driver: the events (`_id` = eventId) written by unordered bulk upserts, or inserts, one batch at a time. */
const rawWrites = async (uri: string, database: string, batchSize: number, kind: "upsert" | "insert", count = events.length) => {
  const client = new MongoClient(uri, { appName: "relink-bench" })
  try {
    await client.connect()
    // Created before timing, as the worker's store does on start.
    const collection = await client.db(database).createCollection<{ _id: string }>("events")
    const docs = events.slice(0, count).map((event) => ({ ...event, _id: event.eventId }))
    const started = now()
    for (let from = 0; from < docs.length; from += batchSize) {
      const batch = docs.slice(from, from + batchSize)
      if (kind === "insert") await collection.insertMany(batch, { ordered: false }).catch(ignoreDuplicates)
      else await collection.bulkWrite(batch.map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $set: doc }, upsert: true } })), { ordered: false })
    }
    const ms = now() - started
    const stored = await collection.countDocuments()
    const expected = new Set(docs.map((d) => d._id)).size
    if (stored !== expected) throw new BenchError({ reason: `raw ${kind}s stored ${stored} events, expected ${expected}` })
    return { ms, count: docs.length }
  } finally {
    await client.close()
  }
}

/** The first line the worker printed that contains `text`, once it has. */
const waitForLine = async (worker: W.WorkerProcess, text: string): Promise<string> => {
  const deadline = Date.now() + 60_000
  for (;;) {
    const found = worker.output.find((l) => l.includes(text))
    if (found !== undefined) return found
    if (worker.child.exitCode !== null || Date.now() > deadline) {
      throw new BenchError({ reason: `the worker never said "${text}"; it last said:\n${worker.output.slice(-15).join("\n")}` })
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** One value of the worker's /metrics. */
const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN)

/** Polls the worker's /metrics until it has committed `count` events; returns the last scrape. */
const waitForEvents = async (worker: W.WorkerProcess, port: number, count: number): Promise<string> => {
  const deadline = Date.now() + Math.max(300_000, count * 10)
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    if (metric(text, "relink_events_total") >= count) return text
    if (worker.child.exitCode !== null || Date.now() > deadline) {
      throw new BenchError({ reason: `the worker committed ${metric(text, "relink_events_total")} of ${count} events; it last said:\n${worker.output.slice(-15).join("\n")}` })
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Peak RSS and CPU seconds of a live Linux process, from /proc. */
const usageOf = (pid: number | undefined) => {
  try {
    const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1])
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const [utime, stime] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(11, 13).map(Number)
    // USER_HZ is 100 on every Linux Node runs on.
    return { rss: `${(peakKb / 1024).toFixed(0)} MB`, cpuMs: ((utime ?? Number.NaN) + (stime ?? Number.NaN)) * 10 }
  } catch {
    return { rss: "n/a", cpuMs: Number.NaN }
  }
}

/** What the run left in services it did not start: the topics and the databases. */
const cleanUp = async (setup: W.Setup, external: { readonly kafka: boolean; readonly mongo: boolean }, databases: ReadonlyArray<string>) => {
  if (external.kafka) {
    const admin = kafkaOf(setup).admin()
    await admin.connect()
    await admin.deleteTopics({ topics: [setup.topic, `${setup.topic}.DLT`, `${setup.topic}.flags`] }).finally(() => admin.disconnect())
  }
  if (external.mongo) {
    const client = await MongoClient.connect(setup.mongoUri)
    await Promise.all(databases.map((name) => client.db(name).dropDatabase())).finally(() => client.close())
  }
}

/** An OTLP/HTTP endpoint that only counts the requests and bytes it receives. */
const counting = async () => {
  const received = { requests: 0, bytes: 0 }
  const server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => {
      received.bytes += chunk.length
    })
    request.on("end", () => {
      received.requests++
      response.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}
const collector = options.otlp > 0 ? await counting() : undefined

const config = await Effect.runPromise(WorkerConfig.config)
const services = await startServices()
const setup = W.freshSetup(services.env.KAFKA_BROKERS, services.env.MONGODB_URI, asOf, config.partitions)
const raw = { upserts: `${setup.database}-ups`, inserts: `${setup.database}-ins` }
let worker: W.WorkerProcess | undefined
try {
  line("services", `Kafka ${services.kafka.kind}, MongoDB ${services.mongo.kind} (${services.mongo.kind === "local" ? "FerretDB 1.24, SQLite" : "MONGODB_URI"})`)
  line("topic", `${setup.partitions} partitions; batches of ≤ ${int(config.batchBytes)} bytes per partition`)
  await W.createTopics(setup)
  const publishStarted = now()
  await W.publish(setup, lines)
  line("published in (not compared)", `${seconds(now() - publishStarted)}  (${perSecond(lines.length, now() - publishStarted)})`)

  console.log("")
  const kafka = await rawConsume(setup, config.batchBytes)
  const batchSize = Math.ceil(lines.length / kafka.batches)
  line("(a) raw kafkajs (eachBatch, counting only)", `${perSecond(lines.length, kafka.ms)}  (${seconds(kafka.ms)} from connect, ${seconds(kafka.joinMs)} of it to the first batch)`)
  line("    batches", `${int(kafka.batches)} (≈ ${int(batchSize)} events each)`)
  // On FerretDB each upsert costs O(stored documents): a sample, not the whole stream.
  const upserts = await rawWrites(setup.mongoUri, raw.upserts, batchSize, "upsert", Math.min(lines.length, options.upsertSample))
  line("(b) raw driver (unordered bulk upserts)", `${perSecond(upserts.count, upserts.ms)}  (${seconds(upserts.ms)} for the first ${int(upserts.count)} events, batches of ${int(batchSize)})`)
  const inserts = await rawWrites(setup.mongoUri, raw.inserts, batchSize, "insert")
  line("    reference: unordered inserts instead", `${perSecond(lines.length, inserts.ms)}  (${seconds(inserts.ms)})`)

  // Production sweeps and sessions rather than the tests' quick ones.
  const spawned = now()
  worker = W.startWorker(setup, {
    RELINK_SWEEP_INTERVAL_MS: String(config.sweepIntervalMs),
    RELINK_SESSION_TIMEOUT_MS: String(config.sessionTimeoutMs),
    ...(collector === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url })
  })
  const port = (JSON.parse(await waitForLine(worker, "health and metrics listening")) as { readonly annotations: { readonly port: number } }).annotations.port
  await waitForLine(worker, "worker consuming")
  const consuming = now()
  const cpuOf = (text: string) => metric(text, "process_cpu_user_seconds_total") + metric(text, "process_cpu_system_seconds_total")
  const cpuAtStart = cpuOf(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
  const metrics = await waitForEvents(worker, port, lines.length)
  const endToEnd = now() - consuming
  const usage = usageOf(worker.child.pid)
  // The group's committed offsets and the stored events confirm what the metrics said.
  await W.waitForCatchUp(setup, 30_000, [worker])
  const stored = await W.withStore(setup, (store) => store.countEvents)
  if (stored !== distinct) throw new BenchError({ reason: `the worker stored ${stored} events, expected ${distinct}` })
  await worker.stop()

  console.log("")
  line("(c) worker end to end (topic → MongoDB)", `${perSecond(lines.length, endToEnd)}  (${seconds(endToEnd)} from "worker consuming" to all committed)`)
  line("    process start to consuming (excluded)", seconds(consuming - spawned))
  line("    batches; time inside them", `${int(metric(metrics, "relink_batches_total"))}; ${seconds(metric(metrics, "relink_batch_duration_seconds_sum") * 1000)}`)
  const cpuConsuming = cpuOf(metrics) - cpuAtStart
  line("    worker CPU (user + system)", `${seconds(usage.cpuMs)}, ${seconds(cpuConsuming * 1000)} of it consuming = ${Math.round((cpuConsuming * 1e6) / lines.length)} µs per event`)
  const commands = metric(metrics, "relink_mongo_commands_total")
  const batches = metric(metrics, "relink_batches_total")
  line("    MongoDB round trips", `${int(commands)}: ${(commands / batches).toFixed(1)} per batch, ${Math.round((commands * 1000) / lines.length)} per 1,000 events`)
  line("    status changes, proposals", `${int(metric(metrics, "relink_status_changes_total"))}, ${int(metric(metrics, "relink_match_proposals_total"))}`)
  line("    worker peak RSS (VmHWM)", usage.rss)
  line("    traces and metrics exported (OTLP)", collector === undefined ? "off (no OTEL_EXPORTER_OTLP_ENDPOINT)" : `${int(collector.received.requests)} requests, ${int(collector.received.bytes)} bytes`)

  const rate = { kafka: lines.length / kafka.ms, upserts: upserts.count / upserts.ms, inserts: lines.length / inserts.ms, worker: lines.length / endToEnd }
  const slower = rate.kafka < rate.upserts ? "a" : "b"
  const ratio = rate.worker / Math.min(rate.kafka, rate.upserts)
  console.log("")
  line(`(c) ÷ slower baseline (${slower})`, `${ratio.toFixed(2)}  (goal ≥ ${GOAL}: ${ratio >= GOAL ? "met" : "not met"})`)
  line("(c) ÷ slower of (a) and inserts (reference)", (rate.worker / Math.min(rate.kafka, rate.inserts)).toFixed(2))
} finally {
  await worker?.stop("SIGKILL")
  await cleanUp(setup, { kafka: services.kafka.kind === "external", mongo: services.mongo.kind === "external" }, [setup.database, raw.upserts, raw.inserts])
    .catch((error: unknown) => console.error(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => Promise.all([services.close(), collector?.close()]))
}
