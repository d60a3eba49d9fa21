/**
 * Text from the data as the outputs hold it, measured in the unit each format counts: Excel limits
 * sheet names and cells in UTF-16 code units, so a cut is made in those units and never between
 * the two halves of a surrogate pair (an emoji, a rare CJK character).
 */

/** Bidi controls: marks (ALM, LRM, RLM), embeddings and overrides, isolates. Each can reorder the text around it. */
export const BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

const BIDI_CONTROL = new RegExp(`[${BIDI_CONTROLS}]`, "g")

/** The text without its bidi controls: a name cannot turn the line or page it is shown in around. */
export const withoutBidi = (text: string): string => text.replace(BIDI_CONTROL, "")

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff

/** The longest prefix of at most `units` UTF-16 code units that does not split a surrogate pair. */
export const cutUtf16 = (text: string, units: number): string => {
  if (text.length <= units) return text
  const end = units > 0 && isHighSurrogate(text.charCodeAt(units - 1)) ? units - 1 : units
  return text.slice(0, end)
}

/** Excel's limit on the characters of a cell, in UTF-16 code units: of a workbook, and of a CSV it opens. */
export const MAX_CELL = 32_767
export const TRUNCATED = "…[truncated]"

/** Text within Excel's cell limit: past it, cut with a visible marker (never inside a surrogate pair). */
export const cell = (text: string): string => (text.length <= MAX_CELL ? text : cutUtf16(text, MAX_CELL - TRUNCATED.length) + TRUNCATED)
