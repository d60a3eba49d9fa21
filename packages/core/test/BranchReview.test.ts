import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as BranchHealth from "../src/BranchHealth.ts"
import * as BranchReview from "../src/BranchReview.ts"
import * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import { AS_OF, fixture, laterInstant, policy, world } from "./branchFixture.ts"

const RUNS = { numRuns: 300 }

// The hand-worked fixture: fb-sz (440300), fb-sh (310000) and fb-cq (500000) are its floating organisations.
const scanned = Scan.run(fixture, { asOf: AS_OF, policy })
const orgs = scanned.orgs
const floating = BranchReview.floatingKeys(orgs)
const member = (memberId: string): BranchHealth.Member => {
  const projection = scanned.members.get(memberId)
  const evaluation = scanned.evaluations.find((e) => e.memberId === memberId)
  if (projection === undefined || evaluation === undefined) throw new Error(`no member ${memberId} in the fixture`)
  return { projection, evaluation }
}

describe("BranchReview on the hand-worked fixture", () => {
  it("reads members under the floating organisations' own keys and their regions' only", () => {
    assert.deepStrictEqual([...floating].sort(), ["org:fb-cq", "org:fb-sh", "org:fb-sz", "region:310000", "region:440300", "region:500000"])
  })

  it("finds who reads a member: the floating organisation they are registered at, the one whose region they left for unregistered, none once removed", () => {
    assert.deepStrictEqual(BranchReview.readBy(floating, member("m-a"), member("m-a")), ["org:fb-sz"])
    assert.deepStrictEqual(BranchReview.readBy(floating, undefined, member("m-d")), ["region:440300"])
    assert.deepStrictEqual(BranchReview.readBy(floating, member("m-g"), undefined), ["region:310000"])
    assert.deepStrictEqual(BranchReview.readBy(floating, member("m-f"), member("m-f")), [])
  })

  it("finds both organisations when a member moves from one to the other", () => {
    assert.deepStrictEqual(BranchReview.readBy(floating, member("m-d"), member("m-g")), ["region:440300", "region:310000"])
  })

  it("reviews a floating organisation whose record changed, one reading a changed member, and a due one whatever its kind; a committee's change reviews nothing", () => {
    assert.deepStrictEqual(BranchReview.reviewed(orgs, { orgs: new Set(["fb-cq", "c-home"]), keys: new Set(), due: [] }), ["fb-cq"])
    assert.deepStrictEqual(BranchReview.reviewed(orgs, { orgs: new Set(), keys: new Set(["region:440300"]), due: [] }), ["fb-sz"])
    assert.deepStrictEqual(BranchReview.reviewed(orgs, { orgs: new Set(), keys: new Set(), due: ["b-home", "gone"] }), ["b-home", "gone"])
    assert.deepStrictEqual(BranchReview.reviewed(orgs, { orgs: new Set(["c-home", "b-home"]), keys: new Set(["org:b-home", "region:510107"]), due: [] }), [])
  })
})

const ids = [...orgs.orgs.keys(), "unknown-org"]
const keys = [...[...orgs.orgs.values()].flatMap(BranchHealth.keysOfOrg), "org:unknown-org", "region:440304"]
const changes: fc.Arbitrary<BranchReview.Changes> = fc.record({
  orgs: fc.subarray(ids).map((s) => new Set(s)),
  keys: fc.subarray(keys).map((s) => new Set(s)),
  due: fc.subarray(ids)
})
const isFloating = (orgId: string) => orgs.orgs.get(orgId)?.kind === "floating-branch"
const readsTouchedKey = (orgId: string, touched: ReadonlySet<string>) => {
  const org = orgs.orgs.get(orgId)
  return org !== undefined && BranchHealth.keysOfOrg(org).some((key) => touched.has(key))
}

describe("BranchReview.reviewed, the laws", () => {
  it("reviews every due organisation, every floating one whose record changed and every one reading under a touched key", () => {
    fc.assert(
      fc.property(changes, (c) => {
        const reviewed = new Set(BranchReview.reviewed(orgs, c))
        for (const id of c.due) assert.isTrue(reviewed.has(id), id)
        for (const id of c.orgs) if (isFloating(id)) assert.isTrue(reviewed.has(id), id)
        for (const id of ids) if (isFloating(id) && readsTouchedKey(id, c.keys)) assert.isTrue(reviewed.has(id), id)
      }),
      RUNS
    )
  })

  it("reviews nothing else, each once, in id order", () => {
    fc.assert(
      fc.property(changes, (c) => {
        const reviewed = BranchReview.reviewed(orgs, c)
        const due = new Set(c.due)
        for (const id of reviewed) assert.isTrue(due.has(id) || (isFloating(id) && (c.orgs.has(id) || readsTouchedKey(id, c.keys))), id)
        assert.deepStrictEqual(reviewed, [...new Set(reviewed)].sort())
      }),
      RUNS
    )
  })

  it("reviews no fewer organisations for more changes", () => {
    fc.assert(
      fc.property(changes, changes, (a, b) => {
        const both = { orgs: new Set([...a.orgs, ...b.orgs]), keys: new Set([...a.keys, ...b.keys]), due: [...a.due, ...b.due] }
        const reviewed = new Set(BranchReview.reviewed(orgs, both))
        for (const id of [...BranchReview.reviewed(orgs, a), ...BranchReview.reviewed(orgs, b)]) assert.isTrue(reviewed.has(id), id)
      }),
      RUNS
    )
  })
})

/** A member of any world (org-x floating in 440300) at two moments, and the world's tree. */
const memberChange = fc.tuple(world, fc.nat(), laterInstant, laterInstant, fc.constantFrom("m-1", "m-2")).map(([events, cut, beforeAt, afterAt, memberId]) => {
  const tree = Scan.run(events, { asOf: afterAt, policy }).orgs
  const fragments = events.flatMap((event) => Projection.fragmentsOf(event).filter((fragment) => fragment.memberId === memberId))
  const state = (upTo: number, asOf: number): BranchHealth.Member | undefined => {
    const projection = fragments.slice(0, upTo).reduce(Projection.merge, Projection.empty(memberId))
    const evaluation = Status.evaluate(projection, asOf, policy, tree)
    return evaluation === undefined ? undefined : { projection, evaluation }
  }
  return { tree, before: state(cut % (fragments.length + 1), beforeAt), after: state(fragments.length, afterAt) }
})

describe("BranchReview.readBy, the laws", () => {
  it("reviews, for a member's change, exactly the floating organisations whose health reads the member before or after", () => {
    fc.assert(
      fc.property(memberChange, ({ tree, before, after }) => {
        const keysRead = new Set([before, after].flatMap((m) => (m === undefined ? [] : BranchHealth.keysOf(m))))
        const reading = [...tree.orgs.values()].filter((org) => org.kind === "floating-branch" && BranchHealth.keysOfOrg(org).some((key) => keysRead.has(key)))
        const readBy = new Set(BranchReview.readBy(BranchReview.floatingKeys(tree), before, after))
        assert.deepStrictEqual(BranchReview.reviewed(tree, { orgs: new Set(), keys: readBy, due: [] }), reading.map((org) => org.orgId).sort())
      }),
      RUNS
    )
  })

  it("finds the same keys for a change and its undoing, each once, all of them read by a floating organisation", () => {
    fc.assert(
      fc.property(memberChange, ({ tree, before, after }) => {
        const floatingKeys = BranchReview.floatingKeys(tree)
        const forth = BranchReview.readBy(floatingKeys, before, after)
        assert.deepStrictEqual([...forth].sort(), [...BranchReview.readBy(floatingKeys, after, before)].sort())
        assert.strictEqual(new Set(forth).size, forth.length)
        for (const key of forth) assert.isTrue(floatingKeys.has(key), key)
      }),
      RUNS
    )
  })

  it("finds a closed member read by nobody", () => {
    fc.assert(
      fc.property(memberChange, ({ tree, after }) => {
        fc.pre(after !== undefined && Status.closed.has(after.evaluation.status))
        assert.deepStrictEqual(BranchReview.readBy(BranchReview.floatingKeys(tree), after, after), [])
      }),
      { ...RUNS, numRuns: 50 }
    )
  })
})
