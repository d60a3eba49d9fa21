/**
 * Instants as relink handles them: epoch milliseconds, with calendar arithmetic, parsing and
 * formatting in China Standard Time (UTC+08:00, no daylight saving since 1991). The rules count
 * "months" as calendar months as a branch secretary would on a wall calendar in China, so month
 * boundaries are taken in +08:00, not in UTC.
 */

/** An hour in milliseconds. */
export const HOUR = 3_600_000
/** A day in milliseconds (China Standard Time has no daylight saving, so every day is this long). */
export const DAY = 24 * HOUR
const CST_OFFSET = 8 * HOUR

/** Adds calendar months; the day of month is clamped (31 Jan + 1 month = 28/29 Feb). */
export const addMonths = (at: number, months: number): number => {
  const local = new Date(at + CST_OFFSET)
  const year = local.getUTCFullYear()
  const month = local.getUTCMonth() + months
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  const day = Math.min(local.getUTCDate(), lastDay)
  return (
    Date.UTC(year, month, day, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds()) -
    CST_OFFSET
  )
}

/** Adds whole or fractional days of 24 hours. */
export const addDays = (at: number, days: number): number => at + days * DAY

/** Midnight (+08:00) at the start of the day of `at`. */
export const startOfDay = (at: number): number => Math.floor((at + CST_OFFSET) / DAY) * DAY - CST_OFFSET

/** Whole days from `from` to `to`, rounded down; 0 when `to` is not after `from`. */
export const daysBetween = (from: number, to: number): number => Math.max(0, Math.floor((to - from) / DAY))

/** `2026-03-01T09:30:00+08:00` — how relink writes instants for people in China (milliseconds only when present). */
export const formatCst = (at: number): string => {
  const iso = new Date(at + CST_OFFSET).toISOString()
  return (at % 1000 === 0 ? iso.slice(0, 19) : iso.slice(0, 23)) + "+08:00"
}

/** `2026-03-01` in China Standard Time. */
export const formatCstDate = (at: number): string => new Date(at + CST_OFFSET).toISOString().slice(0, 10)

/**
 * The last day a span ending at `end` (exclusive) covers, in China Standard Time: the day of the
 * instant before it. A span to `2026-11-30` ends at 2026-12-01T00:00+08:00 and shows as 2026-11-30;
 * one ending at 2026-11-30T18:00+08:00 shows as 2026-11-30 too.
 */
export const formatCstLastDay = (end: number): string => formatCstDate(end - 1)

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/

/**
 * Every ISO-8601 form {@link parseInstant} accepts, read by `Date.parse`; the reference its fast
 * path is tested against.
 *
 * @internal
 */
export const parseIsoInstant = (text: string): number | undefined => {
  // Date.parse would roll 2026-02-30 over to 2 March and read T24:00 as the next midnight.
  if (!ISO_WITH_OFFSET.test(text) || !isCalendarDate(text.slice(0, 10)) || text.startsWith("24", 11)) return undefined
  const at = Date.parse(text)
  return Number.isFinite(at) ? at : undefined
}

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysInMonth = (year: number, month: number) => (month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0))

/** The `width`-digit decimal number at `from`, or -1 if any of those characters is not a digit. */
const digitsAt = (text: string, from: number, width: number): number => {
  let n = 0
  for (let i = from; i < from + width; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    n = n * 10 + digit
  }
  return n
}

/**
 * The shape producers write, `2026-03-01T09:30:00+08:00` with optional `.mmm` and `Z` for `+00:00`,
 * read without a regex or `Date.parse` (decoding a stream spends much of its time here). Undefined
 * for anything else, which {@link parseIsoInstant} then decides: other forms, years before 100
 * (`Date.UTC` reads them as 19xx), days past the month's end.
 */
const parseCommonInstant = (text: string): number | undefined => {
  const length = text.length
  const zone = length === 24 || length === 29 ? 23 : 19
  const zulu = length === zone + 1
  if (!zulu && length !== zone + 6) return undefined
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined // - - T : :
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const hour = digitsAt(text, 11, 2)
  const minute = digitsAt(text, 14, 2)
  const second = digitsAt(text, 17, 2)
  const milli = zone === 23 ? (text.charCodeAt(19) === 46 ? digitsAt(text, 20, 3) : -1) : 0 // .
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) return undefined
  const local = Date.UTC(year, month - 1, day, hour, minute, second, milli)
  if (zulu) return text.charCodeAt(zone) === 90 ? local : undefined // Z
  const sign = text.charCodeAt(zone)
  const offsetHour = digitsAt(text, zone + 1, 2)
  const offsetMinute = digitsAt(text, zone + 4, 2)
  if ((sign !== 43 && sign !== 45) || text.charCodeAt(zone + 3) !== 58) return undefined // + - :
  if (offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return undefined
  const offset = (offsetHour * 60 + offsetMinute) * 60_000
  return sign === 43 ? local - offset : local + offset
}

/** Parses ISO-8601 with an explicit offset (or Z); undefined for anything else. */
export const parseInstant = (text: string): number | undefined => parseCommonInstant(text) ?? parseIsoInstant(text)

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** True for a real `YYYY-MM-DD` calendar date. */
export const isCalendarDate = (text: string): boolean => {
  const m = CALENDAR_DATE.exec(text)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

/** Parses `YYYY-MM-DD` as midnight +08:00, or an ISO instant with offset. */
export const parseDateOrInstant = (text: string): number | undefined =>
  isCalendarDate(text) ? Date.parse(`${text}T00:00:00+08:00`) : parseInstant(text)
