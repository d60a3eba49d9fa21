import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import type * as SheetHeader from "../src/SheetHeader.ts"
import type * as SheetContext from "../src/SheetContext.ts"
import * as SignIn from "../src/SignIn.ts"
import { contextAfter, history, idOf, mappingOf, importedAgainGivesNothing, orderChangesNothing } from "./importFixtures.ts"

const RUNS = { numRuns: 200 }

const importOf = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, events: ReadonlyArray<Event.Event> = history) => SignIn.read(rows, mappingOf(rows, "attendance"), contextAfter(events))

const activities = (imported: SheetContext.Read) =>
  imported.events.map((e) => e.type === "OrgActivityRecorded" && [e.orgId, e.activity, Event.encode(e).occurredAt, e.attendees])

const header = ["会议类型", "会议日期", "参会人员", "所在党支部"]

describe("SignIn.namesIn", () => {
  it("splits a 参会人员 cell at 、，,;；/ and spaces, before closing the space within a name", () => {
    assert.deepStrictEqual(SignIn.namesIn("张伟、李娜，王芳,陈静;刘洋；赵磊/孙强 周敏\u3000吴刚"), ["张伟", "李娜", "王芳", "陈静", "刘洋", "赵磊", "孙强", "周敏", "吴刚"])
    assert.deepStrictEqual(SignIn.namesIn(" 张伟  李娜 "), ["张伟", "李娜"])
    assert.deepStrictEqual(SignIn.namesIn(undefined), [])
  })
})

describe("SignIn.read", () => {
  it("records each meeting as its organisation's activity, attended by the members it names", () => {
    const rows = [
      header,
      ["主题党日", "2026年11月5日", "张伟、李娜 王芳", "城关社区党支部"],
      ["支委会", "2026.11.02", "陈静", "城关镇党委 第一党支部"]
    ]
    const imported = importOf(rows)
    assert.deepStrictEqual(imported.findings, [])
    assert.deepStrictEqual(activities(imported), [
      ["b-cg1", "committee-meeting", "2026-11-02T00:00:00+08:00", [idOf("chen")]],
      ["b-sq", "theme-day", "2026-11-05T00:00:00+08:00", [idOf("zhang"), idOf("li"), idOf("wang")].sort()]
    ])
    assert.deepStrictEqual(imported.rows, [
      { row: 2, events: 1 },
      { row: 3, events: 1 }
    ])
    for (const e of imported.events) assert.strictEqual(Event.canonical(Result.getOrThrow(Event.decodeUnknown(Event.encode(e)))), Event.canonical(e))
  })

  it("imports a meeting without the names it cannot tell, each a finding, and rejects one naming no member", () => {
    const rows = [header, ["党员大会", "2026-11-10", "张伟、刘洋、赵磊", "城关社区党支部"], ["党课", "2026-11-12", "赵磊、孙强", "城关社区党支部"]]
    const imported = importOf(rows)
    assert.deepStrictEqual(activities(imported), [["b-sq", "members-meeting", "2026-11-10T00:00:00+08:00", [idOf("zhang")]]])
    assert.deepStrictEqual(
      imported.findings.map((f) => [f.row, f.cell, f.tag, f.rejected]),
      [
        [2, "C2", "AmbiguousName", false],
        [2, "C2", "UnknownMember", false],
        [3, "C3", "UnknownMember", true],
        [3, "C3", "UnknownMember", true]
      ]
    )
    assert.deepStrictEqual(imported.rows, [{ row: 2, events: 1 }])
  })

  it("rejects a row whose 会议类型 is blank or unknown, whose day or branch cannot be read", () => {
    const rows = [
      header,
      [undefined, "2026-11-10", "张伟", "城关社区党支部"],
      ["座谈会", "2026-11-10", "张伟", "城关社区党支部"],
      ["党课", "2026-11", "张伟", "城关社区党支部"],
      ["党课", "2026-11-10", "陈静", "第一党支部"]
    ]
    const imported = importOf(rows)
    assert.deepStrictEqual(imported.events, [])
    assert.deepStrictEqual(
      imported.findings.map((f) => [f.cell, f.tag]),
      [
        ["A2", "MissingValue"],
        ["A3", "UnknownWord"],
        ["B4", "UnreadableDate"],
        ["D5", "UnknownBranch"]
      ]
    )
  })

  it("makes one event of a meeting's rows in the one-row-per-person layout", () => {
    const rows = [
      ["序号", "姓名", "所在党支部", "会议类型", "会议日期", "签名"],
      [1, "张 伟", "城关社区党支部", "党小组会", "2026-11-20"],
      [2, "李娜", "城关社区党支部", "党小组会", "2026-11-20"],
      [3, "赵磊", "城关社区党支部", "党小组会", "2026-11-20"],
      [4, "王芳", "城关社区党支部", "党课", "2026-11-20"]
    ]
    const imported = importOf(rows)
    assert.deepStrictEqual(activities(imported).sort(), [
      ["b-sq", "group-meeting", "2026-11-20T00:00:00+08:00", [idOf("zhang"), idOf("li")].sort()],
      ["b-sq", "party-lecture", "2026-11-20T00:00:00+08:00", [idOf("wang")]]
    ])
    assert.deepStrictEqual(
      imported.findings.map((f) => [f.row, f.tag, f.rejected]),
      [[4, "UnknownMember", true]]
    )
    assert.deepStrictEqual(imported.rows, [2, 3, 5].map((row) => ({ row, events: 1 })))
  })

  it("finds a person a row by ID number: the members a floating organisation holds are registered in their home branches", () => {
    const rows = [
      ["姓名", "公民身份号码", "所在党支部", "会议类型", "会议日期"],
      ["刘洋", "520102199511032241", "城关镇党委 第一党支部", "党员大会", "2026-11-20"],
      ["某人", "11010519491231002X", "城关镇党委 第一党支部", "党员大会", "2026-11-20"]
    ]
    const imported = importOf(rows)
    assert.deepStrictEqual(activities(imported), [["b-cg1", "members-meeting", "2026-11-20T00:00:00+08:00", [idOf("liu1")]]])
    assert.deepStrictEqual(
      imported.findings.map((f) => [f.cell, f.tag, f.rejected]),
      [["B3", "NotRegistered", true]]
    )
  })

  it("imports a meeting whose 参会人员 is blank without attendees, noted: it was held, no one's contact", () => {
    const imported = importOf([header, ["支委会", "2026-11-03", undefined, "城关社区党支部"]])
    assert.deepStrictEqual(activities(imported), [["b-sq", "committee-meeting", "2026-11-03T00:00:00+08:00", undefined]])
    assert.deepStrictEqual(
      imported.findings.map((f) => [f.cell, f.tag, f.rejected]),
      [["C2", "NoAttendeesListed", false]]
    )
    assert.deepStrictEqual(imported.rows, [{ row: 2, events: 1 }])
  })

  it("says so when a meeting imported before is listed with other attendees, and imports nothing for it", () => {
    const first = importOf([header, ["党课", "2026-11-12", "张伟", "城关社区党支部"]])
    const again = importOf([header, ["党课", "2026-11-12", "张伟、李娜", "城关社区党支部"]], [...history, ...first.events])
    assert.deepStrictEqual(again.events, [])
    assert.deepStrictEqual(again.findings.map((f) => [f.row, f.tag, f.rejected]), [[2, "ImportedDiffers", false]])
  })
})

// ---------------------------------------------------------------------------------------------
// The laws, for any sign-in sheet of the county's members (刘洋 twice in 城关社区党支部)

const names = ["张伟", "李娜", "王芳", "刘洋", "陈静", "赵磊"]
const signInRow: fc.Arbitrary<ReadonlyArray<SheetHeader.Cell>> = fc
  .record({
    activity: fc.constantFrom("支委会", "党员大会", "党课", "主题党日"),
    day: fc.integer({ min: 1, max: 3 }),
    attendees: fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 4 }),
    separator: fc.constantFrom("、", "，", " ", ";"),
    branch: fc.constantFrom("城关社区党支部", "城关镇党委/第一党支部")
  })
  .map(({ activity, day, attendees, separator, branch }) => [activity, `2026-11-0${day}`, attendees.join(separator), branch])
const signInSheet = fc.array(signInRow, { maxLength: 12 }).map((rows) => [header, ...rows])

describe("SignIn.read: laws", () => {
  it("records nothing the second time, against the events of the first", () => {
    importedAgainGivesNothing(signInSheet, importOf, history)
  })

  it("gives the same events whatever the rows' order", () => {
    orderChangesNothing(signInSheet, importOf, history)
  })

  it("never counts either of two members of one name as attending", () => {
    fc.assert(
      fc.property(signInSheet, (rows) => {
        const imported = importOf(rows)
        for (const e of imported.events) if (e.type === "OrgActivityRecorded") assert.isFalse(e.attendees?.some((id) => id === idOf("liu1") || id === idOf("liu2")))
        rows.forEach((row, i) => {
          if (String(row[2]).includes("刘洋") && row[3] === "城关社区党支部") assert.isTrue(imported.findings.some((f) => f.row === i + 1 && f.tag === "AmbiguousName"))
        })
      }),
      RUNS
    )
  })
})
