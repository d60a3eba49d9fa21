import { describe, expect, it } from "vitest"
import { Simulation } from "@relink/simulation"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
const lines = [...Simulation.events({ members: 400, seed: 404, asOf: ASOF })].map((e) => JSON.stringify(e))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Reading {
  readonly at: number
  /** The worker's relink_consumer_lag, read first; undefined while it has none. */
  readonly metric: number | undefined
  /** The group's lag from Kafka's admin API, read just after. */
  readonly group: number
}

describe("the worker's consumer lag", () => {
  it("starts behind unread messages with a non-zero lag that falls to 0 exactly when the group's committed offsets reach the log end", async () => {
    const setup = W.freshSetup(serviceEnv().KAFKA_BROKERS, serviceEnv().MONGODB_URI, ASOF)
    await W.createTopics(setup)
    await W.publish(setup, lines)
    // Small batches and a quick reading, so the lag falls in many steps the test can see.
    const worker = W.startWorker(setup, { RELINK_BATCH_BYTES: "131072", RELINK_LAG_INTERVAL_MS: "200" })
    try {
      const port = await W.metricsPort(worker)
      const readings: Array<Reading> = []
      const deadline = Date.now() + 150_000
      for (;;) {
        const metric = await W.metric(port, "relink_consumer_lag")
        readings.push({ at: Date.now(), metric, group: await W.lag(setup) })
        if (metric === 0) break
        if (Date.now() > deadline) throw new Error(`the lag never reached 0: ${JSON.stringify(readings.slice(-5))}`)
        await sleep(100)
      }
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
    } finally {
      const exit = await worker.stop("SIGTERM")
      expect(exit.code).toBe(0)
    }
    // Start-up and shutdown name what was committed: behind at the start, at the log end at the stop.
    const logged = (message: string) =>
      worker.output.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as { message?: unknown; annotations?: { committed?: string; lag?: number } }] : [])).find((l) => l.message === message)
    const started = logged("worker consuming")
    const stopped = logged("worker stopped")
    expect(started?.annotations?.lag).toBe(lines.length)
    expect(stopped?.annotations?.lag).toBe(0)
    const partitions = (stopped?.annotations?.committed ?? "").split(" ").map((p) => /^(\d+):(\d+)\/(\d+)$/.exec(p))
    expect(partitions.length).toBe(setup.partitions)
    expect(partitions.every((m) => m !== null && m[2] === m[3])).toBe(true)
  })
})
