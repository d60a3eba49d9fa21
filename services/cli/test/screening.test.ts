import { assert, describe, it } from "@effect/vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { EarlyWarning, Instant, MatchRule, Policy, Scan, Status } from "@relink/core"
import { oneLineError, ok, parseCsv, relink, simulate, tempDir } from "./helpers.ts"
import { unzip } from "./readers.ts"

interface ProgressJson {
  readonly periods: ReadonlyArray<{ readonly label: string; readonly from: string; readonly to: string }>
  readonly total: ReadonlyArray<{ readonly unlinkedAtStart: number; readonly newlyUnlinked: number; readonly found: number; readonly closed: number; readonly open: number }>
  readonly rows: ReadonlyArray<{ readonly orgId: string }>
  readonly statusCounts: ReadonlyArray<{ readonly at: string; readonly counts: Partial<Record<Status.Status, number>> }>
  readonly found: ReadonlyArray<{ readonly memberId: string; readonly how: string; readonly days: number | null }>
}

describe("relink report progress", () => {
  const sim = simulate(400, 3)
  const dir = tempDir("progress")

  it("counts at every bound what the unlinked list as of that bound lists", () => {
    const out = join(dir, "progress.json")
    ok(relink(["report", "progress", "--events", sim.eventsPath, "--from", "2025-12-01", "--to", "2026-11-27", "--out", out, "--quiet"]))
    const report = JSON.parse(readFileSync(out, "utf8")) as ProgressJson
    assert.deepStrictEqual(report.periods.map((p) => p.label), ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"])
    report.statusCounts.forEach(({ at, counts }, i) => {
      const asOf = Instant.parseInstant(at) as number
      const alone = Scan.run(sim.events, { asOf, policy: Policy.defaults }).evaluations
      const expected: Partial<Record<Status.Status, number>> = {}
      for (const e of alone) expected[e.status] = (expected[e.status] ?? 0) + 1
      assert.deepStrictEqual(counts, expected)
      const unlinked = alone.filter((e) => Status.unlinked.has(e.status)).length
      if (i < report.total.length) assert.strictEqual(report.total[i]?.unlinkedAtStart, unlinked)
      if (i > 0) assert.strictEqual(report.total[i - 1]?.open, unlinked)
    })
    // The last bound is the end of --to's day: the list as of that day shows the same members.
    const list = ok(relink(["report", "unlinked", "--events", sim.eventsPath, "--as-of", "2026-11-27", "--format", "csv", "--out", "-", "--quiet"])).stdout
    assert.strictEqual(parseCsv(list.replace(/^\uFEFF/, "")).length - 1, report.total[report.total.length - 1]?.open)
  })

  it("writes CSV with Chinese headers, one line per organisation and period, and the totals", () => {
    const csv = ok(relink(["report", "progress", "--events", sim.eventsPath, "--from", "2026-06-01", "--to", "2026-11-27", "--format", "csv", "--out", "-", "--quiet"])).stdout
    const [head, ...lines] = parseCsv(csv.replace(/^\uFEFF/, ""))
    assert.deepStrictEqual(head?.slice(0, 10), ["责任党组织", "组织编号", "期间", "起", "止", "期初失联", "新增失联", "找回", "除名或终止", "期末仍失联"])
    const totals = lines.filter((l) => l[0] === "合计")
    assert.deepStrictEqual(totals.map((l) => l[2]), ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"])
    assert.strictEqual(totals[5]?.[4], "2026-11-27")
    assert.strictEqual((lines.length - totals.length) % 6, 0)
  })

  it("writes a workbook by default and a page for .html", () => {
    const workbook = join(dir, "p.xlsx")
    ok(relink(["report", "progress", "--events", sim.eventsPath, "--every", "week", "--from", "2026-09-01", "--to", "2026-11-27", "--out", workbook, "--quiet"]))
    assert.strictEqual(readFileSync(workbook).subarray(0, 2).toString(), "PK")
    const page = join(dir, "p.html")
    ok(relink(["report", "progress", "--events", sim.eventsPath, "--from", "2026-01-01", "--to", "2026-11-27", "--out", page, "--quiet"]))
    const html = readFileSync(page, "utf8")
    assert.include(html, "排查进度")
    assert.include(html, "<svg")
  })

  it("answers bad periods with one line and exit code 2", () => {
    assert.match(oneLineError(["report", "progress", "--events", sim.eventsPath, "--from", "2026-11-01", "--to", "2026-10-01"], 2), /^relink: --to: 2026-10-02T00:00:00\+08:00 is not after --from 2026-11-01T00:00:00\+08:00/)
    assert.match(oneLineError(["report", "progress", "--events", sim.eventsPath, "--from", "1/11/2026"], 2), /^relink: --from "1\/11\/2026" is not a date/)
    assert.match(oneLineError(["report", "progress", "--events", sim.eventsPath, "--every", "year"], 2), /--every/)
    assert.match(oneLineError(["report", "progress", "--events", sim.eventsPath, "--every", "week", "--from", "2000-01-01", "--to", "2026-11-27"], 2), /at most 520; take a shorter span/)
    assert.match(oneLineError(["report", "progress", "--events", sim.eventsPath, "--org", "org-nowhere", "--from", "2026-01-01", "--to", "2026-02-01", "--quiet"], 1), /^relink: organisation "org-nowhere" is not registered/)
  })
})

describe("relink report early-warning", () => {
  const dir = tempDir("early-warning")
  const events: Array<Record<string, unknown>> = [
    { eventId: "o-1", type: "OrgRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: "org-a", name: "第一党支部", kind: "branch", region: "510107" },
    { eventId: "r-1", type: "MemberRegistered", occurredAt: "2025-01-02T09:00:00+08:00", orgId: "org-a", memberId: "m-weekly", name: "张伟", idNumber: "11010519491231002X", phone: "13800138000", category: "full" },
    { eventId: "r-2", type: "MemberRegistered", occurredAt: "2025-01-02T09:00:00+08:00", orgId: "org-a", memberId: "m-monthly", name: "李娜", idNumber: "110105194912310029", category: "full" }
  ]
  // Weekly until 2026-10-01, then silent; monthly until 2026-10-20.
  for (let at = Date.parse("2026-06-04T10:00:00+08:00"), i = 0; at <= Date.parse("2026-10-01T12:00:00+08:00"); at += 7 * Instant.DAY, i++) {
    events.push({ eventId: `w-${i}`, type: "ContactRecorded", occurredAt: new Date(at).toISOString(), orgId: "org-a", memberId: "m-weekly", channel: i % 2 === 0 ? "meeting" : "dues" })
  }
  for (let i = 0; i < 10; i++) {
    events.push({ eventId: `mo-${i}`, type: "ContactRecorded", occurredAt: new Date(Date.parse("2026-01-20T10:00:00+08:00") + i * 30 * Instant.DAY).toISOString(), orgId: "org-a", memberId: "m-monthly", channel: "meeting" })
  }
  const path = join(dir, "events.ndjson")
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join("\n") + "\n")
  /** A rule file with an explicit early-warning model: the shipped default may change. */
  const ruleWith = (name: string, model: EarlyWarning.Model) => {
    const rulePath = join(dir, name)
    writeFileSync(rulePath, JSON.stringify({ ...MatchRule.chinese, earlyWarning: model }))
    return rulePath
  }
  const byRhythm = ruleWith("rhythm.json", { kind: "rhythm", horizonDays: 180, minGaps: 4, spreadFloor: 0.25, suspicion: 1, fadeWindow: true, calibration: { intercept: -4, slope: 0.3 } })
  // Both members are silent past 14 days; the longer silence is the more probable loss.
  const byGap = ruleWith("gap.json", {
    kind: "fixed-gap",
    horizonDays: 120,
    days: 14,
    calibration: { intercept: -6, slope: 1.5 },
    fitted: { origins: 14, rows: 52_000, positives: 800, targetPrecision: 0.3, precision: 0.31, recall: 0.42, medianLeadDays: 23, fixedGap: { days: 14, precision: 0.31, recall: 0.42 } }
  })
  const list = (rule: string, extra: ReadonlyArray<string>) => ok(relink(["report", "early-warning", "--events", path, "--as-of", "2026-11-05", "--rule", rule, ...extra]))

  it("lists the member silent for their own rhythm, masked, with the probability of loss, φ, the rhythm and the expected contact", () => {
    const csv = list(byRhythm, ["--format", "csv", "--out", "-", "--quiet"]).stdout
    const [head, ...rows] = parseCsv(csv.replace(/^\uFEFF/, ""))
    assert.deepStrictEqual(head?.slice(7, 12), ["预计180天内失联概率（%）", "预警分值φ", "本人联系节律", "按节律应联系日期", "距3个月预警（天）"])
    assert.strictEqual(rows.length, 1)
    const row = rows[0] as ReadonlyArray<string>
    assert.strictEqual(row[0], "张伟")
    assert.strictEqual(row[1], "110105********002X")
    assert.strictEqual(row[5], "正常")
    // sigmoid(−4 + 0.3 × 10.4), a whole percent.
    assert.strictEqual(row[7], "29")
    assert.strictEqual(row[8], "10.4")
    assert.strictEqual(row[9], "约每7天")
    assert.strictEqual(row[10], "2026-10-08")
    assert.strictEqual(row[11], "57")
  })

  it("lists at most --per-org members per organisation, the most probable first, and says how many it left out", () => {
    const all = JSON.parse(list(byGap, ["--format", "json", "--out", "-", "--quiet"]).stdout) as { rows: ReadonlyArray<{ memberId: string; probability: number; rhythm: string; suspicion: string }> }
    assert.deepStrictEqual(all.rows.map((r) => r.memberId), ["m-weekly", "m-monthly"])
    assert.isAbove(all.rows[0]?.probability ?? 0, all.rows[1]?.probability ?? 0)
    assert.deepInclude(all.rows[1], { rhythm: "—", suspicion: "" })
    const capped = list(byGap, ["--per-org", "1", "--format", "json", "--out", "-", "--lang", "en"])
    const json = JSON.parse(capped.stdout) as { basis: string; perOrg: number; leftOut: number; rows: ReadonlyArray<{ memberId: string }> }
    assert.deepStrictEqual(json.rows.map((r) => r.memberId), ["m-weekly"])
    assert.deepInclude(json, { perOrg: 1, leftOut: 1 })
    assert.match(json.basis, /^Basis of the warning: a fixed gap of 14 days without contact, because no model did better on the backtest/)
    assert.include(capped.stderr, "1 member to contact early under 1 responsible organisation, 1 more left out by --per-org 1")
  })

  it("states the basis of the warning and the cut in the workbook and the page, and the probability as a percent", () => {
    const top = (JSON.parse(list(byGap, ["--format", "json", "--out", "-", "--quiet"]).stdout) as { rows: ReadonlyArray<{ probability: number }> }).rows[0]?.probability
    const workbook = join(dir, "capped.xlsx")
    list(byGap, ["--per-org", "1", "--out", workbook, "--quiet"])
    const parts = unzip(workbook)
    assert.include(parts.get("xl/sharedStrings.xml"), "预警依据：未联系满14天即预警（固定间隔），因为在历史数据回测中没有模型优于它")
    assert.include(parts.get("xl/sharedStrings.xml"), "每个责任党组织只列出预计失联概率最高的1人，另有1人未列出")
    // The probability (column H, below the title and header rows) is a fraction in the built-in percent format, 0% (number format 9).
    const [, style, value] = /<c r="H3" s="(\d+)"><v>([^<]*)<\/v><\/c>/.exec(parts.get("xl/worksheets/sheet2.xml") ?? "") ?? []
    assert.strictEqual(Number(value), (top ?? Number.NaN) / 100)
    const formats = [...(parts.get("xl/styles.xml") ?? "").split("<cellXfs")[1]?.matchAll(/<xf numFmtId="(\d+)"/g) ?? []].map((m) => m[1])
    assert.strictEqual(formats[Number(style)], "9")
    const page = list(byGap, ["--per-org", "1", "--format", "html", "--out", "-", "--quiet"]).stdout
    assert.include(page, "预警依据：未联系满14天即预警（固定间隔）")
    assert.include(page, `<td class="num">${top}%</td>`)
  })

  it("refuses a --per-org that is not a whole number ≥ 1", () => {
    assert.match(oneLineError(["report", "early-warning", "--events", path, "--per-org", "0"], 2), /--per-org.*a whole number ≥ 1/)
    assert.match(oneLineError(["report", "early-warning", "--events", path, "--per-org", "2.5"], 2), /--per-org/)
  })
})
