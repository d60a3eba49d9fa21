/**
 * An XLSX workbook someone else wrote, loaded with exceljs without trusting it. The archive is
 * measured first (`Zip.measure`: a zip bomb is refused before anything inflates it whole), and its
 * worksheets are looked at for what a few bytes of XML make exceljs build without bound: a merged
 * range or a column range of millions of cells (exceljs makes an object of each), and data
 * validations (it makes an entry for each cell of their ranges: they are not read at all). A cell's
 * value comes out as the plain value it shows: rich text joined, a formula's result, a hyperlink's
 * text, an error's text (`#N/A`).
 */
import type ExcelJS from "exceljs"
import { Data, Effect, Result } from "effect"
import * as Zip from "./Zip.ts"

/** Why a workbook is not loaded: past the size bound (`tooLarge`), or not a workbook exceljs reads. */
export class Unloadable extends Data.TaggedError("Unloadable")<{ readonly tooLarge: boolean; readonly reason: string }> {}

/** Excel's grid: a column range or merged range past it is in no workbook Excel wrote. */
export const maxColumns = 16_384

/** The most cells a workbook's merged ranges cover together: a title across a table and a column of merged branches take a few thousand. */
export const maxMergedCells = 1_048_576

/** What the archive holds, beside its worksheets. */
export interface Parts {
  readonly names: ReadonlySet<string>
  /** It holds VBA macros (`xl/vbaProject.bin`), or its content types say it is macro-enabled. */
  readonly macros: boolean
}

const isWorksheet = (name: string): boolean => /^xl\/worksheets\/[^/]+\.xml$/u.test(name)

/** `A1` or `B2:D4` → the cells the range covers; undefined for a reference that is none. */
const areaOf = (ref: string): number | undefined => {
  const corners = ref.split(":").map((corner) => /^\$?([A-Z]{1,3})\$?(\d{1,7})$/u.exec(corner.trim()))
  const [from, to = from] = corners
  if (corners.length > 2 || from === null || from === undefined || to === null || to === undefined) return undefined
  const column = (letters: string): number => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0)
  const width = Math.abs(column(to[1] ?? "") - column(from[1] ?? "")) + 1
  const height = Math.abs(Number(to[2]) - Number(from[2])) + 1
  return width * height
}

const LT = 0x3c
const COLON = 0x3a
/** What may follow an element's name: a space, a line break, a tab, `/` or `>`. */
const AFTER_NAME: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d, 0x2f, 0x3e])

/**
 * The opening tags of the elements named `name` (`<col min="1" max="3"/>`) in a part, wherever
 * they are: found by their bytes, and only they decoded (the cells around them may be most of the
 * archive). The search goes on after each tag, so the part is read once.
 */
function* tagsOf(content: Buffer, name: string): Generator<string> {
  const needle = Buffer.from(name)
  for (let at = content.indexOf(needle); at >= 0; ) {
    const before = content[at - 1]
    const after = content[at + needle.length]
    if ((before === LT || before === COLON) && after !== undefined && AFTER_NAME.has(after)) {
      const close = content.indexOf(">", at)
      const end = close < 0 ? content.length : close
      yield content.toString("latin1", at, end)
      at = content.indexOf(needle, end)
    } else at = content.indexOf(needle, at + needle.length)
  }
}

/** An attribute's value in a tag, in either quotes. */
const MAX = /\smax\s*=\s*(?:"([^"]*)"|'([^']*)')/u
const REF = /\sref\s*=\s*(?:"([^"]*)"|'([^']*)')/u
const valueOf = (tag: string, attribute: RegExp): string | undefined => {
  const m = attribute.exec(tag)
  return m === null ? undefined : (m[1] ?? m[2])
}

/**
 * What a worksheet's XML asks exceljs to build beside its cells: a column object for each column
 * of its column ranges, a cell for each cell of its merged ranges. A value that is no plain number
 * or range (an entity, a sign) is refused: Excel writes none, and exceljs might read it as one.
 */
const inspectWorksheet = (content: Buffer, merged: { cells: number }): Zip.Refused | undefined => {
  for (const tag of tagsOf(content, "col")) {
    const max = valueOf(tag, MAX) ?? "0"
    if (!/^\d{1,9}$/u.test(max) || Number(max) > maxColumns) return { tooLarge: false, reason: `a column range past Excel's last column (${maxColumns.toLocaleString("en-US")})` }
  }
  for (const tag of tagsOf(content, "mergeCell")) {
    const area = areaOf(valueOf(tag, REF) ?? "")
    if (area === undefined) return { tooLarge: false, reason: "a merged range that is no range of cells" }
    merged.cells += area
    if (merged.cells > maxMergedCells) return { tooLarge: false, reason: `merged ranges covering more than ${maxMergedCells.toLocaleString("en-US")} cells` }
  }
  return undefined
}

/** The archive measured and its worksheets inspected: what it holds, or why it is no workbook to load. */
const measure = (bytes: Buffer, maxInflated: number): Result.Result<Parts, Unloadable> => {
  const merged = { cells: 0 }
  let macroContentType = false
  const measured = Zip.measure(bytes, maxInflated, (name, content) => {
    if (name === "[Content_Types].xml") macroContentType = /macroEnabled/iu.test(content.toString("utf8"))
    return isWorksheet(name) ? inspectWorksheet(content, merged) : undefined
  })
  if (Result.isFailure(measured)) return Result.fail(new Unloadable(measured.failure))
  const names = new Set(measured.success.names)
  return Result.succeed({ names, macros: macroContentType || names.has("xl/vbaProject.bin") })
}

/**
 * The workbook in `bytes`, its archive inflating to at most `maxInflated` bytes. `refuse` sees what
 * the archive holds before exceljs parses it, and may refuse it with a reason (a macro-enabled
 * workbook, an OpenDocument spreadsheet).
 */
export const load = (bytes: Buffer, maxInflated: number, refuse: (parts: Parts) => string | undefined = () => undefined): Effect.Effect<ExcelJS.Workbook, Unloadable> =>
  Effect.gen(function* () {
    const parts = yield* Effect.fromResult(measure(bytes, maxInflated))
    const refusal = refuse(parts)
    if (refusal !== undefined) return yield* new Unloadable({ tooLarge: false, reason: refusal })
    if (!parts.names.has("xl/workbook.xml")) return yield* new Unloadable({ tooLarge: false, reason: "a zip archive, but no Excel workbook (it has no xl/workbook.xml)" })
    return yield* Effect.tryPromise({
      try: async () => {
        // exceljs is most of the start-up time: loaded only by a command that reads a workbook.
        const { default: Excel } = await import("exceljs")
        const book = new Excel.Workbook()
        await book.xlsx.load(bytes as unknown as ExcelJS.Buffer, { ignoreNodes: ["dataValidations"] })
        return book
      },
      catch: (cause) => new Unloadable({ tooLarge: false, reason: `exceljs cannot read it (${cause instanceof Error ? cause.message : String(cause)})` })
    })
  })

/** A cell's value as it shows: text, a number, true or false, a date (exceljs gives a date-formatted cell as a Date at UTC midnight), or nothing. */
export type Plain = string | number | boolean | Date | undefined

/** What a cell shows: rich text joined, a formula's result (none if it was never calculated), a hyperlink's text, an error's text. */
export const plainOf = (value: ExcelJS.CellValue): Plain => {
  if (value === null || value === undefined) return undefined
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value instanceof Date) return value
  if ("richText" in value) return value.richText.map((r) => r.text).join("")
  if ("result" in value) return plainOf(value.result)
  if ("formula" in value || "sharedFormula" in value) return undefined
  // A hyperlink's text is rich text when its cell was formatted in parts.
  if ("hyperlink" in value) return typeof value.text === "string" ? value.text : plainOf(value.text as ExcelJS.CellValue)
  if ("error" in value) return value.error
  return undefined
}

/** What a cell shows, as text: a date as an ISO instant (`Invalid Date` for none), nothing as "". */
export const textOf = (value: ExcelJS.CellValue): string => {
  const plain = plainOf(value)
  return plain === undefined ? "" : plain instanceof Date && !Number.isNaN(plain.getTime()) ? plain.toISOString() : String(plain)
}
