import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as Policy from "../src/Policy.ts"
import * as Projection from "../src/Projection.ts"
import * as Proposal from "../src/Proposal.ts"
import * as Rematch from "../src/Rematch.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import { laterInstant, world } from "./branchFixture.ts"
import * as F from "./fixtures.ts"

const RUNS = { numRuns: 300 }
const rule = MatchRule.chinese

/** A member as re-matching sees them: their projection, as evaluated, filed under the rule's keys. */
const memberOf = (projection: Projection.Projection, evaluation: Status.Evaluation | undefined): Rematch.Member => {
  const person = Matching.personOfMember(projection)
  return { person, evaluation, keys: person === undefined ? [] : Matching.blockingKeys(person, rule) }
}

/** Member m-1 after these events, as of `asOf`. */
const fold = (events: ReadonlyArray<Event.Event>, asOf: number) => {
  const projection = events.flatMap((event) => Projection.fragmentsOf(event)).reduce(Projection.merge, Projection.empty("m-1"))
  return memberOf(projection, Status.evaluate(projection, asOf, Policy.defaults, OrgTree.make([])))
}

const sorted = (keys: ReadonlyArray<string>) => [...keys].sort()
const union = (a: Rematch.Member, b: Rematch.Member) => sorted([...new Set([...a.keys, ...b.keys])])

describe("Rematch.keys on a member's changes", () => {
  const registration = F.registered("m-1", "2026-01-01")
  const registered = fold([registration], F.at("2026-01-02"))

  it("re-matches a member's first registration under the keys they are filed under now", () => {
    assert.isNotEmpty(registered.keys)
    assert.deepStrictEqual(sorted(Rematch.keys(Rematch.unknown, registered)), sorted(registered.keys))
  })

  it("re-matches a new phone number under the member's old keys and new ones", () => {
    const withPhone = fold([registration, F.updated("m-1", "2026-01-05", { phone: "13800138000" })], F.at("2026-01-06"))
    assert.notDeepEqual(sorted(withPhone.keys), sorted(registered.keys))
    assert.deepStrictEqual(sorted(Rematch.keys(registered, withPhone)), union(registered, withPhone))
  })

  it("re-matches a member who becomes matchable, although who they are is unchanged", () => {
    const silent = fold([registration], F.at("2027-06-01"))
    assert.isFalse(Proposal.isMatchable(registered.evaluation))
    assert.isTrue(Proposal.isMatchable(silent.evaluation))
    assert.deepStrictEqual(sorted(Rematch.keys(registered, silent)), sorted(registered.keys))
  })

  it("re-matches nothing for a contact that changes neither who the member is nor whether they may be proposed", () => {
    const contacted = fold([registration, F.contact("m-1", "2026-01-10")], F.at("2026-01-11"))
    assert.isFalse(Status.equals(registered.evaluation, contacted.evaluation))
    assert.deepStrictEqual(Rematch.keys(registered, contacted), [])
  })
})

/** A member of any world at two moments: after some of their events, and after all of them, each as of an instant of its own. */
const change = fc
  .tuple(world, fc.nat(), laterInstant, laterInstant, fc.constantFrom("m-1", "m-2"))
  .map(([events, cut, beforeAt, afterAt, memberId]) => {
    const orgs = Scan.run(events, { asOf: afterAt, policy: Policy.defaults }).orgs
    const fragments = events.flatMap((event) => Projection.fragmentsOf(event).filter((fragment) => fragment.memberId === memberId))
    const state = (upTo: number, asOf: number) => {
      const projection = fragments.slice(0, upTo).reduce(Projection.merge, Projection.empty(memberId))
      return memberOf(projection, Status.evaluate(projection, asOf, Policy.defaults, orgs))
    }
    return { before: state(cut % (fragments.length + 1), beforeAt), after: state(fragments.length, afterAt), again: state(fragments.length, afterAt) }
  })

describe("Rematch.keys, the laws", () => {
  it("never re-matches an unchanged member", () => {
    fc.assert(
      fc.property(change, ({ after, again }) => assert.deepStrictEqual(Rematch.keys(after, again), [])),
      RUNS
    )
  })

  it("re-matches every key before and after, each once, whenever who the member is changed", () => {
    fc.assert(
      fc.property(change, ({ before, after }) => {
        fc.pre(!Matching.samePerson(before.person, after.person))
        const keys = Rematch.keys(before, after)
        assert.deepStrictEqual(sorted(keys), union(before, after))
        assert.strictEqual(new Set(keys).size, keys.length)
      }),
      RUNS
    )
  })

  it("re-matches every key before and after whenever the member becomes or stops being matchable", () => {
    fc.assert(
      fc.property(change, ({ before, after }) => {
        fc.pre(Proposal.isMatchable(before.evaluation) !== Proposal.isMatchable(after.evaluation))
        assert.deepStrictEqual(sorted(Rematch.keys(before, after)), union(before, after))
      }),
      RUNS
    )
  })

  it("re-matches nothing when neither who the member is nor whether they are matchable changed", () => {
    fc.assert(
      fc.property(change, ({ before, after }) => {
        fc.pre(Matching.samePerson(before.person, after.person) && Proposal.isMatchable(before.evaluation) === Proposal.isMatchable(after.evaluation))
        assert.deepStrictEqual(Rematch.keys(before, after), [])
      }),
      RUNS
    )
  })

  it("re-matches the same keys for a change and its undoing", () => {
    fc.assert(
      fc.property(change, ({ before, after }) => assert.deepStrictEqual(sorted(Rematch.keys(before, after)), sorted(Rematch.keys(after, before)))),
      RUNS
    )
  })
})
