import { assert, describe, it } from "@effect/vitest"
import { Redacted, Schema } from "effect"
import * as fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import type * as Event from "../src/Event.ts"
import * as Policy from "../src/Policy.ts"
import * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
import * as F from "./fixtures.ts"

const RUNS = { numRuns: 1000 }
const M = "m-1"
const T0 = Date.parse("2024-01-01T00:00:00+08:00")

// One draw in four is one of a few shared seconds: events at the same instant must fold and
// evaluate the same in any order too.
const instant = fc
  .oneof({ arbitrary: fc.integer({ min: 0, max: 3 * 365 * 86_400 }), weight: 3 }, { arbitrary: fc.constantFrom(0, 86_400, 200 * 86_400), weight: 1 })
  .map((s) => new Date(T0 + s * 1000).toISOString())
// Ids from the wire key records: names of Object.prototype's properties among them.
const transferId = fc.constantFrom("tr-1", "__proto__", "toString")

/** Any event about member m-1, as wire JSON minus the event id. */
const memberEventWire: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant("MemberRegistered"), name: fc.constantFrom("张伟", "章伟"), idNumber: fc.constant("11010519491231002X"), category: fc.constantFrom("full", "probationary"), orgId: fc.constantFrom("org-a", "org-b") }),
  fc.record({ type: fc.constant("MemberUpdated"), phone: fc.constantFrom("13800138000", "13900139000"), category: fc.constantFrom("full", "probationary") }),
  fc.record({ type: fc.constant("ContactRecorded"), channel: fc.constantFrom("meeting", "dues", "phone", "visit", "online", "message", "other") }),
  fc.record({ type: fc.constant("OutflowReported"), destinationRegion: fc.constantFrom("440305", "310101"), reason: fc.constant("work"), fixedLocation: fc.boolean() }),
  fc.record({ type: fc.constant("ReturnReported") }),
  fc.record({ type: fc.constant("InflowRegistered"), region: fc.constant("440305"), orgId: fc.constantFrom("org-x", "org-y") }),
  fc.record({ type: fc.constant("TransferIssued"), transferId, toOrgId: fc.constant("org-b"), validDays: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ type: fc.constant("TransferReceived"), transferId, orgId: fc.constant("org-b") }),
  fc.record({ type: fc.constant("TransferCancelled"), transferId }),
  fc.record({ type: fc.constant("SearchAttemptFailed"), channel: fc.constantFrom("phone", "visit", "relatives") }),
  fc.record({ type: fc.constant("StatusDecided"), decision: fc.constantFrom("suspend", "restore", "remove") }),
  fc.record({ type: fc.constant("MatchResolved"), observationEventId: fc.constantFrom("obs-1", "__proto__", "constructor"), resolution: fc.constantFrom("confirmed", "rejected") }),
  fc.record({ type: fc.constant("LeadReported"), subject: fc.constant({ memberId: M }) })
)

let sequence = 0
/** A list of distinct events (unique ids), decoded through the real contract. */
const events = (maxLength: number): fc.Arbitrary<ReadonlyArray<Event.Event>> =>
  fc.array(fc.tuple(memberEventWire, instant), { maxLength }).map((items) =>
    items.map(([wire, occurredAt]) =>
      F.decode({ orgId: "org-a", memberId: M, ...wire, eventId: `p-${++sequence}`, occurredAt })
    )
  )

const fold = (list: ReadonlyArray<Event.Event>): Projection.Projection =>
  list.reduce((p, e) => {
    const fragment = Projection.fromEvent(e)
    return fragment === undefined ? p : Projection.merge(p, fragment)
  }, Projection.empty(M))

/** Events plus some of them again, in a shuffled order: what an at-least-once, reordering export looks like. */
const redelivered = (list: ReadonlyArray<Event.Event>) =>
  fc.tuple(fc.subarray([...list]), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })).map((s) => s)).map(([dups, noise]) => {
    const all = [...list, ...dups]
    const keys = all.map(() => noise.next().value)
    return all.map((e, i) => [keys[i] ?? 0, e] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => e)
  })

describe("Projection.merge laws", () => {
  it("is commutative", () => {
    fc.assert(fc.property(events(12), events(12), (a, b) => {
      assert.deepStrictEqual(Projection.merge(fold(a), fold(b)), Projection.merge(fold(b), fold(a)))
    }), RUNS)
  })
  it("is associative", () => {
    fc.assert(fc.property(events(8), events(8), events(8), (a, b, c) => {
      const [pa, pb, pc] = [fold(a), fold(b), fold(c)]
      assert.deepStrictEqual(Projection.merge(Projection.merge(pa, pb), pc), Projection.merge(pa, Projection.merge(pb, pc)))
    }), RUNS)
  })
  it("is idempotent", () => {
    fc.assert(fc.property(events(12), events(12), (a, b) => {
      const pa = fold(a)
      const ab = Projection.merge(pa, fold(b))
      assert.deepStrictEqual(Projection.merge(pa, pa), pa)
      assert.deepStrictEqual(Projection.merge(ab, fold(b)), ab)
    }), RUNS)
  })
  it("gives the same projection for any order and duplication of the same events", () => {
    fc.assert(fc.property(events(25).chain((list) => fc.tuple(fc.constant(list), redelivered(list))), ([list, shuffled]) => {
      assert.deepStrictEqual(fold(shuffled), fold(list))
    }), RUNS)
  })
  it("absorbs in place exactly as it merges, for any order and duplication", () => {
    fc.assert(fc.property(events(25).chain((list) => fc.tuple(fc.constant(list), redelivered(list))), ([list, shuffled]) => {
      const owned = Projection.own(M)
      for (const event of shuffled) {
        const fragment = Projection.fromEvent(event)
        if (fragment !== undefined) Projection.absorb(owned, fragment)
      }
      assert.deepStrictEqual(owned, fold(list))
    }), RUNS)
  })
  it("the scan folds exactly as the merge does, for any order and duplication", () => {
    fc.assert(fc.property(events(25).chain((list) => fc.tuple(fc.constant(list), redelivered(list))), ([list, shuffled]) => {
      const scanned = Scan.run(shuffled, { asOf: Number.MAX_SAFE_INTEGER, policy: Policy.defaults }).members.get(M)
      assert.deepStrictEqual(scanned ?? Projection.empty(M), fold(list))
    }), RUNS)
  })
  it("gives the same evaluation for any order and duplication, at any instant", () => {
    fc.assert(fc.property(events(25).chain((list) => fc.tuple(fc.constant(list), redelivered(list), instant)), ([list, shuffled, asOf]) => {
      const options = { asOf: Date.parse(asOf), policy: Policy.defaults }
      assert.deepStrictEqual(Scan.run(shuffled, options).evaluations, Scan.run(list, options).evaluations)
    }), RUNS)
  })
})

/** Personal values as their text, absent and undefined fields alike. */
const unredacted = function (this: Record<string, unknown>, key: string, v: unknown): unknown {
  const original = this[key]
  return Redacted.isRedacted(original) ? Redacted.value(original) : v
}
const plainData = (projection: Projection.Projection): unknown => JSON.parse(JSON.stringify(projection, unredacted))

/** The projection as plain data and back: what storage gives (absent fields left out, personal values as text). */
const throughStorage = (projection: Projection.Projection): Projection.Projection =>
  Schema.decodeUnknownSync(Projection.Projection)(plainData(projection))

/** The reference equality: Node's deep strict equality of the plain data, in which key order is no part. */
const sameData = (a: Projection.Projection, b: Projection.Projection) => isDeepStrictEqual(plainData(a), plainData(b))

describe("Projection.equals", () => {
  it("is reflexive and symmetric, and holds exactly when the projections hold the same data", () => {
    fc.assert(fc.property(events(10), events(10), (a, b) => {
      const [pa, pb] = [fold(a), fold(b)]
      assert.isTrue(Projection.equals(pa, pa))
      assert.strictEqual(Projection.equals(pa, pb), Projection.equals(pb, pa))
      assert.strictEqual(Projection.equals(pa, pb), sameData(pa, pb))
    }), RUNS)
  })
  it("holds between a projection and its stored form read back, and fails once a later event changes it", () => {
    fc.assert(fc.property(events(12), events(3), (list, more) => {
      const projection = fold(list)
      const stored = throughStorage(projection)
      assert.isTrue(Projection.equals(stored, projection))
      const changed = more.reduce((p, e) => {
        const fragment = Projection.fromEvent(e)
        return fragment === undefined ? p : Projection.merge(p, fragment)
      }, projection)
      assert.strictEqual(Projection.equals(stored, changed), sameData(projection, changed))
    }), RUNS)
  })
  it("compares personal values by what they hide", () => {
    const registered = fold([F.decode({ type: "MemberRegistered", eventId: "r-1", memberId: M, orgId: "org-a", name: "张伟", idNumber: "11010519491231002X", category: "full", occurredAt: "2025-01-01T09:00:00+08:00" })])
    const registration = registered.registration
    if (registration === undefined) throw new Error("not registered")
    assert.isTrue(Projection.equals(registered, { ...registered, registration: { ...registration, idNumber: Redacted.make("11010519491231002X") } }))
    assert.isFalse(Projection.equals(registered, { ...registered, registration: { ...registration, idNumber: Redacted.make("110105194912310038") } }))
  })
})

describe("Projection.lastContact", () => {
  it("names the same kind whichever of two contacts at the same instant arrived first", () => {
    // Found by the evaluation law above: a registration and a meeting in the same second.
    const registration = F.registered(M, "2025-01-01")
    const meeting = F.contact(M, "2025-01-01", "meeting")
    const expected = { at: F.at("2025-01-01"), kind: "meeting" }
    assert.deepStrictEqual(Projection.lastContact(fold([registration, meeting])), expected)
    assert.deepStrictEqual(Projection.lastContact(fold([meeting, registration])), expected)
  })
})

describe("Projection.fromEvent", () => {
  it("last-writer-wins on identity fields by event time, not by arrival", () => {
    const early = F.updated(M, "2025-01-01", { phone: "13800138000" })
    const late = F.updated(M, "2025-02-01", { phone: "13900139000" })
    const p = fold([late, early])
    assert.strictEqual(p.phoneStamp?.eventId, late.eventId)
  })
  it("keeps each failed search once however often it is redelivered", () => {
    const search = F.searchFailed(M, "2025-01-01", "phone")
    assert.strictEqual(Object.keys(fold([search, search, search]).searches).length, 1)
  })
  it("ignores observations that do not name a member yet", () => {
    assert.isUndefined(Projection.fromEvent(F.recordObserved("2025-01-01", { name: "张伟" })))
    assert.isUndefined(Projection.fromEvent(F.observedInflow("2025-01-01", { name: "张伟" })))
  })
})
