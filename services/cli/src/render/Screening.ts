/**
 * Renderings of the core's screening progress (`Screening.builder`): CSV, JSON and XLSX here, the
 * page with its charts in ProgressHtml.ts. The counts, periods and their order come from the core;
 * this only lays them out, with headers in the report's language.
 */
import { Effect } from "effect"
import { Instant, type Report, Screening, Status } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Turns from "../Turns.ts"
import * as Csv from "./Csv.ts"
import * as Xlsx from "./Xlsx.ts"
import * as Json from "./Json.ts"

export interface Context {
  readonly lang: Report.Lang
  readonly org?: { readonly orgId: string; readonly name: string; readonly includeSubtree: boolean }
}

const text = {
  zh: {
    title: "排查进度",
    summary: "汇总",
    byOrg: "分组织",
    found: "找回明细",
    trend: "状态趋势",
    org: "责任党组织",
    orgId: "组织编号",
    total: "合计",
    wholeSpan: "全期",
    period: "期间",
    from: "起",
    to: "止",
    instant: "时点",
    memberId: "党员编号",
    how: "找回方式",
    foundAt: "找回时间",
    days: "用时（天）",
    scope: "范围",
    all: "全部组织",
    subtree: "（含下级组织）",
    rule: "期初失联的党员计入期初的责任党组织；找回指期末不再失联（已终止、除名除外）"
  },
  en: {
    title: "Screening progress",
    summary: "Summary",
    byOrg: "By organisation",
    found: "Found",
    trend: "Status trend",
    org: "Responsible organisation",
    orgId: "Organisation id",
    total: "Total",
    wholeSpan: "Whole span",
    period: "Period",
    from: "From",
    to: "To",
    instant: "At",
    memberId: "Member id",
    how: "Found by",
    foundAt: "Found at",
    days: "Days",
    scope: "Scope",
    all: "all organisations",
    subtree: " (and its subordinate organisations)",
    rule: "A member unlinked at a period's start counts under the organisation responsible then; found: no longer unlinked at its end (ended and removed apart)"
  }
} as const

export const labels = (lang: Report.Lang) => text[lang]

export const scopeText = (context: Context): string => {
  const t = text[context.lang]
  return context.org === undefined ? t.all : `${context.org.name} ${context.org.orgId}${context.org.includeSubtree ? t.subtree : ""}`
}

const date = (at: number) => Instant.formatCstDate(at)

/** A cell's measures in `Screening.measures` order; no median is an empty cell. */
const values = (cell: Screening.Cell): ReadonlyArray<number | null> =>
  Screening.measures.map((m) => {
    const value = cell[m.id]
    return value === undefined ? null : m.id === "medianDaysToFound" ? Math.round(value * 10) / 10 : value
  })

/** CSV: one line per organisation and period, then the scope's total per period. */
export const writeCsv = (report: Screening.Progress, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    const t = text[context.lang]
    s.write(Csv.BOM + Csv.record([t.org, t.orgId, t.period, t.from, t.to, ...Screening.measures.map((m) => m[context.lang])]))
    const line = (org: string, orgId: string, cells: ReadonlyArray<Screening.Cell>) =>
      cells.forEach((cell, i) => {
        const period = report.periods[i] as Screening.Period
        s.write(Csv.record([org, orgId, period.label, date(period.from), date(period.to - 1), ...values(cell)]))
      })
    for (const row of report.rows) {
      line(row.org, row.orgId, row.cells)
      await s.ready()
    }
    line(t.total, "", report.total)
    await s.ready()
  })

/** JSON: the whole report as one document, instants in China Standard Time. */
export const writeJson = (report: Screening.Progress, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    const document = {
      kind: report.kind,
      every: report.every,
      orgId: report.orgId ?? null,
      includeSubtree: context.org?.includeSubtree ?? null,
      lang: context.lang,
      measures: Screening.measures.map((m) => ({ id: m.id, header: m[context.lang] })),
      periods: report.periods.map((p) => ({ label: p.label, from: Instant.formatCst(p.from), to: Instant.formatCst(p.to) })),
      total: report.total,
      span: report.span,
      rows: report.rows,
      statusCounts: report.statusCounts.map((counts, i) => ({ at: Instant.formatCst(report.instants[i] as number), counts })),
      found: report.found.map((f) => ({
        memberId: f.memberId,
        orgId: f.orgId,
        period: report.periods[f.period]?.label,
        at: Instant.formatCst(f.relink.at),
        how: Screening.relinkLabel(f.relink, context.lang),
        event: f.relink.type,
        ...(f.relink.channel !== undefined && { channel: f.relink.channel }),
        days: f.days ?? null
      })),
      untraced: report.untraced
    }
    s.write(`${Json.stringify(document, 1)}\n`)
    await s.ready()
  })

/**
 * XLSX: the scope's total per period and over the whole span (with the scope and the counting
 * rule), the organisations' periods, the members found, and members per status at each instant;
 * each sheet titled with the report, its scope and span, its header row frozen.
 */
export const writeXlsx = (report: Screening.Progress, context: Context, target: Sink.Staged): Effect.Effect<void, WriteFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const t = text[context.lang]
      const workbook = yield* Xlsx.open(target, context.lang)
      const first = report.periods[0]
      const last = report.periods.at(-1)
      const span = first === undefined || last === undefined ? undefined : { from: date(first.from), to: date(last.to - 1) }
      const about = [t.title, scopeText(context), ...(span === undefined ? [] : [`${span.from} – ${span.to}`])].join(" · ")
      const options = { title: about, footer: about }
      const measureColumns = Screening.measures.map((m) => ({ header: m[context.lang], width: 10, numeric: true }))
      const periodColumns = [
        { header: t.period, width: 11 },
        { header: t.from, width: 11 },
        { header: t.to, width: 11 }
      ]
      const periodCells = (i: number) => {
        const period = report.periods[i] as Screening.Period
        return [period.label, date(period.from), date(period.to - 1)]
      }
      const summary = Xlsx.sheet(workbook, t.summary, [...periodColumns, ...measureColumns], options)
      report.total.forEach((cell, i) => summary.row([...periodCells(i), ...values(cell)]))
      summary.below([t.wholeSpan, span?.from ?? null, span?.to ?? null, ...values(report.span)], { bold: true })
      summary.below([])
      summary.below([t.scope, scopeText(context)])
      summary.note(t.rule)
      summary.commit()
      const orgColumns = [
        { header: t.org, width: 18, wrap: true },
        { header: t.orgId, width: 14, wrap: true, identifier: true }
      ]
      const byOrg = Xlsx.sheet(workbook, t.byOrg, [...orgColumns, ...periodColumns, ...measureColumns], options)
      const names = new Map(report.rows.map((r) => [r.orgId, r.org]))
      yield* Sink.attempt(target.path, async () => {
        for (const row of report.rows) {
          row.cells.forEach((cell, i) => byOrg.row([row.org, row.orgId, ...periodCells(i), ...values(cell)]))
          if (Turns.due()) await Turns.take()
        }
        byOrg.commit()
        const found = Xlsx.sheet(
          workbook,
          t.found,
          [
            { header: t.period, width: 11 },
            { header: t.memberId, width: 14, wrap: true, identifier: true },
            { header: t.org, width: 32, wrap: true },
            { header: t.orgId, width: 14, wrap: true, identifier: true },
            { header: t.how, width: 16, wrap: true },
            { header: t.foundAt, width: 12 },
            { header: t.days, width: 10, numeric: true }
          ],
          options
        )
        for (const f of report.found) {
          found.row([report.periods[f.period]?.label ?? "", f.memberId, names.get(f.orgId) ?? f.orgId, f.orgId, Screening.relinkLabel(f.relink, context.lang), date(f.relink.at), f.days ?? null])
          if (Turns.due()) await Turns.take()
        }
        found.commit()
      })
      const trend = Xlsx.sheet(
        workbook,
        t.trend,
        [{ header: t.instant, width: 12 }, ...Status.statuses.map((s) => ({ header: Status.labels[s][context.lang], width: 11, numeric: true }))],
        options
      )
      report.statusCounts.forEach((counts, i) => trend.row([date(report.instants[i] as number), ...Status.statuses.map((s) => counts[s] ?? 0)]))
      trend.commit()
      yield* Xlsx.commit(workbook)
    })
  )
