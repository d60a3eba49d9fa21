import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as F from "./fixtures.ts"

const tree = (...events: ReadonlyArray<Event.Event>) =>
  OrgTree.make(events.flatMap((e) => (e.type === "OrgRegistered" ? [OrgTree.fromEvent(e)] : [])))

/**
 * The reference: links added in id order, each checked by walking up from its parent through the
 * links kept so far (quadratic in the depth). `make` must give exactly what this gives.
 */
const reference = (orgs: Iterable<OrgTree.Org>): OrgTree.OrgTree => {
  const byId = new Map<string, OrgTree.Org>()
  for (const org of orgs) byId.set(org.orgId, OrgTree.mergeOrg(byId.get(org.orgId), org))
  const problems: Array<OrgTree.Problem> = []
  const parents = new Map<string, string>()
  for (const org of [...byId.values()].sort((a, b) => (a.orgId < b.orgId ? -1 : 1))) {
    if (org.parentId === undefined) continue
    if (!byId.has(org.parentId)) {
      problems.push(new OrgTree.UnknownParent({ orgId: org.orgId, parentId: org.parentId }))
      continue
    }
    const path = [org.orgId]
    let cursor: string | undefined = org.parentId
    while (cursor !== undefined && cursor !== org.orgId) {
      path.push(cursor)
      cursor = parents.get(cursor)
    }
    if (cursor === org.orgId) {
      problems.push(new OrgTree.OrgCycle({ path: [...path, org.orgId] }))
      continue
    }
    parents.set(org.orgId, org.parentId)
  }
  const children = new Map<string, Array<string>>()
  for (const [child, parent] of parents) {
    const list = children.get(parent)
    if (list === undefined) children.set(parent, [child])
    else list.push(child)
  }
  return { orgs: byId, parents, children, problems }
}

/** A tree as plain data, every map in its iteration order and every problem with its tag. */
const plain = (t: OrgTree.OrgTree) => ({
  orgs: [...t.orgs],
  parents: [...t.parents],
  children: [...t.children],
  problems: t.problems.map((p) => ({ ...p, tag: p._tag, message: p.message }))
})

const org = (orgId: string, parentId: string | undefined, at = 0, eventId = `e-${orgId}-${at}`): OrgTree.Org => ({
  orgId,
  name: `组织${orgId}`,
  kind: "committee",
  region: "510107",
  at,
  eventId,
  ...(parentId !== undefined && { parentId })
})

/** Random parent links over a few ids: roots, unknown parents, self-links, cycles, re-registrations. */
const graphs = fc
  .integer({ min: 1, max: 14 })
  .chain((size) => {
    // Ids whose string order differs from their numeric order, so both orders are exercised.
    const ids = Array.from({ length: size }, (_, i) => `o${(i * 7) % 17}`)
    const parent = fc.oneof(fc.constant(undefined), fc.constantFrom(...ids), fc.constantFrom("ghost", "o99"))
    return fc.array(fc.record({ orgId: fc.constantFrom(...ids), parentId: parent, at: fc.integer({ min: 0, max: 3 }) }), { maxLength: 24 })
  })
  .map((rows) => rows.map((r, i) => org(r.orgId, r.parentId, r.at, `e-${i}`)))

/** A chain of `depth` organisations, each the parent of the next; ids descend or ascend from the root. */
const chain = (depth: number, ascending: boolean): ReadonlyArray<OrgTree.Org> => {
  const id = (i: number) => `c-${String(ascending ? i : depth - i).padStart(7, "0")}`
  return Array.from({ length: depth }, (_, i) => org(id(i), i === 0 ? undefined : id(i - 1)))
}

describe("OrgTree", () => {
  const committee = tree(
    F.org("root"),
    F.org("street", "root"),
    F.org("branch-1", "street"),
    F.org("branch-2", "street"),
    F.org("other", "root")
  )

  it("lists ancestors from the parent up to the root", () => {
    assert.deepStrictEqual(OrgTree.ancestors(committee, "branch-1"), ["street", "root"])
    assert.deepStrictEqual(OrgTree.ancestors(committee, "root"), [])
  })

  it("covers an organisation's whole subtree and nothing else", () => {
    assert.deepStrictEqual([...OrgTree.subtree(committee, "street")].sort(), ["branch-1", "branch-2", "street"])
    assert.isTrue(OrgTree.isInSubtree(committee, "branch-2", "root"))
    assert.isFalse(OrgTree.isInSubtree(committee, "other", "street"))
  })

  it("reports an unknown parent and treats the organisation as a root", () => {
    const t = tree(F.org("a", "ghost"))
    assert.deepStrictEqual(t.problems.map((p) => p.message), ["organisation a names parent ghost, which is not registered"])
    assert.deepStrictEqual(OrgTree.ancestors(t, "a"), [])
  })

  it("reports a cycle instead of looping, and every walk still ends", () => {
    const t = tree(F.org("a", "c"), F.org("b", "a"), F.org("c", "b"))
    assert.strictEqual(t.problems.length, 1)
    assert.strictEqual(t.problems[0]?._tag, "OrgCycle")
    for (const id of ["a", "b", "c"]) assert.isAtMost(OrgTree.ancestors(t, id).length, 2)
    // The link that closed the cycle (c → b) is the one cut: c becomes the root of a and b.
    assert.deepStrictEqual(OrgTree.ancestors(t, "b"), ["a", "c"])
    assert.strictEqual(OrgTree.subtree(t, "c").size, 3)
  })

  it("validate fails on the first problem", () => {
    const result = OrgTree.validate([OrgTree.fromEvent(F.org("a", "a") as Event.OrgRegistered)])
    assert.isTrue(Result.isFailure(result))
  })

  it("a later registration re-parents an organisation", () => {
    const t = tree(F.org("root"), F.org("x"), F.org("b", "root", "2023-01-01"), F.org("b", "x", "2024-01-01"))
    assert.strictEqual(OrgTree.parentOf(t, "b"), "x")
  })

  it("gives exactly the reference's parents, children and problems, whatever the links", () => {
    fc.assert(
      fc.property(graphs, (orgs) => {
        assert.deepStrictEqual(plain(OrgTree.make(orgs)), plain(reference(orgs)))
      }),
      { numRuns: 2000 }
    )
  })

  it("cuts the link of the greatest id of each cycle and reports the cycle from it", () => {
    const t = OrgTree.make([org("b", "c"), org("c", "a"), org("a", "b"), org("x", "y"), org("y", "x"), org("z", "z"), org("leaf", "c")])
    assert.deepStrictEqual(
      t.problems.map((p) => p.message),
      ["organisations form a cycle: c → a → b → c", "organisations form a cycle: y → x → y", "organisations form a cycle: z → z"]
    )
    assert.deepStrictEqual(OrgTree.ancestors(t, "leaf"), ["c"])
    assert.deepStrictEqual(OrgTree.ancestors(t, "b"), ["c"])
  })

  it("builds a chain 100,000 deep, ids ascending or descending from the root, with every ancestor", () => {
    for (const ascending of [true, false]) {
      const orgs = chain(100_000, ascending)
      const t = OrgTree.make(orgs)
      const bottom = orgs[orgs.length - 1] as OrgTree.Org
      assert.deepStrictEqual(t.problems, [])
      assert.strictEqual(t.parents.size, 99_999)
      assert.strictEqual(OrgTree.ancestors(t, bottom.orgId).length, 99_999)
      assert.strictEqual(OrgTree.subtree(t, (orgs[0] as OrgTree.Org).orgId).size, 100_000)
    }
  })

  it("reports a cycle 100,000 long once, with its whole path", () => {
    const orgs = chain(100_000, true)
    const closed = [org((orgs[0] as OrgTree.Org).orgId, (orgs[orgs.length - 1] as OrgTree.Org).orgId), ...orgs.slice(1)]
    const t = OrgTree.make(closed)
    const [problem] = t.problems
    assert.strictEqual(t.problems.length, 1)
    assert.strictEqual(problem?._tag, "OrgCycle")
    const path = problem?._tag === "OrgCycle" ? problem.path : []
    assert.strictEqual(path.length, 100_001)
    // The greatest id is the chain's last: its link to the first is the one cut.
    assert.strictEqual(path[0], (orgs[orgs.length - 1] as OrgTree.Org).orgId)
    assert.strictEqual(t.parents.size, 99_999)
  })

  it("walks depth first, each organisation before its children, children in id order, with depths", () => {
    const walked = [...OrgTree.walk(committee, ["root"])]
    assert.deepStrictEqual(walked, [
      { orgId: "root", depth: 0 },
      { orgId: "other", depth: 1 },
      { orgId: "street", depth: 1 },
      { orgId: "branch-1", depth: 2 },
      { orgId: "branch-2", depth: 2 }
    ])
  })

  it("walks a chain 100,000 deep without recursion, every level once", () => {
    const orgs = chain(100_000, false)
    const walked = [...OrgTree.walk(OrgTree.make(orgs), [(orgs[0] as OrgTree.Org).orgId])]
    assert.strictEqual(walked.length, 100_000)
    assert.isTrue(walked.every((w, i) => w.depth === i && w.orgId === (orgs[i] as OrgTree.Org).orgId))
  })

  it("escalates a lost member at the bottom of a chain 100,000 deep to the parent of their branch", () => {
    const depth = 100_000
    const ids = Array.from({ length: depth }, (_, i) => `org-${String(i).padStart(7, "0")}`)
    const events = [
      ...ids.map((id, i) => F.org(id, i === 0 ? undefined : ids[i - 1])),
      F.registered("m-1", "2024-01-01", { orgId: ids[depth - 1] }),
      F.contact("m-2", "2026-11-01"),
      F.registered("m-2", "2024-01-01", { orgId: ids[depth - 1] })
    ]
    const result = Scan.run(events, { asOf: F.at("2026-11-27"), policy: Policy.defaults })
    assert.deepStrictEqual(
      result.evaluations.map((e) => [e.memberId, e.status, e.responsibleOrgId, e.flags.includes("escalated")]),
      [
        ["m-1", "lost", ids[depth - 2], true],
        ["m-2", "active", ids[depth - 1], false]
      ]
    )
  })
})

describe("OrgTree.similarIds: what a mistyped --org was meant to be", () => {
  const ids = ["org-5101", "org-5101-0001", "org-5101-0002", "org-5101-0013", "org-5107-0020", "org-4403-0007", "floating-4403"]
  const orgs = tree(...ids.map((id) => F.org(id)))

  it("suggests the ids a typo or two away, closest first", () => {
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "org-5101-0020"), ["org-5101-0002", "org-5107-0020", "org-5101-0001"])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "ORG-5101-0003"), ["org-5101-0001", "org-5101-0002", "org-5101-0013"])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "org-4403-007"), ["org-4403-0007"])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "org-4403-0070"), ["org-4403-0007"])
  })

  it("suggests an id the input is a large part of, or that is a large part of the input", () => {
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "4403-0007"), ["org-4403-0007"])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "org-4403-0007-x"), ["org-4403-0007"])
  })

  it("suggests nothing for an id that only shares the org- prefix with the registered ones", () => {
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "org-9999-8888"), [])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "org-"), [])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, "x"), [])
    assert.deepStrictEqual(OrgTree.similarIds(orgs, ""), [])
  })

  it("never suggests more than asked, and only registered ids within the distance or containing the input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 16 }), fc.integer({ min: 0, max: 5 }), (input, limit) => {
        const suggested = OrgTree.similarIds(orgs, input, limit)
        assert.isAtMost(suggested.length, limit)
        for (const id of suggested) {
          assert.include(ids, id)
          const [a, b] = [id.toLowerCase(), input.toLowerCase()]
          assert.isTrue(a.includes(b) || b.includes(a) || Math.abs(a.length - b.length) <= Math.max(1, Math.floor(b.length / 6)), `${input} → ${id}`)
        }
      })
    )
  })
})
