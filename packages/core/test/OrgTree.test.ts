import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import type * as Event from "../src/Event.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as F from "./fixtures.ts"

const tree = (...events: ReadonlyArray<Event.Event>) =>
  OrgTree.make(events.flatMap((e) => (e.type === "OrgRegistered" ? [OrgTree.fromEvent(e)] : [])))

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
})
