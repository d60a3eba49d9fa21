import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as FloatingRegister from "../src/FloatingRegister.ts"
import type * as SheetHeader from "../src/SheetHeader.ts"
import { contextAfter, history, idOf, mappingOf, people, type Who, importedAgainGivesNothing, orderChangesNothing } from "./importFixtures.ts"

const RUNS = { numRuns: 200 }

// 李娜 is away in Shenzhen since March 2025, 王芳 in Hangzhou since June 2026, by the events.
const away: ReadonlyArray<Event.Event> = [
  ...history,
  { type: "OutflowReported", eventId: "out-li", occurredAt: Date.parse("2025-03-01T00:00:00+08:00"), orgId: "b-sq", memberId: idOf("li"), destinationRegion: "440000", destinationDetail: "广东省深圳市南山区", reason: "work" },
  { type: "OutflowReported", eventId: "out-wang", occurredAt: Date.parse("2026-06-01T00:00:00+08:00"), orgId: "b-sq", memberId: idOf("wang"), destinationRegion: "330000", destinationDetail: "浙江省杭州市", reason: "business" }
]

const importOf = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, events: ReadonlyArray<Event.Event> = away) =>
  FloatingRegister.read(rows, mappingOf(rows, "floating"), contextAfter(events))

const header = ["序号", "姓名", "身份证号", "外出时间", "流入地", "外出原因", "所在党支部"]

describe("FloatingRegister.read", () => {
  it("reports a period away the events do not have, nothing for one they have, and never a return", () => {
    const rows = [
      ["城关镇流动党员登记表"],
      header,
      [1, "李娜", people.li[1], "2025.03", "广东省深圳市南山区", "务工", "城关社区党支部"],
      [2, "张伟", people.zhang[1], "2026年10月8日", "440305 深圳市南山区", "经商", "城关社区党支部"]
    ]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(
      events.map((e) => e.type === "OutflowReported" && [e.memberId, e.orgId, Event.encode(e).occurredAt, e.destinationRegion, e.reason]),
      [[idOf("zhang"), "b-sq", "2026-10-08T00:00:00+08:00", "440305", "business"]]
    )
    assert.deepStrictEqual(counted, [
      { row: 3, events: 0 },
      { row: 4, events: 1 }
    ])
    assert.deepStrictEqual(
      findings.map((f) => [f.tag, f.memberId, f.rejected]),
      [["AwayNotListed", idOf("wang"), false]]
    )
    assert.isFalse(events.some((e) => e.type === "ReturnReported"))
    for (const e of events) assert.strictEqual(Event.canonical(Result.getOrThrow(Event.decodeUnknown(Event.encode(e)))), Event.canonical(e))
  })

  it("rejects a member not on the roster, and a row without a period away", () => {
    const rows = [header, [1, "孙强", "510107199001011234", "2026-10-01", "广东省广州市", "务工"], [2, "张伟", people.zhang[1], undefined, undefined, undefined]]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(counted, [])
    // 张伟's row puts 城关社区党支部 on the register: 李娜 and 王芳, away by the events, are listed for a decision.
    assert.deepStrictEqual(
      findings.map((f) => [f.row, f.tag, f.rejected]),
      [
        [undefined, "AwayNotListed", false],
        [undefined, "AwayNotListed", false],
        [2, "InvalidIdNumber", true],
        [3, "NoPeriodAway", true]
      ]
    )
    const unknown = importOf([header, [1, "孙强", "110101199003077715", "2026-10-01", "广东省广州市", "务工"]])
    assert.deepStrictEqual(unknown.findings.map((f) => [f.row, f.tag, f.reason, f.rejected]), [[2, "NotRegistered", "not on the roster: import it first", true]])
  })

  it("rejects every row of a member listed twice", () => {
    const rows = [header, [1, "张伟", people.zhang[1], "2026-10-08", "广东省深圳市", "务工"], [2, "张伟", people.zhang[1], "2026-10-09", "广东省深圳市", "务工"]]
    const { events, findings, rows: counted } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(counted, [])
    assert.deepStrictEqual(
      findings.filter((f) => f.rejected).map((f) => [f.row, f.tag]),
      [
        [2, "DuplicateMember"],
        [3, "DuplicateMember"]
      ]
    )
  })

  it("leaves a period away that does not follow the events' last outflow for a decision", () => {
    const rows = [header, [1, "王芳", people.wang[1], "2026-01-10", "浙江省宁波市", "经商"]]
    const { events, findings } = importOf(rows)
    assert.deepStrictEqual(events, [])
    assert.deepStrictEqual(
      findings.map((f) => [f.row, f.tag, f.memberId, f.rejected]),
      [
        [undefined, "AwayNotListed", idOf("li"), false],
        [2, "OutflowDiffers", idOf("wang"), false]
      ]
    )
  })
})

// ---------------------------------------------------------------------------------------------
// The laws, for any register of the county's members

const registerRow = (who: Who): fc.Arbitrary<ReadonlyArray<SheetHeader.Cell>> =>
  fc
    .record({
      day: fc.integer({ min: 1, max: 28 }),
      month: fc.integer({ min: 1, max: 11 }),
      place: fc.constantFrom("广东省深圳市南山区", "440305", "浙江省杭州市", "北京市朝阳区"),
      reason: fc.constantFrom("务工", "经商", "就学", undefined)
    })
    .map(({ day, month, place, reason }) => [undefined, people[who][0], people[who][1], `2026-${month}-${day}`, place, reason])

/** A register of any of the members, some listed twice. */
const register = fc
  .array(fc.constantFrom<Who>("zhang", "li", "wang", "liu1", "liu2", "chen"), { maxLength: 8 })
  .chain((members) => fc.tuple(...members.map(registerRow)))
  .map((rows) => [header, ...rows])

describe("FloatingRegister.read: laws", () => {
  it("reports nothing the second time, against the events of the first", () => {
    importedAgainGivesNothing(register, importOf, away)
  })

  it("gives the same events whatever the rows' order", () => {
    orderChangesNothing(register, importOf, away)
  })

  it("never reports a return, whoever the register leaves out", () => {
    fc.assert(
      fc.property(register, (rows) => {
        const { events, findings } = importOf(rows)
        assert.isFalse(events.some((e) => e.type === "ReturnReported"))
        const listed = new Set(rows.slice(1).map((r) => r[2]))
        for (const who of ["li", "wang"] as const) {
          const branchListed = rows.slice(1).some((r) => r[1] !== people.chen[0])
          if (!listed.has(people[who][1]) && branchListed) assert.isTrue(findings.some((f) => f.tag === "AwayNotListed" && f.memberId === idOf(who)))
        }
      }),
      RUNS
    )
  })
})
