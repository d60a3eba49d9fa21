/**
 * Workers over one store, under a seeded scheduler that interleaves every store round trip: two or
 * three workers take batches from one stream; some batches are in flight in two workers at once
 * (a rebalance hands a partition over mid-batch); a worker dies between, or in the middle of, any
 * two writes, and its batch goes to a new worker, as Kafka redelivers an uncommitted batch; a
 * sweeper runs beside them. The store keeps FerretDB's contract (`support/MemoryStore.ts`). The
 * end state must be the embedded scan's, with the final statuses and proposals announced.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Redacted } from "effect"
import { Event, MatchRule, Policy } from "@relink/core"
import { Pii } from "@relink/mongo"
import * as Store from "../src/Store.ts"
import { Simulation } from "@relink/simulation"
import * as Engine from "../src/Engine.ts"
import * as Snapshot from "../src/Snapshot.ts"
import * as Agreement from "../../../test/support/Agreement.ts"
import * as Interleaving from "../../../test/support/Interleaving.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
const settings: Engine.Settings = { policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags", strandedAfterMs: 0 }
const piiLayer = Pii.layer(Redacted.make("concurrency-test-key-0123456789abcdef"))

/**
 * Two re-registrations of the simulation's second organisation, the later one first, a batch
 * apart: two workers store registrations of one organisation at once, and the later must be kept.
 */
const withReRegistrations = (lines: ReadonlyArray<string>, batchSize: number) => {
  const original: Record<string, unknown> = JSON.parse(lines[1] ?? "{}")
  const again = (eventId: string, occurredAt: string, name: string) => JSON.stringify({ ...original, eventId, occurredAt, name })
  const at = lines.findIndex((line) => !line.includes('"OrgRegistered"'))
  const out = [...lines]
  out.splice(at + batchSize, 0, again("e-renamed-earlier", "2024-03-01T09:00:00+08:00", "更名前的支部"))
  out.splice(at, 0, again("e-renamed-later", "2024-06-01T09:00:00+08:00", "更名后的支部"))
  return out
}

/**
 * Whether an event touches a member: the floating organisations' guidance, reports and activities
 * no member attends (about 4,000 of a small world's events) change no member and are left out, so
 * that a schedule stays a few hundred events; the activities members attend stay.
 */
const touchesMembers = (e: Event.Encoded): boolean =>
  e.type === "OrgActivityRecorded" ? (e.attendees?.length ?? 0) > 0 : e.type !== "GuidanceRecorded" && e.type !== "BranchReported"

/** The simulated stream of a few members, cut into batches of arrivals. */
const stream = (seed: number, members: number, batchSize: number) => {
  const lines = withReRegistrations([...Simulation.events({ members, seed, asOf: ASOF })].filter(touchesMembers).map((e) => JSON.stringify(e)), batchSize)
  const arrivals = lines.map((line, offset): Engine.Arrival => {
    const decoded = Event.decodeLine(line)
    if (decoded._tag !== "Success") throw new Error(`the simulation wrote a malformed line: ${line}`)
    return { event: decoded.success, raw: Buffer.from(line), origin: { topic: "events", partition: 0, offset: String(offset) } }
  })
  const batches = Array.from({ length: Math.ceil(arrivals.length / batchSize) }, (_, i) => arrivals.slice(i * batchSize, (i + 1) * batchSize))
  return { lines, batches }
}

/** A clock for one worker: virtual time, and sleeping is waiting for a later turn of the schedule. */
const workerClock = (schedule: Interleaving.Interleaving, actor: number): Clock.Clock => ({
  currentTimeMillisUnsafe: schedule.now,
  currentTimeMillis: Effect.sync(schedule.now),
  currentTimeNanosUnsafe: () => BigInt(schedule.now()) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(schedule.now()) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => BigInt(schedule.now()) * 1_000_000n,
  monotonicTimeNanos: Effect.sync(() => BigInt(schedule.now()) * 1_000_000n),
  sleep: (duration) => schedule.sleep(actor, Duration.toMillis(duration))
})

const engineFor = (server: MemoryStore.Server, trip: MemoryStore.RoundTrip, now: () => number) =>
  Engine.make(settings).pipe(Effect.provideService(Store.Store, MemoryStore.make(server, trip, now)), Effect.provide(piiLayer))

const readBack = (server: MemoryStore.Server) =>
  Effect.gen(function* () {
    const store = MemoryStore.make(server, MemoryStore.direct, () => 0)
    const snapshot = yield* Snapshot.load(ASOF).pipe(Effect.provideService(Store.Store, store), Effect.provide(piiLayer))
    return { snapshot, outbox: [...server.outbox.values()] }
  })

interface Scenario {
  readonly seed: number
  readonly workers: number
  readonly deaths: number
}

const runScenario = ({ seed, workers, deaths }: Scenario) =>
  Effect.gen(function* () {
    // Stalls stay under half the store's lease (200 ms): the claims assume a request lands within half a lease.
    const schedule = Interleaving.make({ seed, deaths, deathRate: 0.01, maxStallMs: 50 })
    const { lines, batches } = stream(seed, 12, 10)
    const server = MemoryStore.server()
    // The batches left to deliver; a batch is sometimes handed to two workers at once.
    const queue = batches.flatMap((batch) => (schedule.random() < 0.2 ? [batch, batch] : [batch]))

    const worker = (): Effect.Effect<number> => {
      let current: Array<Engine.Arrival> | undefined
      return schedule.spawn(
        (actor) =>
          Effect.gen(function* () {
            const engine = yield* engineFor(server, MemoryStore.scheduled(schedule, actor), schedule.now)
            for (;;) {
              current = queue.shift()
              if (current === undefined) return
              yield* engine.ingest(current, ASOF)
            }
          }).pipe(Effect.provideService(Clock.Clock, workerClock(schedule, actor))),
        () =>
          Effect.gen(function* () {
            // Its uncommitted batch goes to another worker.
            if (current !== undefined) queue.unshift(current)
            yield* worker()
          })
      )
    }
    for (let i = 0; i < workers; i++) yield* worker()
    const sweeper = schedule.spawn((actor) =>
      Effect.gen(function* () {
        const engine = yield* engineFor(server, MemoryStore.scheduled(schedule, actor), schedule.now)
        for (let i = 0; i < 3; i++) {
          yield* schedule.sleep(actor, 20)
          yield* engine.sweep(ASOF, 500)
        }
      }).pipe(
        Effect.provideService(Clock.Clock, workerClock(schedule, actor)),
        // A sweeper that dies is simply not there for the rest of the run.
        Effect.catchTag("MongoError", () => Effect.void)
      )
    )
    yield* sweeper
    const stats = yield* schedule.run
    return { ...stats, lines, ...(yield* readBack(server)) }
  })

const problems = (outcome: Effect.Success<ReturnType<typeof runScenario>>) => {
  const found = [...Agreement.differences(Agreement.scanOf(outcome.lines, ASOF), outcome.snapshot)]
  // The final proposals were announced, and each member's last announced status is its status.
  const staged = new Set(outcome.outbox.map((o) => o._id))
  for (const p of outcome.snapshot.proposals) {
    const id = `match|${p.observationEventId}|${p.memberId}|${p.decision}|${p.weight.toFixed(6)}`
    if (!staged.has(id)) found.push(`not announced: ${id}`)
  }
  const lastStatus = new Map<string, { version: number; to: string }>()
  for (const o of outcome.outbox) {
    const value: unknown = JSON.parse(o.value)
    if (typeof value !== "object" || value === null || !("type" in value) || value.type !== "MemberStatusChanged") continue
    const [, memberId, version] = o._id.split("|")
    const to = "to" in value && typeof value.to === "string" ? value.to : ""
    if (memberId === undefined) continue
    const before = lastStatus.get(memberId)
    if (before === undefined || Number(version) > before.version) lastStatus.set(memberId, { version: Number(version), to })
  }
  for (const e of outcome.snapshot.evaluations) {
    const announced = lastStatus.get(e.memberId)?.to
    // A member that starts active and unflagged is not announced (Output.ofEvaluation).
    const quiet = announced === undefined && e.status === "active" && e.flags.length === 0
    if (announced !== e.status && !quiet) found.push(`status of ${e.memberId} is ${e.status}, last announced ${announced ?? "never"}`)
  }
  return found
}

/** 1,000 by default; `RELINK_SCHEDULES` runs more (or fewer) when looking for a rare interleaving. */
const SCHEDULES = Number(process.env["RELINK_SCHEDULES"] ?? 1_000)

const seeds = (count: number) => Array.from({ length: count }, (_, i) => i + 1)

describe("workers over one store, interleaved", () => {
  it.effect(`end in the embedded scan's state, every final status and proposal announced (${SCHEDULES} schedules)`, () =>
    Effect.gen(function* () {
      let steps = 0
      let died = 0
      for (const seed of seeds(SCHEDULES)) {
        const outcome = yield* runScenario({ seed, workers: 2 + (seed % 2), deaths: 2 })
        const found = problems(outcome)
        assert.deepStrictEqual(found, [], `seed ${seed}: ${found.slice(0, 5).join("; ")}`)
        steps += outcome.steps
        died += outcome.died
      }
      // The schedules did what they are for: many round trips interleaved, workers killed mid-batch.
      assert.isAbove(steps, SCHEDULES * 50)
      assert.isAbove(died, SCHEDULES / 4)
    }),
    300_000
  )
})
