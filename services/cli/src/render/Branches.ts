/**
 * What the branches report (`BranchReport`) renders of its own: its JSON, the organisations under
 * their guiding committees with every finding structured, and the page's chart, one bar per
 * floating organisation — the days since its last activity against the days after which it is
 * dormant, coloured by its grade. The workbook and the CSV are the lists' (Unlinked.ts), the page
 * around the chart is theirs too (Html.ts).
 */
import { Effect } from "effect"
import { BranchHealth, type BranchReport, Instant, type Report } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import { colourOf, escape, fit, isolatedText, type Layout, layouts, svgOpen, textWidth } from "./Html.ts"
import * as Json from "./Json.ts"
import type { Context } from "./Unlinked.ts"

const text = {
  zh: {
    chart: "距上次组织生活天数",
    note: (days: number, shown: number, total: number) =>
      `竖虚线：连续${days}天未开展任何组织生活即为失管；条形颜色为等级${shown < total ? `；图中显示前 ${shown} 个，共 ${total} 个` : ""}`,
    days: (n: number) => `${n} 天`,
    never: "从未开展"
  },
  en: {
    chart: "Days since the last activity",
    note: (days: number, shown: number, total: number) =>
      `Dashed line: lapsed after ${days} days without any activity; bars coloured by grade${shown < total ? `; the first ${shown} of ${total} shown` : ""}`,
    days: (n: number) => `${n} d`,
    never: "never"
  }
} as const

/** The most organisations the chart draws (in the report's order): a page of thousands of bars helps nobody. */
const MAX_BARS = 100

type Line = { readonly group: string } | { readonly branch: BranchReport.Branch }

/**
 * The chart in one layout: wide, each organisation's name left of its bar; narrow, above it. Each
 * guiding committee's name heads its organisations. Bars past twice the dormant days stop there,
 * their value says how long.
 */
const chart = (lines: ReadonlyArray<Line>, dormantDays: number, lang: Report.Lang, layout: Layout): string => {
  const t = text[lang]
  const narrow = layout === "narrow"
  const labelRoom = narrow ? 48 : 30
  const labels = lines.flatMap((l) => ("branch" in l ? [textWidth(fit(l.branch.name, labelRoom)) + 16] : []))
  const labelWidth = narrow ? 0 : Math.min(230, Math.max(80, ...labels))
  const barArea = narrow ? 260 : 420
  const width = labelWidth + barArea + 80
  const scale = barArea / (2 * Math.max(1, dormantDays))
  const barRow = narrow ? 40 : 24
  const groupRow = 24
  let y = 6
  const parts: Array<string> = []
  for (const line of lines) {
    if ("group" in line) {
      parts.push(`<text x="0" y="${y + 17}" class="label group">${isolatedText(fit(line.group, narrow ? 48 : 60))}</text>`)
      y += groupRow
      continue
    }
    const b = line.branch
    const labelY = narrow ? y + 14 : y + barRow / 2 + 5
    const barY = narrow ? y + 20 : y + 4
    const barHeight = narrow ? 14 : barRow - 8
    const valueY = narrow ? barY + barHeight / 2 + 4 : labelY
    const labelAt = narrow ? `x="0" y="${labelY}"` : `x="${labelWidth - 10}" y="${labelY}" text-anchor="end"`
    const days = b.daysSinceActivity
    const w = days === undefined ? 0 : Math.max(2, Math.min(barArea, days * scale))
    const title = `${b.name} ${b.orgId} · ${BranchHealth.gradeLabels[b.grade][lang]} · ${days === undefined ? t.never : t.days(days)}`
    parts.push(
      `<g><text ${labelAt} class="label">${isolatedText(fit(b.name, labelRoom))}<title>${isolatedText(title)}</title></text>` +
        (w > 0 ? `<rect class="bar" x="${labelWidth}" y="${barY}" width="${w.toFixed(1)}" height="${barHeight}" rx="2" fill="${colourOf(b.grade)}"><title>${isolatedText(title)}</title></rect>` : "") +
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${valueY}" class="value">${escape(days === undefined ? t.never : t.days(days))}</text></g>`
    )
    y += barRow
  }
  const height = y + 6
  const dormantX = labelWidth + dormantDays * scale
  const line = `<line x1="${dormantX.toFixed(1)}" y1="0" x2="${dormantX.toFixed(1)}" y2="${height}" stroke="#8e0000" stroke-dasharray="4 3" stroke-width="1"/>`
  return `${svgOpen(width, height, layout)}${line}${parts.join("")}</svg>`
}

/** The page's panel: the chart in both layouts (the page's style shows one), the first `MAX_BARS` organisations in the report's order. */
export const panel = (report: BranchReport.BranchReport, lang: Report.Lang): string => {
  if (report.rows.length === 0) return ""
  const t = text[lang]
  const lines: Array<Line> = []
  let shown = 0
  for (const group of report.groups) {
    if (shown >= MAX_BARS) break
    lines.push({ group: group.name })
    for (const branch of group.branches.slice(0, MAX_BARS - shown)) lines.push({ branch })
    shown += Math.min(group.branches.length, MAX_BARS - shown)
  }
  const legend = `<div class="legend">${report.categories.map((c) => `<span style="--c:${colourOf(c.id)}">${escape(c[lang])}</span>`).join("")}</div>`
  return `
<section class="panel"><h2>${escape(t.chart)}</h2>${legend}${layouts.map((layout) => chart(lines, report.dormantDays, lang, layout)).join("")}<p class="note">${escape(t.note(report.dormantDays, shown, report.rows.length))}</p></section>`
}

/** A date, or null when it never was. */
const date = (at: number | undefined) => (at === undefined ? null : Instant.formatCstDate(at))

/**
 * JSON: the scope, the grades, the counts per guiding committee and its floating organisations,
 * each with every figure and finding (its rule, text, 依据, since as a date, and the activity, home
 * organisation or member it concerns). Absent figures are null.
 */
export const writeJson = (report: BranchReport.BranchReport, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    const { lang } = context
    const document = {
      kind: report.kind,
      asOf: Instant.formatCst(report.asOf),
      orgId: report.orgId ?? null,
      includeSubtree: context.org?.includeSubtree ?? null,
      lang,
      dormantDays: report.dormantDays,
      grades: report.categories.map((c) => ({ id: c.id, label: c[lang] })),
      groups: report.groups.map((g) => ({
        orgId: g.orgId ?? null,
        name: g.name,
        counts: Object.fromEntries(report.categories.map((c) => [c.id, g.branches.filter((b) => b.grade === c.id).length])),
        branches: g.branches.map((b) => ({
          orgId: b.orgId,
          name: b.name,
          grade: b.grade,
          gradeLabel: BranchHealth.gradeLabels[b.grade][lang],
          gradedBy: b.gradedBy,
          members: b.members,
          lost: b.lost,
          atRisk: b.atRisk,
          earlyWarned: b.earlyWarned,
          toInvite: b.toInvite,
          registrationLag: b.registrationLag ?? null,
          daysSinceActivity: b.daysSinceActivity ?? null,
          daysSinceGuidance: b.daysSinceGuidance ?? null,
          daysSinceReport: b.daysSinceReport ?? null,
          findings: b.findings.map((f) => ({
            rule: f.rule,
            text: f.text,
            source: f.source,
            since: date(f.since),
            activity: f.activity ?? null,
            homeOrgId: f.homeOrgId ?? null,
            homeOrg: f.homeOrg ?? null,
            memberId: f.memberId ?? null,
            member: f.member ?? null
          }))
        }))
      }))
    }
    s.write(`${Json.stringify(document, 1)}\n`)
    await s.ready()
  })
