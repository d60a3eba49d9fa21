/**
 * `relink report branches` on a small hand-made export: two 流出地 committees, three floating
 * organisations — one keeping every cadence, one behind on guidance with a member come to its
 * region and not registered, one that never held anything — evaluated as of 2026-06-30. The
 * findings, grades and figures below are worked by hand from docs/rules.md; the core's builder is
 * tested on its own in packages/core/test/BranchReport.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { ok, parseCsv, relink, tempDir } from "./helpers.ts"

let sequence = 0
const event = (type: string, day: string, orgId: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ eventId: `e-${++sequence}`, type, occurredAt: `${day}T09:00:00+08:00`, orgId, ...fields })
const org = (orgId: string, name: string, kind: string, region: string, parentId?: string) =>
  event("OrgRegistered", "2025-01-01", orgId, { name, kind, region, ...(parentId !== undefined && { parentId }) })
const activity = (orgId: string, day: string, kind: string, attendees?: ReadonlyArray<string>) =>
  event("OrgActivityRecorded", day, orgId, { activity: kind, ...(attendees !== undefined && { attendees }) })

const events = [
  org("c-home", "武侯区委", "committee", "510107"),
  org("b-home", "簇锦社区党支部", "branch", "510107", "c-home"),
  org("fb-cq", "驻重庆流动党支部", "floating-branch", "500000", "c-home"),
  org("fb-sz", "驻深圳流动党支部", "floating-branch", "440300", "c-home"),
  org("c-two", "锦江区委", "committee", "510104"),
  org("fb-gz", "驻广州流动党支部", "floating-branch", "440100", "c-two"),
  // fb-cq: every cadence kept, guided in May.
  activity("fb-cq", "2026-01-10", "life-meeting"),
  activity("fb-cq", "2026-01-10", "democratic-review"),
  activity("fb-cq", "2026-05-01", "members-meeting"),
  activity("fb-cq", "2026-06-15", "committee-meeting"),
  activity("fb-cq", "2026-06-15", "group-meeting"),
  activity("fb-cq", "2026-06-15", "theme-day"),
  event("GuidanceRecorded", "2026-05-01", "c-home", { targetOrgId: "fb-cq", channel: "online" }),
  // fb-sz: every cadence kept, but last guided in February.
  activity("fb-sz", "2026-01-15", "life-meeting"),
  activity("fb-sz", "2026-01-15", "democratic-review"),
  activity("fb-sz", "2026-06-01", "members-meeting"),
  activity("fb-sz", "2026-06-10", "committee-meeting", ["m-a"]),
  activity("fb-sz", "2026-06-20", "group-meeting"),
  activity("fb-sz", "2026-06-20", "theme-day"),
  event("GuidanceRecorded", "2026-02-10", "c-home", { targetOrgId: "fb-sz", channel: "visit" }),
  // m-a: left b-home for Shenzhen, registered at fb-sz 9 days later, attends.
  event("MemberRegistered", "2024-06-01", "b-home", { memberId: "m-a", name: "李明", idNumber: "11010519491231002X", category: "full" }),
  event("OutflowReported", "2026-03-01", "b-home", { memberId: "m-a", destinationRegion: "440305", reason: "work" }),
  event("InflowRegistered", "2026-03-10", "fb-sz", { memberId: "m-a", region: "440305" }),
  // m-d: left for Shenzhen (440304) and never registered: fb-sz should invite them.
  event("MemberRegistered", "2024-06-01", "b-home", { memberId: "m-d", name: "王芳", idNumber: "110105194912310021", category: "full" }),
  event("OutflowReported", "2026-04-01", "b-home", { memberId: "m-d", destinationRegion: "440304", reason: "work" })
  // fb-gz: nothing, ever.
]

const dir = tempDir("branches")
const eventsPath = join(dir, "events.ndjson")
writeFileSync(eventsPath, `${events.join("\n")}\n`)
const base = ["report", "branches", "--events", eventsPath, "--as-of", "2026-06-30", "--quiet"]

interface Json {
  readonly groups: ReadonlyArray<{
    readonly orgId: string | null
    readonly name: string
    readonly counts: Record<string, number>
    readonly branches: ReadonlyArray<{
      readonly orgId: string
      readonly grade: string
      readonly members: ReadonlyArray<string>
      readonly toInvite: number
      readonly registrationLag: { readonly median: number; readonly max: number; readonly members: number } | null
      readonly daysSinceActivity: number | null
      readonly daysSinceGuidance: number | null
      readonly daysSinceReport: number | null
      readonly findings: ReadonlyArray<{ readonly rule: string; readonly since: string; readonly source: string; readonly activity: string | null; readonly memberId: string | null; readonly member: string | null }>
    }>
  }>
}

const json = (args: ReadonlyArray<string>): Json => JSON.parse(ok(relink([...base, ...args, "--format", "json", "--out", "-"])).stdout) as Json

const cadences = ["committee-meeting", "members-meeting", "group-meeting", "theme-day", "life-meeting", "democratic-review"]

describe("relink report branches", () => {
  const whole = json([])

  it("groups the floating organisations by guiding committee, the worst first, with the grades, findings and figures worked by hand", () => {
    assert.deepStrictEqual(
      whole.groups.map((g) => ({
        orgId: g.orgId,
        name: g.name,
        counts: g.counts,
        branches: g.branches.map((b) => ({
          orgId: b.orgId,
          grade: b.grade,
          members: b.members,
          toInvite: b.toInvite,
          lag: b.registrationLag,
          days: [b.daysSinceActivity, b.daysSinceGuidance, b.daysSinceReport],
          findings: b.findings.map((f) => [f.rule, f.since, f.activity ?? f.memberId ?? "", f.member ?? ""])
        }))
      })),
      [
        // 锦江 (jǐn) before 武侯 (wǔ).
        {
          orgId: "c-two",
          name: "锦江区委",
          counts: { lapsed: 1, attention: 0, normal: 0 },
          branches: [
            {
              orgId: "fb-gz",
              grade: "lapsed",
              members: [],
              toInvite: 0,
              lag: null,
              days: [null, null, null],
              // Nothing held or received since its registration on 2025-01-01.
              findings: [["branch-dormant", "2025-01-01", "", ""], ...cadences.map((c) => [`${c}-overdue`, "2025-01-01", c, ""]), ["guidance-overdue", "2025-01-01", "", ""]]
            }
          ]
        },
        {
          orgId: "c-home",
          name: "武侯区委",
          counts: { lapsed: 0, attention: 1, normal: 1 },
          branches: [
            {
              orgId: "fb-sz",
              grade: "attention",
              members: ["m-a"],
              toInvite: 1,
              lag: { median: 9, max: 9, members: 1 }, // 03-01 → 03-10
              days: [10, 140, null], // 06-20, 02-10, never
              findings: [
                ["guidance-overdue", "2026-02-10", "", ""], // + 3 months = 05-10
                ["member-to-invite", "2026-04-01", "m-d", "王芳"] // 440304 is in 440300
              ]
            },
            { orgId: "fb-cq", grade: "normal", members: [], toInvite: 0, lag: null, days: [15, 60, null], findings: [] }
          ]
        }
      ]
    )
    assert.strictEqual(whole.groups[1]?.branches[0]?.findings[0]?.source, "地方工作惯例（每季度联系指导）")
  })

  it("carries the same organisations, grades and findings in XLSX, CSV and HTML as in JSON", async () => {
    const expected = whole.groups.flatMap((g) => g.branches.map((b) => [b.orgId, b.grade === "lapsed" ? "失管" : b.grade === "attention" ? "需关注" : "正常"]))
    const csv = parseCsv(ok(relink([...base, "--format", "csv", "--out", "-"])).stdout.replace(/^\uFEFF/, ""))
    const header = csv[0] ?? []
    assert.deepStrictEqual(header.slice(0, 4), ["指导党组织", "流动党组织", "组织编号", "等级"])
    assert.deepStrictEqual(csv.slice(1).map((r) => [r[2], r[3]]), expected)
    assert.deepStrictEqual(csv.slice(1).map((r) => r[0]), ["锦江区委", "武侯区委", "武侯区委"])
    assert.include(csv[2]?.[header.indexOf("发现的问题")], "流入本地区的党员逾期未报到，应主动联系（党员找组织）：王芳 m-d（2026-04-01起）")

    const xlsx = join(dir, "branches.xlsx")
    ok(relink([...base, "--out", xlsx]))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(xlsx)
    const names = workbook.worksheets.map((w) => w.name)
    assert.deepStrictEqual(names, ["汇总", "锦江区委", "锦江区委（打印）", "武侯区委", "武侯区委（打印）"])
    const summary = workbook.getWorksheet("汇总")
    assert.strictEqual(summary?.getCell(1, 1).value, "流动党组织联系指导情况 · 全部组织 · 截至 2026-06-30")
    assert.deepStrictEqual((summary?.getRow(2).values as Array<unknown>).slice(1), ["指导党组织", "组织编号", "失管", "需关注", "正常", "合计"])
    const rows = ["锦江区委", "武侯区委"].flatMap((name) => {
      const sheet = workbook.getWorksheet(name)
      const out: Array<Array<unknown>> = []
      sheet?.eachRow((row, n) => {
        if (n > 2) out.push([row.getCell(3).value, row.getCell(4).value])
      })
      return out
    })
    assert.deepStrictEqual(rows, expected)

    const html = ok(relink([...base, "--format", "html", "--out", "-"])).stdout
    assert.include(html, "<h1>流动党组织联系指导情况</h1>")
    // One bar per floating organisation in the chart (wide and narrow), but for fb-gz, which never held anything.
    assert.strictEqual((html.match(/<rect class="bar"/g) ?? []).length, 2 * 2)
    for (const [orgId] of expected) assert.include(html, `<bdi>${orgId}</bdi>`)
    assert.notInclude(html, "身份证号")
  })

  it("covers the organisations in scope, and those a committee in scope guides", () => {
    const ids = (json: Json) => json.groups.flatMap((g) => g.branches.map((b) => b.orgId))
    assert.deepStrictEqual(ids(json(["--org", "c-two"])), ["fb-gz"])
    assert.deepStrictEqual(ids(json(["--org", "fb-sz", "--include-subtree"])), ["fb-sz"])
  })

  it("refuses a flag it does not take in one line, exit code 2", () => {
    const run = relink([...base, "--reveal"])
    assert.strictEqual(run.status, 2)
    assert.strictEqual(run.stderr.trim(), "relink report branches: Unrecognized flag: --reveal in command relink report branches (see relink report branches --help)")
  })
})
