/**
 * The room text and columns take in a workbook, on screen and on A4 paper. Widths count in Excel's
 * column unit, the width of a digit in the workbook's font; a wide character (CJK, full width) takes
 * two. The rules err on the generous side: a row a little too tall costs nothing, a cut line hides
 * a name or the basis of an action.
 */

/**
 * One family, with name and size on every style: without a name a reader falls back to a font of
 * its own (LibreOffice: a serif). Microsoft YaHei is on every Windows and comes with Office for Mac;
 * elsewhere it falls back to the system's sans-serif CJK font.
 */
export const FONT = { name: "Microsoft YaHei", size: 11 } as const

/** A row of one line, as Excel and LibreOffice show one line of the font. */
export const DEFAULT_ROW_HEIGHT = 15

/** Excel's tallest row, in points. */
export const MAX_ROW_HEIGHT = 409

/** CJK lines stand 1.45 em apart (LibreOffice's, measured on its PDF export); the cell adds about 2 pt. */
const LINE_SPACING = 1.45
const ROW_PADDING = 2

/**
 * Wide characters: Han, kana, Hangul, emoji, CJK and full-width punctuation, and the punctuation a
 * CJK font draws wide (middle dot, dashes, curly quotes, ellipsis).
 */
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}\u00b7\u2010-\u203e\u2e80-\u303f\u3100-\u31ff\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6]/u

/** Latin capitals and the broadest small letters: wider than a digit. */
const BROAD = /[A-Zmw@%&]/

/** The units of column width a character takes at `size` points. */
export const charUnits = (char: string, size: number = FONT.size): number => ((WIDE.test(char) ? 2 : BROAD.test(char) ? 1.25 : 1) * size) / FONT.size

const unitsOf = (text: string, size: number): number => {
  let units = 0
  for (const char of text) units += charUnits(char, size)
  return units
}

/**
 * Where a line may break: a wide character stands alone (with the punctuation that may not start
 * or end a line held to it), a run of other characters is a word, and spaces follow their word.
 */
const PIECES =
  /[（《“‘〈「『【(]*[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}][，。、；：？！）》”’〉」』】,.;:?!)]*\s*|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}]+\s*|\s+/gu

/** The room for text in a column `width` units wide: the cell's padding takes about one unit. */
const roomOf = (width: number): number => Math.max(1, width - 1)

/** Lines of one paragraph, filled greedily as Excel and LibreOffice fill them. */
const paragraphLines = (paragraph: string, room: number, size: number): number => {
  let lines = 1
  let used = 0
  for (const [piece] of paragraph.matchAll(PIECES)) {
    const word = unitsOf(piece.trimEnd(), size)
    const whole = unitsOf(piece, size)
    if (used + word <= room) used += whole
    else if (word <= room) {
      lines++
      used = whole
    } else {
      // A word longer than the line is broken between its characters.
      for (const char of piece.trimEnd()) {
        const units = charUnits(char, size)
        if (used + units > room && used > 0) {
          lines++
          used = 0
        }
        used += units
      }
    }
  }
  return lines
}

/** The lines `text` takes wrapped in a column `width` units wide, at `size` points: its own line breaks, then wrapped words and wide characters. */
export const lines = (text: string, width: number, size: number = FONT.size): number => {
  const room = roomOf(width)
  // Most cells are short: at two units a character they fit on one line without measuring.
  if (text.length * 2 * (size / FONT.size) <= room && !text.includes("\n")) return 1
  return text.split(/\r?\n|\r/).reduce((n, paragraph) => n + paragraphLines(paragraph, room, size), 0)
}

/** The height in points of a row `n` lines tall at `size` points, within Excel's tallest; one line keeps the default height. */
export const rowHeight = (n: number, size: number = FONT.size): number =>
  n <= 1 ? DEFAULT_ROW_HEIGHT : Math.min(MAX_ROW_HEIGHT, Math.ceil(n * LINE_SPACING * size + ROW_PADDING))

// Paper -------------------------------------------------------------------------------------------

/** A4 (paper size 9 in OOXML), landscape; margins in inches, as a worksheet holds them. */
export const PAPER = { size: 9, widthPoints: 841.89 } as const
export const MARGINS = { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.25, footer: 0.25 } as const

/** The width printed on, in points. */
const PRINTABLE = PAPER.widthPoints - (MARGINS.left + MARGINS.right) * 72

/**
 * Points a unit of column width takes on paper at 100 %, with room to spare. LibreOffice, Microsoft
 * YaHei absent, measures the unit by DejaVu Sans's digit, 7.0 pt at 11 pt (measured on its PDF
 * export), and was seen to fit a long sheet to its pages up to 3 % tighter than its columns need.
 */
const POINTS_PER_UNIT = 7.35

/** The smallest text on paper. */
export const MIN_PRINTED_SIZE = 8

/** The least a sheet is scaled to on paper: its text stays `MIN_PRINTED_SIZE` or larger. */
export const MIN_SCALE = MIN_PRINTED_SIZE / FONT.size

/** The units of column width one page holds at `MIN_SCALE`. */
export const PAGE_UNITS = PRINTABLE / (MIN_SCALE * POINTS_PER_UNIT)

/**
 * How many A4 landscape pages wide a table of these column widths prints with its text at
 * `MIN_PRINTED_SIZE` or larger: whole columns on each page, the first column repeated on every
 * page after the first (so that each row keeps its name).
 */
export const pagesWide = (widths: ReadonlyArray<number>): number => {
  const first = widths[0] ?? 0
  let pages = 1
  let used = first
  for (const width of widths.slice(1)) {
    if (used + width > PAGE_UNITS && used > first) {
      pages++
      used = first
    }
    used += width
  }
  return pages
}
