/**
 * A department's spreadsheet (花名册, 流动党员登记表, 党费收缴明细, 签到表) read into rows of cells,
 * told apart by content rather than by name: a zip archive is an XLSX workbook; an OLE2 compound
 * file is an Excel 97–2003 workbook or an encrypted one, both refused with what to do instead;
 * anything else must be CSV text, in UTF-8 or in GB18030 (what Chinese Excel saves CSV in). Nothing
 * here judges a cell — `SheetHeader` and `SheetCell` do — it gives every cell as the sheet shows it,
 * in place, and says what a reader might miss: hidden rows and columns, merged ranges.
 */
import type ExcelJS from "exceljs"
import { Effect, Result } from "effect"
import type { SheetHeader } from "@relink/core"
import { InputTooLarge, NotASpreadsheet, UnknownSheet } from "../Errors.ts"
import * as Csv from "./Csv.ts"
import * as Workbook from "./Workbook.ts"
import * as Zip from "./Zip.ts"

export interface Sheet {
  readonly form: "xlsx" | "csv"
  /** The sheet read ("" for CSV) and every worksheet's name, in order (for messages). */
  readonly name: string
  readonly names: ReadonlyArray<string>
  /** rows[r][c] is the cell of spreadsheet row r+1, column c (0 = A); a row ends at its last cell that is not blank. */
  readonly rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>
  /** Hidden rows (numbers from 1) and hidden columns (indexes from 0): read like any other, reported. */
  readonly hiddenRows: ReadonlySet<number>
  readonly hiddenColumns: ReadonlySet<number>
  /** Merged ranges whose first cell's value was copied into every cell of the range. */
  readonly merged: number
}

/** The most bytes a spreadsheet file may hold: a roster of 100,000 members is a few MiB. */
export const maxBytes = 64 << 20

/** The most a workbook's entries inflate to. */
export const maxInflatedBytes = 256 << 20

/** Excel's own grid: a sheet past it was written by no spreadsheet program. */
export const maxRows = 1_048_576
export const maxColumns = Workbook.maxColumns

/** The most cells a sheet's rows hold together, each row counted to its last cell: 1,048,576 rows of 16 columns. */
export const maxCells = 1 << 24

/** An OLE2 compound file (Excel 97–2003, or the container Office encrypts an XLSX in). */
const CFB = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])

/** The stream an encrypted workbook's container holds, named in UTF-16LE in its directory. */
const ENCRYPTION_INFO = Buffer.from("EncryptionInfo", "utf16le")

const thousands = (n: number): string => n.toLocaleString("en-US")

// ---------------------------------------------------------------------------------------------
// Cells

const pad = (n: number): string => String(n).padStart(2, "0")

/** A cell as the import reads it: a date as its calendar day `YYYY-MM-DD` (exceljs gives UTC midnight), blank text as nothing. */
const cellOf = (value: ExcelJS.CellValue): SheetHeader.Cell => {
  const plain = Workbook.plainOf(value)
  if (plain instanceof Date) {
    return Number.isNaN(plain.getTime()) ? String(plain) : `${plain.getUTCFullYear()}-${pad(plain.getUTCMonth() + 1)}-${pad(plain.getUTCDate())}`
  }
  return plain === "" ? undefined : plain
}

/** The row without its blank cells at the end. */
const trimmed = (cells: Array<SheetHeader.Cell>): Array<SheetHeader.Cell> => {
  let end = cells.length
  while (end > 0 && cells[end - 1] === undefined) end--
  cells.length = end
  return cells
}

/** Why a grid is refused: past Excel's rows or columns, or past {@link maxCells}. */
const tooMany = {
  rows: (n: number) => `${thousands(n)} rows, more than a worksheet holds (${thousands(maxRows)})`,
  columns: (n: number) => `a row of ${thousands(n)} columns, more than a worksheet holds (${thousands(maxColumns)})`,
  cells: () => `more than ${thousands(maxCells)} cells`
} as const

// ---------------------------------------------------------------------------------------------
// XLSX

const isVisible = (sheet: ExcelJS.Worksheet): boolean => sheet.state === "visible" || (sheet.state as string | undefined) === undefined

/** `--sheet`'s worksheet, else the first visible one with a cell that is not blank, else the first. */
const choose = (book: ExcelJS.Workbook, wanted: string | undefined, input: string): Result.Result<ExcelJS.Worksheet, UnknownSheet | NotASpreadsheet> => {
  const sheets = book.worksheets
  if (wanted !== undefined) {
    const found = sheets.find((s) => s.name === wanted) ?? sheets.find((s) => s.name.trim().toLowerCase() === wanted.trim().toLowerCase())
    return found === undefined ? Result.fail(new UnknownSheet({ input, sheet: wanted, names: sheets.map((s) => s.name) })) : Result.succeed(found)
  }
  const first = sheets.find((s) => isVisible(s) && s.actualRowCount > 0) ?? sheets[0]
  return first === undefined ? Result.fail(new NotASpreadsheet({ input, reason: "a workbook without a worksheet" })) : Result.succeed(first)
}

const fromWorksheet = (sheet: ExcelJS.Worksheet, names: ReadonlyArray<string>): Result.Result<Sheet, string> => {
  if (sheet.rowCount > maxRows) return Result.fail(tooMany.rows(sheet.rowCount))
  const rows: Array<ReadonlyArray<SheetHeader.Cell>> = []
  const hiddenRows = new Set<number>()
  const masters = new Set<string>()
  let cells = 0
  for (let number = 1; number <= sheet.rowCount; number++) {
    // findRow, not getRow: a row the file does not hold is not made.
    const row = sheet.findRow(number)
    if (row === undefined) {
      rows.push([])
      continue
    }
    if (row.hidden) hiddenRows.add(number)
    if (row.cellCount > maxColumns) return Result.fail(tooMany.columns(row.cellCount))
    const values: Array<SheetHeader.Cell> = []
    for (let column = 1; column <= row.cellCount; column++) {
      const cell = row.getCell(column)
      // A merged range's other cells give its first cell's value: exceljs reads them through to it.
      if (cell.isMerged) masters.add(cell.master.address)
      values.push(cellOf(cell.value))
    }
    cells += trimmed(values).length
    if (cells > maxCells) return Result.fail(tooMany.cells())
    rows.push(values)
  }
  const hiddenColumns = new Set<number>()
  ;(sheet.columns ?? []).forEach((column, index) => {
    if (column.hidden === true) hiddenColumns.add(index)
  })
  while (rows.length > 0 && rows[rows.length - 1]?.length === 0) rows.pop()
  return Result.succeed({ form: "xlsx", name: sheet.name, names, rows, hiddenRows, hiddenColumns, merged: masters.size })
}

const readXlsx = (bytes: Buffer, input: string, wanted: string | undefined): Effect.Effect<Sheet, NotASpreadsheet | UnknownSheet | InputTooLarge> =>
  Effect.gen(function* () {
    const not = (reason: string) => new NotASpreadsheet({ input, reason })
    const book = yield* Workbook.load(bytes, maxInflatedBytes, (parts) =>
      parts.names.has("mimetype") && parts.names.has("content.xml")
        ? "an OpenDocument spreadsheet (.ods): save it as .xlsx"
        : parts.macros
          ? "a macro-enabled workbook (.xlsm): macros are not run nor kept here; save it as .xlsx (Excel Workbook)"
          : undefined
    ).pipe(
      Effect.catchTag("Unloadable", (refused) =>
        Effect.fail(refused.tooLarge ? new InputTooLarge({ input: `--from ${input}`, bytes: maxInflatedBytes, limit: "the most a workbook inflates to" }) : not(refused.reason))
      )
    )
    const sheet = yield* Effect.fromResult(choose(book, wanted, input))
    const read = fromWorksheet(sheet, book.worksheets.map((s) => s.name))
    return Result.isSuccess(read) ? read.success : yield* not(`sheet ${JSON.stringify(sheet.name)}: ${read.failure}`)
  })

// ---------------------------------------------------------------------------------------------
// CSV

const utf8 = new TextDecoder("utf-8", { fatal: true })
const gb18030 = new TextDecoder("gb18030", { fatal: true })

/** C0 controls but tab, line feed and carriage return: binary data, not text. */
const CONTROL = /[^\P{Cc}\t\n\r\u007f-\u009f]/u

const decode = (bytes: Buffer): Result.Result<string, string> => {
  if (bytes.includes(0)) return Result.fail("binary data (it holds NUL bytes), neither a workbook nor CSV text")
  let text: string
  try {
    // A byte-order mark is dropped by the decoder.
    text = utf8.decode(bytes)
  } catch {
    try {
      text = gb18030.decode(bytes)
    } catch {
      return Result.fail("neither a workbook nor CSV text in UTF-8 or GB18030")
    }
  }
  return CONTROL.test(text) ? Result.fail("binary data (it holds control characters), neither a workbook nor CSV text") : Result.succeed(text)
}

/** The lines a record's fields take beyond its first (line breaks inside quoted fields). */
const extraLines = (record: Csv.Record): number => record.fields.reduce((n, field) => n + (field.match(/\n/gu)?.length ?? 0), 0)

const readCsv = (bytes: Buffer, input: string, wanted: string | undefined): Effect.Effect<Sheet, NotASpreadsheet | UnknownSheet> =>
  Effect.gen(function* () {
    const not = (reason: string) => new NotASpreadsheet({ input, reason })
    if (wanted !== undefined) return yield* new UnknownSheet({ input, sheet: wanted, names: [] })
    const text = decode(bytes)
    if (Result.isFailure(text)) return yield* not(text.failure)
    const parsed = Csv.parse(text.success)
    if (Result.isFailure(parsed)) return yield* not(`CSV, but line ${parsed.failure.line}: ${parsed.failure.reason}`)
    // A blank line is a blank row, as a spreadsheet opening the file shows it: rows keep their numbers.
    const rows: Array<ReadonlyArray<SheetHeader.Cell>> = []
    let line = 1
    let cells = 0
    let widest = 0
    for (const record of parsed.success) {
      for (; line < record.line; line++) rows.push([])
      const values = trimmed(record.fields.map((field) => (field === "" ? undefined : field)))
      rows.push(values)
      cells += values.length
      widest = Math.max(widest, record.fields.length)
      line = record.line + 1 + extraLines(record)
    }
    if (rows.length > maxRows) return yield* not(tooMany.rows(rows.length))
    if (widest > maxColumns) return yield* not(tooMany.columns(widest))
    if (cells > maxCells) return yield* not(tooMany.cells())
    return { form: "csv", name: "", names: [], rows, hiddenRows: new Set(), hiddenColumns: new Set(), merged: 0 } satisfies Sheet
  })

// ---------------------------------------------------------------------------------------------

/** What an OLE2 compound file holds: an encrypted workbook or an Excel 97–2003 one. */
const compoundReason = (bytes: Buffer): string =>
  bytes.includes(ENCRYPTION_INFO)
    ? "an encrypted (password-protected) workbook: save it without a password"
    : "an Excel 97–2003 workbook (.xls): save it as .xlsx"

/**
 * The sheet in `bytes` (`input` names the file in messages): `options.sheet`'s worksheet of a
 * workbook, else its first visible worksheet that holds a cell; every row of a CSV file.
 */
export const read = (bytes: Buffer, input: string, options?: { readonly sheet?: string }): Effect.Effect<Sheet, NotASpreadsheet | UnknownSheet | InputTooLarge> => {
  if (Zip.isZip(bytes)) return readXlsx(bytes, input, options?.sheet)
  if (bytes.subarray(0, CFB.length).equals(CFB)) return Effect.fail(new NotASpreadsheet({ input, reason: compoundReason(bytes) }))
  return readCsv(bytes, input, options?.sheet)
}
