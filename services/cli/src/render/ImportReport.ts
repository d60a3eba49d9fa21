/**
 * The per-row report of `relink import` (导入结果), an XLSX beside the events: what was read and
 * how, then every row below the header with its outcome (已导入, 无变化, 未导入), the cells and
 * reasons, and what a person must decide that no row says. Nothing is dropped silently: a row is
 * here or counted as blank. It names people and member ids, never an ID number or a phone.
 */
import { Effect } from "effect"
import { SheetHeader, SheetImport } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Turns from "../Turns.ts"
import * as Xlsx from "./Xlsx.ts"

/** What the report says of the import besides its rows. */
export interface Context {
  readonly input: string
  /** The sheet read ("" for CSV). */
  readonly sheet: string
  readonly asOf: string
  readonly mapping: SheetHeader.Mapping
  readonly imported: SheetImport.Imported
  /** Events written (or that would be, on a dry run): the rows' less those already in the events. */
  readonly written: number
  readonly dryRun: boolean
}

const kindLabels: Readonly<Record<SheetHeader.Kind, string>> = {
  roster: "党员花名册",
  floating: "流动党员登记表",
  dues: "党费收缴明细",
  attendance: "组织生活签到表",
  orgs: "党组织"
}

export const kindLabel = (kind: SheetHeader.Kind): string => kindLabels[kind]

/** A column's field as the report names it: its header in a template. */
const fieldLabel = (field: SheetHeader.Field): string => SheetHeader.variants[field][0] ?? field

const howLabels: Readonly<Record<SheetHeader.Column["by"], string>> = { variant: "按表头识别", mapping: "按映射文件", ignored: "不读取（重复或本类不用）", unknown: "不读取" }

export const write = (context: Context, target: Sink.Staged): Effect.Effect<void, WriteFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { imported, mapping } = context
      const tally = SheetImport.tally(imported)
      const workbook = yield* Xlsx.open(target, "zh")
      const title = `${context.input}${context.sheet === "" ? "" : ` · ${context.sheet}`} 导入结果（${kindLabel(imported.kind)}，截至 ${context.asOf}${context.dryRun ? "，试运行未写入" : ""}）`
      const summary = Xlsx.sheet(workbook, "汇总", [{ header: "项目", width: 24 }, { header: "数量", width: 14, numeric: true }], { title, footer: title })
      summary.row(["表头所在行", mapping.row])
      summary.row(["已导入（行）", tally.imported])
      summary.row(["无变化（行）", tally.unchanged])
      summary.row(["未导入（行）", tally.rejected])
      summary.row(["已导入或无变化但有备注（行）", tally.noted])
      summary.row(["空行", imported.blank])
      summary.row([context.dryRun ? "将写入事件" : "写入事件", context.written])
      summary.row(["待决定事项", imported.decisions.length])
      summary.commit()

      const rows = Xlsx.sheet(
        workbook,
        "逐行结果",
        [
          // A page wide on A4 at 8 pt (Layout.PAGE_UNITS): a clerk prints it beside the sheet to correct.
          { header: "行号", width: 6, numeric: true },
          { header: "结果", width: 8 },
          { header: "事件数", width: 7, numeric: true },
          { header: "姓名", width: 10 },
          { header: "党员编号", width: 27, identifier: true },
          { header: "单元格", width: 8, wrap: true },
          { header: "问题", width: 18, wrap: true },
          { header: "说明", width: 60, wrap: true }
        ],
        { title, footer: title }
      )
      yield* Sink.attempt(target.path, async () => {
        for (const row of imported.rows) {
          const lines = (pick: (f: (typeof row.findings)[number]) => string) => row.findings.map(pick).join("\n")
          rows.row([
            row.row,
            SheetImport.outcomeLabels[row.outcome],
            row.events,
            row.name ?? null,
            row.memberId ?? null,
            lines((f) => f.cell ?? ""),
            lines(SheetImport.labelOf),
            lines((f) => f.reason)
          ])
          if (Turns.due()) await Turns.take()
        }
      })
      rows.commit()

      const decisions = Xlsx.sheet(
        workbook,
        "待决定",
        [
          { header: "姓名", width: 10 },
          { header: "所在党组织", width: 24, wrap: true },
          { header: "党员编号", width: 27, identifier: true },
          { header: "事项", width: 16 },
          { header: "说明", width: 60, wrap: true }
        ],
        { title, footer: title }
      )
      for (const f of imported.decisions) decisions.row([f.name ?? null, f.orgName ?? null, f.memberId ?? null, SheetImport.labelOf(f), f.reason])
      decisions.commit()

      const columns = Xlsx.sheet(
        workbook,
        "列映射",
        [
          { header: "列", width: 6 },
          { header: "表头", width: 28 },
          { header: "读作", width: 16 },
          { header: "字段", width: 16 },
          { header: "方式", width: 28 }
        ],
        { title, footer: title }
      )
      for (const c of mapping.columns) {
        if (c.header.trim() === "") continue
        columns.row([SheetHeader.columnLetters(c.index), c.header.trim(), c.field === undefined ? null : fieldLabel(c.field), c.field ?? null, howLabels[c.by]])
      }
      for (const field of mapping.missing) columns.row([null, null, fieldLabel(field), field, "缺少此列"])
      columns.commit()
      yield* Xlsx.commit(workbook)
    })
  )
