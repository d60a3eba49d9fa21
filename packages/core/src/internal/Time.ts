/**
 * Calendar arithmetic on epoch milliseconds, in China Standard Time (UTC+08:00, no daylight saving
 * since 1991). The rules count "months" as calendar months as a branch secretary would on a wall
 * calendar in China, so month boundaries are taken in +08:00, not in UTC.
 */
export const HOUR = 3_600_000
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

export const addDays = (at: number, days: number): number => at + days * DAY

/** Whole days from `from` to `to`, rounded down; 0 when `to` is not after `from`. */
export const daysBetween = (from: number, to: number): number => Math.max(0, Math.floor((to - from) / DAY))

/** `2026-03-01T09:30:00+08:00` — how relink writes instants for people in China (milliseconds only when present). */
export const formatCst = (at: number): string => {
  const iso = new Date(at + CST_OFFSET).toISOString()
  return (at % 1000 === 0 ? iso.slice(0, 19) : iso.slice(0, 23)) + "+08:00"
}

/** `2026-03-01` in China Standard Time. */
export const formatCstDate = (at: number): string => new Date(at + CST_OFFSET).toISOString().slice(0, 10)

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/

/** Parses ISO-8601 with an explicit offset (or Z); undefined for anything else. */
export const parseInstant = (text: string): number | undefined => {
  if (!ISO_WITH_OFFSET.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isFinite(at) ? at : undefined
}

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
