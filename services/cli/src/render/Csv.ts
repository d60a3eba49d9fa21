/**
 * CSV as Excel, LibreOffice and every other reader take it: UTF-8 with a byte-order mark (without it
 * Excel shows Chinese as mojibake), comma-separated, CRLF line ends, RFC 4180 quoting. Every CSV
 * relink writes goes through `record`, so no cell reaches a spreadsheet as a formula. A CSV carries
 * text and no types: an identifier made of digits is written as it is (an XLSX keeps it as text).
 */
import * as Text from "./Text.ts"

export const BOM = "\uFEFF"

/**
 * A quote, a line break or any separator a reader may split on: the comma, and the semicolon and tab
 * that LibreOffice's import also splits on when its profile says so (a fresh one does).
 */
const NEEDS_QUOTES = /[",;\t\r\n]/

/**
 * Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`), or, after the tab or carriage
 * return some of them skip, could (OWASP, CSV injection).
 */
const FORMULA = /^[=+\-@\t\r]/

/**
 * Controls but tab and the line breaks (NUL, BEL, ESC, DEL, C1) and bidi controls: no spreadsheet
 * shows them, and on a terminal (`--out -`) they ring, move the cursor or reorder the line.
 */
const CONTROL = new RegExp(`[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${Text.BIDI_CONTROLS}]`, "g")

/**
 * The apostrophe is what OWASP recommends and what Excel and LibreOffice both keep as text without
 * evaluating anything. LibreOffice shows it, and every program but a spreadsheet reads it as part
 * of the cell: so it goes only where a formula could start, never before an identifier.
 */
const TEXT_MARK = "'"

export type Value = string | number | boolean | null | undefined

/**
 * What a cell holds once neutralised: text that could start a formula starts with `'`. Controls
 * are gone, and text past Excel's cell limit is cut as in a workbook (`Text.cell`): Excel opens the
 * file the same either way. Numbers stay numbers, and other text stays as it is.
 */
export const cellText = (value: Value): string => {
  if (value === null || value === undefined) return ""
  if (typeof value !== "string") return String(value)
  const text = Text.cell(value.replace(CONTROL, ""))
  return FORMULA.test(text) ? TEXT_MARK + text : text
}

/**
 * The text of a cell as it was before `cellText` marked it: the apostrophe before a formula start
 * is the writer's, not the data's. (Text that began with an apostrophe and a formula start reads
 * back without the apostrophe: no cell relink writes begins so.)
 */
export const unmarked = (cell: string): string => (cell.startsWith(TEXT_MARK) && FORMULA.test(cell.slice(TEXT_MARK.length)) ? cell.slice(TEXT_MARK.length) : cell)

/** One field: neutralised, then quoted when it holds a quote, a line break or a separator; quotes doubled. */
export const field = (value: Value): string => {
  const text = cellText(value)
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record, with its CRLF. */
export const record = (values: ReadonlyArray<Value>): string => `${values.map(field).join(",")}\r\n`
