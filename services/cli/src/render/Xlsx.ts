/**
 * Spreadsheet conventions shared by the XLSX outputs: sheet names Excel accepts; text that keeps
 * the file valid (no character XML forbids, nothing past Excel's cell limit); identifiers as text;
 * an optional title row saying what the sheet is and whose, then a bold header row, frozen,
 * repeated on every printed page, with a filter over the whole table that Excel and LibreOffice
 * both show; numbers under right-aligned headers; rows as tall as their wrapped text; one font
 * throughout; A4 landscape with the text at 8 pt or more on paper and the page numbers in the footer;
 * relink named as the application. Writes stream: rows are committed as they are added, so large
 * lists do not sit in memory.
 */
import type ExcelJS from "exceljs"
import { Effect, type Scope } from "effect"
import type { Report } from "@relink/core"
import { WriteFailed, reasonOf } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Layout from "./Layout.ts"
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

/** Text as a sheet name may hold it: none of `[]:*?/\\` nor any character XML forbids, no bidi control, spaces collapsed. */
const nameText = (text: string): string => Text.withoutBidi(text.replace(NOT_XML, "")).replace(FORBIDDEN, " ").replace(/\s+/g, " ")

/** What Excel compares of a sheet name: two sheets wanting names of the same key collide. */
export const nameKey = (wanted: string): string => key(nameText(wanted).trim())

/**
 * A sheet name Excel accepts, unique among `used` (which it joins): at most 31 UTF-16 code units
 * (what Excel counts: an emoji takes two), none of `[]:*?/\\` nor any XML forbids, no bidi
 * control, not blank, not starting or ending with an apostrophe. `suffix` (an organisation's id, a
 * sheet's role) is kept whole, the name before it cut. Duplicates get " (2)", " (3)"…
 */
export const sheetName = (wanted: string, used: Set<string>, suffix = ""): string => {
  const cleaned = nameText(wanted).trim().replace(/^'+|'+$/g, "").trim()
  const base = cleaned === "" || key(cleaned) === "history" ? "Sheet" : cleaned
  const kept = nameText(suffix).trimEnd().replace(/'+$/, "")
  const cut = (text: string, room: number) => Text.cutUtf16(text, room).trimEnd().replace(/'+$/, "")
  let name = cut(base, MAX_SHEET_NAME - kept.length) + kept
  for (let n = 2; used.has(key(name)); n++) {
    const counter = ` (${n})`
    name = cut(base, MAX_SHEET_NAME - kept.length - counter.length) + kept + counter
  }
  used.add(key(name))
  return name
}

export interface Column {
  readonly header: string
  readonly width: number
  /** Wrap long text in the column's cells; the row grows to show it. */
  readonly wrap?: boolean
  /** An identifier (ID number, phone, member id): text formatted as text, never a number. */
  readonly identifier?: boolean
  /** Fractions shown as whole percents (0.23 as 23%). */
  readonly percent?: boolean
  /** Numbers shown with one decimal (1 as 1.0, beside 10.4). */
  readonly oneDecimal?: boolean
  /** Numbers: the header stands right-aligned over them, as they do. */
  readonly numeric?: boolean
  /** Where the reader of the file writes (a clerk's decision): unlocked on a protected sheet, every other cell locked. */
  readonly input?: boolean
  /** The words the column's cells take, offered as a drop-down list with a prompt; other text is refused. */
  readonly choices?: Choices
}

/** A list of words for a column's cells: what Excel and LibreOffice offer in a drop-down, and say when a cell is chosen. */
export interface Choices {
  readonly words: ReadonlyArray<string>
  /** The input message shown beside a chosen cell: its title and text. */
  readonly title: string
  readonly prompt: string
  /** What the spreadsheet says of text not in the list. */
  readonly error: string
}

/** A cell: text, a number, or nothing (`null` and `""` are written as truly empty cells). */
export type Cell = string | number | null

export interface Options {
  /**
   * A first row above the header, across the table, for the screen: what the sheet is, whose (an
   * organisation and its id), as of when. Paper has the footer instead: the title row is not printed.
   */
  readonly title?: string
  /** The left of every printed page's footer (what the sheet is and whose); the page numbers are on its right. */
  readonly footer?: string
  /** Kept whole at the end of the sheet's name, the name before it cut to fit (an organisation's id). */
  readonly suffix?: string
  /**
   * Every cell locked but the input columns', with sheet protection and no password: it stops an
   * accidental edit, not a person (anyone can lift it), and allows selecting, filtering and resizing.
   */
  readonly protect?: boolean
}

const FONT = Layout.FONT

const TEXT_FORMAT = "@"
const PERCENT_FORMAT = "0%"
const ONE_DECIMAL_FORMAT = "0.0"

/** The least a header row is: one bold line with room around it. */
const HEADER_HEIGHT = 22

const PAGE_NUMBERS: Readonly<Record<Report.Lang, string>> = { zh: "第 &P 页 / 共 &N 页", en: "Page &P of &N" }

/** exceljs is loaded only by the commands that write a workbook: it is most of the start-up time. */
const load = Effect.promise(() => import("exceljs").then((m) => m.default))

interface Entry {
  readonly name: string
  readonly localSheetId: number
  /** The table, header row included: the filter's range. */
  readonly range: string
  /** The header row, repeated at the top of every printed page, and the first printed. */
  readonly headerRow: number
  /** The last row printed: the table's and what is below it. */
  readonly lastRow: number
  /** The last column, as a letter. */
  readonly lastColumn: string
  /** Whether the first column is repeated at the left of every printed page (a table more than a page wide). */
  readonly repeatFirstColumn: boolean
}

export interface Workbook {
  readonly writer: ExcelJS.stream.xlsx.WorkbookWriter
  readonly path: string
  /** The language of the page numbers in the footers. */
  readonly lang: Report.Lang
  readonly used: Set<string>
  /** The sheets added so far: the next one's index among them (its localSheetId). */
  sheets: number
  /** Each sheet's table, for the filter, print-title and print-area names of workbook.xml. */
  readonly tables: Array<Entry>
}

export interface Sheet {
  /** The sheet's name, as made acceptable and unique. */
  readonly name: string
  /** Adds and commits a row of the table (streaming: it leaves memory), as tall as its wrapped cells need. */
  readonly row: (values: ReadonlyArray<Cell>) => void
  /** Adds a row below the table (totals, labelled values), outside its filter; bold for totals. */
  readonly below: (values: ReadonlyArray<Cell>, options?: { readonly bold?: boolean }) => void
  /** Adds a line of text below the table, across its width, wrapped and as tall as it needs. */
  readonly note: (text: string) => void
  readonly commit: () => void
}

/** A drop-down of the words, with their prompt; anything else typed in is refused (blank is allowed: not yet decided). */
const validationOf = (choices: Choices): ExcelJS.DataValidation => ({
  type: "list",
  allowBlank: true,
  formulae: [`"${choices.words.join(",")}"`],
  showInputMessage: true,
  promptTitle: choices.title,
  prompt: choices.prompt,
  showErrorMessage: true,
  errorStyle: "stop",
  errorTitle: choices.title,
  error: choices.error
})

const quoteSheet = (name: string) => `'${name.replaceAll("'", "''")}'`

const column = (n: number): string => {
  let name = ""
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) name = String.fromCharCode(65 + ((i - 1) % 26)) + name
  return name
}

const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"))

/** What a sheet repeats on every printed page: its header row, and its first column when the table is more than a page wide. */
const printTitles = (t: Entry): string => {
  const sheet = quoteSheet(t.name)
  return `${t.repeatFirstColumn ? `${sheet}!$A:$A,` : ""}${sheet}!$${t.headerRow}:$${t.headerRow}`
}

/**
 * The workbook-level names Excel and LibreOffice need: each filter's range (hidden), each sheet's
 * print titles and, below a title row, its print area from the header row down.
 */
const definedNames = (tables: ReadonlyArray<Entry>): string =>
  `<definedNames>${tables
    .flatMap((t) => [
      `<definedName name="_xlnm._FilterDatabase" localSheetId="${t.localSheetId}" hidden="1">${escapeXml(`${quoteSheet(t.name)}!${t.range}`)}</definedName>`,
      ...(t.headerRow > 1 ? [`<definedName name="_xlnm.Print_Area" localSheetId="${t.localSheetId}">${escapeXml(`${quoteSheet(t.name)}!$A$${t.headerRow}:$${t.lastColumn}$${t.lastRow}`)}</definedName>`] : []),
      `<definedName name="_xlnm.Print_Titles" localSheetId="${t.localSheetId}">${escapeXml(printTitles(t))}</definedName>`
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

/** A streaming workbook written to the staged file, committed when `commit` runs; `lang` is that of its footers. */
export const open = ({ path, file }: Sink.Staged, lang: Report.Lang): Effect.Effect<Workbook, WriteFailed, Scope.Scope> =>
  load.pipe(
    Effect.flatMap((excel) =>
      Effect.acquireRelease(
        Effect.try({
          try: () => {
            const writer = new excel.stream.xlsx.WorkbookWriter({ stream: file, useStyles: true, useSharedStrings: true })
            writer.creator = "relink"
            writer.lastModifiedBy = "relink"
            const workbook: Workbook = { writer, path, lang, used: new Set(), sheets: 0, tables: [] }
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

/**
 * Footer text on one line, `&` (a code there) doubled to stand for itself, cut so that the footer
 * stays within Excel's 255 characters with its codes and page numbers.
 */
const footerText = (text: string): string => Text.cutUtf16(Text.withoutBidi(cellText(text)).replace(/\s+/g, " "), 100).replaceAll("&", "&&")

const footerOf = (lang: Report.Lang, left: string | undefined): string => `${left === undefined ? "" : `&L${footerText(left)}`}&R${PAGE_NUMBERS[lang]}`

/**
 * A sheet named after `wanted` (made acceptable and unique), with its title row when given, then a
 * bold, frozen, filterable header row. Printed A4 landscape from the header row down, as few pages
 * wide as keep the text at `Layout.MIN_PRINTED_SIZE` or larger, the header (and, past a page wide,
 * the first column) repeated on every page, the footer saying whose it is and numbering the pages.
 */
export const sheet = (workbook: Workbook, wanted: string, columns: ReadonlyArray<Column>, layout: Options = {}): Sheet => {
  // Sheets are numbered in the order they are added.
  const localSheetId = workbook.sheets++
  const name = sheetName(wanted, workbook.used, layout.suffix)
  const headerRow = layout.title === undefined ? 1 : 2
  const widths = columns.map((c) => c.width)
  const tableWidth = widths.reduce((sum, w) => sum + w, 0)
  const pages = Layout.pagesWide(widths)
  const worksheet = workbook.writer.addWorksheet(name, {
    views: [{ state: "frozen", xSplit: 0, ySplit: headerRow, topLeftCell: `A${headerRow + 1}`, activeCell: `A${headerRow + 1}` }],
    properties: { defaultRowHeight: Layout.DEFAULT_ROW_HEIGHT },
    pageSetup: {
      orientation: "landscape",
      paperSize: Layout.PAPER.size,
      margins: Layout.MARGINS,
      fitToPage: true,
      fitToWidth: pages,
      fitToHeight: 0,
      // A table more than a page wide prints a band of rows across its pages before the next band.
      pageOrder: pages > 1 ? "overThenDown" : "downThenOver"
    },
    headerFooter: { oddFooter: footerOf(workbook.lang, layout.footer) }
  })
  worksheet.columns = columns.map((c, i) => ({
    key: `c${i}`,
    width: c.width,
    style: {
      font: FONT,
      alignment: { vertical: "top", ...(c.wrap === true && { wrapText: true }) },
      ...(c.identifier === true && { numFmt: TEXT_FORMAT }),
      ...(c.percent === true && { numFmt: PERCENT_FORMAT }),
      ...(c.oneDecimal === true && { numFmt: ONE_DECIMAL_FORMAT }),
      ...(c.input === true && { protection: { locked: false } })
    }
  }))
  if (layout.protect === true) {
    // exceljs sets the protection at once (the promise only reports it); with no password nothing is hashed.
    void worksheet.protect("", { selectLockedCells: true, selectUnlockedCells: true, formatColumns: true, formatRows: true, autoFilter: true, sort: false })
  }
  const inputs = columns.flatMap((c, i) => (c.input === true ? [i + 1] : []))
  const choices = columns.flatMap((c, i) => (c.choices === undefined ? [] : [{ column: i + 1, validation: validationOf(c.choices) }]))
  /** A row outside the table (title, header, totals, notes) takes no input: its cells under an input column are locked too. */
  const locked = (row: ExcelJS.Row): void => {
    for (const i of inputs) row.getCell(i).protection = { locked: true }
  }
  let rows = 0
  /** A row of one text across the table: merged, wrapped, as tall as the text needs. */
  const across = (text: string, font: Partial<ExcelJS.Font>): void => {
    const added = worksheet.addRow([value(text)])
    rows++
    if (columns.length > 1) worksheet.mergeCells(rows, 1, rows, columns.length)
    added.font = font
    added.alignment = { vertical: "top", wrapText: true }
    locked(added)
    const lines = Layout.lines(cellText(text), tableWidth)
    if (lines > 1) added.height = Layout.rowHeight(lines)
    added.commit()
  }
  if (layout.title !== undefined) across(layout.title, { ...FONT, bold: true })
  const header = worksheet.addRow(columns.map((c) => encoded(c.header)))
  rows++
  header.font = { ...FONT, bold: true, color: { argb: "FFFFFFFF" } }
  header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFB71C1C" } }
  columns.forEach((c, i) => {
    header.getCell(i + 1).alignment = { vertical: "middle", wrapText: true, ...(c.numeric === true && { horizontal: "right" }) }
  })
  locked(header)
  header.height = Math.max(HEADER_HEIGHT, Layout.rowHeight(Math.max(...columns.map((c) => Layout.lines(cellText(c.header), c.width)))))
  header.commit()
  const wrapped = columns.flatMap((c, i) => (c.wrap === true ? [{ i, width: c.width }] : []))
  /** The lines the row's tallest wrapped cell takes. */
  const linesOf = (values: ReadonlyArray<Cell>): number =>
    wrapped.reduce((n, { i, width }) => {
      const cell = values[i]
      return typeof cell === "string" && cell !== "" ? Math.max(n, Layout.lines(cellText(cell), width)) : n
    }, 1)
  let tableEnd: number | undefined
  const add = (values: ReadonlyArray<Cell>) => {
    const added = worksheet.addRow(values.map(value))
    rows++
    const lines = linesOf(values)
    if (lines > 1) added.height = Layout.rowHeight(lines)
    return added
  }
  return {
    name,
    row: (values) => {
      const added = add(values)
      for (const { column, validation } of choices) added.getCell(column).dataValidation = validation
      added.commit()
    },
    below: (values, options) => {
      tableEnd ??= rows
      const added = add(values)
      if (options?.bold === true) added.font = { ...FONT, bold: true }
      locked(added)
      added.commit()
    },
    note: (text) => {
      tableEnd ??= rows
      across(text, FONT)
    },
    commit: () => {
      const lastColumn = column(columns.length)
      const range = `$A$${headerRow}:$${lastColumn}$${tableEnd ?? rows}`
      worksheet.autoFilter = range.replaceAll("$", "")
      workbook.tables.push({ name, localSheetId, range, headerRow, lastRow: rows, lastColumn, repeatFirstColumn: pages > 1 })
      worksheet.commit()
    }
  }
}

/** Takes a sheet's name before any other sheet can, for a sheet added last (`hidden`): nothing else gets it. */
export const reserve = (workbook: Workbook, name: string): string => sheetName(name, workbook.used)

/**
 * A very hidden sheet of key/value text (what a file is, for the program that reads it back): no
 * spreadsheet lists it among the sheets to unhide, and it is protected like the others. `name` is
 * one `reserve` returned.
 */
export const hidden = (workbook: Workbook, name: string, rows: ReadonlyArray<readonly [key: string, value: string]>): void => {
  workbook.sheets++
  const worksheet = workbook.writer.addWorksheet(name, { state: "veryHidden" })
  worksheet.columns = [
    { key: "key", width: 12, style: { font: FONT, numFmt: TEXT_FORMAT } },
    { key: "value", width: 60, style: { font: FONT, numFmt: TEXT_FORMAT } }
  ]
  void worksheet.protect("", { selectLockedCells: true, selectUnlockedCells: true })
  for (const [key, text] of rows) worksheet.addRow([value(key), value(text)]).commit()
  worksheet.commit()
}

export const commit = (workbook: Workbook): Effect.Effect<void, WriteFailed> =>
  Effect.tryPromise({ try: () => workbook.writer.commit(), catch: (cause) => new WriteFailed({ path: workbook.path, reason: reasonOf(cause) }) })
