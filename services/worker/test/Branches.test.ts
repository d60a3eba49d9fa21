/**
 * Floating party organisations in the worker: the records it stores are the embedded scan's
 * (`Scan.Result.records`) however the events are batched, ordered or repeated, the health it stores
 * is `BranchHealth.evaluateAll`'s, and a changed grade or finding publishes one
 * `BranchHealthChanged` — once, whatever is delivered again — from a batch or, when only time
 * passes, from the sweeper.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { BranchHealth, Event, MatchRule, Output, Policy, type Projection } from "@relink/core"
import { type Consumer, Producer } from "@relink/kafka"
import { Pii } from "@relink/mongo"
import * as BranchDocs from "../src/BranchDocs.ts"
import * as Engine from "../src/Engine.ts"
import * as Pipeline from "../src/Pipeline.ts"
import * as Snapshot from "../src/Snapshot.ts"
import * as Store from "../src/Store.ts"
import * as Sweeper from "../src/Sweeper.ts"
import * as Agreement from "../../../test/support/Agreement.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const at = (day: string) => `${day}T09:00:00+08:00`
const ASOF = Date.parse(at("2026-06-30"))
const settings: Engine.Settings = { policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags", strandedAfterMs: 0 }
const piiLayer = Pii.layer(Redacted.make("branches-test-key-0123456789abcdef"))

let sequence = 0
const wire = (type: string, day: string, orgId: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ eventId: `x-${++sequence}`, type, occurredAt: at(day), orgId, ...fields })
const org = (orgId: string, kind: Event.OrgKind, region: string, parentId?: string) =>
  wire("OrgRegistered", "2025-01-01", orgId, { name: orgId, kind, region, ...(parentId !== undefined && { parentId }) })
const activity = (orgId: string, day: string, kind: Event.OrgActivity, attendees?: ReadonlyArray<string>) =>
  wire("OrgActivityRecorded", day, orgId, { activity: kind, ...(attendees !== undefined && { attendees }) })
const member = (memberId: string, orgId: string, day = "2024-06-01") =>
  wire("MemberRegistered", day, orgId, { memberId, name: "张伟", idNumber: "11010519491231002X", category: "full" })

/**
 * A 流出地 committee (c-home) and two floating branches it set up: fb-sz in Shenzhen, which lapses
 * in some checks, holds members and has one to invite; fb-cq in Chongqing, which keeps every
 * cadence as of 2026-06-30, its committee meeting, group meeting and theme day due by 2026-07-15.
 */
const lines: ReadonlyArray<string> = [
  org("c-home", "committee", "510107"),
  org("b-home", "branch", "510107", "c-home"),
  org("fb-sz", "floating-branch", "440300", "c-home"),
  org("fb-cq", "floating-branch", "500000", "c-home"),
  activity("fb-sz", "2025-12-01", "group-meeting", ["m-c"]),
  activity("fb-sz", "2026-03-15", "members-meeting"),
  activity("fb-sz", "2026-06-10", "committee-meeting", ["m-a"]),
  activity("fb-sz", "2026-06-20", "group-meeting"),
  wire("GuidanceRecorded", "2026-02-10", "c-home", { targetOrgId: "fb-sz", channel: "visit" }),
  wire("BranchReported", "2025-05-01", "fb-sz", { homeOrgId: "b-home", memberIds: ["m-a"] }),
  activity("fb-cq", "2026-01-10", "life-meeting"),
  activity("fb-cq", "2026-01-10", "democratic-review"),
  activity("fb-cq", "2026-05-01", "members-meeting"),
  activity("fb-cq", "2026-06-15", "committee-meeting"),
  activity("fb-cq", "2026-06-15", "group-meeting"),
  activity("fb-cq", "2026-06-15", "theme-day"),
  wire("GuidanceRecorded", "2026-05-01", "c-home", { targetOrgId: "fb-cq", channel: "online" }),
  // m-a: from b-home to Shenzhen, registered at fb-sz, attends.
  member("m-a", "b-home"),
  wire("OutflowReported", "2025-03-01", "b-home", { memberId: "m-a", destinationRegion: "440305", reason: "work" }),
  wire("InflowRegistered", "2025-03-10", "fb-sz", { memberId: "m-a", region: "440305" }),
  // m-c: at home in fb-sz, last seen at the group meeting of 2025-12-01.
  member("m-c", "fb-sz", "2025-01-10"),
  // m-d: left b-home for Shenzhen and never registered: fb-sz should invite them.
  member("m-d", "b-home"),
  wire("OutflowReported", "2026-04-01", "b-home", { memberId: "m-d", destinationRegion: "440304", reason: "work" })
]

const arrivalOf = (line: string, offset: number): Engine.Arrival => {
  const decoded = Event.decodeLine(line)
  if (decoded._tag !== "Success") throw new Error(`malformed fixture line: ${line}`)
  return { event: decoded.success, raw: Buffer.from(line), origin: { topic: "events", partition: 0, offset: String(offset) } }
}
const arrivals = lines.map(arrivalOf)

/** The embedded scan's health of every floating organisation, as of `asOf`. */
const scanHealth = (asOf: number) => {
  const scan = Agreement.scanOf(lines, asOf)
  const members = scan.evaluations.map((evaluation) => ({ evaluation, projection: scan.members.get(evaluation.memberId) as Projection.Projection }))
  return { scan, health: BranchHealth.evaluateAll({ records: scan.records, orgs: scan.orgs, members, asOf, policy: Policy.defaults }) }
}

const engineOver = (server: MemoryStore.Server) =>
  Engine.make(settings).pipe(Effect.provideService(Store.Store, MemoryStore.make(server, MemoryStore.direct, () => ASOF)), Effect.provide(piiLayer))

/** The verdicts the worker stored, by organisation. */
const storedVerdicts = (server: MemoryStore.Server) =>
  Effect.gen(function* () {
    const out = new Map<string, BranchHealth.Verdict | undefined>()
    for (const [id, doc] of server.branchHealth) out.set(id, yield* BranchDocs.verdictOf(doc))
    return out
  })

const branchChanges = (outputs: ReadonlyArray<Store.OutboxDoc>): ReadonlyArray<Output.BranchHealthChanged> =>
  outputs.flatMap((doc) => {
    const output = JSON.parse(doc.value) as Output.Output
    return output.type === "BranchHealthChanged" ? [output] : []
  })

describe("the worker with floating party organisations", () => {
  it("stores the embedded scan's records and health, in batches of any size, in any order, with repeats", () => {
    const { scan, health } = scanHealth(ASOF)
    fc.assert(
      fc.property(
        fc.shuffledSubarray(arrivals.map((_, i) => i), { minLength: arrivals.length, maxLength: arrivals.length }),
        fc.integer({ min: 1, max: arrivals.length }),
        fc.array(fc.integer({ min: 0, max: arrivals.length - 1 }), { maxLength: 5 }),
        (order, batchSize, repeats) => {
          const delivered = [...order, ...repeats].map((i) => arrivals[i] as Engine.Arrival)
          const { snapshot, verdicts } = Effect.runSync(
            Effect.gen(function* () {
              const server = MemoryStore.server()
              const engine = yield* engineOver(server)
              for (let i = 0; i < delivered.length; i += batchSize) yield* engine.ingest(delivered.slice(i, i + batchSize), ASOF)
              const snapshot = yield* Snapshot.load(ASOF).pipe(Effect.provideService(Store.Store, MemoryStore.make(server, MemoryStore.direct, () => ASOF)), Effect.provide(piiLayer))
              return { snapshot, verdicts: yield* storedVerdicts(server) }
            })
          )
          assert.deepStrictEqual(Agreement.differences(scan, snapshot), [])
          assert.deepStrictEqual(snapshot.records, scan.records)
          assert.deepStrictEqual(verdicts, new Map(health.map((h) => [h.orgId, { grade: h.grade, findings: h.findings }])))
        }
      ),
      { numRuns: 40 }
    )
  })

  it.effect("publishes a change once: a batch delivered again publishes nothing new", () =>
    Effect.gen(function* () {
      const server = MemoryStore.server()
      const engine = yield* engineOver(server)
      const first = branchChanges((yield* engine.ingest(arrivals, ASOF)).outputs)
      const { health } = scanHealth(ASOF)
      const sz = health.find((h) => h.orgId === "fb-sz")
      assert.notStrictEqual(sz?.grade, "normal")
      // fb-cq is normal with no findings: evaluated for the first time, that is no news.
      assert.deepStrictEqual(first.map((o) => [o.orgId, o.from, o.to, o.findings.length]), [["fb-sz", null, sz?.grade, sz?.findings.length]])
      assert.deepStrictEqual(first[0]?.findings.map((f) => f.rule), sz?.findings.map((f) => f.rule))
      assert.strictEqual(first[0]?.guidingOrgId, "c-home")
      const again = yield* engine.ingest(arrivals, ASOF)
      assert.strictEqual(again.branchChanges, 0)
      assert.deepStrictEqual(branchChanges(again.outputs), [])
      assert.strictEqual(branchChanges([...server.outbox.values()]).length, 1)
    }))

  it.effect("publishes the change a member's event makes to the branch that holds them", () =>
    Effect.gen(function* () {
      const server = MemoryStore.server()
      const engine = yield* engineOver(server)
      yield* engine.ingest(arrivals, ASOF)
      const before = (yield* storedVerdicts(server)).get("fb-sz")
      assert.isTrue(before?.findings.some((f) => f.memberId === "m-c"))
      // m-c is seen at a meeting: no event of fb-sz's own, but its findings about m-c go.
      const contact = arrivalOf(wire("ContactRecorded", "2026-06-29", "fb-sz", { memberId: "m-c", channel: "meeting" }), lines.length)
      const changes = branchChanges((yield* engine.ingest([contact], ASOF)).outputs)
      assert.deepStrictEqual(changes.map((o) => o.orgId), ["fb-sz"])
      assert.isFalse(changes[0]?.findings.some((f) => f.memberId === "m-c"))
    }))

  it.effect("the sweeper raises a cadence finding when its time comes, with no new event", () =>
    Effect.gen(function* () {
      const sent: Array<Producer.OutgoingMessage> = []
      const producer = { send: (_topic: string, messages: ReadonlyArray<Producer.OutgoingMessage>) => Effect.sync(() => void sent.push(...messages)) }
      const server = MemoryStore.server()
      const batch: Consumer.Batch = {
        topic: "events",
        partition: 0,
        messages: lines.map((line, i) => ({ topic: "events", partition: 0, offset: String(i), key: null, value: Buffer.from(line), headers: {} })),
        commit: Effect.void,
        heartbeat: Effect.void,
        abandon: Effect.void,
        pause: Effect.void
      }
      const changesOf = (messages: ReadonlyArray<Producer.OutgoingMessage>) =>
        messages.flatMap((m) => {
          const output = JSON.parse(String(m.value)) as Output.Output
          return output.type === "BranchHealthChanged" ? [{ key: m.key, output }] : []
        })
      yield* Effect.gen(function* () {
        const engine = yield* Engine.make(settings)
        yield* Effect.gen(function* () {
          yield* TestClock.setTime(ASOF)
          yield* Pipeline.processBatch(batch)
          assert.deepStrictEqual(changesOf(sent).map((c) => c.output.orgId), ["fb-sz"])
          const due = server.branchHealth.get("fb-cq")?.nextReviewAt?.getTime()
          assert.strictEqual(due, Date.parse(at("2026-07-15")))
          // A day before its meetings are due, the sweep finds nothing to say of fb-cq.
          sent.length = 0
          yield* TestClock.setTime(Date.parse(at("2026-07-14")))
          yield* Sweeper.sweepOnce
          assert.deepStrictEqual(changesOf(sent).filter((c) => c.output.orgId === "fb-cq"), [])
          yield* TestClock.setTime(Date.parse(at("2026-07-15")))
          yield* Sweeper.sweepOnce
          const raised = changesOf(sent).filter((c) => c.output.orgId === "fb-cq")
          assert.deepStrictEqual(raised.map((c) => [c.key, c.output.from, c.output.to]), [["fb-cq", "normal", "attention"]])
          assert.deepStrictEqual(
            raised[0]?.output.findings.map((f) => [f.rule, f.since]),
            ["committee-meeting-overdue", "group-meeting-overdue", "theme-day-overdue"].map((rule) => [rule, new Date(Date.parse(at("2026-06-15"))).toISOString()])
          )
          // Swept again at the same instant: nothing new.
          sent.length = 0
          yield* Sweeper.sweepOnce
          assert.deepStrictEqual(changesOf(sent), [])
        }).pipe(Effect.provideService(Engine.Engine, engine))
      }).pipe(
        Effect.provideService(Producer.Producer, producer),
        Effect.provideService(Store.Store, MemoryStore.make(server, MemoryStore.direct, () => ASOF)),
        Effect.provide(piiLayer)
      )
    }))
})
