import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as Dues from "../src/Dues.ts"
import * as Event from "../src/Event.ts"
import type * as SheetHeader from "../src/SheetHeader.ts"
import { contextAfter, history, idOf, mappingOf, people, type Who, importedAgainGivesNothing, orderChangesNothing } from "./importFixtures.ts"

const RUNS = { numRuns: 200 }

const importOf = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, events: ReadonlyArray<Event.Event> = history) => Dues.read(rows, mappingOf(rows, "dues"), contextAfter(events))

const header = ["序号", "姓名", "公民身份号码", "所在党支部", "缴费月份", "缴费日期", "金额"]
const at = (day: string) => Date.parse(`${day}T00:00:00+08:00`)

describe("Dues.read", () => {
  it("records each payment as a dues contact of its member, on its 缴费日期, else on its month's first day", () => {
    const rows = [
      ["2026年党费收缴明细"],
      header,
      [1, "张伟", "510107198503120415", "城关社区党支部", "2026年10月", "2026.10.12", "12.50"],
      [2, "李娜", undefined, "城关社区党支部", "2026-11", undefined, 8],
      [3, "陈静", undefined, "城关镇党委/第一党支部", 46296, undefined, "¥20"]
    ]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(findings, [])
    assert.deepStrictEqual(
      events.map((e) => e.type === "ContactRecorded" && [e.memberId, e.orgId, e.channel, e.occurredAt]),
      [
        [idOf("zhang"), "b-sq", "dues", at("2026-10-12")],
        [idOf("chen"), "b-cg1", "dues", at("2026-10-01")],
        [idOf("li"), "b-sq", "dues", at("2026-11-01")]
      ].sort((a, b) => Number(a[3]) - Number(b[3]))
    )
    assert.deepStrictEqual(counted, [3, 4, 5].map((row) => ({ row, events: 1 })))
    for (const e of events) assert.strictEqual(Event.canonical(Result.getOrThrow(Event.decodeUnknown(Event.encode(e)))), Event.canonical(e))
  })

  it("rejects a row whose member is ambiguous, unknown or not registered, or whose month or amount is unreadable, by cell", () => {
    const rows = [
      header,
      [1, "刘洋", undefined, "城关社区党支部", "2026-10", undefined, 10],
      [2, "赵磊", undefined, "城关社区党支部", "2026-10", undefined, 10],
      [3, "孙强", "510107199001011234", "城关社区党支部", "2026-10", undefined, 10],
      [4, "周敏", "110101199003077715", "城关社区党支部", "2026-10", undefined, 10],
      [5, "张伟", undefined, "第一党支部", "2026-10", undefined, 10],
      [6, "张伟", undefined, "城关社区党支部", "十月", undefined, "十元"],
      ["合计", undefined, undefined, undefined, undefined, undefined, 60]
    ]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(counted, [])
    assert.deepStrictEqual(
      findings.map((f) => [f.row, f.cell, f.tag, f.rejected]),
      [
        [2, "B2", "AmbiguousName", true],
        [3, "B3", "UnknownMember", true],
        [4, "C4", "InvalidIdNumber", true],
        [5, "C5", "NotRegistered", true],
        [6, "D6", "UnknownBranch", true],
        [7, "E7", "UnreadableDate", true],
        [7, "G7", "UnreadableAmount", true],
        [8, undefined, "TotalsRow", true]
      ]
    )
    for (const f of findings) assert.notInclude(f.reason, "110101199003077715")
  })

  it("records no contact for 0 paid, nor for a payment dated after the sheet's day, and says why", () => {
    const rows = [header, [1, "张伟", undefined, "城关社区党支部", "2026-10", undefined, 0], [2, "李娜", undefined, "城关社区党支部", "2027-01", undefined, 10]]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(
      findings.map((f) => [f.cell, f.tag, f.rejected]),
      [
        ["G2", "NothingPaid", false],
        ["E3", "AfterAsOf", false]
      ]
    )
    assert.deepStrictEqual(counted, [
      { row: 2, events: 0 },
      { row: 3, events: 0 }
    ])
  })

  it("takes the member from a 党员编号 column, and records one contact for a payment listed twice", () => {
    const rows = [["党员编号", "姓名", "缴费月份", "金额"], [idOf("wang"), "王芳", "2026-09", 5], [idOf("wang"), "王芳", "2026-09", 5]]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(events.map(Event.memberIdOf), [idOf("wang")])
    assert.deepStrictEqual(findings.map((f) => [f.row, f.tag]), [[3, "DuplicatePayment"]])
    assert.deepStrictEqual(counted, [
      { row: 2, events: 1 },
      { row: 3, events: 0 }
    ])
  })
})

// ---------------------------------------------------------------------------------------------
// The laws, for any dues sheet of the county's members, each named by name or by ID number

const who = fc.constantFrom<Who>("zhang", "li", "wang", "liu1", "liu2", "chen")
const month = fc.integer({ min: 1, max: 11 }).map((m) => `2026-${String(m).padStart(2, "0")}`)
const duesRow: fc.Arbitrary<ReadonlyArray<SheetHeader.Cell>> = fc
  .record({ who, byName: fc.boolean(), month, paid: fc.option(fc.integer({ min: 1, max: 28 }), { nil: undefined }), amount: fc.integer({ min: 0, max: 5000 }) })
  .map(({ who, byName, month, paid, amount }) => {
    const [name, idNumber, orgId] = people[who]
    return [
      undefined,
      name,
      byName ? undefined : idNumber,
      orgId === "b-cg1" ? "城关镇党委/第一党支部" : "城关社区党支部",
      month,
      paid === undefined ? undefined : `${month}-${String(paid).padStart(2, "0")}`,
      amount / 100
    ]
  })
const duesSheet = fc.array(duesRow, { maxLength: 15 }).map((rows) => [header, ...rows])

describe("Dues.read: laws", () => {
  it("records nothing the second time, against the events of the first", () => {
    importedAgainGivesNothing(duesSheet, importOf, history)
  })

  it("gives the same events whatever the rows' order", () => {
    orderChangesNothing(duesSheet, importOf, history)
  })

  it("never records a payment for either of two members of one name named by name alone", () => {
    fc.assert(
      fc.property(duesSheet, (rows) => {
        const { events, findings } = importOf(rows)
        rows.forEach((row, i) => {
          if (row[1] === "刘洋" && row[2] === undefined) assert.isTrue(findings.some((f) => f.row === i + 1 && f.tag === "AmbiguousName" && f.rejected))
        })
        const numbered = new Set(rows.filter((row) => row[1] === "刘洋" && row[2] !== undefined).map((row) => (row[2] === people.liu1[1] ? idOf("liu1") : idOf("liu2"))))
        const liu = new Set([idOf("liu1"), idOf("liu2")])
        for (const e of events) if (liu.has(Event.memberIdOf(e) ?? "")) assert.isTrue(numbered.has(Event.memberIdOf(e) ?? ""))
      }),
      RUNS
    )
  })
})
