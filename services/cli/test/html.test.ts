/**
 * What the list pages say of their rows: counts in the singular when there is one, the masking of
 * what the list holds, φ with its decimal, and an expected contact after the list's date marked
 * and explained.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Policy, Report, Status } from "@relink/core"
import * as Sink from "../src/Sink.ts"
import * as Html from "../src/render/Html.ts"
import * as Unlinked from "../src/render/Unlinked.ts"
import { parseCsv, tempDir } from "./helpers.ts"
import { readWorkbook } from "./readers.ts"

const asOf = Date.parse("2026-11-27T23:59:59+08:00")
const masked = { lang: "en", revealed: false } as const

/** An early-warning row under org-1; `extra` sets its cells. */
const warned = (memberId: string, extra: Partial<Report.EarlyWarningRow>): Report.EarlyWarningRow => ({
  memberId,
  responsibleOrgId: "org-1",
  responsibleOrg: "第一党支部",
  statusId: "active",
  name: "张三",
  idNumber: "110105********002X",
  phone: "138****5678",
  homeOrg: "第一党支部",
  status: Status.labels.active.en,
  lastContact: "2026-09-01 09:00 visit",
  probability: 30,
  suspicion: 1,
  rhythm: "about every 60 days",
  expectedAt: "2026-10-31",
  daysToWarning: 5,
  suggestedAction: "reach out soon",
  basis: "early warning",
  ...extra
})

const earlyWarning = (rows: ReadonlyArray<Report.EarlyWarningRow>): Report.List => ({
  kind: "early-warning",
  asOf,
  columns: Report.earlyWarningColumns(Policy.defaults.earlyWarning),
  categories: [{ id: "active", ...Status.labels.active }],
  categoryKey: "statusId",
  rows,
  basis: "Basis of the warning: a test."
})

const dataQuality: Report.List = {
  kind: "data-quality",
  asOf,
  columns: Report.dataQualityColumns,
  categories: [{ id: "idNumber", zh: "身份证号", en: "ID number" }],
  categoryKey: "fieldId",
  rows: [
    {
      memberId: "m-1",
      responsibleOrgId: "org-1",
      responsibleOrg: "第一党支部",
      statusId: "active",
      fieldId: "idNumber",
      name: "张三",
      idNumber: "110105********0021 (invalid)",
      homeOrg: "第一党支部",
      status: "active",
      field: "ID number",
      problem: "wrong check character",
      registeredAt: "2025-01-01 09:00",
      suggestedAction: "check the ID card"
    }
  ]
}

/** The text of the page's cells of a column, by its position. */
const column = (html: string, index: number): ReadonlyArray<string> =>
  [...html.matchAll(/<tr>((?:<td[^>]*>.*?<\/td>)+)<\/tr>/g)].map((row) => [...(row[1] ?? "").matchAll(/<td[^>]*>(.*?)<\/td>/g)][index]?.[1]?.replace(/<[^>]+>/g, "") ?? "")

describe("the list pages", () => {
  it("count one member, problem and organisation in the singular, more in the plural", () => {
    const one = Html.render(earlyWarning([warned("m-1", {})]), masked)
    assert.include(one, "· 1 member<")
    assert.include(one, "Total · 1 responsible organisation<")
    assert.notMatch(one, /\b1 (members|responsible organisations|problems|organisations)\b/)
    const two = Html.render(earlyWarning([warned("m-1", {}), warned("m-2", {})]), masked)
    assert.include(two, "· 2 members<")
    const problem = Html.render(dataQuality, masked)
    assert.include(problem, "· 1 problem<")
    assert.include(problem, "Total · 1 organisation<")
  })

  it("say only what they mask: the data-quality page, which has no phone column, names ID numbers alone", () => {
    assert.include(Html.render(dataQuality, masked), ">ID numbers are partly masked<")
    assert.include(Html.render(dataQuality, { lang: "zh", revealed: false }), ">身份证号已部分隐去<")
    assert.include(Html.render(dataQuality, { lang: "zh", revealed: true }), ">含完整身份证号，注意保密<")
    assert.notInclude(Html.render(dataQuality, { lang: "en", revealed: true }), "phones")
    assert.include(Html.render(earlyWarning([warned("m-1", {})]), masked), ">ID numbers and phones are partly masked<")
  })

  it("write φ with one decimal in every row, 1.0 beside 10.4, in the page, the CSV and the workbook", async () => {
    const list = earlyWarning([warned("m-1", { suspicion: 1 }), warned("m-2", { suspicion: 10.4 }), warned("m-3", { suspicion: "" })])
    const at = list.columns.findIndex((c) => c.id === "suspicion")
    assert.deepStrictEqual(column(Html.render(list, masked), at), ["1.0", "10.4", ""])
    const dir = tempDir("phi")
    const path = join(dir, "list.csv")
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* Sink.open(path)
          yield* Unlinked.writeCsv(list, masked, sink)
          yield* Sink.run(sink, (s) => s.close())
        })
      )
    )
    assert.deepStrictEqual(
      parseCsv(readFileSync(path, "utf8").slice(1))
        .slice(1)
        .map((r) => r[at]),
      ["1.0", "10.4", ""]
    )
    // The workbook keeps φ a number, which its format shows with one decimal.
    const xlsx = join(dir, "list.xlsx")
    await Effect.runPromise(Sink.staged(xlsx, {}, (target) => Unlinked.writeXlsx(list, masked, target)))
    const workbook = readWorkbook(xlsx)
    const sheet = workbook.sheets.find((s) => s.name === "第一党支部")
    const header = sheet?.rows.findIndex((r) => r.cells.some((c) => c.text === "Suspicion φ")) ?? -1
    const cells = (sheet?.rows.slice(header + 1) ?? []).map((r) => r.cells.find((c) => c.column === at + 1))
    assert.deepStrictEqual(
      cells.map((c) => c?.number),
      [1, 10.4, undefined]
    )
    for (const cell of cells.slice(0, 2)) assert.strictEqual(workbook.styles[cell?.style ?? 0]?.numFmt, "0.0")
  })

  it("mark an expected contact after the list's date as not yet due, and say why under the table, only when there is one", () => {
    const list = earlyWarning([warned("m-1", { expectedAt: "2026-12-06" }), warned("m-2", { expectedAt: "2026-11-27" }), warned("m-3", { expectedAt: "" })])
    const html = Html.render(list, masked)
    const at = list.columns.findIndex((c) => c.id === "expectedAt")
    assert.deepStrictEqual(column(html, at), ["2026-12-06not yet due", "2026-11-27", ""])
    assert.include(html, "A contact expected on a date marked “not yet due” is after the list&#39;s date")
    const zh = Html.render(earlyWarning([warned("m-1", { expectedAt: "2026-12-06" })]), { lang: "zh", revealed: false })
    assert.include(zh, '<span class="due">尚未到期</span>')
    assert.include(zh, "晚于名单日期")
    const due = Html.render(earlyWarning([warned("m-2", { expectedAt: "2026-11-20" })]), masked)
    assert.notInclude(due, "not yet due")
  })
})
