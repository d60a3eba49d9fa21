import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { beforeAll, describe, expect, it } from "vitest"
import { Simulation } from "@relink/simulation"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
const lines = [...Simulation.events({ members: 400, seed: 404, asOf: ASOF })].map((e) => JSON.stringify(e))
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

  beforeAll(async () => {
    setup = W.freshSetup(serviceEnv().KAFKA_BROKERS, serviceEnv().MONGODB_URI, ASOF)
    await W.createTopics(setup)
    await W.publish(setup, lines)
    // Small batches and a quick reading, so the lag falls in many steps the test can see.
    const worker = W.startWorker(setup, { RELINK_BATCH_BYTES: "131072", RELINK_LAG_INTERVAL_MS: "200" })
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
    expect(logged("worker consuming")?.annotations?.lag).toBe(lines.length)
    const stopped = logged("worker stopped")
    expect(stopped?.annotations?.lag).toBe(0)
    const partitions = (stopped?.annotations?.committed ?? "").split(" ").map((p) => /^(\d+):(\d+)\/(\d+)$/.exec(p))
    expect(partitions.length).toBe(setup.partitions)
    expect(partitions.every((m) => m !== null && m[2] === m[3])).toBe(true)
  })
})
