import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as Roster from "../src/Roster.ts"
import * as SheetHeader from "../src/SheetHeader.ts"
import * as SheetImport from "../src/SheetImport.ts"

const key = "test-key"
const branch = Result.getOrThrow(
  Event.decodeUnknown({ eventId: "o-1", type: "OrgRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: "org-cg", name: "城关社区党支部", kind: "branch", region: "510107" })
)

const header = ["序号", "姓名", "公民身份号码", "所在党支部", "联系电话"]
const rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>> = [
  ["城关镇党委党员花名册"],
  header,
  [1, "张伟", "510107198503120415", "城关社区党支部", "13812345678"],
  [],
  [2, "李娜", "510107199007151620", "城关社区党支部", "0851-5551234"],
  [3, "王芳", "440305197809205134", "城西党支部"],
  ["合计", "3人"]
]

const run = (sheet: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, history: ReadonlyArray<Event.Event>, hiddenRows: ReadonlySet<number> = new Set()) =>
  SheetImport.run(sheet, Result.getOrThrow(SheetHeader.map(sheet, "roster")), SheetImport.contextOf([branch, ...history], { asOf: "2026-11-30", key, hiddenRows }))

describe("SheetImport.run", () => {
  it("accounts for every row below the header: imported, rejected with the cell and reason, a note on a cell left out, blank rows counted", () => {
    const imported = run(rows, [], new Set([5]))
    assert.deepStrictEqual(
      imported.rows.map((r) => [r.row, r.outcome, r.events, r.findings.map((f) => `${f.cell ?? ""} ${f.tag}`)]),
      [
        [3, "imported", 1, []],
        [5, "imported", 1, ["E5 InvalidPhone", " HiddenRow"]],
        [6, "rejected", 0, ["D6 UnknownBranch"]],
        [7, "rejected", 0, [" TotalsRow"]]
      ]
    )
    assert.strictEqual(imported.blank, 1)
    assert.deepStrictEqual(SheetImport.tally(imported), { imported: 2, unchanged: 0, rejected: 2, noted: 1 })
    assert.deepStrictEqual(
      imported.events.map((e) => e.type),
      ["MemberRegistered", "MemberRegistered"]
    )
  })

  it("gives a row imported before no events, and lists a member the roster no longer shows for a decision", () => {
    const first = run(rows, [])
    const second = run([header, [1, "张伟", "510107198503120415", "城关社区党支部", "13812345678"]], first.events)
    assert.deepStrictEqual(
      second.rows.map((r) => [r.row, r.outcome]),
      [[2, "unchanged"]]
    )
    assert.deepStrictEqual(second.events, [])
    assert.deepStrictEqual(
      second.decisions.map((f) => [f.tag, f.memberId, f.name, f.orgName]),
      [["MissingFromRoster", Roster.memberIdOf("510107199007151620", key), "李娜", "城关社区党支部"]]
    )
  })

  it("puts every non-blank row below the header in the report exactly once, whatever the rows hold", () => {
    const cell = fc.oneof(fc.constant(undefined), fc.constantFrom("张伟", "城关社区党支部", "合计", "510107198503120415", "x"), fc.integer())
    fc.assert(
      fc.property(fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 30 }), (body) => {
        const sheet = [header, ...body]
        const imported = run(sheet, [])
        const listed = imported.rows.map((r) => r.row)
        assert.deepStrictEqual(listed, [...new Set(listed)].sort((a, b) => a - b))
        assert.strictEqual(listed.length + imported.blank, body.length)
        for (const r of imported.rows) if (r.outcome === "rejected") assert.isTrue(r.findings.some((f) => f.rejected))
      }),
      { numRuns: 200 }
    )
  })
})
