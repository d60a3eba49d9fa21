/**
 * Stored data decodes back to what was stored: evaluations of simulated members survive the trip
 * through their schemas (plain and stored, with dates), projections the trip through their sealed
 * state, and a stored document that does not decode fails with `StoredDataError` naming the
 * document and field.
 */
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Redacted, Result, Schema } from "effect"
import * as fc from "fast-check"
import { Event, Matching, OrgTree, Policy, Projection, Status } from "@relink/core"
import { Pii } from "@relink/mongo"
import * as Store from "../src/Store.ts"
import { Simulation } from "@relink/simulation"
import * as MemberRecord from "../src/MemberRecord.ts"
import * as Snapshot from "../src/Snapshot.ts"
import * as StoredData from "../src/StoredData.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
const DAY = 86_400_000

/** The simulated members of a seed, each folded from its events with `fromEvent` and `merge`. */
const simulated = (seed: number, members: number) => {
  const orgs: Array<OrgTree.Org> = []
  const projections = new Map<string, Projection.Projection>()
  for (const wire of Simulation.events({ members, seed, asOf: ASOF })) {
    const decoded = Event.decodeLine(JSON.stringify(wire))
    if (decoded._tag !== "Success") throw new Error("the simulation wrote a malformed event")
    const event = decoded.success
    if (event.type === "OrgRegistered") orgs.push(OrgTree.fromEvent(event))
    const fragment = Projection.fromEvent(event)
    if (fragment === undefined) continue
    const current = projections.get(fragment.memberId)
    projections.set(fragment.memberId, current === undefined ? fragment : Projection.merge(current, fragment))
  }
  return { tree: OrgTree.make(orgs), projections }
}

/** A registration with a birth date before 1900: the simulation registers no such member, the data-quality rule flags it. */
const misregistered = (p: Projection.Projection): Projection.Projection =>
  p.registration === undefined ? p : { ...p, registration: { ...p.registration, birthDate: "1899-12-31" } }

/**
 * Evaluations of simulated members, as of an instant between two years before the export and a
 * year after it; every other member misregistered, so that evaluations with `dataQuality` occur.
 */
const evaluations = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: -730, max: 365 }))
  .map(([seed, days]) => {
    const { tree, projections } = simulated(seed, 20)
    return [...projections.values()].flatMap(
      (p, i) => Status.evaluate(i % 2 === 0 ? p : misregistered(p), ASOF + days * DAY, Policy.defaults, tree) ?? []
    )
  })

describe("Status.Evaluation (schema)", () => {
  it("types exactly the Evaluation interface", () => {
    expectTypeOf<typeof Status.Evaluation.Type>().toEqualTypeOf<Status.Evaluation>()
    expectTypeOf<typeof Status.Evaluation.Encoded>().toEqualTypeOf<Status.Evaluation>()
  })

  it("decodes an encoded evaluation to the same evaluation, and one stored with dates to an equal one", () => {
    const encode = Schema.encodeSync(Status.Evaluation)
    const decode = Schema.decodeUnknownSync(Status.Evaluation)
    const decodeStored = Schema.decodeUnknownSync(MemberRecord.StoredEvaluation)
    fc.assert(
      fc.property(evaluations, (list) => {
        for (const evaluation of list) {
          assert.deepStrictEqual(decode(encode(evaluation)), evaluation)
          const stored = MemberRecord.storedEvaluation(evaluation)
          if (evaluation.nextReviewAt !== undefined) assert.instanceOf(stored?.nextReviewAt, Date)
          assert.deepStrictEqual(decodeStored(stored), evaluation)
          assert.isTrue(Status.equals(decodeStored(stored), evaluation))
        }
      }),
      { numRuns: 25 }
    )
  })
})

/** A projection as plain JSON, personal values shown: compares values, key order and absent fields (undefined = absent). */
const plain = (projection: Projection.Projection): string =>
  JSON.stringify(projection, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key]
    return Redacted.isRedacted(original) ? { redacted: Redacted.value(original) } : v
  })

describe("Projection.Projection (schema)", () => {
  const pii = Effect.runSync(Pii.make(Redacted.make("stored-data-test-key-0123456789")))

  it("types exactly the Projection interface", () => {
    expectTypeOf<typeof Projection.Projection.Type>().toEqualTypeOf<Projection.Projection>()
    expectTypeOf<(typeof Projection.Projection.Encoded)["phone"]>().toEqualTypeOf<string | undefined>()
  })

  /** The projection as the engine reads it back from its member document. */
  const roundTrip = (projection: Projection.Projection) =>
    Effect.runSync(MemberRecord.projectionOf(pii, MemberRecord.toDoc(pii, projection, undefined, [], 1, ASOF, [], null)))

  it("decodes a sealed projection of a simulated member to an equal projection, personal values Redacted", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        for (const projection of simulated(seed, 20).projections.values()) {
          const stored = roundTrip(projection)
          assert.strictEqual(plain(stored), plain(projection))
          assert.isTrue(Projection.equals(stored, projection))
          if (projection.registration !== undefined) assert.isTrue(Redacted.isRedacted(stored.registration?.idNumber))
        }
      }),
      { numRuns: 25 }
    )
  })

  it("keeps no personal value of the projection readable in the member document", () => {
    for (const projection of simulated(3, 20).projections.values()) {
      const doc = JSON.stringify(MemberRecord.toDoc(pii, projection, undefined, [], 1, ASOF, [], null))
      const personal = [
        projection.name,
        projection.hukouRegion,
        projection.registration?.birthDate,
        ...[projection.registration?.idNumber, projection.phone].map((r) => (r === undefined ? undefined : Redacted.value(r))),
        ...Object.values(projection.outflows).map((o) => o.destinationDetail)
      ]
      for (const value of personal) if (value !== undefined && value.length >= 4) assert.notInclude(doc, value)
    }
  })

  it("keeps records keyed by ids that name Object.prototype's properties", () => {
    const events = [
      { type: "TransferIssued", eventId: "e-1", transferId: "__proto__", toOrgId: "org-b" },
      { type: "TransferCancelled", eventId: "e-2", transferId: "toString" },
      { type: "MatchResolved", eventId: "e-3", observationEventId: "constructor", resolution: "rejected" }
    ].map((wire) => {
      const decoded = Event.decodeLine(JSON.stringify({ ...wire, memberId: "m-1", orgId: "org-a", occurredAt: "2025-01-01T09:00:00+08:00" }))
      if (decoded._tag !== "Success") throw new Error(`not an event: ${JSON.stringify(wire)}`)
      return decoded.success
    })
    const projection = events.reduce((p, e) => {
      const fragment = Projection.fromEvent(e)
      return fragment === undefined ? p : Projection.merge(p, fragment)
    }, Projection.empty("m-1"))
    const stored = roundTrip(projection)
    assert.strictEqual(plain(stored), plain(projection))
    assert.deepStrictEqual(Object.keys(stored.transfers), ["__proto__", "toString"])
    assert.strictEqual(Object.getPrototypeOf(stored.transfers), Object.prototype)
  })

  it.effect("MemberRecord.projectionOf fails with StoredDataError naming the member and field", () =>
    Effect.gen(function* () {
      const projection = Projection.empty("m-1")
      const doc = MemberRecord.toDoc(pii, projection, undefined, [], 1, ASOF, [], null)
      assert.strictEqual(plain(yield* MemberRecord.projectionOf(pii, doc)), plain(projection))
      const state = pii.encrypt(JSON.stringify({ ...JSON.parse(Result.getOrThrow(pii.decrypt(doc.state)).toString("utf8")), contacts: { telepathy: 1 }, category: "honorary" }))
      const error = yield* Effect.flip(MemberRecord.projectionOf(pii, { ...doc, state }))
      assert.strictEqual(error._tag, "StoredDataError")
      assert.deepInclude(error, { collection: "members", id: "m-1" })
      assert.include(error.message, "state.category: Expected")
      assert.include(error.message, "state.contacts")
    })
  )

  it.effect("MemberRecord.projectionOf fails with StoredDataError for a sealed state that is no JSON, or too short to be a ciphertext", () =>
    Effect.gen(function* () {
      const doc = MemberRecord.toDoc(pii, Projection.empty("m-1"), undefined, [], 1, ASOF, [], null)
      const notJson = yield* Effect.flip(MemberRecord.projectionOf(pii, { ...doc, state: pii.encrypt('{"memberId":"m-1","name":"张') }))
      assert.deepInclude(notJson, { _tag: "StoredDataError", collection: "members", id: "m-1", reason: "state: not JSON" })
      const cut = yield* Effect.flip(MemberRecord.projectionOf(pii, { ...doc, state: doc.state.slice(0, 20) }))
      assert.deepInclude(cut, { _tag: "StoredDataError", collection: "members", id: "m-1" })
      assert.include(cut.message, "state: a stored ciphertext of 15 bytes is shorter than its IV and tag")
    })
  )

  it.effect("MemberRecord.projectionOf fails with PiiKeyMismatch for a member sealed under another key", () =>
    Effect.gen(function* () {
      const other = yield* Pii.make(Redacted.make("another-stored-data-key-0123456789"))
      const doc = MemberRecord.toDoc(other, Projection.empty("m-1"), undefined, [], 1, ASOF, [], null)
      const error = yield* Effect.flip(MemberRecord.projectionOf(pii, doc))
      assert.strictEqual(error._tag, "PiiKeyMismatch")
    })
  )
})

describe("MemberRecord.evaluationOf", () => {
  const pii = Effect.runSync(Pii.make(Redacted.make("stored-data-test-key-0123456789")))
  const { tree, projections } = simulated(7, 5)
  const [projection] = [...projections.values()]
  if (projection === undefined) throw new Error("no simulated member")
  const evaluation = Status.evaluate(projection, ASOF, Policy.defaults, tree)
  const doc = MemberRecord.toDoc(pii, projection, evaluation, [], 1, ASOF, [], null)

  it.effect("gives the stored evaluation back, and undefined for none", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* MemberRecord.evaluationOf(doc), evaluation)
      assert.strictEqual(yield* MemberRecord.evaluationOf({ ...doc, evaluation: null }), undefined)
      assert.strictEqual(yield* MemberRecord.evaluationOf(undefined), undefined)
    })
  )

  it.effect("fails with StoredDataError naming the member and what is wrong", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(MemberRecord.evaluationOf({ ...doc, evaluation: { ...evaluation, status: "vanished", flags: "none" } }))
      assert.instanceOf(error, StoredData.StoredDataError)
      assert.strictEqual(error.collection, "members")
      assert.strictEqual(error.id, projection.memberId)
      assert.include(error.reason, "evaluation.status: Expected")
      assert.include(error.reason, "evaluation.flags: Expected")
    })
  )
})

describe("organisations and proposals as stored", () => {
  it("Matching.Proposal types exactly the Proposal interface", () => {
    expectTypeOf<typeof Matching.Proposal.Type>().toEqualTypeOf<Matching.Proposal>()
    expectTypeOf<typeof Matching.Proposal.Encoded>().toEqualTypeOf<Matching.Proposal>()
  })

  const org: Store.OrgDoc = { _id: "org-1", version: 1, writeId: "w-1", name: "第一支部", parentId: null, kind: "branch", region: "510104", at: new Date(0), eventId: "e-1" }
  const proposal: Store.ProposalDoc = {
    observationEventId: "obs-1",
    memberId: "m-1",
    weight: 20,
    probability: 0.999999,
    decision: "review",
    explanation: { prior: -10, comparisons: [{ comparison: "name", level: "exact", weight: 30 }], total: 20, probability: 0.999999 }
  }
  const match: Store.MatchesDoc = { _id: "obs-1", version: 1, writeId: "w-1", proposals: [proposal] }
  const load = (orgs: ReadonlyArray<Store.OrgDoc>, matches: ReadonlyArray<Store.MatchesDoc>) =>
    Effect.gen(function* () {
      const server = MemoryStore.server()
      for (const doc of orgs) server.orgs.set(doc._id, doc)
      for (const doc of matches) server.matches.set(doc._id, doc)
      const pii = yield* Pii.make(Redacted.make("stored-data-test-key-0123456789"))
      return yield* Snapshot.load(ASOF).pipe(
        Effect.provideService(Store.Store, MemoryStore.make(server, MemoryStore.direct, () => 0)),
        Effect.provideService(Pii.PiiService, pii)
      )
    })

  it.effect("reads well-formed documents", () =>
    Effect.gen(function* () {
      const snapshot = yield* load([org], [match])
      assert.strictEqual(snapshot.orgs.orgs.get("org-1")?.kind, "branch")
    })
  )

  it.effect("fails with StoredDataError for an organisation of an unknown kind", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(load([{ ...org, kind: "planet" }], []))
      assert.instanceOf(error, StoredData.StoredDataError)
      assert.deepInclude(error, { collection: "orgs", id: "org-1" })
      assert.include(error.reason, "kind: Expected")
    })
  )

  it.effect("fails with StoredDataError for a match whose proposal does not decode", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(load([org], [{ ...match, proposals: [{ ...proposal, decision: "maybe", explanation: { prior: -10 } }] }]))
      assert.instanceOf(error, StoredData.StoredDataError)
      assert.deepInclude(error, { collection: "matches", id: "obs-1" })
      assert.include(error.reason, "proposals.0.decision: Expected")
      assert.include(error.reason, "proposals.0.explanation.total: ")
    })
  )
})
