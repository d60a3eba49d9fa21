import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as OrgDirectory from "../src/OrgDirectory.ts"
import type * as SheetHeader from "../src/SheetHeader.ts"
import { asOf, directory, key, mappingOf, orgs } from "./importFixtures.ts"

const RUNS = { numRuns: 200 }

const ok = (written: string): string => Result.getOrThrow(OrgDirectory.resolve(directory, written))
const why = (written: string | undefined): string => {
  const resolved = OrgDirectory.resolve(directory, written)
  if (Result.isSuccess(resolved)) throw new Error(`expected no organisation, got ${resolved.success}`)
  return resolved.failure
}

describe("OrgDirectory.resolve", () => {
  it("reads an organisation's id, its unique full name however spaced, and its name qualified by its parent's", () => {
    assert.strictEqual(ok("b-sq"), "b-sq")
    assert.strictEqual(ok("城关社区党支部"), "b-sq")
    assert.strictEqual(ok(" 城关社区 党支部 "), "b-sq")
    assert.strictEqual(ok("城关镇党委/第一党支部"), "b-cg1")
    assert.strictEqual(ok("城关镇党委 第一党支部"), "b-cg1")
    assert.strictEqual(ok("城关镇党委第一党支部"), "b-cg1")
    assert.strictEqual(ok("河西镇党委／第一党支部"), "b-hx1")
  })

  it("resolves an ambiguous name to neither, naming the candidates' parents and how to qualify it", () => {
    const reason = why("第一党支部")
    assert.include(reason, "2 organisations")
    assert.include(reason, "城关镇党委")
    assert.include(reason, "河西镇党委")
    assert.include(reason, "/第一党支部")
  })

  it("resolves an unknown or blank name to nothing, with the reason", () => {
    assert.include(why("第二党支部"), "no organisation is named")
    assert.include(why(undefined), "blank")
  })
})

/** Any directory of a few organisations, names often shared, each parent an earlier one or none. */
const anyDirectory: fc.Arbitrary<OrgDirectory.Directory> = fc
  .array(fc.tuple(fc.constantFrom("第一党支部", "第二党支部", "城关镇党委", "河西镇党委", "新村党支部"), fc.nat()), { maxLength: 10 })
  .map((items) =>
    OrgDirectory.make(
      items.map(([name, pick], i) => {
        const parent = pick % (i + 1)
        return { orgId: `o-${i}`, name, kind: "branch" as const, region: "510104", ...(parent < i && { parentId: `o-${parent}` }) }
      })
    )
  )

describe("OrgDirectory.resolve: laws", () => {
  it("resolves a cell only to the one organisation its id, name or qualified name names, never to one of several", () => {
    fc.assert(
      fc.property(anyDirectory, fc.constantFrom("第一党支部", "城关镇党委/第一党支部", "河西镇党委 第一党支部", "城关镇党委第二党支部", "新村党支部", "o-1", "o-3"), (dir, written) => {
        const flat = written.replace(/[\s/]/gu, "")
        const named = [...dir.orgs.values()].filter((org) => {
          const parent = org.parentId === undefined ? undefined : dir.orgs.get(org.parentId)
          return org.name === flat || (parent !== undefined && parent.name + org.name === flat)
        })
        const resolved = OrgDirectory.resolve(dir, written)
        if (dir.orgs.has(written)) assert.deepStrictEqual(resolved, Result.succeed(written))
        else if (named.length === 1) assert.deepStrictEqual(resolved, Result.succeed(named[0]?.orgId ?? ""))
        else assert.isTrue(Result.isFailure(resolved))
      }),
      RUNS
    )
  })
})

const header = ["组织编号", "组织名称", "上级党组织", "组织类别", "行政区划代码"]
const sheet = (...rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>) => [header, ...rows]
const importOf = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, known = directory) => OrgDirectory.read(rows, mappingOf(rows, "orgs"), known, { key, asOf })

describe("OrgDirectory.read: the orgs sheet", () => {
  it("registers the organisations the events lack, parents resolved in the sheet whatever the rows' order, parents first", () => {
    const rows = sheet(
      ["b-xc1", "新城村党支部", "新城镇党委", "党支部", "510104"],
      ["b-xc2", "新城社区党支部", "c-xc", "党支部", 510104],
      ["c-xc", "新城镇党委", "c-cg", "党委", "510104"],
      ["b-f1", "驻深圳流动党员党支部", "城关镇党委", "流动党员党支部", "440305"]
    )
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(findings, [])
    assert.deepStrictEqual(
      events.map((e) => e.type === "OrgRegistered" && [e.orgId, e.parentId, e.kind, e.region]),
      [
        ["b-f1", "c-cg", "floating-branch", "440305"],
        ["c-xc", "c-cg", "committee", "510104"],
        ["b-xc1", "c-xc", "branch", "510104"],
        ["b-xc2", "c-xc", "branch", "510104"]
      ]
    )
    assert.deepStrictEqual(counted, [2, 3, 4, 5].map((row) => ({ row, events: 1 })))
    for (const e of events) assert.strictEqual(Event.canonical(Result.getOrThrow(Event.decodeUnknown(Event.encode(e)))), Event.canonical(e))
  })

  it("rejects a row whose parent is unknown or ambiguous, whose 组织类别 is unknown or whose region is missing, with the cell", () => {
    const rows = sheet(
      ["b-1", "新村党支部", "第一党支部", "党支部", "510104"],
      ["b-2", "老村党支部", "第九党委", "党支部", "510104"],
      ["b-3", "东村党支部", "c-cg", "党小组", "510104"],
      ["b-4", "西村党支部", "c-cg", "党支部", undefined]
    )
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(counted, [])
    assert.deepStrictEqual(
      findings.map((f) => [f.row, f.cell, f.tag, f.rejected]),
      [
        [2, "C2", "UnknownParent", true],
        [3, "C3", "UnknownParent", true],
        [4, "D4", "UnknownWord", true],
        [5, "E5", "MissingValue", true]
      ]
    )
    assert.include(findings[0]?.reason, "河西镇党委")
  })

  it("gives an organisation without 组织编号 a keyed id of its parent's id and its name, and knows one the events have", () => {
    const rows = [["组织名称", "上级党组织", "组织类别", "行政区划代码"], ["城关社区党支部", "城关镇党委", "党支部", "510104"], ["南街党支部", "城关镇党委", "党支部", "510104"]]
    const { events, rows: counted } = importOf(rows)
    assert.deepStrictEqual(
      events.map((e) => e.orgId),
      [OrgDirectory.orgIdOf("南街党支部", "c-cg", key)]
    )
    assert.deepStrictEqual(counted, [
      { row: 2, events: 0 },
      { row: 3, events: 1 }
    ])
  })

  it("rejects a cycle of parents, and the same organisation listed differently", () => {
    const rows = sheet(["x-1", "甲党支部", "x-2", "党支部", "510104"], ["x-2", "乙党支部", "x-1", "党支部", "510104"], ["b-9", "丙党支部", "c-cg", "党支部", "510104"], ["b-9", "丙党支部", "c-cg", "党委", "510104"])
    const { events, findings } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(
      findings.map((f) => [f.row, f.tag]),
      [
        [2, "UnknownParent"],
        [3, "UnknownParent"],
        [4, "DuplicateOrg"],
        [5, "DuplicateOrg"]
      ]
    )
  })
})

// ---------------------------------------------------------------------------------------------
// The laws, for any orgs sheet: a tree of new organisations under the county's, named by name or id

const names = ["东", "南", "西", "北", "中", "新", "老", "上", "下"]

/** Rows of a random tree: each row's parent an earlier row (by name, qualified name or id) or one of the events', some without an id. */
const orgsSheet: fc.Arbitrary<ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>> = fc
  .array(fc.tuple(fc.nat(), fc.constantFrom("name", "qualified", "id"), fc.constantFrom("党委", "党总支", "党支部", "流动党支部")), { maxLength: 9 })
  .map((items) => {
    const rows: Array<ReadonlyArray<SheetHeader.Cell>> = []
    const listed: Array<{ readonly id: string; readonly name: string; readonly parent: string }> = []
    items.forEach(([pick, by, kind], i) => {
      const name = `${names[i] ?? "某"}村党支部`
      const choices = [{ id: "c-cg", name: "城关镇党委", parent: "" }, { id: "b-sq", name: "城关社区党支部", parent: "城关镇党委" }, ...listed]
      const parent = choices[pick % choices.length] ?? { id: "c-cg", name: "城关镇党委", parent: "" }
      const cell = by === "id" ? parent.id : by === "qualified" && parent.parent !== "" ? `${parent.parent}/${parent.name}` : parent.name
      rows.push([`n-${i}`, name, cell, kind, "510104"])
      listed.push({ id: `n-${i}`, name, parent: parent.name })
    })
    return [header, ...rows]
  })

describe("OrgDirectory.read: laws", () => {
  it("gives the same events whatever the rows' order", () => {
    fc.assert(
      fc.property(
        orgsSheet.chain((rows) => fc.shuffledSubarray(rows.slice(1), { minLength: rows.length - 1 }).map((shuffled) => [rows, [rows[0] ?? [], ...shuffled]] as const)),
        ([rows, shuffled]) => {
          const a = importOf(rows)
          assert.deepStrictEqual(a.findings, [])
          assert.deepStrictEqual(importOf(shuffled).events.map(Event.canonical), a.events.map(Event.canonical))
        }
      ),
      RUNS
    )
  })

  it("registers nothing the second time, against the events of the first", () => {
    fc.assert(
      fc.property(orgsSheet, (rows) => {
        const first = importOf(rows)
        const again = importOf(rows, OrgDirectory.fromEvents([...orgs, ...first.events]))
        assert.deepStrictEqual(again.events, [])
        assert.deepStrictEqual(again.findings, [])
        assert.strictEqual(again.rows.length, rows.length - 1)
      }),
      RUNS
    )
  })

  it("never resolves an ambiguous parent to either candidate", () => {
    fc.assert(
      fc.property(orgsSheet, fc.nat(), (rows, pick) => {
        const i = 1 + (pick % Math.max(1, rows.length - 1))
        const row = rows[i]
        if (row === undefined) return
        const changed = rows.map((r, j) => (j === i ? [r[0], r[1], "第一党支部", r[3], r[4]] : r))
        const { events, findings } = importOf(changed)
        assert.isFalse(events.some((e) => e.orgId === row[0]))
        assert.isTrue(findings.some((f) => f.row === i + 1 && f.rejected))
      }),
      RUNS
    )
  })
})
