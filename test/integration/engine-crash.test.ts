/**
 * The engine's fold survives a crash at any write: every batch is first attempted against a store
 * that stops accepting writes after a random number of documents (part-way through a bulk write
 * too), then delivered again to a healthy store, as Kafka redelivers an uncommitted batch. The end
 * state must be the embedded scan's, and every output and status change a crash-free run stages
 * must be staged too — an effect of the first attempt is never lost to the second finding its
 * writes already done.
 */
import { randomUUID } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { MongoClient } from "mongodb"
import { afterAll, describe, expect, it } from "vitest"
import { Event, MatchRule, Policy } from "@relink/core"
import { Simulation } from "@relink/simulation"
import { MongoError, Pii } from "@relink/mongo"
import { Engine, Snapshot, Store } from "@relink/worker"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
const lines = [...Simulation.events({ members: 100, seed: 404, asOf: ASOF })].map((e) => JSON.stringify(e))
const BATCH = 40
const batches = Array.from({ length: Math.ceil(lines.length / BATCH) }, (_, i) =>
  lines.slice(i * BATCH, (i + 1) * BATCH).map((line, offset): Engine.Arrival => {
    const decoded = Event.decodeLine(line)
    if (decoded._tag !== "Success") throw new Error(`the simulation wrote a malformed line: ${line}`)
    return { event: decoded.success, raw: Buffer.from(line), origin: { topic: "events", partition: 0, offset: String(i * BATCH + offset) } }
  })
)
const databases: Array<string> = []

/**
 * A store that accepts `budget.documents` more written documents, then fails every write: a bulk
 * write over the budget writes its first documents only, like a process killed mid-command.
 */
const crashingStore = (store: Store.StoreShape, budget: { documents: number }): Store.StoreShape => {
  const crashed = new MongoError.MongoError({ operation: "crash", reason: "the worker died here", kind: "Unavailable" })
  const limited =
    <Args extends ReadonlyArray<unknown>, A, E>(write: (...args: Args) => Effect.Effect<A, E>) =>
    (...args: Args): Effect.Effect<A, E | MongoError.MongoError> =>
      Effect.suspend(() => {
        const [first, ...rest] = args
        const size = Array.isArray(first) ? first.length : 1
        if (budget.documents >= size) {
          budget.documents -= size
          return write(...args)
        }
        const prefix = Array.isArray(first) ? first.slice(0, budget.documents) : []
        budget.documents = 0
        const partial = prefix.length > 0 ? write(...([prefix, ...rest] as unknown as Args)) : Effect.void
        return Effect.andThen(partial, Effect.fail(crashed))
      })
  return {
    ...store,
    storeEvents: limited(store.storeEvents),
    writeOrgs: limited(store.writeOrgs),
    bumpOrgsVersion: limited(() => store.bumpOrgsVersion)(),
    storeObservations: limited(store.storeObservations),
    addResolutions: limited(store.addResolutions),
    writeMembers: limited(store.writeMembers),
    clearPending: limited(store.clearPending),
    writeMatches: limited(store.writeMatches),
    recordStatusChanges: limited(store.recordStatusChanges),
    stageOutputs: limited(store.stageOutputs)
  }
}

const randomFrom = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}

/** Ingests every batch into a fresh database; `crashBudget` says how much of a first attempt lands. */
const ingestAll = (crashBudget: (batch: number) => number | undefined) => {
  const database = `relink_crash_${randomUUID().replaceAll("-", "")}`
  databases.push(database)
  const pii = Pii.layer(Redacted.make(W.PII_KEY))
  const store = Store.layer({ uri: serviceEnv().MONGODB_URI, database })
  const settings = { policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags" }
  const program = Effect.gen(function* () {
    const healthy = yield* Store.Store
    let crashes = 0
    for (const [index, arrivals] of batches.entries()) {
      const documents = crashBudget(index)
      if (documents !== undefined) {
        const crashing = yield* Engine.make(settings).pipe(Effect.provideService(Store.Store, crashingStore(healthy, { documents })))
        const first = yield* Effect.exit(crashing.ingest(arrivals, ASOF))
        if (first._tag === "Failure") crashes++
      }
      const engine = yield* Engine.make(settings)
      yield* engine.ingest(arrivals, ASOF)
    }
    const snapshot = yield* Snapshot.load(ASOF)
    const outbox = yield* healthy.unpublishedOutputs(1_000_000)
    return { crashes, snapshot, outputs: new Set(outbox.map((o) => o._id)) }
  })
  return Effect.runPromise(Effect.scoped(program.pipe(Effect.provide(Layer.merge(store, pii)))))
}

/**
 * Ingests every batch, then sweeps at `at`. With `dies`, a first sweep dies just after writing the
 * members (their changes pending, the effects not stored), and only a sweep follows.
 */
const sweepAfter = (at: number, dies: boolean) => {
  const database = `relink_crash_${randomUUID().replaceAll("-", "")}`
  databases.push(database)
  const layer = Layer.merge(Store.layer({ uri: serviceEnv().MONGODB_URI, database }), Pii.layer(Redacted.make(W.PII_KEY)))
  const settings = { policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags", strandedAfterMs: 0 }
  const program = Effect.gen(function* () {
    const healthy = yield* Store.Store
    const engine = yield* Engine.make(settings)
    for (const arrivals of batches) yield* engine.ingest(arrivals, ASOF)
    let died = false
    if (dies) {
      const crashed = new MongoError.MongoError({ operation: "crash", reason: "the worker died here", kind: "Unavailable" })
      const dying = yield* Engine.make(settings).pipe(
        Effect.provideService(Store.Store, { ...healthy, recordStatusChanges: () => Effect.fail(crashed) })
      )
      died = (yield* Effect.exit(dying.sweep(at, 1_000_000)))._tag === "Failure"
    }
    const swept = yield* engine.sweep(at, 1_000_000)
    const outbox = yield* healthy.unpublishedOutputs(1_000_000)
    return { died, swept: swept.reviewed, snapshot: yield* Snapshot.load(at), outputs: new Set(outbox.map((o) => o._id)) }
  })
  return Effect.runPromise(Effect.scoped(program.pipe(Effect.provide(layer))))
}

describe("the engine after a crash at any write", () => {
  afterAll(async () => {
    const client = await MongoClient.connect(serviceEnv().MONGODB_URI)
    for (const database of databases) await client.db(database).dropDatabase().catch(() => undefined)
    await client.close()
  })

  it("ends in the scan's state with every output staged, whichever write of each batch the crash lands on", async () => {
    const clean = await ingestAll(() => undefined)
    const scan = W.scanOf(lines, ASOF)
    expect(W.differences(scan, clean.snapshot)).toEqual([])
    const seed = Date.now() % 100_000
    const random = randomFrom(seed)
    // Most crashes land early in a batch, where the events, members and matches are written.
    const crashed = await ingestAll(() => Math.floor(random() ** 2 * 120))
    const context = `seed ${seed}, ${crashed.crashes} of ${batches.length} first attempts crashed`
    expect(crashed.crashes, context).toBeGreaterThan(batches.length / 2)
    expect(W.differences(scan, crashed.snapshot), context).toEqual([])
    expect([...clean.outputs].filter((id) => !crashed.outputs.has(id)), context).toEqual([])
    expect([...crashed.outputs].filter((id) => !clean.outputs.has(id)), context).toEqual([])
  }, 300_000)

  it("settles in the sweeper the changes a sweep that died left pending, though nothing is due any more", async () => {
    const at = ASOF + 400 * 86_400_000
    const clean = await sweepAfter(at, false)
    const recovered = await sweepAfter(at, true)
    expect(recovered.died).toBe(true)
    expect(recovered.swept).toBeGreaterThan(0)
    expect(W.differences(W.scanOf(lines, at), recovered.snapshot)).toEqual([])
    const statusChanges = [...clean.outputs].filter((id) => id.startsWith("status|"))
    expect(statusChanges.length).toBeGreaterThan(0)
    expect([...clean.outputs].filter((id) => !recovered.outputs.has(id))).toEqual([])
    expect([...recovered.outputs].filter((id) => !clean.outputs.has(id))).toEqual([])
  }, 300_000)
})
