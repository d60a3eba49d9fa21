/**
 * The labelled evaluation of a match rule (`Labels.evaluate`) as people read it: a table for
 * standard error, and a chart of the patterns of agreeing fields — each pattern's confirmed and
 * rejected pairs, and what the rule does with them — as SVG on its own or in an HTML page with the
 * whole table. The numbers are the core's; this only lays them out.
 */
import { Labels } from "@relink/core"
import { escape, page, style, svgOpen, textWidth } from "./Html.ts"

const outcomeWords: Readonly<Record<Labels.Outcome, { readonly zh: string; readonly en: string }>> = {
  "auto-link": { zh: "自动关联", en: "auto-link" },
  review: { zh: "待核实", en: "review" },
  "below review": { zh: "不提出", en: "below review" }
}

/** What the rule does with a pattern's pairs: one outcome, or each with its count. */
const decided = (counts: Labels.ByOutcome, lang: "zh" | "en"): string => {
  const present = Labels.outcomes.filter((o) => counts[o].confirmed + counts[o].rejected > 0)
  return present.length === 1 ? outcomeWords[present[0] as Labels.Outcome][lang] : present.map((o) => `${outcomeWords[o][lang]} ${counts[o].confirmed + counts[o].rejected}`).join(" · ")
}

const share = (x: number): string => (Number.isNaN(x) ? "—" : x.toFixed(3))

/** How many patterns standard error shows: the largest; the chart file has them all. */
export const shownOnStandardError = 20

/** The evaluation as lines of a table: the largest patterns, then the rest summed, then every pair. */
export const table = (evaluation: Labels.Evaluation): ReadonlyArray<string> => {
  const row = (pairs: string, counts: Labels.ByOutcome, label: string) =>
    `  ${pairs.padStart(6)} ${String(Labels.confirmedCount(counts)).padStart(9)} ${String(Labels.pairCount(counts) - Labels.confirmedCount(counts)).padStart(8)}  ${decided(counts, "en").padEnd(30)} ${share(Labels.precision(counts)).padStart(9)} ${share(Labels.recall(counts)).padStart(6)}  ${label}`
  const shown = evaluation.rows.slice(0, shownOnStandardError)
  const rest = evaluation.rows.slice(shownOnStandardError)
  const restPairs = rest.reduce((sum, r) => sum + Labels.pairCount(r.outcomes), 0)
  return [
    `   pairs confirmed rejected  ${"the rule decides".padEnd(30)} precision recall  pattern of agreeing fields`,
    ...shown.map((r) => row(String(Labels.pairCount(r.outcomes)), r.outcomes, r.zh)),
    ...(rest.length === 0 ? [] : [`  ${String(restPairs).padStart(6)} pairs in ${rest.length} more patterns`]),
    row(String(Labels.pairCount(evaluation.overall)), evaluation.overall, "all decided pairs")
  ]
}

const colours = { confirmed: "#2e7d32", rejected: "#c62828" } as const

/** How many patterns the chart draws: the largest; the page's table has them all. */
const charted = 40

/** One bar per pattern (the largest first): confirmed and rejected pairs, with what the rule decides and its precision. */
const chart = (evaluation: Labels.Evaluation): { readonly width: number; readonly height: number; readonly body: string } => {
  const rows = evaluation.rows.slice(0, charted)
  // The separators (·) take a CJK font's full width, wider than `textWidth` counts them.
  const labelWidth = Math.min(640, Math.max(160, ...rows.map((r) => textWidth(r.zh) + 8 * r.zh.split("·").length + 16)))
  const barArea = 320
  const rowHeight = 24
  const top = 30
  const width = labelWidth + barArea + 260
  const height = top + rows.length * rowHeight + 10
  const max = Math.max(1, ...rows.map((r) => Labels.pairCount(r.outcomes)))
  const scale = barArea / max
  const legend = (["confirmed", "rejected"] as const)
    .map((kind, i) => `<rect x="${labelWidth + i * 110}" y="6" width="12" height="12" fill="${colours[kind]}"/><text x="${labelWidth + i * 110 + 18}" y="17" class="label">${kind === "confirmed" ? "确认" : "否定"}</text>`)
    .join("")
  const bars = rows.map((row, i) => {
    const y = top + i * rowHeight
    const confirmed = Labels.confirmedCount(row.outcomes)
    const rejected = Labels.pairCount(row.outcomes) - confirmed
    const a = confirmed * scale
    const b = rejected * scale
    return (
      `<g><text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" class="label">${escape(row.zh)}</text>` +
      `<rect x="${labelWidth}" y="${y + 4}" width="${a.toFixed(1)}" height="${rowHeight - 8}" fill="${colours.confirmed}"><title>${escape(`确认 ${confirmed}`)}</title></rect>` +
      `<rect x="${(labelWidth + a).toFixed(1)}" y="${y + 4}" width="${b.toFixed(1)}" height="${rowHeight - 8}" fill="${colours.rejected}"><title>${escape(`否定 ${rejected}`)}</title></rect>` +
      `<text x="${(labelWidth + a + b + 6).toFixed(1)}" y="${y + 16}" class="value">${escape(`${confirmed}/${confirmed + rejected} · ${decided(row.outcomes, "zh")} · 精确率 ${share(Labels.precision(row.outcomes))}`)}</text></g>`
    )
  })
  return { width, height, body: legend + bars.join("") }
}

const caption = (evaluation: Labels.Evaluation, source: string): string =>
  `${source}：核实人的 ${Labels.pairCount(evaluation.overall)} 个结论（确认 ${Labels.confirmedCount(evaluation.overall)}）；现行规则的精确率 ${share(Labels.precision(evaluation.overall))}、召回率 ${share(Labels.recall(evaluation.overall))}、自动关联精确率 ${share(Labels.autoLinkPrecision(evaluation.overall))}` +
  (evaluation.rows.length > charted ? `；图中为最大的 ${charted} 个比对模式（共 ${evaluation.rows.length} 个）` : "")

const chartStyle = `.label{font-size:13px;fill:#333;font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif}.value{font-size:12px;fill:#555;font-family:sans-serif}`

/** The chart as an SVG file of its own. */
export const svg = (evaluation: Labels.Evaluation, source: string): string => {
  const { width, height, body } = chart(evaluation)
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height + 24}" width="${width}" height="${height + 24}"><style>${chartStyle}</style><rect width="100%" height="100%" fill="#fff"/>${body}<text x="8" y="${height + 16}" class="value">${escape(caption(evaluation, source))}</text></svg>\n`
}

/** The chart and the whole table, as one self-contained HTML page. */
export const html = (evaluation: Labels.Evaluation, source: string): string => {
  const { width, height, body } = chart(evaluation)
  const cells = (counts: Labels.ByOutcome, label: string, klass = "") =>
    `<tr${klass === "" ? "" : ` class="${klass}"`}><td>${escape(label)}</td><td class="num">${Labels.pairCount(counts)}</td><td class="num">${Labels.confirmedCount(counts)}</td><td class="num">${Labels.pairCount(counts) - Labels.confirmedCount(counts)}</td><td>${escape(decided(counts, "zh"))}</td><td class="num">${share(Labels.precision(counts))}</td><td class="num">${share(Labels.recall(counts))}</td></tr>`
  const rows = [...evaluation.rows.map((r) => cells(r.outcomes, r.zh)), cells(evaluation.overall, "全部核实结论", "group")]
  return page({
    lang: "zh",
    title: "比对规则的核实评估",
    css: style + chartStyle,
    header: `<h1>比对规则的核实评估</h1>\n<p>${escape(caption(evaluation, source))}</p>`,
    main: `<section class="panel"><h2>各比对模式：核实结论与规则的判断</h2>${svgOpen(width, height)}${body}</svg></section>
<section class="panel"><h2>各比对模式的精确率与召回率</h2><table><thead><tr><th>比对模式（一致的字段）</th><th>结论数</th><th>确认</th><th>否定</th><th>规则的判断</th><th>精确率</th><th>召回率</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table><p class="note">精确率：规则提出（自动关联或待核实）的比对中被确认的比例；召回率：被确认的比对中规则提出的比例。每对按规则单独判断：同一线索若有第二个候选人，自动关联会变为待核实。</p></section>`,
    footer: "relink train"
  })
}
