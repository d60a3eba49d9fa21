/**
 * The data rows of a sheet under its mapping, as every kind of import reads them: a blank row is
 * nothing, a totals row (合计) is a rejected finding, and each other row gives its cells by field
 * with their references (`C7`) for findings.
 */
import type * as Roster from "../Roster.ts"
import * as SheetCell from "../SheetCell.ts"
import * as SheetHeader from "../SheetHeader.ts"

/** A reader's failure: a tag and a reason. */
export interface Failure {
  readonly _tag: string
  readonly reason: string
}

/** One data row. */
export interface Row {
  /** The spreadsheet's row, from 1. */
  readonly row: number
  /** The field's cell (undefined when no column holds the field). */
  readonly cell: (field: SheetHeader.Field) => SheetHeader.Cell
  /** The field's cell as `SheetCell.text` reads it. */
  readonly text: (field: SheetHeader.Field) => string | undefined
  /** Whether a column holds the field. */
  readonly has: (field: SheetHeader.Field) => boolean
  /** A finding on the field's cell, its reason headed by the field's header. */
  readonly finding: (field: SheetHeader.Field, failure: Failure, rejected: boolean) => Roster.Finding
}

/** A totals row (合计, 总计, 小计, 共计) is no record: one of its cells starts with the word. */
export const isTotals = (texts: ReadonlyArray<string | undefined>): boolean => texts.some((t) => t !== undefined && /^(?:合计|总计|小计|共计)/u.test(t))

/** The rows below the header that hold data, and a rejected finding for each totals row. */
export const dataRows = (
  rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>,
  mapping: SheetHeader.Mapping
): { readonly rows: ReadonlyArray<Row>; readonly findings: ReadonlyArray<Roster.Finding> } => {
  const at = SheetHeader.indexes(mapping)
  const out: Array<Row> = []
  const findings: Array<Roster.Finding> = []
  for (let r = mapping.row; r < rows.length; r++) {
    const cells = rows[r] ?? []
    const row = r + 1
    const texts = mapping.columns.map((c) => SheetCell.text(cells[c.index]))
    if (texts.every((t) => t === undefined)) continue
    if (isTotals(texts)) {
      findings.push({ tag: "TotalsRow", row, reason: "a totals row (合计), not a record", rejected: true })
      continue
    }
    const cell = (field: SheetHeader.Field): SheetHeader.Cell => {
      const index = at[field]
      return index === undefined ? undefined : cells[index]
    }
    out.push({
      row,
      cell,
      text: (field) => SheetCell.text(cell(field)),
      has: (field) => at[field] !== undefined,
      finding: (field, failure, rejected) => ({
        tag: failure._tag,
        row,
        cell: `${SheetHeader.columnLetters(at[field] ?? 0)}${row}`,
        reason: `${SheetHeader.variants[field][0]}: ${failure.reason}`,
        rejected
      })
    })
  }
  return { rows: out, findings }
}

/** A rejection for a blank cell the row needs. */
export const blank = (why?: string): Failure => ({ _tag: "MissingValue", reason: why === undefined ? "blank" : `blank: ${why}` })
