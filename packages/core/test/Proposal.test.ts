import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import type * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Policy from "../src/Policy.ts"
import * as Projection from "../src/Projection.ts"
import * as Proposal from "../src/Proposal.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import * as F from "./fixtures.ts"

/** A member's projection after the resolutions given, by observation event id. */
const resolvedMember = (memberId: string, resolutions: Record<string, Event.Resolution>): Projection.Projection =>
  Object.entries(resolutions)
    .map(([observationEventId, resolution]) => Projection.fromEvent(F.resolved(memberId, observationEventId, "2026-03-01", resolution)))
    .reduce<Projection.Projection>((member, fragment) => (fragment === undefined ? member : Projection.merge(member, fragment)), Projection.empty(memberId))

describe("Proposal.isSettled", () => {
  const members = new Map([
    ["m-confirmed", resolvedMember("m-confirmed", { "obs-1": "confirmed" })],
    ["m-rejected", resolvedMember("m-rejected", { "obs-1": "rejected" })],
    ["m-elsewhere", resolvedMember("m-elsewhere", { "obs-2": "confirmed" })]
  ])
  const member = (id: string) => members.get(id)

  it("is settled when a member the observation was resolved with confirmed it", () => {
    assert.isTrue(Proposal.isSettled("obs-1", ["m-rejected", "m-confirmed"], member))
  })
  it("is open when the only resolution rejected the pair", () => assert.isFalse(Proposal.isSettled("obs-1", ["m-rejected"], member)))
  it("is open when the confirming member confirmed another observation", () => {
    assert.isFalse(Proposal.isSettled("obs-1", ["m-elsewhere"], member))
  })
  it("is open when the member a resolution names is unknown", () => assert.isFalse(Proposal.isSettled("obs-1", ["m-unknown"], member)))
  it("is open when nobody resolved the observation", () => assert.isFalse(Proposal.isSettled("obs-1", [], member)))
})

describe("Proposal.isRejected", () => {
  const member = resolvedMember("m-1", { "obs-1": "rejected", "obs-2": "confirmed" })
  it("is true for the observation the member was rejected for", () => assert.isTrue(Proposal.isRejected(member, "obs-1")))
  it("is false for a confirmed pair and for an unresolved one", () => {
    assert.isFalse(Proposal.isRejected(member, "obs-2"))
    assert.isFalse(Proposal.isRejected(member, "obs-3"))
  })
  it("is false for an unknown member", () => assert.isFalse(Proposal.isRejected(undefined, "obs-1")))
})

const sample = F.sample60
const scanned = Scan.run(sample, { asOf: Date.parse("2026-11-27T00:00:00+08:00"), policy: Policy.defaults })

describe("Proposal.isMatchable", () => {
  it("holds exactly for the unlinked and at-risk statuses", () => {
    const evaluation = scanned.evaluations[0]
    assert.isDefined(evaluation)
    for (const status of Status.statuses) {
      assert.strictEqual(Proposal.isMatchable({ ...evaluation, status }), Status.matchable.has(status), status)
    }
  })
  it("is false for a member who was never registered", () => assert.isFalse(Proposal.isMatchable(undefined)))
})

/** The order proposals were listed in by each reader on its own: observation, weight (highest first), member. */
const reference = (a: Matching.Proposal, b: Matching.Proposal): number =>
  a.observationEventId < b.observationEventId
    ? -1
    : a.observationEventId > b.observationEventId
      ? 1
      : b.weight - a.weight || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)

const explanation: Matching.Explanation = { prior: 0, comparisons: [], total: 0, probability: 0.5 }
const proposal: fc.Arbitrary<Matching.Proposal> = fc.record({
  observationEventId: fc.constantFrom("e-1", "e-2", "e-10", "e-2a"),
  memberId: fc.constantFrom("m-1", "m-2", "m-10", "m-3"),
  // Few distinct weights, so that ties on weight are common.
  weight: fc.oneof(fc.constantFrom(-3.5, 0, 12, 26.1, 61.4), fc.double({ noNaN: true, noDefaultInfinity: true })),
  decision: fc.constantFrom("auto-link" as const, "review" as const),
  explanation: fc.constant(explanation)
}).map((p) => ({ ...p, probability: MatchRule.probabilityOfWeight(p.weight) }))
const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0)

describe("Proposal.Order", () => {
  it("puts proposals by observation, then highest weight, then member id", () => {
    const p = (observationEventId: string, memberId: string, weight: number): Matching.Proposal => ({
      observationEventId,
      memberId,
      weight,
      probability: MatchRule.probabilityOfWeight(weight),
      decision: "review",
      explanation
    })
    const sorted = [p("o2", "m1", 5), p("o1", "m2", 3), p("o1", "m3", 9), p("o1", "m1", 3)].sort(Proposal.Order)
    assert.deepStrictEqual(
      sorted.map((x) => `${x.observationEventId}/${x.memberId}`),
      ["o1/m3", "o1/m1", "o1/m2", "o2/m1"]
    )
  })

  it("compares every pair as the readers' own sorts did", () => {
    fc.assert(fc.property(proposal, proposal, (a, b) => sign(Proposal.Order(a, b)) === sign(reference(a, b))))
  })

  it("is a total order: reflexive, antisymmetric, transitive, equal only on the same observation, weight and member", () => {
    fc.assert(
      fc.property(proposal, proposal, proposal, (a, b, c) => {
        assert.strictEqual(Proposal.Order(a, a), 0)
        assert.strictEqual(sign(Proposal.Order(a, b)), -sign(Proposal.Order(b, a)))
        if (Proposal.Order(a, b) <= 0 && Proposal.Order(b, c) <= 0) assert.isAtMost(Proposal.Order(a, c), 0)
        const same = a.observationEventId === b.observationEventId && a.weight === b.weight && a.memberId === b.memberId
        assert.strictEqual(Proposal.Order(a, b) === 0, same)
      })
    )
  })

  it("sorts any list as the readers' own sorts did", () => {
    fc.assert(
      fc.property(fc.array(proposal, { maxLength: 40 }), (proposals) => {
        assert.deepStrictEqual([...proposals].sort(Proposal.Order), [...proposals].sort(reference))
      })
    )
  })

  it("is the order the embedded scan proposes in", () => {
    assert.isAbove(scanned.proposals.length, 1)
    assert.deepStrictEqual([...scanned.proposals].sort(Proposal.Order), scanned.proposals)
  })
})

describe("Proposal.ByWeight", () => {
  it("ranks one observation's candidates best first, ties by member id", () => {
    const old = (x: { weight: number; memberId: string }, y: { weight: number; memberId: string }) =>
      y.weight - x.weight || (x.memberId < y.memberId ? -1 : 1)
    fc.assert(
      fc.property(fc.uniqueArray(proposal, { selector: (p) => p.memberId }), (candidates) => {
        assert.deepStrictEqual([...candidates].sort(Proposal.ByWeight), [...candidates].sort(old))
      })
    )
  })
})

describe("Proposal.announced", () => {
  const proposed = fc.record({
    memberId: fc.constantFrom("m-1", "m-2", "m-3", "m-4"),
    weight: fc.constantFrom(4, 7.5, 12),
    decision: fc.constantFrom("review" as const, "auto-link" as const)
  })
  const proposals = fc.uniqueArray(proposed, { selector: (p) => p.memberId })

  it("announces nothing when the fresh match finds what is stored", () => {
    fc.assert(fc.property(proposals, (stored) => assert.deepStrictEqual(Proposal.announced(stored, stored), [])))
  })
  it("announces every proposal when nothing is stored", () => {
    fc.assert(fc.property(proposals, (fresh) => assert.deepStrictEqual(Proposal.announced([], fresh), fresh)))
  })
  it("announces exactly the fresh proposals that are new or changed in weight or decision, in their order", () => {
    fc.assert(
      fc.property(proposals, proposals, (stored, fresh) => {
        const same = (p: (typeof fresh)[number]) =>
          stored.some((s) => s.memberId === p.memberId && s.weight === p.weight && s.decision === p.decision)
        assert.deepStrictEqual(Proposal.announced(stored, fresh), fresh.filter((p) => !same(p)))
      })
    )
  })
  it("announces a proposal whose decision changed at the same weight", () => {
    const stored = [{ memberId: "m-1", weight: 12, decision: "review" as const }]
    const fresh = [{ memberId: "m-1", weight: 12, decision: "auto-link" as const }]
    assert.deepStrictEqual(Proposal.announced(stored, fresh), fresh)
  })
})
