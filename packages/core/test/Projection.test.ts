import { assert, describe, it } from "@effect/vitest"
import { Redacted, Schema } from "effect"
import * as fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import type * as Event from "../src/Event.ts"
import * as Policy from "../src/Policy.ts"
import * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
import { instant, M, memberEventWire } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

const RUNS = { numRuns: 1000 }


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
