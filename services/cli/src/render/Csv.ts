/**
 * CSV as Excel and every other reader take it: UTF-8 with a byte-order mark (without it Excel shows
 * Chinese as mojibake), CRLF line ends, RFC 4180 quoting. Every CSV relink writes goes through
 * `record`, so no cell reaches a spreadsheet as a formula and no identifier as a number.
 */
import * as Text from "./Text.ts"

export const BOM = "\uFEFF"

const NEEDS_QUOTES = /[",\r\n]/

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

/** An identifier a spreadsheet would read as a number or a date: digits with separators or an exponent only. */
const NUMBER_LIKE = /^\d[\d\s.,:/eE+-]*$/

/**
 * The apostrophe is what OWASP recommends and what Excel and LibreOffice both keep as text without
 * evaluating anything (it shows, as a mark that the cell was neutralised).
 */
const TEXT_MARK = "'"

export type Value = string | number | boolean | null | undefined

/**
 * What a cell holds once neutralised: text that could start a formula, and an identifier that
 * would turn into a number (`510113193111154000` → `5.10113193111154e+17`, `013…` losing its
 * zero), start with `'`. Controls are gone, and text past Excel's cell limit is cut as in a
 * workbook (`Text.cell`): Excel opens the file the same either way. Numbers stay numbers.
 */
export const cellText = (value: Value, identifier = false): string => {
  if (value === null || value === undefined) return ""
  if (typeof value !== "string") return String(value)
  const text = Text.cell(value.replace(CONTROL, ""))
  return FORMULA.test(text) || (identifier && NUMBER_LIKE.test(text)) ? TEXT_MARK + text : text
}

/** One field: neutralised, then quoted when it holds a quote, comma or line break; quotes doubled. */
export const field = (value: Value, identifier = false): string => {
  const text = cellText(value, identifier)
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const none: ReadonlySet<number> = new Set()

/** One record, with its CRLF; `identifiers` are the positions of the identifier columns. */
export const record = (values: ReadonlyArray<Value>, identifiers: ReadonlySet<number> = none): string =>
  `${values.map((v, i) => field(v, identifiers.has(i))).join(",")}\r\n`
