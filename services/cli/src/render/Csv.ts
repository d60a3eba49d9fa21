/**
 * CSV as Excel and every other reader take it: UTF-8 with a byte-order mark (without it Excel shows
 * Chinese as mojibake), CRLF line ends, RFC 4180 quoting.
 */
export const BOM = "\uFEFF"

const NEEDS_QUOTES = /[",\r\n]/

/** One field: quoted when it holds a quote, comma or line break; quotes doubled. */
export const field = (value: string | number | boolean | null | undefined): string => {
  if (value === null || value === undefined) return ""
  const text = String(value)
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record, with its CRLF. */
export const record = (values: ReadonlyArray<string | number | boolean | null | undefined>): string =>
  `${values.map(field).join(",")}\r\n`
