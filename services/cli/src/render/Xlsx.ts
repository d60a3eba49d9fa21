/**
 * Spreadsheet conventions shared by the XLSX outputs: sheet names Excel accepts; text that keeps
 * the file valid (no character XML forbids, nothing past Excel's cell limit); identifiers as text;
 * a bold header row, frozen, repeated on every printed page, with a filter over the whole table
 * that Excel and LibreOffice both show; one font throughout; landscape, one page wide; relink named
 * as the application. Writes stream: rows are committed as they are added, so large lists do not
 * sit in memory.
 */
import type ExcelJS from "exceljs"
import { Effect, type Scope } from "effect"
import { WriteFailed, reasonOf } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Text from "./Text.ts"

const MAX_SHEET_NAME = 31
const FORBIDDEN = /[[\]:*?/\\]/g


/**
 * What XML 1.0 does not allow in a document (C0 controls but tab, line feed and carriage return;
 * U+FFFE, U+FFFF; surrogates not in a pair): one of them makes the whole workbook unreadable.
 */
const NOT_XML = /[^\P{Cc}\t\n\r\u007f-\u009f]|[\p{Cs}\uFFFE\uFFFF]/gu

/** OOXML reads `_x0041_` in a string as "A": a literal one is written with its underscore escaped (`_x005F_`). */
const OOXML_ESCAPE = /_(x[0-9A-Fa-f]{4}_)/g

/**
 * Text as a cell holds it: without the characters XML forbids, and cut at Excel's limit with a
 * visible marker (never inside a surrogate pair).
 */
export const cellText = (value: string): string => Text.cell(value.replace(NOT_XML, ""))

/** `cellText`, encoded for the file (what exceljs writes as it is). */
const encoded = (value: string): string => cellText(value).replace(OOXML_ESCAPE, "_x005F_$1")

/** Excel compares sheet names without case; "History" is reserved. */
const key = (name: string) => name.toLocaleLowerCase("en-US")

/**
 * A sheet name Excel accepts, unique among `used` (which it joins): at most 31 UTF-16 code units
 * (what Excel counts: an emoji takes two), none of `[]:*?/\\` nor any XML forbids, no bidi
 * control, not blank, not starting or ending with an apostrophe. Duplicates get " (2)", " (3)"…
 */
export const sheetName = (wanted: string, used: Set<string>): string => {
  const cleaned = Text.withoutBidi(wanted.replace(NOT_XML, "")).replace(FORBIDDEN, " ").replace(/\s+/g, " ").trim().replace(/^'+|'+$/g, "").trim()
  const base = cleaned === "" || key(cleaned) === "history" ? "Sheet" : cleaned
  const cut = (text: string, room: number) => Text.cutUtf16(text, room).trimEnd().replace(/'+$/, "")
  let name = cut(base, MAX_SHEET_NAME)
  for (let n = 2; used.has(key(name)); n++) {
    const suffix = ` (${n})`
    name = cut(base, MAX_SHEET_NAME - suffix.length) + suffix
  }
  used.add(key(name))
  return name
}

export interface Column {
  readonly header: string
  readonly width: number
  /** Wrap long text in the column's cells. */
  readonly wrap?: boolean
  /** An identifier (ID number, phone, member id): text formatted as text, never a number. */
  readonly identifier?: boolean
  /** Fractions shown as whole percents (0.23 as 23%). */
  readonly percent?: boolean
}

/** A cell: text, a number, or nothing (`null` and `""` are written as truly empty cells). */
export type Cell = string | number | null

/**
 * One family, with name and size on every style: without a name a reader falls back to a font of
 * its own (LibreOffice: a serif). Microsoft YaHei is on every Windows and comes with Office for Mac;
 * elsewhere it falls back to the system's sans-serif CJK font.
 */
export const FONT = { name: "Microsoft YaHei", size: 11 } as const

const TEXT_FORMAT = "@"
const PERCENT_FORMAT = "0%"

/** exceljs is loaded only by the commands that write a workbook: it is most of the start-up time. */
const load = Effect.promise(() => import("exceljs").then((m) => m.default))

interface Entry {
  readonly name: string
  readonly range: string
  readonly localSheetId: number
}

export interface Workbook {
  readonly writer: ExcelJS.stream.xlsx.WorkbookWriter
  readonly path: string
  readonly used: Set<string>
  /** Each sheet's table, for the filter and print-title names of workbook.xml. */
  readonly tables: Array<Entry>
}

export interface Sheet {
  /** Adds and commits a row of the table (streaming: it leaves memory). */
  readonly row: (values: ReadonlyArray<Cell>) => void
  /** Adds a row below the table (totals, notes), outside its filter; bold for totals. */
  readonly below: (values: ReadonlyArray<Cell>, options?: { readonly bold?: boolean }) => void
  readonly commit: () => void
}

const quoteSheet = (name: string) => `'${name.replaceAll("'", "''")}'`

const column = (n: number): string => {
  let name = ""
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) name = String.fromCharCode(65 + ((i - 1) % 26)) + name
  return name
}

const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"))

/** The workbook-level names Excel and LibreOffice need: each filter's range (hidden) and each sheet's print titles. */
const definedNames = (tables: ReadonlyArray<Entry>): string =>
  `<definedNames>${tables
    .flatMap((t) => [
      `<definedName name="_xlnm._FilterDatabase" localSheetId="${t.localSheetId}" hidden="1">${escapeXml(`${quoteSheet(t.name)}!${t.range}`)}</definedName>`,
      `<definedName name="_xlnm.Print_Titles" localSheetId="${t.localSheetId}">${escapeXml(`${quoteSheet(t.name)}!$1:$1`)}</definedName>`
    ])
    .join("")}</definedNames>`

const replaceOnce = (xml: string, part: string, pattern: RegExp | string, replacement: string): string => {
  if (typeof pattern === "string" ? !xml.includes(pattern) : !pattern.test(xml)) {
    throw new Error(`exceljs wrote ${part} in a form relink does not know (${String(pattern)})`)
  }
  return xml.replace(pattern, replacement)
}

/**
 * exceljs's streaming writer writes parts relink needs otherwise: "Microsoft Excel" as the
 * application, a Calibri theme font as the default, no workbook-level names for filters and print
 * titles (and the ones it writes for print titles break on an apostrophe in a sheet name). The parts
 * are rewritten as they go into its archive; a part in a form not known here fails the write.
 */
const rewrite = (workbook: Workbook, part: string, xml: string): string => {
  switch (part) {
    case "docProps/app.xml":
      return replaceOnce(replaceOnce(xml, part, "<Application>Microsoft Excel</Application>", "<Application>relink</Application>"), part, /<AppVersion>[^<]*<\/AppVersion>/, "")
    case "xl/styles.xml":
      return replaceOnce(xml, part, /<font>.*?<\/font>/, `<font><sz val="${FONT.size}"/><color theme="1"/><name val="${FONT.name}"/><family val="2"/></font>`)
    case "/xl/workbook.xml":
      if (xml.includes("<definedNames>")) throw new Error("exceljs wrote defined names of its own")
      return replaceOnce(xml, part, "</sheets>", `</sheets>${definedNames(workbook.tables)}`)
    default:
      return xml
  }
}

interface Archive {
  append: (source: unknown, data: { readonly name: string }) => unknown
}

const isArchive = (u: unknown): u is Archive => typeof u === "object" && u !== null && "append" in u && typeof u.append === "function"

const intercept = (workbook: Workbook): void => {
  const zip: unknown = Reflect.get(workbook.writer, "zip")
  if (!isArchive(zip)) throw new Error("exceljs's workbook writer has no archive")
  const append = zip.append.bind(zip)
  zip.append = (source, data) => append(typeof source === "string" ? rewrite(workbook, data.name, source) : source, data)
}

/** A streaming workbook written to the staged file, committed when `commit` runs. */
export const open = ({ path, file }: Sink.Staged): Effect.Effect<Workbook, WriteFailed, Scope.Scope> =>
  load.pipe(
    Effect.flatMap((excel) =>
      Effect.acquireRelease(
        Effect.try({
          try: () => {
            const writer = new excel.stream.xlsx.WorkbookWriter({ stream: file, useStyles: true, useSharedStrings: true })
            writer.creator = "relink"
            writer.lastModifiedBy = "relink"
            const workbook: Workbook = { writer, path, used: new Set(), tables: [] }
            intercept(workbook)
            return workbook
          },
          catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
        }),
        // A workbook that was never committed leaves a partial file: nothing more to release.
        () => Effect.void
      )
    )
  )

const value = (cell: Cell): string | number | null => (typeof cell === "string" ? (cell === "" ? null : encoded(cell)) : cell)

/** A sheet named after `wanted` (made acceptable and unique) with a bold, frozen, filterable header row. */
export const sheet = (workbook: Workbook, wanted: string, columns: ReadonlyArray<Column>): Sheet => {
  // Sheets are numbered in the order they are added.
  const localSheetId = workbook.used.size
  const name = sheetName(wanted, workbook.used)
  const worksheet = workbook.writer.addWorksheet(name, {
    views: [{ state: "frozen", xSplit: 0, ySplit: 1, topLeftCell: "A2", activeCell: "A2" }],
    pageSetup: { orientation: "landscape", paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 }
  })
  worksheet.columns = columns.map((c, i) => ({
    header: encoded(c.header),
    key: `c${i}`,
    width: c.width,
    style: {
      font: FONT,
      ...(c.wrap === true && { alignment: { wrapText: true, vertical: "top" } }),
      ...(c.identifier === true && { numFmt: TEXT_FORMAT }),
      ...(c.percent === true && { numFmt: PERCENT_FORMAT })
    }
  }))
  const header = worksheet.getRow(1)
  header.font = { ...FONT, bold: true, color: { argb: "FFFFFFFF" } }
  header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFB71C1C" } }
  header.alignment = { vertical: "middle", wrapText: true }
  header.height = 22
  let rows = 1
  let tableEnd: number | undefined
  const add = (values: ReadonlyArray<Cell>) => {
    const added = worksheet.addRow(values.map(value))
    rows++
    return added
  }
  return {
    row: (values) => add(values).commit(),
    below: (values, options) => {
      tableEnd ??= rows
      const added = add(values)
      if (options?.bold === true) added.font = { ...FONT, bold: true }
      added.commit()
    },
    commit: () => {
      const range = `$A$1:$${column(columns.length)}$${tableEnd ?? rows}`
      worksheet.autoFilter = range.replaceAll("$", "")
      workbook.tables.push({ name, range, localSheetId })
      worksheet.commit()
    }
  }
}

export const commit = (workbook: Workbook): Effect.Effect<void, WriteFailed> =>
  Effect.tryPromise({ try: () => workbook.writer.commit(), catch: (cause) => new WriteFailed({ path: workbook.path, reason: reasonOf(cause) }) })
