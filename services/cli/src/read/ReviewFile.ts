/**
 * A review file read back (待核实比对清单: what `relink report review` writes, filled in by clerks),
 * in any of its three forms, told apart by content rather than by name: an XLSX workbook (a zip
 * archive), JSON (an object), else CSV. Every cell is read as the text it shows; nothing here
 * judges a row — `Review.decide` does — it only finds the rows, numbers them as the file does for
 * messages, and says whether the file is a review file at all (docs/resolving.md).
 */
import type ExcelJS from "exceljs"
import { Effect, Result } from "effect"
import { Review } from "@relink/core"
import { InputTooLarge, NotAReviewFile } from "../Errors.ts"
import * as CsvText from "../render/Csv.ts"
import * as Csv from "./Csv.ts"
import * as Workbook from "./Workbook.ts"
import * as Zip from "./Zip.ts"

export type Form = "xlsx" | "csv" | "json"

export interface ReviewFile {
  readonly form: Form
  /** The queue was written blind (no rule columns): what its rows' checks were made over. */
  readonly blind: boolean
  /** When the workbook was last saved, as its properties say (XLSX only). */
  readonly savedAt: number | undefined
  /** The rows, one copy each (`Review.oneCopyEach`), numbered for `where`. */
  readonly rows: ReadonlyArray<Review.Filled>
  /** Where a row is, for a message: `sheet 全部组织, row 7`, `line 7`, `row 7`. */
  readonly where: (line: number) => string
  /** The sheets whose rows were read (1 for CSV and JSON). */
  readonly sheets: number
}

/** The most a workbook's entries inflate to: about fifty times a queue of 10,000 rows. */
export const maxInflatedBytes = 256 << 20

/** The name of the workbook's hidden sheet of metadata (the contract's `relink` sheet). */
export const metaSheet = "relink"

/** Where the header row may be: below the title rows a list carries above it. */
const headerWithin = 5

const keyIds: ReadonlyArray<string> = Review.keyColumns.map((c) => c.id)

/** Column ids by position, for a header row that names every key column; undefined for any other row. */
const headerOf = (texts: ReadonlyArray<string>): ReadonlyArray<string | undefined> | undefined => {
  const ids = texts.map((text) => Review.columnOfHeader(text))
  return keyIds.every((id) => ids.includes(id)) ? ids : undefined
}

/** The columns a header lacks for the queue it says it holds (blind or not), by their headers. */
const lacking = (ids: ReadonlyArray<string | undefined>, blind: boolean): ReadonlyArray<string> =>
  Review.columns(blind)
    .filter((c) => !ids.includes(c.id))
    .map((c) => c.zh)

const cellsOf = (ids: ReadonlyArray<string | undefined>, texts: ReadonlyArray<string>): Record<string, string> => {
  const cells: Record<string, string> = {}
  ids.forEach((id, i) => {
    if (id !== undefined) cells[id] = texts[i] ?? ""
  })
  return cells
}

const hasKey = (cells: Readonly<Record<string, string>>): boolean => keyIds.some((id) => (cells[id] ?? "").trim() !== "")

// ---------------------------------------------------------------------------------------------
// XLSX

const rowTexts = (sheet: ExcelJS.Worksheet, number: number): ReadonlyArray<string> => {
  const row = sheet.getRow(number)
  return Array.from({ length: row.cellCount }, (_, i) => Workbook.textOf(row.getCell(i + 1).value))
}

const readXlsx = (bytes: Buffer, input: string): Effect.Effect<ReviewFile, NotAReviewFile | InputTooLarge> =>
  Effect.gen(function* () {
    const not = (reason: string) => new NotAReviewFile({ input, reason })
    const workbook = yield* Workbook.load(bytes, maxInflatedBytes).pipe(
      Effect.catchTag("Unloadable", (refused) =>
        Effect.fail(
          refused.tooLarge
            ? new InputTooLarge({ input: `--from ${input}`, bytes: maxInflatedBytes, limit: "the most a review workbook inflates to" })
            : not(`not a workbook: ${refused.reason}`)
        )
      )
    )
    const meta = workbook.getWorksheet(metaSheet)
    if (meta === undefined) return yield* not(`no "${metaSheet}" sheet`)
    const values = new Map<string, string>()
    meta.eachRow((row) => void values.set(Workbook.textOf(row.getCell(1).value).trim(), Workbook.textOf(row.getCell(2).value).trim()))
    const format = values.get("format")
    if (format !== Review.format) return yield* not(format === undefined ? "its relink sheet names no format" : `format ${JSON.stringify(format)}, not ${Review.format}`)
    const blind = values.get("blind") === "true"
    const rows: Array<Review.Filled> = []
    const places: Array<string> = []
    let sheets = 0
    for (const sheet of workbook.worksheets) {
      if (sheet.name === metaSheet) continue
      const found = Array.from({ length: Math.min(headerWithin, sheet.rowCount) }, (_, i) => i + 1)
        .map((number) => ({ number, ids: headerOf(rowTexts(sheet, number)) }))
        .find((h) => h.ids !== undefined)
      if (found?.ids === undefined) continue
      const missing = lacking(found.ids, blind)
      if (missing.length > 0) return yield* not(`sheet ${sheet.name}: the header row lacks ${missing.join(", ")}`)
      sheets++
      for (let number = found.number + 1; number <= sheet.rowCount; number++) {
        const cells = cellsOf(found.ids, rowTexts(sheet, number))
        if (!hasKey(cells)) break
        places.push(`sheet ${sheet.name}, row ${number}`)
        rows.push({ line: places.length, cells })
      }
    }
    if (sheets === 0) return yield* not("no sheet has the key columns' headers (线索编号, 党员编号, 责任党组织编号, 比对摘要, 校验码)")
    const modified = workbook.modified as Date | undefined
    return {
      form: "xlsx",
      blind,
      savedAt: modified instanceof Date && !Number.isNaN(modified.getTime()) ? modified.getTime() : undefined,
      rows: Review.oneCopyEach(rows),
      where: (line) => places[line - 1] ?? `row ${line}`,
      sheets
    } satisfies ReviewFile
  })

// ---------------------------------------------------------------------------------------------
// CSV and JSON

const utf8 = new TextDecoder("utf-8", { fatal: true })

const textIn = (bytes: Buffer, input: string, form: string): Effect.Effect<string, NotAReviewFile> =>
  Effect.try({
    try: () => utf8.decode(bytes),
    catch: () =>
      new NotAReviewFile({
        input,
        reason: `not UTF-8 text${form === "CSV" ? ": save it as CSV UTF-8 (Excel: CSV UTF-8 (逗号分隔)), or send back the workbook" : ""}`
      })
  })

const readCsv = (bytes: Buffer, input: string): Effect.Effect<ReviewFile, NotAReviewFile> =>
  Effect.gen(function* () {
    const not = (reason: string) => new NotAReviewFile({ input, reason })
    const parsed = Csv.parse(yield* textIn(bytes, input, "CSV"))
    if (Result.isFailure(parsed)) return yield* not(`line ${parsed.failure.line}: ${parsed.failure.reason}`)
    const [header, ...records] = parsed.success
    const ids = header === undefined ? undefined : headerOf(header.fields.map(CsvText.unmarked))
    if (ids === undefined) return yield* not("its first line is not a review queue's header (线索编号, 党员编号, 责任党组织编号, 比对摘要, 校验码)")
    const blind = !ids.includes("probability")
    const missing = lacking(ids, blind)
    if (missing.length > 0) return yield* not(`the header lacks ${missing.join(", ")}`)
    const rows = records.map((record): Review.Filled => ({ line: record.line, cells: cellsOf(ids, record.fields.map(CsvText.unmarked)) }))
    return { form: "csv", blind, savedAt: undefined, rows: Review.oneCopyEach(rows), where: (line) => `line ${line}`, sheets: 1 } satisfies ReviewFile
  })

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Whether a line is a JSON object of its own: the first line of NDJSON. */
const isJsonLine = (line: string): boolean => {
  try {
    return isRecord(JSON.parse(line))
  } catch {
    return false
  }
}

/** A JSON value as the text a cell holds: a string as it is, anything else as its JSON text. */
const jsonText = (value: unknown): string => (typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value))

const readJson = (bytes: Buffer, input: string): Effect.Effect<ReviewFile, NotAReviewFile> =>
  Effect.gen(function* () {
    const not = (reason: string) => new NotAReviewFile({ input, reason })
    const text = yield* textIn(bytes, input, "JSON")
    const json = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (cause) => not(isJsonLine(text.split("\n", 1)[0] ?? "") ? "one JSON object per line (an export of events?), not a review queue" : `not JSON (${cause instanceof Error ? cause.message : String(cause)})`)
    })
    if (!isRecord(json) || json.kind !== "review") return yield* not('not a review queue (its "kind" is not "review")')
    if (json.format !== Review.format) return yield* not(`format ${JSON.stringify(json.format ?? null)}, not ${Review.format}`)
    if (typeof json.blind !== "boolean") return yield* not('its "blind" is not true or false')
    if (!Array.isArray(json.columns) || !keyIds.every((id) => (json.columns as ReadonlyArray<unknown>).includes(id))) return yield* not(`its "columns" lack the key columns (${keyIds.join(", ")})`)
    if (!Array.isArray(json.rows)) return yield* not('its "rows" are not a list')
    const blind = json.blind
    const rows = json.rows.map((row: unknown, i): Review.Filled => {
      const cells: Record<string, string> = {}
      for (const c of Review.columns(blind)) cells[c.id] = isRecord(row) ? jsonText(row[c.id]) : ""
      return { line: i + 1, cells }
    })
    return { form: "json", blind, savedAt: undefined, rows: Review.oneCopyEach(rows), where: (line) => `row ${line}`, sheets: 1 } satisfies ReviewFile
  })

/** The form of a file, by its first bytes: a zip archive is a workbook, an object JSON, anything else CSV. */
export const formOf = (bytes: Buffer): Form => {
  if (Zip.isZip(bytes)) return "xlsx"
  const start = bytes.subarray(0, 64).toString("utf8").replace(/^\uFEFF/, "").trimStart()
  return start.startsWith("{") ? "json" : "csv"
}

/** The review file in `bytes`; `input` names it in messages. */
export const read = (bytes: Buffer, input: string): Effect.Effect<ReviewFile, NotAReviewFile | InputTooLarge> => {
  switch (formOf(bytes)) {
    case "xlsx":
      return readXlsx(bytes, input)
    case "json":
      return readJson(bytes, input)
    case "csv":
      return readCsv(bytes, input)
  }
}
