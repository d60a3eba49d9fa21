import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import * as Event from "../src/Event.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as Policy from "../src/Policy.ts"
import * as Report from "../src/Report.ts"
import * as Scan from "../src/Scan.ts"
import * as F from "./fixtures.ts"

/**
 * A district committee with two street committees: 东街 (branches 城东, 城西) and 西街 (branch 河西).
 * As of 2026-06-15.
 */
const org = (orgId: string, name: string, parentId?: string, kind: Event.OrgKind = "branch") =>
  F.decode({
    eventId: `org-event-${orgId}`,
    type: "OrgRegistered",
    occurredAt: "2023-01-01T09:00:00+08:00",
    orgId,
    name,
    kind,
    region: "510107",
    ...(parentId !== undefined && { parentId })
  })

const orgs = [
  org("org-root", "中共测试区委员会", undefined, "committee"),
  org("org-s1", "中共东街街道工作委员会", "org-root", "committee"),
  org("org-s2", "中共西街街道工作委员会", "org-root", "committee"),
  org("org-a", "城东社区党支部", "org-s1"),
  org("org-b", "城西社区党支部", "org-s1"),
  org("org-c", "河西社区党支部", "org-s2")
]

const ID = "11010519491231002X"
const PHONE = "13812345678"

const member = (memberId: string, orgId: string, when: string, fields: Record<string, unknown> = {}) =>
  F.registered(memberId, when, { orgId, idNumber: ID, phone: PHONE, ...fields })

const events = [
  ...orgs,
  // 城东: lost 9 months, searched three times over two channels → suspension may be decided.
  member("m-a1", "org-a", "2025-01-01"),
  F.contact("m-a1", "2025-09-01"),
  F.searchFailed("m-a1", "2026-04-01", "phone"),
  F.searchFailed("m-a1", "2026-04-15", "visit"),
  F.searchFailed("m-a1", "2026-05-01", "relatives"),
  // 城东: lost just over 6 months, not searched yet.
  member("m-a2", "org-a", "2025-01-01"),
  F.contact("m-a2", "2025-12-01"),
  // 城东: lost 17 months → escalated to 东街 (the parent organisation).
  member("m-a3", "org-a", "2025-01-15", { category: "full" }),
  // 城东: active.
  member("m-a4", "org-a", "2025-01-01"),
  F.contact("m-a4", "2026-06-01"),
  // 城西: suspended in January 2024 and never reached since → removal is due after two years.
  member("m-b1", "org-b", "2023-06-01"),
  F.decided("m-b1", "2024-01-01", "suspend"),
  // 河西: lost 8 months.
  member("m-c1", "org-c", "2025-01-01"),
  F.contact("m-c1", "2025-10-01"),
  // 河西: active.
  member("m-c2", "org-c", "2025-01-01"),
  F.contact("m-c2", "2026-06-10")
]

const asOf = F.at("2026-06-15")
const result = Scan.run(events, { asOf, policy: Policy.defaults })
const input = Report.fromScan(result)
const zh = { includeSubtree: true, lang: "zh", reveal: false } as const

const rowOf = (report: Report.Report, memberId: string) => {
  const row = report.rows.find((r) => r.memberId === memberId)
  assert.isDefined(row, memberId)
  return row as Report.Row
}

const assertSorted = (report: Report.Report) => {
  for (let i = 1; i < report.rows.length; i++) {
    const a = report.rows[i - 1] as Report.Row
    const b = report.rows[i] as Report.Row
    const byOrg = a.responsibleOrg.localeCompare(b.responsibleOrg, "zh") || a.responsibleOrgId.localeCompare(b.responsibleOrgId)
    assert.isTrue(byOrg < 0 || (byOrg === 0 && a.daysWithoutContact >= b.daysWithoutContact), `${a.memberId} before ${b.memberId}`)
  }
}

describe("Report.unlinked", () => {
  it("lists only unlinked members, sorted by responsible organisation then days without contact", () => {
    const report = Report.unlinked(input, zh)
    assert.deepStrictEqual(report.rows.map((r) => r.memberId).sort(), ["m-a1", "m-a2", "m-a3", "m-b1", "m-c1"])
    assertSorted(report)
    // Within 城东 the longer-lost member comes first.
    const cityEast = report.rows.filter((r) => r.responsibleOrgId === "org-a").map((r) => r.memberId)
    assert.deepStrictEqual(cityEast, ["m-a1", "m-a2"])
    assert.isAbove(rowOf(report, "m-a1").daysWithoutContact, rowOf(report, "m-a2").daysWithoutContact)
  })

  it("shows the same place away whichever of two outflows at one instant arrived first", () => {
    const lost = member("m-d1", "org-a", "2025-01-01")
    const toShenzhen = F.outflow("m-d1", "2025-03-01", { destinationRegion: "440305", reason: "work" })
    const toShanghai = F.outflow("m-d1", "2025-03-01", { destinationRegion: "310101", reason: "work" })
    const awayAt = (order: ReadonlyArray<Event.Event>) =>
      rowOf(Report.unlinked(Report.fromScan(Scan.run([...orgs, lost, ...order], { asOf, policy: Policy.defaults })), zh), "m-d1").awayAt
    assert.strictEqual(awayAt([toShenzhen, toShanghai]), awayAt([toShanghai, toShenzhen]))
  })

  it("lists leads reported at one instant in the same order whichever arrived first", () => {
    const lost = member("m-d2", "org-a", "2025-01-01")
    const lead = (eventId: string, region: string) =>
      F.decode({ eventId, type: "LeadReported", occurredAt: "2025-05-01T09:00:00+08:00", orgId: "org-b", region, subject: { memberId: "m-d2" } })
    const first = lead("lead-2", "440305")
    const second = lead("lead-1", "310101")
    const leads = (order: ReadonlyArray<Event.Event>) =>
      rowOf(Report.unlinked(Report.fromScan(Scan.run([...orgs, lost, ...order], { asOf, policy: Policy.defaults })), zh), "m-d2").leads
    assert.strictEqual(leads([first, second]), leads([second, first]))
  })

  it("sorts the sample's list the same way", () => {
    const sample = readFileSync(new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map(Event.decodeLine)
      .filter(Result.isSuccess)
      .map((r) => r.success)
    const report = Report.unlinked(Report.fromScan(Scan.run(sample, { asOf: F.at("2026-11-27"), policy: Policy.defaults })), zh)
    assert.isAbove(report.rows.length, 5)
    assertSorted(report)
  })

  it("escalates a member lost for 12 months to the parent organisation", () => {
    const row = rowOf(Report.unlinked(input, zh), "m-a3")
    assert.strictEqual(row.responsibleOrgId, "org-s1")
    assert.strictEqual(row.responsibleOrg, "中共东街街道工作委员会")
    assert.strictEqual(row.homeOrg, "城东社区党支部")
    assert.include(row.suggestedAction, "上级党组织督促查找")
  })

  it("masks ID numbers and phones by default and shows them only when revealed", () => {
    const masked = Report.unlinked(input, zh)
    for (const row of masked.rows) {
      assert.strictEqual(row.idNumber, "110105********002X")
      assert.strictEqual(row.phone, "138****5678")
      const all = JSON.stringify(row)
      assert.notInclude(all, ID)
      assert.notInclude(all, PHONE)
    }
    const revealed = Report.unlinked(input, { ...zh, reveal: true })
    for (const row of revealed.rows) {
      assert.strictEqual(row.idNumber, ID)
      assert.strictEqual(row.phone, PHONE)
    }
  })

  it("scopes to an organisation's subtree, or to the organisation alone", () => {
    const subtree = Report.unlinked(input, { ...zh, orgId: "org-s1" })
    assert.deepStrictEqual(subtree.rows.map((r) => r.memberId).sort(), ["m-a1", "m-a2", "m-a3", "m-b1"])
    const scope = OrgTree.subtree(result.orgs, "org-s1")
    for (const row of subtree.rows) {
      const evaluation = result.evaluations.find((e) => e.memberId === row.memberId)
      assert.isTrue(scope.has(evaluation?.homeOrgId ?? "") || scope.has(row.responsibleOrgId), row.memberId)
    }
    // Without the subtree: only the members the street committee itself is responsible for.
    const alone = Report.unlinked(input, { ...zh, orgId: "org-s1", includeSubtree: false })
    assert.deepStrictEqual(alone.rows.map((r) => r.memberId), ["m-a3"])
    const other = Report.unlinked(input, { ...zh, orgId: "org-s2" })
    assert.deepStrictEqual(other.rows.map((r) => r.memberId), ["m-c1"])
  })

  it("suggests suspension when searches failed, and removal two years after suspension", () => {
    const report = Report.unlinked(input, zh)
    const eligible = rowOf(report, "m-a1")
    assert.strictEqual(eligible.statusId, "lost")
    assert.include(eligible.suggestedAction, "可按规定停止党籍")
    assert.include(eligible.basis, "第二十四条")
    const notYet = rowOf(report, "m-a2")
    assert.notInclude(notYet.suggestedAction, "停止党籍")
    assert.include(notYet.suggestedAction, "多方查找")
    const removal = rowOf(report, "m-b1")
    assert.strictEqual(removal.statusId, "suspended")
    assert.strictEqual(removal.status, "停止党籍")
    assert.include(removal.suggestedAction, "满两年可除名")
    const en = Report.unlinked(input, { ...zh, lang: "en" })
    assert.include(rowOf(en, "m-a1").suggestedAction, "suspension may be decided")
    assert.include(rowOf(en, "m-b1").suggestedAction, "removal is due")
  })

  it("names columns and statuses in Chinese by default and in English on request", () => {
    assert.deepStrictEqual(
      Report.columns.map((c) => Report.header(c.id, "zh")),
      ["姓名", "身份证号", "联系电话", "组织关系所在党支部", "责任党组织", "协助党组织", "状态", "失联天数", "最后联系时间及方式", "外出地点", "线索", "建议处置", "依据"]
    )
    assert.strictEqual(Report.header("name", "en"), "Name")
    assert.strictEqual(Report.header("daysWithoutContact", "en"), "Days without contact")
    assert.strictEqual(rowOf(Report.unlinked(input, zh), "m-c1").status, "失联")
    assert.strictEqual(rowOf(Report.unlinked(input, { ...zh, lang: "en" }), "m-c1").status, "lost contact")
  })

  it("counts rows per responsible organisation and status", () => {
    const report = Report.unlinked(input, zh)
    const total = report.summary.reduce((n, s) => n + Object.values(s.counts).reduce((a, b) => a + (b ?? 0), 0), 0)
    assert.strictEqual(total, report.rows.length)
    assert.deepStrictEqual(report.summary.find((s) => s.responsibleOrg === "城东社区党支部")?.counts, { lost: 2 })
  })
})
