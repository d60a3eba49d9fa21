/**
 * Renderings of the core's unlinked-members report (`Report.unlinked`): CSV, JSON and XLSX here,
 * HTML in Html.ts. Rows, masking, order, suggested actions and bases all come from the core; this
 * only lays them out, grouped by responsible organisation as the core sorted them.
 */
import { Effect } from "effect"
import { Instant, Report, Status } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Csv from "./Csv.ts"
import * as Xlsx from "./Xlsx.ts"

export type Format = "xlsx" | "csv" | "json" | "html"
export const formats: ReadonlyArray<Format> = ["xlsx", "csv", "json", "html"]

/** The statuses an unlinked list can hold, in the core's priority order. */
export const statuses: ReadonlyArray<Status.Status> = Status.statuses.filter((s) => Status.unlinked.has(s))

export interface Group {
  readonly orgId: string
  readonly name: string
  readonly rows: ReadonlyArray<Report.Row>
  readonly counts: Readonly<Partial<Record<Status.Status, number>>>
}

/** Rows by responsible organisation, in the report's order, with their counts per status. */
export const groups = (report: Report.Report): ReadonlyArray<Group> => {
  const byOrg = new Map<string, { name: string; rows: Array<Report.Row>; counts: Partial<Record<Status.Status, number>> }>()
  for (const row of report.rows) {
    let group = byOrg.get(row.responsibleOrgId)
    if (group === undefined) {
      group = { name: row.responsibleOrg, rows: [], counts: {} }
      byOrg.set(row.responsibleOrgId, group)
    }
    group.rows.push(row)
    group.counts[row.statusId] = (group.counts[row.statusId] ?? 0) + 1
  }
  return [...byOrg].map(([orgId, g]) => ({ orgId, ...g }))
}

export interface Context {
  readonly lang: Report.Lang
  /** The organisation the list is for, and its name, when scoped. */
  readonly org?: { readonly orgId: string; readonly name: string; readonly includeSubtree: boolean }
  readonly revealed: boolean
}

const text = {
  zh: {
    title: "失联党员名单",
    summary: "汇总",
    org: "责任党组织",
    orgId: "组织编号",
    total: "合计",
    asOf: "截至",
    scope: "范围",
    all: "全部组织",
    subtree: "（含下级组织）",
    masked: "身份证号、联系电话已部分隐去",
    revealed: "含完整身份证号、联系电话，注意保密"
  },
  en: {
    title: "Unlinked members",
    summary: "Summary",
    org: "Responsible organisation",
    orgId: "Organisation id",
    total: "Total",
    asOf: "As of",
    scope: "Scope",
    all: "all organisations",
    subtree: " (and its subordinate organisations)",
    masked: "ID numbers and phones are partly masked",
    revealed: "contains full ID numbers and phones: confidential"
  }
} as const

export const labels = (lang: Report.Lang) => text[lang]

export const scopeText = (context: Context): string => {
  const t = text[context.lang]
  return context.org === undefined ? t.all : `${context.org.name} ${context.org.orgId}${context.org.includeSubtree ? t.subtree : ""}`
}

const cells = (row: Report.Row): ReadonlyArray<string | number> => Report.columns.map((c) => row[c.id])

/** The columns that hold identifiers: text in every format a spreadsheet opens. */
const IDENTIFIERS: ReadonlySet<Report.ColumnId> = new Set(["idNumber", "phone"])
const identifierPositions: ReadonlySet<number> = new Set(Report.columns.flatMap((c, i) => (IDENTIFIERS.has(c.id) ? [i] : [])))

/** CSV: the report's columns with headers in the report's language. */
export const writeCsv = (report: Report.Report, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    s.write(Csv.BOM + Csv.record(Report.columns.map((c) => Report.header(c.id, context.lang))))
    for (let i = 0; i < report.rows.length; i++) {
      s.write(Csv.record(cells(report.rows[i] as Report.Row), identifierPositions))
      if (i % 5000 === 4999) await s.ready()
    }
    await s.ready()
  })

/** JSON: the report as one document, with column headers and counts per organisation. */
export const writeJson = (report: Report.Report, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    const head = {
      asOf: Instant.formatCst(report.asOf),
      orgId: report.orgId ?? null,
      includeSubtree: context.org?.includeSubtree ?? null,
      lang: context.lang,
      revealed: context.revealed,
      columns: Report.columns.map((c) => ({ id: c.id, header: Report.header(c.id, context.lang) })),
      summary: groups(report).map((g) => ({ orgId: g.orgId, name: g.name, counts: g.counts, total: g.rows.length }))
    }
    s.write(`${JSON.stringify(head, null, 1).slice(0, -2)},\n "rows": [`)
    for (let i = 0; i < report.rows.length; i++) {
      s.write(`${i === 0 ? "" : ","}\n  ${JSON.stringify(report.rows[i])}`)
      if (i % 5000 === 4999) await s.ready()
    }
    s.write("\n ]\n}\n")
    await s.ready()
  })

const WRAPPED: ReadonlySet<Report.ColumnId> = new Set(["leads", "suggestedAction", "basis", "lastContact", "awayAt"])

/**
 * XLSX: a summary sheet (counts per responsible organisation and status, totals, as-of and scope)
 * then one sheet per responsible organisation, each with the header row frozen.
 */
export const writeXlsx = (report: Report.Report, context: Context, path: string): Effect.Effect<void, WriteFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const t = text[context.lang]
      const all = groups(report)
      const workbook = yield* Xlsx.open(path)
      const summary = Xlsx.sheet(workbook, t.summary, [
        { header: t.org, width: 36 },
        { header: t.orgId, width: 18, identifier: true },
        ...statuses.map((s) => ({ header: Status.labels[s][context.lang], width: 12 })),
        { header: t.total, width: 10 }
      ])
      const totals = new Map<Status.Status, number>()
      for (const group of all) {
        summary.row([group.name, group.orgId, ...statuses.map((s) => group.counts[s] ?? 0), group.rows.length])
        for (const s of statuses) totals.set(s, (totals.get(s) ?? 0) + (group.counts[s] ?? 0))
      }
      summary.below([t.total, null, ...statuses.map((s) => totals.get(s) ?? 0), report.rows.length], { bold: true })
      summary.below([])
      summary.below([t.asOf, Instant.formatCstDate(report.asOf)])
      summary.below([t.scope, scopeText(context)])
      summary.below([context.revealed ? t.revealed : t.masked])
      summary.commit()
      const columns = Report.columns.map((c) => ({
        header: Report.header(c.id, context.lang),
        width: c.width,
        wrap: WRAPPED.has(c.id),
        identifier: IDENTIFIERS.has(c.id)
      }))
      yield* Sink.attempt(path, async () => {
        let n = 0
        for (const group of all) {
          const sheet = Xlsx.sheet(workbook, group.name, columns)
          for (const row of group.rows) {
            sheet.row(cells(row))
            if (++n % 5000 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
          }
          sheet.commit()
        }
      })
      yield* Xlsx.commit(workbook)
    })
  )
