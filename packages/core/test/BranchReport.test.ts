import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as BranchReport from "../src/BranchReport.ts"
import type * as Event from "../src/Event.ts"
import * as Report from "../src/Report.ts"
import * as Scan from "../src/Scan.ts"
import * as Steps from "../src/Steps.ts"
import { activity, AS_OF, fixture, laterInstant, member, org, policy, wire, world } from "./branchFixture.ts"

const build = (events: ReadonlyArray<Event.Event>, options: Partial<Report.Options> = {}, members: Scan.Options["members"] = "all", asOf = AS_OF) => {
  const scanned = Scan.run(events, { asOf, policy, members })
  return Steps.run(BranchReport.branchesInSteps({ ...Report.fromScan(scanned), records: scanned.records }, { includeSubtree: false, lang: "zh", reveal: false, policy, ...options }))
}

describe("BranchReport on the hand-worked fixture (BranchHealth.test.ts works its findings)", () => {
  const report = build(fixture)

  it("lists each floating organisation under its guiding committee, the worst first, with its counts and days as worked by hand", () => {
    assert.deepStrictEqual(
      report.groups.map((g) => ({
        orgId: g.orgId,
        branches: g.branches.map((b) => [b.orgId, b.grade, b.members.length, b.lost, b.atRisk, b.earlyWarned, b.toInvite, b.registrationLag, b.daysSinceActivity, b.daysSinceGuidance, b.daysSinceReport])
      })),
      [
        {
          orgId: "c-home",
          branches: [
            // Never held, guided or reported anything; m-g is in Shanghai unregistered.
            ["fb-sh", "lapsed", 0, 0, 0, 0, 1, undefined, undefined, undefined, undefined],
            // m-a and m-b registered 9 and 12 days after leaving; last activity 06-20, c-home's visit 02-10, report 2025-05-01.
            ["fb-sz", "attention", 4, 1, 1, 1, 1, { median: 10.5, max: 12, members: 2 }, 10, 140, 425],
            // Its activity 06-15, guidance 05-01, no report (it holds nobody).
            ["fb-cq", "normal", 0, 0, 0, 0, 0, undefined, 15, 60, undefined]
          ]
        }
      ]
    )
  })

  it("says each finding with its rule, 依据, since and whom it concerns, in the row as in the group", () => {
    const sz = report.rows.find((r) => r.branchId === "fb-sz")
    assert.include(sz?.findings, "党员失联：张伟 m-c（2025-12-01起）")
    assert.include(sz?.findings, "逾期未向党员组织关系所在党组织通报情况：b-home（2025-05-01起）")
    assert.include(sz?.findings, "党员大会未按季度召开（2026-03-15起）")
    assert.include(sz?.basis, "《中国共产党章程》第九条")
    assert.deepStrictEqual(
      report.rows.map((r) => [r.responsibleOrgId, r.branchId, r.gradeId, r.grade]),
      [
        ["c-home", "fb-sh", "lapsed", "失管"],
        ["c-home", "fb-sz", "attention", "需关注"],
        ["c-home", "fb-cq", "normal", "正常"]
      ]
    )
    const en = build(fixture, { lang: "en" }).rows.find((r) => r.branchId === "fb-sz")
    assert.include(en?.findings, "a member lost: 张伟 m-c (since 2025-12-01)")
    // Three months before 2026-06-30 is 03-30: 92 days.
    assert.strictEqual(report.dormantDays, 92)
  })

  it("covers the organisations in scope and those their committee in scope guides", () => {
    const ids = (orgId: string, includeSubtree = false) => build(fixture, { orgId, includeSubtree }).rows.map((r) => r.branchId)
    assert.deepStrictEqual(ids("fb-sz"), ["fb-sz"])
    assert.deepStrictEqual(ids("c-home"), ["fb-sh", "fb-sz", "fb-cq"])
    assert.deepStrictEqual(ids("b-home", true), [])
  })

  it("puts organisations with no guiding organisation in a group of their own, last", () => {
    const orphan = build([...fixture, org("fb-alone", "floating-branch", "440300"), activity("fb-alone", "2026-06-29", "theme-day")])
    assert.deepStrictEqual(
      orphan.groups.map((g) => [g.orgId, g.name, g.branches.map((b) => b.orgId)]),
      [
        ["c-home", "c-home", ["fb-sh", "fb-sz", "fb-cq"]],
        [undefined, "（无上级党组织）", ["fb-alone"]]
      ]
    )
    assert.strictEqual(orphan.rows.at(-1)?.responsibleOrgId, "")
  })

  it("is the same from a scan that released the projections no list needs as from one that kept them all", () => {
    const more = [...fixture, member("m-x", "b-home"), wire("ContactRecorded", "2026-06-01", "b-home", { memberId: "m-x", channel: "phone" })]
    assert.deepStrictEqual(build(more, {}, "matchable"), build(more, {}, "all"))
  })
})

describe("BranchReport laws", () => {
  it("is the same from a scan that released the projections no list needs as from one that kept them all, for any history", () => {
    fc.assert(
      fc.property(world, laterInstant, (events, asOf) => {
        assert.deepStrictEqual(build(events, {}, "matchable", asOf), build(events, {}, "all", asOf))
      }),
      { numRuns: 200 }
    )
  })
})
