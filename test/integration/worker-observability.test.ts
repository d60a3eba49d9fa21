import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { Kafka } from "kafkajs"
import { beforeAll, describe, expect, it } from "vitest"
import { Simulation } from "@relink/simulation"
import { serviceEnv } from "../setup/context.ts"
import * as Otlp from "../support/OtlpReceiver.ts"
import * as W from "./support/worker.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
// About 9,000 events: enough batches for every stage of the pipeline to show in the metrics and traces.
const lines = [...Simulation.events({ members: 350, seed: 404, asOf: ASOF })].map((e) => JSON.stringify(e))
// One malformed message, so that a batch writes a log line (its dead letter) that must carry the trace ids.
const published = [...lines, "{not json"]
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** promtool from the Debian package `prometheus` (`.ci/run` fetches it), when it is here. */
const promtool = process.env["PROMTOOL"]

interface Reading {
  readonly at: number
  /** The worker's relink_consumer_lag, read first; undefined while it has none. */
  readonly metric: number | undefined
  /** The group's lag from Kafka's admin API, read just after. */
  readonly group: number
}

describe("the worker's lag, metrics and logs, against real Kafka", () => {
  let setup: W.Setup
  const readings: Array<Reading> = []
  let exposition = ""
  let output: ReadonlyArray<string> = []
  let exitCode: number | null = null
  let otlp: ReadonlyArray<Otlp.Received> = []

  beforeAll(async () => {
    const collector = await Otlp.start()
    setup = W.freshSetup(serviceEnv().KAFKA_BROKERS, serviceEnv().MONGODB_URI, ASOF)
    await W.createTopics(setup)
    await W.publish(setup, published)
    // Small batches and a quick reading, so the lag falls in many steps the test can see.
    const worker = W.startWorker(setup, {
      RELINK_BATCH_BYTES: "131072",
      RELINK_LAG_INTERVAL_MS: "200",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "500",
      OTEL_METRIC_EXPORT_INTERVAL: "1000"
    })
    try {
      const port = await W.metricsPort(worker)
      const deadline = Date.now() + 150_000
      for (;;) {
        const metric = await W.metric(port, "relink_consumer_lag")
        readings.push({ at: Date.now(), metric, group: await W.lag(setup) })
        if (metric === 0) break
        if (Date.now() > deadline) throw new Error(`the lag never reached 0: ${JSON.stringify(readings.slice(-5))}`)
        await sleep(100)
      }
      exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    } finally {
      exitCode = (await worker.stop("SIGTERM")).code
      output = worker.output
      otlp = [...collector.bodies]
      await collector.close()
    }
  })

  it("exports a span per batch with a child span per stage, start-up and each sweep as traces of their own, to the OTLP endpoint, and no ID number or phone anywhere", () => {
    const spans = Otlp.spansOf(otlp)
    const batches = spans.filter((s) => s.name === "relink.batch")
    expect(batches.length).toBeGreaterThan(0)
    const byParent = new Map<string, Array<Otlp.Span>>()
    for (const span of spans) if (span.parentSpanId !== undefined && span.parentSpanId !== "") byParent.set(span.parentSpanId, [...(byParent.get(span.parentSpanId) ?? []), span])
    const committed = batches.find((b) => Otlp.attribute(b, "relink.outcome") === "committed" && Number(Otlp.attribute(b, "relink.events.new")) > 0)
    expect(committed).toBeDefined()
    if (committed === undefined) return
    expect(Otlp.attribute(committed, "messaging.destination.name")).toBe(setup.topic)
    expect(Otlp.attribute(committed, "messaging.system")).toBe("kafka")
    expect(Number(Otlp.attribute(committed, "messaging.batch.message_count"))).toBeGreaterThan(0)
    expect(typeof Otlp.attribute(committed, "relink.offset.last")).toBe("string")
    const children = byParent.get(committed.spanId) ?? []
    // The stages, and the MongoDB commands between them.
    expect(children.filter((c) => !c.name.startsWith("relink.")).every((c) => c.name === "mongodb")).toBe(true)
    expect(new Set(children.filter((c) => c.name.startsWith("relink.")).map((c) => c.name))).toEqual(
      new Set(["relink.decode", "relink.store events", "relink.store records", "relink.apply members", "relink.stage outputs", "relink.rematch", "relink.review branches", "relink.publish", "relink.commit"])
    )
    expect(children.every((c) => c.traceId === committed.traceId)).toBe(true)
    // MongoDB commands are spans under the stage that sent them, named by operation.
    const storeEvents = children.find((c) => c.name === "relink.store events")
    expect((byParent.get(storeEvents?.spanId ?? "") ?? []).some((c) => c.name === "mongodb" && Otlp.attribute(c, "db.operation.name") === "store events")).toBe(true)
    // The Kafka sends of the publish stage are spans of their own under it.
    const publish = children.find((c) => c.name === "relink.publish")
    expect((byParent.get(publish?.spanId ?? "") ?? []).some((c) => c.name === "kafka.produce")).toBe(true)
    // The dead letter's log line carries the trace and span ids of its batch.
    const deadLetterLog = output.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as { message?: unknown; annotations?: { trace_id?: string; span_id?: string } }] : [])).find((l) => l.message === "malformed message sent to the dead-letter topic")
    const traced = batches.find((b) => b.spanId === deadLetterLog?.annotations?.span_id)
    expect(traced?.traceId).toBe(deadLetterLog?.annotations?.trace_id)
    // Start-up is one trace, its MongoDB commands (collections, indexes, settings) under relink.start;
    // each sweep is a trace of its own, relink.sweep at its root.
    const isRoot = (span: Otlp.Span) => span.parentSpanId === undefined || span.parentSpanId === ""
    const starts = spans.filter((s) => s.name === "relink.start")
    expect(starts).toHaveLength(1)
    expect(starts.every(isRoot)).toBe(true)
    expect(spans.some((s) => s.traceId === starts[0]?.traceId && s.name === "mongodb")).toBe(true)
    const sweeps = spans.filter((s) => s.name === "relink.sweep")
    expect(sweeps.length).toBeGreaterThan(0)
    expect(sweeps.every(isRoot)).toBe(true)
    expect(spans.some((s) => s.name !== "relink.sweep" && sweeps.some((w) => w.traceId === s.traceId))).toBe(true)
    // Metrics go the same way.
    expect(otlp.some((b) => b.path === "/v1/metrics" && b.body.includes("relink_batch_duration_seconds"))).toBe(true)
    // Personal data never leaves in telemetry: no ID number or phone of the export is in any body.
    const raw = otlp.map((b) => b.body).join("\n")
    const personal = lines.flatMap((l) => {
      const event = JSON.parse(l) as { idNumber?: string; phone?: string; identity?: { idNumber?: string; phone?: string } }
      return [event.idNumber, event.phone, event.identity?.idNumber, event.identity?.phone].filter((v): v is string => v !== undefined && v.length >= 8)
    })
    expect(personal.length).toBeGreaterThan(100)
    expect(personal.filter((p) => raw.includes(p))).toEqual([])
  })

  it("sends its outputs with the W3C traceparent of the span that published them", async () => {
    const kafka = new Kafka({ clientId: "traceparent-reader", brokers: setup.brokers.split(","), logLevel: 0 })
    const consumer = kafka.consumer({ groupId: `traceparent-${setup.groupId}` })
    await consumer.connect()
    await consumer.subscribe({ topic: `${setup.topic}.flags`, fromBeginning: true })
    const headers: Array<string> = []
    await consumer.run({ eachMessage: async ({ message }) => void headers.push(message.headers?.["traceparent"]?.toString() ?? "") })
    const deadline = Date.now() + 30_000
    while (headers.length < 20 && Date.now() < deadline) await sleep(200)
    await consumer.disconnect()
    expect(headers.length).toBeGreaterThan(0)
    const produced = new Map(Otlp.spansOf(otlp).filter((s) => s.name === "kafka.produce").map((s) => [s.spanId, s.traceId]))
    for (const header of headers) {
      const parts = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(header)
      expect(parts, header).not.toBeNull()
      expect(produced.get(parts?.[2] ?? ""), header).toBe(parts?.[1])
    }
  })

  it("starts behind unread messages with a non-zero lag that falls to 0 exactly when the group's committed offsets reach the log end", () => {
    const known = readings.filter((r): r is Reading & { readonly metric: number } => r.metric !== undefined)
    const context = JSON.stringify(known.filter((_, i) => i % 10 === 0 || i === known.length - 1))
    // Nothing is published meanwhile, so the group's lag only falls: the metric, read first, is never below it.
    expect(known[0]?.metric, context).toBeGreaterThan(0)
    expect(known.every((r) => r.metric >= r.group), context).toBe(true)
    expect(known.filter((r) => r.group > 0).every((r) => r.metric > 0), context).toBe(true)
    expect(readings.at(-1)?.group, context).toBe(0)
    // And it follows the group down within about one reading (200 ms) of the group's own lag reaching 0.
    const groupDone = readings.find((r) => r.group === 0)?.at ?? Number.NaN
    expect((readings.at(-1)?.at ?? Number.NaN) - groupDone, context).toBeLessThan(2_000)
    expect(new Set(known.map((r) => r.metric)).size, context).toBeGreaterThan(2)
  })

  it("serves /metrics that a Prometheus parser reads, with latency and size histograms counted, and runtime metrics", () => {
    const families = new Map(parsePrometheusTextFormat(exposition).map((f) => [f.name, f]))
    const histogram = (name: string) => {
      const family = families.get(name)
      expect(family?.type, name).toBe("HISTOGRAM")
      return family?.metrics ?? []
    }
    expect(Number(histogram("relink_batch_duration_seconds")[0]?.count)).toBeGreaterThan(0)
    expect(Number(histogram("relink_batch_events")[0]?.sum)).toBeGreaterThanOrEqual(lines.length)
    expect(histogram("relink_stage_duration_seconds").length).toBeGreaterThan(0)
    // The parser folds the series of a labelled histogram into one: the counts per stage are read from the text.
    const stages = new Map([...exposition.matchAll(/^relink_stage_duration_seconds_count\{stage="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]))
    for (const stage of ["decode", "store events", "apply members", "rematch", "stage outputs", "publish", "commit"]) {
      expect(stages.get(stage), `${stage} in ${JSON.stringify([...stages])}`).toBeGreaterThan(0)
    }
    expect(Number(families.get("relink_events_total")?.metrics[0]?.value)).toBe(lines.length)
    expect(families.get("relink_consumer_lag")?.type).toBe("GAUGE")
    for (const runtime of ["process_cpu_user_seconds_total", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes", "nodejs_gc_duration_seconds"]) {
      expect(families.has(runtime), runtime).toBe(true)
    }
  })

  it.skipIf(promtool === undefined)("passes promtool check metrics", () => {
    const file = join(mkdtempSync(join(tmpdir(), "relink-metrics-")), "metrics.txt")
    writeFileSync(file, exposition)
    // promtool reads the exposition on standard input and exits non-zero on any problem or lint warning.
    const result = execFileSync("sh", ["-c", `"${promtool}" check metrics < "${file}" 2>&1; echo "exit $?"`], { encoding: "utf8" })
    expect(result.trim()).toBe("exit 0")
  })

  it("logs the committed offsets on start, behind, and on stop, at the log end, then exits 0", () => {
    expect(exitCode).toBe(0)
    const logged = (message: string) =>
      output.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as { message?: unknown; annotations?: { committed?: string; lag?: number } }] : [])).find((l) => l.message === message)
    expect(logged("worker consuming")?.annotations?.lag).toBe(published.length)
    const stopped = logged("worker stopped")
    expect(stopped?.annotations?.lag).toBe(0)
    const partitions = (stopped?.annotations?.committed ?? "").split(" ").map((p) => /^(\d+):(\d+)\/(\d+)$/.exec(p))
    expect(partitions.length).toBe(setup.partitions)
    expect(partitions.every((m) => m !== null && m[2] === m[3])).toBe(true)
  })
})
