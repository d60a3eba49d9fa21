/**
 * Renderings of the core's lists (`Report.unlinked`, `Report.dataQuality`, `Report.earlyWarning`):
 * CSV, JSON and XLSX here, HTML in Html.ts. Columns, rows, masking, order, suggested actions and
 * bases all come from the core; this only lays them out, grouped by organisation as the core sorted
 * them and counted per the list's categories (statuses, or the fields with problems). A CSV is a
 * table and nothing else: what a list says of itself (its basis, its cap) goes in the others.
 */
import { Effect } from "effect"
import { Instant, type Report } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Turns from "../Turns.ts"
import * as Csv from "./Csv.ts"
import * as Xlsx from "./Xlsx.ts"
import * as Json from "./Json.ts"

export interface Group {
  readonly orgId: string
  readonly name: string
  readonly rows: ReadonlyArray<Report.ListRow>
  /** Rows per category id. */
  readonly counts: Readonly<Record<string, number>>
}

/** Rows by the organisation they are listed under, in the report's order, with their counts per category. */
export const groups = (report: Report.List): ReadonlyArray<Group> => {
  const byOrg = new Map<string, { name: string; rows: Array<Report.ListRow>; counts: Record<string, number> }>()
  for (const row of report.rows) {
    let group = byOrg.get(row.responsibleOrgId)
    if (group === undefined) {
      group = { name: row.responsibleOrg, rows: [], counts: {} }
      byOrg.set(row.responsibleOrgId, group)
    }
    group.rows.push(row)
    const category = String(row[report.categoryKey])
    group.counts[category] = (group.counts[category] ?? 0) + 1
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
    titles: { unlinked: "失联党员名单", "data-quality": "登记信息数据质量问题名单", "early-warning": "联系节律预警名单", review: "待核实比对清单", branches: "流动党组织联系指导情况" },
    summary: "汇总",
    org: "责任党组织",
    orgs: { unlinked: "责任党组织", "data-quality": "负责更正的党组织", "early-warning": "责任党组织", review: "责任党组织", branches: "指导党组织" },
    orgId: "组织编号",
    total: "合计",
    asOf: "截至",
    scope: "范围",
    all: "全部组织",
    subtree: "（含下级组织）",
    held: { idNumbers: "身份证号", andPhones: "身份证号、联系电话", andBirthDates: "身份证号、联系电话、出生日期" },
    masked: (held: string) => `${held}已部分隐去`,
    revealed: (held: string) => `含完整${held}，注意保密`,
    allOrgs: "全部组织",
    combined: (orgs: string, max: string) => `共${orgs}个组织，超过${max}个：名单合在“全部组织”一张表中，按组织排列`,
    cap: (perOrg: string, leftOut: string) => `每个责任党组织只列出预计失联概率最高的${perOrg}人，另有${leftOut}人未列出`,
    percent: "（%）",
    print: "（打印）",
    printTitle: (detail: string) => `打印用，各列见工作表“${detail}”`
  },
  en: {
    title: "Unlinked members",
    titles: {
      unlinked: "Unlinked members",
      "data-quality": "Data-quality problems in registrations",
      "early-warning": "Early warning: members to contact before the 3-month warning",
      review: "Matches to verify",
      branches: "Floating party organisations and their guidance"
    },
    summary: "Summary",
    org: "Responsible organisation",
    orgs: { unlinked: "Responsible organisation", "data-quality": "Organisation to correct", "early-warning": "Responsible organisation", review: "Responsible organisation", branches: "Guiding organisation" },
    orgId: "Organisation id",
    total: "Total",
    asOf: "As of",
    scope: "Scope",
    all: "all organisations",
    subtree: " (and its subordinate organisations)",
    held: { idNumbers: "ID numbers", andPhones: "ID numbers and phones", andBirthDates: "ID numbers, phones and birth dates" },
    masked: (held: string) => `${held} are partly masked`,
    revealed: (held: string) => `contains full ${held}: confidential`,
    allOrgs: "All organisations",
    combined: (orgs: string, max: string) => `${orgs} organisations, more than ${max}: the rows are on one sheet, “All organisations”, by organisation`,
    cap: (perOrg: string, leftOut: string) => `At most ${perOrg} members per responsible organisation, the most probably lost first; ${leftOut} more not listed`,
    percent: " (%)",
    print: " (print)",
    printTitle: (detail: string) => `for printing; every column on sheet “${detail}”`
  }
} as const

/** The texts of a list in a language, its title and organisation header those of its kind. */
export const labels = (kind: Report.List["kind"], lang: Report.Lang) => ({
  ...text[lang],
  title: text[lang].titles[kind],
  org: text[lang].orgs[kind]
})

/** The personal data that columns hold, masked unless revealed, in a language: ID numbers, and phones where there is a phone column; none without an ID number column. */
export const personalData = (columns: ReadonlyArray<Report.Column>, lang: Report.Lang): string | undefined =>
  columns.some((c) => c.id === "idNumber")
    ? text[lang].held[columns.some((c) => c.id === "birthDate") ? "andBirthDates" : columns.some((c) => c.id === "phone") ? "andPhones" : "idNumbers"]
    : undefined

/** What a list says of the personal data it holds, and of nothing it does not: partly masked, or in full and confidential; nothing when it holds none. */
export const privacyText = (report: Report.List, context: Pick<Context, "lang" | "revealed">): string | undefined => {
  const t = text[context.lang]
  const held = personalData(report.columns, context.lang)
  return held === undefined ? undefined : context.revealed ? t.revealed(held) : t.masked(held)
}

export const scopeText = (context: Context): string => {
  const t = text[context.lang]
  return context.org === undefined ? t.all : `${context.org.name} ${context.org.orgId}${context.org.includeSubtree ? t.subtree : ""}`
}

/** The columns whose numbers have one decimal (φ): each shown with it, "1.0" beside "10.4" (as text in a CSV and a page, as a number's format in a workbook). */
const ONE_DECIMAL: ReadonlySet<string> = new Set(["suspicion"])

/** A cell as text shows it (CSV, HTML): the number of a one-decimal column with its decimal. */
export const shown = (column: Report.Column, value: string | number): string | number =>
  typeof value === "number" && ONE_DECIMAL.has(column.id) ? value.toFixed(1) : value

const cells = (report: Report.List, row: Report.ListRow): ReadonlyArray<string | number> => report.columns.map((c) => shown(c, row[c.id] ?? ""))

/** A row's cells in a workbook: a percent as the fraction it is, formatted as a percent, so that it sorts, filters and sums as a number. */
const workbookCells = (report: Report.List, row: Report.ListRow): ReadonlyArray<string | number> =>
  report.columns.map((c) => {
    const value = row[c.id] ?? ""
    return c.percent === true && typeof value === "number" ? value / 100 : value
  })

/** A column's header where cells are plain numbers (CSV, JSON): a percent column says so. */
const headerText = (column: Report.Column, lang: Report.Lang): string => column[lang] + (column.percent === true ? text[lang].percent : "")

/** What the list says of its cut, in its language; undefined when it was not cut. */
export const capText = (report: Report.List, lang: Report.Lang): string | undefined =>
  report.cap === undefined ? undefined : text[lang].cap(report.cap.perOrg.toLocaleString("en-US"), report.cap.leftOut.toLocaleString("en-US"))

/** The columns that hold identifiers: text cells in a workbook. */
const IDENTIFIERS: ReadonlySet<string> = new Set(["idNumber", "phone"])

/** CSV: the report's columns with headers in the report's language. */
export const writeCsv = (report: Report.List, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    s.write(Csv.BOM + Csv.record(report.columns.map((c) => headerText(c, context.lang))))
    for (const row of report.rows) {
      s.write(Csv.record(cells(report, row)))
      if (Turns.due()) await s.ready()
    }
    await s.ready()
  })

/** JSON: the report as one document, with column headers, counts per organisation, and what the list rests on and how it was cut. */
export const writeJson = (report: Report.List, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    const head = {
      asOf: Instant.formatCst(report.asOf),
      orgId: report.orgId ?? null,
      includeSubtree: context.org?.includeSubtree ?? null,
      lang: context.lang,
      revealed: context.revealed,
      ...(report.basis !== undefined && { basis: report.basis }),
      ...(report.cap !== undefined && { perOrg: report.cap.perOrg, leftOut: report.cap.leftOut }),
      columns: report.columns.map((c) => ({ id: c.id, header: headerText(c, context.lang) })),
      summary: groups(report).map((g) => ({ orgId: g.orgId, name: g.name, counts: g.counts, total: g.rows.length }))
    }
    s.write(`${Json.stringify(head, 1).slice(0, -2)},\n "rows": [`)
    for (let i = 0; i < report.rows.length; i++) {
      s.write(`${i === 0 ? "" : ","}\n  ${Json.stringify(report.rows[i])}`)
      if (Turns.due()) await s.ready()
    }
    s.write("\n ]\n}\n")
    await s.ready()
  })

/** The columns whose cells are numbers: their headers stand right-aligned over them. */
const NUMERIC: ReadonlySet<string> = new Set([
  "daysWithoutContact",
  "probability",
  "suspicion",
  "daysToWarning",
  "members",
  "lost",
  "atRisk",
  "earlyWarned",
  "toInvite",
  "lagMedian",
  "lagMax",
  "daysSinceActivity",
  "daysSinceGuidance",
  "daysSinceReport"
])

/**
 * What a meeting reads of each list, and how wide, on an organisation's print sheet: one A4
 * landscape page wide with the text at 8 pt or more (`Layout.pagesWide`), long text wrapped. The
 * organisation's own sheet keeps every column for the screen.
 */
const PRINTED: Readonly<Record<Report.List["kind"], ReadonlyArray<readonly [id: string, width: number]>>> = {
  unlinked: [
    ["name", 10],
    ["idNumber", 20],
    ["phone", 12],
    ["status", 10],
    ["daysWithoutContact", 8],
    ["lastContact", 16],
    ["awayAt", 14],
    ["leads", 24],
    ["suggestedAction", 26]
  ],
  "data-quality": [
    ["name", 10],
    ["idNumber", 22],
    ["status", 10],
    ["field", 10],
    ["problem", 28],
    ["registeredAt", 16],
    ["suggestedAction", 28]
  ],
  "early-warning": [
    ["name", 10],
    ["idNumber", 20],
    ["phone", 12],
    ["status", 10],
    ["lastContact", 16],
    ["probability", 10],
    ["rhythm", 10],
    ["expectedAt", 12],
    ["daysToWarning", 10],
    ["suggestedAction", 26]
  ],
  branches: [
    ["branch", 18],
    ["grade", 8],
    ["members", 7],
    ["lost", 6],
    ["atRisk", 7],
    ["toInvite", 9],
    ["daysSinceActivity", 9],
    ["daysSinceGuidance", 9],
    ["daysSinceReport", 9],
    ["findings", 52]
  ],
  // A blind queue has no probability: a print column the list lacks is left out.
  review: [
    ["obsKind", 11],
    ["obsName", 8],
    ["obsIdNumber", 19],
    ["name", 8],
    ["idNumber", 19],
    ["homeOrg", 16],
    ["probability", 10],
    ["others", 13],
    ["decision", 6],
    ["reviewer", 8],
    ["remark", 12]
  ]
}

/**
 * The most organisations a workbook gives sheets each (their list and its print sheet). Every sheet
 * costs the writer time and memory (about 4 ms and 80 KB each: a hundred thousand would take
 * gigabytes), and a workbook of thousands of tabs cannot be used anyway; past it, every row goes
 * onto one sheet, by organisation.
 */
export const maxOrganisationSheets = 1_000

/**
 * A list written as a form a person fills in and a program reads back (the review queue): every
 * sheet protected, the input columns of the organisations' sheets unlocked, one of them a drop-down;
 * how to fill it in under the summary; what the file is on a very hidden sheet.
 */
export interface Form {
  /** The columns a person writes in, by id. */
  readonly inputs: ReadonlyArray<string>
  /** The words a column takes, by its id. */
  readonly choices: { readonly column: string } & Xlsx.Choices
  /** Below the summary's table: how to fill the form in and hand it back. */
  readonly notes: ReadonlyArray<string>
  /** The very hidden sheet: its name and its key/value rows. */
  readonly meta: { readonly sheet: string; readonly rows: ReadonlyArray<readonly [key: string, value: string]> }
}

/**
 * A workbook column of the list's `column`, `width` wide: text wraps, numbers stand under
 * right-aligned headers. A form's cells are all text, as they are read back (what a clerk types
 * in too); on its table sheets, an input column is unlocked and takes its choices.
 */
const workbookColumn = (column: Report.Column, lang: Report.Lang, width: number, form?: Form, sheet: "table" | "print" = "table"): Xlsx.Column => {
  const numeric = form === undefined && NUMERIC.has(column.id)
  const input = sheet === "table" && form?.inputs.includes(column.id) === true
  return {
    header: column[lang],
    width,
    wrap: !numeric,
    identifier: form !== undefined || IDENTIFIERS.has(column.id),
    percent: column.percent === true,
    oneDecimal: form === undefined && ONE_DECIMAL.has(column.id),
    numeric,
    ...(input && { input }),
    ...(input && form?.choices.column === column.id && { choices: form.choices })
  }
}

/**
 * XLSX: a summary sheet (counts per responsible organisation and status, totals, as-of and scope)
 * then, for each responsible organisation, its sheet with every column and its print sheet with
 * those a meeting reads — or, past `maxOrganisationSheets`, one sheet for all of them, which the
 * summary says. Each sheet has a title row naming the list, the organisation and its id and the
 * date, then its header row, frozen; organisations of the same name have their ids in their sheets'
 * names too. A `form` is protected but for its inputs, and ends with its very hidden sheet.
 */
export const writeXlsx = (report: Report.List, context: Context, target: Sink.Staged, form?: Form): Effect.Effect<void, WriteFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const t = labels(report.kind, context.lang)
      const all = groups(report)
      const workbook = yield* Xlsx.open(target, context.lang)
      // The form's hidden sheet comes last, but its name is taken first: no organisation's sheet gets it.
      const meta = form === undefined ? undefined : { name: Xlsx.reserve(workbook, form.meta.sheet), rows: form.meta.rows }
      const protect = form !== undefined
      const date = `${t.asOf} ${Instant.formatCstDate(report.asOf)}`
      const privacy = privacyText(report, context)
      // What a sheet is and whose: its title row on screen, its footer on paper.
      const about = (whose: string) => [t.title, whose, date, ...(privacy === undefined ? [] : [privacy])].join(" · ")
      const summary = Xlsx.sheet(
        workbook,
        t.summary,
        [
          { header: t.org, width: 36, wrap: true },
          { header: t.orgId, width: 18, identifier: true },
          ...report.categories.map((c) => ({ header: c[context.lang], width: 12, numeric: true })),
          { header: t.total, width: 10, numeric: true }
        ],
        { title: about(scopeText(context)), footer: about(scopeText(context)), protect }
      )
      const totals = new Map<string, number>()
      for (const group of all) {
        summary.row([group.name, group.orgId, ...report.categories.map((c) => group.counts[c.id] ?? 0), group.rows.length])
        for (const c of report.categories) totals.set(c.id, (totals.get(c.id) ?? 0) + (group.counts[c.id] ?? 0))
      }
      summary.below([t.total, null, ...report.categories.map((c) => totals.get(c.id) ?? 0), report.rows.length], { bold: true })
      summary.below([])
      summary.below([t.asOf, Instant.formatCstDate(report.asOf)])
      summary.below([t.scope, scopeText(context)])
      if (privacy !== undefined) summary.note(privacy)
      if (report.basis !== undefined) summary.note(report.basis)
      const cap = capText(report, context.lang)
      if (cap !== undefined) summary.note(cap)
      const combined = all.length > maxOrganisationSheets
      if (combined) summary.note(t.combined(all.length.toLocaleString("en-US"), maxOrganisationSheets.toLocaleString("en-US")))
      for (const note of form?.notes ?? []) summary.note(note)
      summary.commit()
      const columns = report.columns.map((c) => workbookColumn(c, context.lang, c.width, form))
      const printed = PRINTED[report.kind].flatMap(([id, width]) => {
        const i = report.columns.findIndex((c) => c.id === id)
        const column = report.columns[i]
        return column === undefined ? [] : [{ i, column: workbookColumn(column, context.lang, width, form, "print") }]
      })
      // Organisations of one name are told apart by their ids, in their sheets' names as in their titles.
      const named = new Map<string, number>()
      for (const group of all) named.set(Xlsx.nameKey(group.name), (named.get(Xlsx.nameKey(group.name)) ?? 0) + 1)
      yield* Sink.attempt(target.path, async () => {
        if (combined) {
          const one = Xlsx.sheet(workbook, t.allOrgs, columns, { title: about(t.allOrgs), footer: about(t.allOrgs), protect })
          for (const group of all) {
            for (const row of group.rows) {
              one.row(workbookCells(report, row))
              if (Turns.due()) await Turns.take()
            }
          }
          one.commit()
          return
        }
        for (const group of all) {
          const whose = `${group.name} ${group.orgId}`
          const id = (named.get(Xlsx.nameKey(group.name)) ?? 0) > 1 ? ` ${group.orgId}` : ""
          const sheet = Xlsx.sheet(workbook, group.name, columns, { title: about(whose), footer: about(whose), suffix: id, protect })
          for (const row of group.rows) {
            sheet.row(workbookCells(report, row))
            if (Turns.due()) await Turns.take()
          }
          sheet.commit()
          const print = Xlsx.sheet(
            workbook,
            group.name,
            printed.map((p) => p.column),
            { title: `${about(whose)} · ${t.printTitle(sheet.name)}`, footer: about(whose), suffix: `${id}${t.print}`, protect }
          )
          for (const row of group.rows) {
            const cells = workbookCells(report, row)
            print.row(printed.map((p) => cells[p.i] ?? null))
            if (Turns.due()) await Turns.take()
          }
          print.commit()
        }
      })
      if (meta !== undefined) Xlsx.hidden(workbook, meta.name, meta.rows)
      yield* Xlsx.commit(workbook)
    })
  )
