/**
 * Faults: the worker killed with SIGKILL at random points, the MongoDB-wire server down for 10 s
 * mid-stream, the Kafka broker restarted mid-stream, and two workers sharing the partitions. Each
 * run must end in the embedded scan's state, with every event stored once and every staged output
 * published.
 *
 * These tests stop and start services, so they run on a private pair started here, not on the
 * shared ones (which may be a real cluster given through KAFKA_BROKERS / MONGODB_URI).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import { Simulation } from "@relink/simulation"
import type { Store } from "@relink/worker"
import { serviceEnv } from "../setup/context.ts"
import { type Services, startServices } from "../setup/services.ts"
import * as W from "./support/worker.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
// About 9,000 events: enough batches for a fault to land between and inside them.
const lines = [...Simulation.events({ members: 350, seed: 404, asOf: ASOF })].map((e) => JSON.stringify(e))
const eventIds = lines.map((l) => (JSON.parse(l) as { eventId: string }).eventId)
const local = serviceEnv().started.kafka && serviceEnv().started.mongo
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
// Small batches: many commits per run, so a fault lands between and inside batches.
const SMALL_BATCHES = { RELINK_BATCH_BYTES: "131072" }

const expectSameAsScan = async (setup: W.Setup, context?: string) => {
  expect(W.differences(W.scanOf(lines, ASOF), await W.snapshot(setup)), context).toEqual([])
  const stored = await W.storedEventIds(setup)
  const missing = eventIds.flatMap((id, line) => (stored.has(id) ? [] : [`${id} (line ${line})`]))
  expect(missing, context).toEqual([])
  expect(stored.size, context).toBe(new Set(eventIds).size)
  expect(await W.withStore(setup, (store) => store.unpublishedOutputs(10)), context).toEqual([])
}

const eventsTotal = async (port: number) => (await W.metric(port, "relink_events_total")) ?? Number.NaN

/** A small seeded generator, so a failing run's kill points can be replayed. */
const randomFrom = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}

describe.skipIf(!local)("worker under faults (private Kafka and FerretDB)", () => {
  let services: Services
  beforeAll(async () => {
    services = await startServices({ env: {} })
  })
  afterAll(async () => {
    await services?.close()
  })
  const setupFor = (partitions = 4) => W.freshSetup(services.env.KAFKA_BROKERS, services.env.MONGODB_URI, ASOF, partitions)

  it("a write cut off by the MongoDB-wire server going away fails, instead of passing for duplicates", async () => {
    const setup = setupFor()
    const event: Store.EventDoc = { _id: "e-outage", type: "ContactRecorded", memberId: "m-1", occurredAt: new Date(ASOF), payload: "", origin: null, storedAt: new Date(ASOF) }
    const [whileDown, afterRestart] = await W.withStore(setup, (store) =>
      Effect.gen(function* () {
        yield* Effect.promise(() => services.mongo.stop({ force: true }))
        const down = yield* Effect.exit(store.storeEvents([event]))
        yield* Effect.promise(() => services.mongo.start())
        // The first write after the restart may still meet a connection the server dropped.
        const up = yield* store.storeEvents([event]).pipe(Effect.retry({ times: 3 }))
        return [down, up] as const
      })
    )
    expect(Exit.isFailure(whileDown)).toBe(true)
    expect([...afterRestart]).toEqual(["e-outage"])
    expect(await W.storedEventIds(setup)).toEqual(new Set(["e-outage"]))
  })

  it("killed with SIGKILL at six points spread over the stream and restarted each time, ends in the scan's state", async () => {
    const setup = setupFor()
    await W.createTopics(setup)
    await W.publish(setup, lines)
    const seed = Date.now() % 100_000
    const random = randomFrom(seed)
    const lagAtKills: Array<number> = []
    let worker = W.startWorker(setup, SMALL_BATCHES)
    try {
      for (let kill = 1; kill <= 6; kill++) {
        // Once the group has committed past the next eighth of the stream, a random pause lands
        // the kill anywhere in the batches that follow: mid-write, mid-publish or between batches.
        await W.waitForLag(setup, Math.round(lines.length * (1 - kill / 8)), 120_000, [worker])
        await sleep(random() * 1_500)
        lagAtKills.push(await W.lag(setup))
        await worker.stop("SIGKILL")
        worker = W.startWorker(setup, SMALL_BATCHES)
      }
      await W.waitForCatchUp(setup, 150_000, [worker])
    } finally {
      await worker.stop()
    }
    const context = `killed at lags ${lagAtKills.join(", ")} of ${lines.length} (seed ${seed})`
    expect(lagAtKills.every((lag) => lag > 0), context).toBe(true)
    await expectSameAsScan(setup, context)
  }, 400_000)

  it("survives the MongoDB-wire server stopping for 10 s mid-stream", async () => {
    const setup = setupFor()
    await W.createTopics(setup)
    const half = Math.floor(lines.length / 2)
    const worker = W.startWorker(setup, SMALL_BATCHES)
    let lagDuringOutage: number | undefined
    try {
      await W.publish(setup, lines.slice(0, half))
      await W.waitForLag(setup, Math.round(half * 0.75), 120_000, [worker])
      await services.mongo.stop({ force: true })
      await W.publish(setup, lines.slice(half))
      await sleep(10_000)
      lagDuringOutage = await W.lag(setup)
      expect(worker.child.exitCode).toBeNull()
      await services.mongo.start()
      await W.waitForCatchUp(setup, 150_000, [worker])
    } finally {
      await worker.stop()
    }
    // Work was waiting on MongoDB throughout the outage, and nothing was committed past it.
    expect(lagDuringOutage).toBeGreaterThan(lines.length - half)
    await expectSameAsScan(setup)
  })

  it("survives the Kafka broker restarting mid-stream", async () => {
    const setup = setupFor()
    await W.createTopics(setup)
    const half = Math.floor(lines.length / 2)
    const worker = W.startWorker(setup, SMALL_BATCHES)
    try {
      await W.publish(setup, lines.slice(0, half))
      await W.waitForLag(setup, Math.round(half * 0.75), 120_000, [worker])
      await services.kafka.restart({ force: true })
      await W.publish(setup, lines.slice(half))
      await W.waitForCatchUp(setup, 150_000, [worker])
      expect(worker.child.exitCode).toBeNull()
    } finally {
      await worker.stop()
    }
    await expectSameAsScan(setup)
  })

  it("two workers in one consumer group share the partitions and agree with the scan", async () => {
    const setup = setupFor(6)
    await W.createTopics(setup)
    const env = { RELINK_BATCH_BYTES: "262144" }
    const first = W.startWorker(setup, env)
    const second = W.startWorker(setup, env)
    try {
      const ports = await Promise.all([W.metricsPort(first), W.metricsPort(second)])
      await sleep(3_000)
      await W.publish(setup, lines)
      await W.waitForCatchUp(setup, 150_000, [first, second])
      const processed = await Promise.all(ports.map(eventsTotal))
      expect(processed.every((n) => n > 0)).toBe(true)
      expect(processed.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(lines.length)
    } finally {
      await Promise.all([first.stop(), second.stop()])
    }
    await expectSameAsScan(setup)
  })

  it("three workers on six partitions, one killed with SIGKILL mid-stream and a fourth joining, agree with the scan", async () => {
    const setup = setupFor(6)
    await W.createTopics(setup)
    const seed = Date.now() % 100_000
    const random = randomFrom(seed)
    const workers = [W.startWorker(setup, SMALL_BATCHES), W.startWorker(setup, SMALL_BATCHES), W.startWorker(setup, SMALL_BATCHES)]
    let lagAtKill: number | undefined
    try {
      await Promise.all(workers.map(W.metricsPort))
      await sleep(3_000)
      await W.publish(setup, lines)
      // Somewhere in the middle third of the stream, with every worker writing.
      await W.waitForLag(setup, Math.round(lines.length * (0.4 + random() * 0.3)), 120_000, workers)
      await sleep(random() * 1_500)
      lagAtKill = await W.lag(setup)
      const victim = workers.splice(Math.floor(random() * workers.length), 1)[0]
      await victim?.stop("SIGKILL")
      workers.push(W.startWorker(setup, SMALL_BATCHES))
      await W.waitForCatchUp(setup, 240_000, workers)
      expect(workers.every((w) => w.child.exitCode === null)).toBe(true)
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
    const context = `killed at lag ${lagAtKill} of ${lines.length} (seed ${seed})`
    expect(lagAtKill ?? 0, context).toBeGreaterThan(0)
    await expectSameAsScan(setup, context)
  }, 600_000)
})
