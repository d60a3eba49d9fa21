/**
 * A spreadsheet cell's value as the import reads it. A department's sheets hold dates as Excel
 * serials, as `2023.05.01`, `2023-5-1`, `2023/05/01` or `2023年5月1日` (出生年月: `2023年5月`),
 * ID numbers that Excel turned into numbers, full-width digits and stray spaces. Each reader either
 * gives the value or a tagged finding saying why not — a value is never guessed. A finding's
 * reason never repeats an ID number or a phone: it is personal data.
 */
import { Data, Result } from "effect"
import * as Event from "./Event.ts"
import * as IdNumber from "./IdNumber.ts"
import * as Phone from "./Phone.ts"
import * as RegionCode from "./RegionCode.ts"
import type { Cell } from "./SheetHeader.ts"

/** A date the readers cannot read: not one of the spellings above, or no calendar date (2023-02-30). */
export class UnreadableDate extends Data.TaggedError("UnreadableDate")<{ readonly reason: string }> {}

/**
 * An ID number stored as a number: Excel keeps 15 significant digits, so an 18-digit number has
 * lost its last digits (and a check character X cannot be a number at all). Flagged, never guessed.
 */
export class IdNumberAsNumber extends Data.TaggedError("IdNumberAsNumber")<{ readonly reason: string }> {}

/** A word that is none of the values the field allows (性别 `未知`, 人员类别 `积极分子`). */
export class UnknownWord extends Data.TaggedError("UnknownWord")<{ readonly reason: string }> {}

/** An amount of money that is not a number of yuan. */
export class UnreadableAmount extends Data.TaggedError("UnreadableAmount")<{ readonly reason: string }> {}

/** A region that is not a 6-digit code: a place name is resolved elsewhere, never guessed here. */
export class NotARegionCode extends Data.TaggedError("NotARegionCode")<{ readonly reason: string }> {}

/**
 * A cell's text: NFKC (full-width digits, letters and the ideographic space become ASCII), spaces
 * trimmed and runs of them made one, a space between two Chinese characters removed (`张  伟` is
 * 张伟: names are spaced to line up). Blank is undefined.
 */
export const text = (cell: Cell): string | undefined => {
  if (cell === undefined) return undefined
  const out = String(cell)
    .normalize("NFKC")
    .replace(/\s+/gu, " ")
    .trim()
    .replace(/(?<=\p{Script=Han}) (?=\p{Script=Han})/gu, "")
  return out === "" ? undefined : out
}

/** The day before serial 1 for the serials read: Excel's 1900 date system counts a 29 February 1900 that never was (serial 60). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30)
/** Serials read as dates: 1900-03-01 (61) to 2099-12-31 (73050); a larger number is digits (`20230501`). */
const SERIALS = { min: 61, max: 73050 } as const

/** A day or a month of the calendar: `day` is absent for `2023年5月`. */
export interface Calendar {
  readonly year: number
  readonly month: number
  readonly day?: number
}

const pad = (n: number): string => String(n).padStart(2, "0")

const exists = ({ year, month, day }: Calendar): boolean => {
  if (year < 1900 || year > 2099 || month < 1 || month > 12) return false
  if (day === undefined) return true
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

const SPELLINGS: ReadonlyArray<RegExp> = [
  // 2023-05-01, 2023.5.1, 2023/05/01, 2023年5月1日, each with a time after it (a Date the reader wrote out) or not
  /^(\d{4}) ?[-./年] ?(\d{1,2}) ?[-./月] ?(\d{1,2}) ?日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/u,
  /^(\d{4})(\d{2})(\d{2})$/u,
  // 2023年5月, 2023.05, 2023-5, 202305
  /^(\d{4}) ?[-./年] ?(\d{1,2}) ?月?$/u,
  /^(\d{4})(\d{2})$/u
]

const fromText = (written: string): Result.Result<Calendar, UnreadableDate> => {
  for (const spelling of SPELLINGS) {
    const m = spelling.exec(written)
    if (m === null) continue
    const found: Calendar = m[3] === undefined ? { year: Number(m[1]), month: Number(m[2]) } : { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }
    return exists(found)
      ? Result.succeed(found)
      : Result.fail(new UnreadableDate({ reason: `${JSON.stringify(written)} is no date of the calendar between 1900 and 2099` }))
  }
  return Result.fail(new UnreadableDate({ reason: `${JSON.stringify(written)} is not a date (2023-05-01, 2023.5.1, 2023/05/01, 2023年5月1日 or an Excel date)` }))
}

/**
 * A number as a date: a year alone is none; `1990.05` (出生年月 typed as a number) is May 1990, but
 * `1990.1` is January or October (Excel dropped a trailing zero), so none; a whole number from
 * {@link SERIALS} is an Excel serial (a fraction is its time of day); a longer one is digits (`20230501`).
 */
const fromNumber = (n: number): Result.Result<Calendar, UnreadableDate> => {
  const whole = Math.floor(n)
  if (!Number.isFinite(n) || n < 0) return Result.fail(new UnreadableDate({ reason: `${n} is not a date` }))
  if (whole >= 1900 && whole <= 2099) {
    if (n === whole) return Result.fail(new UnreadableDate({ reason: `${n} is a year alone, not a day or a month` }))
    const written = String(n)
    if (/^\d{4}\.1$/u.test(written)) {
      return Result.fail(new UnreadableDate({ reason: `${written} may be January or October (a number loses the 0 of .10): format the column as text` }))
    }
    return fromText(written)
  }
  if (whole >= SERIALS.min && whole <= SERIALS.max) {
    const date = new Date(EXCEL_EPOCH + whole * 86_400_000)
    return Result.succeed({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() })
  }
  return fromText(String(n))
}

/** A cell as a day or a month: an Excel serial, or text in one of the spellings departments use. */
export const calendar = (cell: Cell): Result.Result<Calendar, UnreadableDate> => {
  if (typeof cell === "number") return fromNumber(cell)
  const written = text(cell)
  return written === undefined ? Result.fail(new UnreadableDate({ reason: "blank" })) : fromText(written)
}

/** A cell as a calendar date `YYYY-MM-DD`; a month alone (`2023年5月`) is no day. */
export const day = (cell: Cell): Result.Result<string, UnreadableDate> =>
  Result.flatMap(calendar(cell), (c): Result.Result<string, UnreadableDate> =>
    c.day === undefined
      ? Result.fail(new UnreadableDate({ reason: `${c.year}-${pad(c.month)} is a month, not a day` }))
      : Result.succeed(`${c.year}-${pad(c.month)}-${pad(c.day)}`)
  )

/** A cell as a month `YYYY-MM` (缴费月份, 出生年月); a day gives its month. */
export const month = (cell: Cell): Result.Result<string, UnreadableDate> => Result.map(calendar(cell), (c) => `${c.year}-${pad(c.month)}`)

/** The largest integer a double holds exactly: a number beyond it has lost digits. */
const EXACT = Number.MAX_SAFE_INTEGER

/** `1.10105E+17`, as a CSV Excel saved holds a number it showed in scientific notation. */
const SCIENTIFIC = /^\d(?:\.\d+)?e\+?\d+$/iu

const asNumber = (): IdNumberAsNumber =>
  new IdNumberAsNumber({
    reason: "the ID number is stored as a number, which keeps only 15 significant digits: format the column as text and type the number again"
  })

/**
 * A cell as an ID number (GB 11643, `IdNumber.parse`). A number is read only when it is exact (a
 * legacy 15-digit number); a longer one, or one in scientific notation, is `IdNumberAsNumber`.
 */
export const idNumber = (cell: Cell, options?: IdNumber.ParseOptions): Result.Result<IdNumber.IdNumber, IdNumberAsNumber | IdNumber.InvalidIdNumber> => {
  if (typeof cell === "number") {
    return Number.isInteger(cell) && cell >= 0 && cell <= EXACT ? IdNumber.parse(String(cell), options) : Result.fail(asNumber())
  }
  const written = text(cell) ?? ""
  return SCIENTIFIC.test(written) ? Result.fail(asNumber()) : IdNumber.parse(written, options)
}

/** A cell as a mobile number (`Phone.parse`); a number Excel made of 11 digits is exact, so it is read. */
export const phone = (cell: Cell): Result.Result<Phone.Phone, Phone.InvalidPhone> =>
  Phone.parse(typeof cell === "number" && Number.isInteger(cell) ? String(cell) : (text(cell) ?? ""))

const word = <A extends string>(what: string, words: Readonly<Record<string, A>>) => (cell: Cell): Result.Result<A, UnknownWord> => {
  const written = text(cell) ?? ""
  const value = words[written.toLowerCase()]
  return value === undefined
    ? Result.fail(new UnknownWord({ reason: `${what} ${JSON.stringify(written)} is none of ${Object.keys(words).join(", ")}` }))
    : Result.succeed(value)
}

/** 性别: 男 or 女 (M, F, male, female). */
export const gender: (cell: Cell) => Result.Result<Event.Gender, UnknownWord> = word("性别", { 男: "M", 女: "F", m: "M", f: "F", male: "M", female: "F" })

/** 人员类别: 正式党员 or 预备党员. */
export const category: (cell: Cell) => Result.Result<Event.Category, UnknownWord> = word("人员类别", {
  正式党员: "full",
  正式: "full",
  预备党员: "probationary",
  预备: "probationary",
  full: "full",
  probationary: "probationary"
})

/** 外出原因, as the floating register words it. */
export const outflowReason: (cell: Cell) => Result.Result<Event.OutflowReason, UnknownWord> = word("外出原因", {
  务工: "work",
  外出务工: "work",
  打工: "work",
  工作: "work",
  经商: "business",
  经商办企业: "business",
  就学: "study",
  上学: "study",
  读书: "study",
  学习: "study",
  随迁: "residence",
  居住: "residence",
  异地居住: "residence",
  投亲: "residence",
  其他: "other",
  work: "work",
  business: "business",
  study: "study",
  residence: "residence",
  other: "other"
})

/** 会议类型: 支委会, 党员大会, 党小组会, 党课, 主题党日, 组织生活会, 民主评议党员, as sign-in sheets word them. */
export const activity: (cell: Cell) => Result.Result<Event.OrgActivity, UnknownWord> = word("会议类型", {
  支委会: "committee-meeting",
  支部委员会: "committee-meeting",
  支部委员会会议: "committee-meeting",
  党员大会: "members-meeting",
  支部党员大会: "members-meeting",
  党小组会: "group-meeting",
  党小组会议: "group-meeting",
  党课: "party-lecture",
  主题党日: "theme-day",
  主题党日活动: "theme-day",
  组织生活会: "life-meeting",
  民主评议党员: "democratic-review",
  民主评议: "democratic-review",
  ...Object.fromEntries(Event.OrgActivity.literals.map((a) => [a, a]))
})

/** 组织类别: 党委, 党总支, 党支部, and a floating organisation's 流动党支部, 流动党员党支部 or 流动党委. */
export const orgKind: (cell: Cell) => Result.Result<Event.OrgKind, UnknownWord> = word("组织类别", {
  党委: "committee",
  党总支: "general-branch",
  党支部: "branch",
  流动党支部: "floating-branch",
  流动党员党支部: "floating-branch",
  流动党委: "floating-branch",
  ...Object.fromEntries(Event.OrgKind.literals.map((k) => [k, k]))
})

/** A place as a region and the words written: its own code, or the province it starts with. */
export interface Place {
  readonly region: RegionCode.RegionCode
  readonly detail: string
}

/**
 * A place (外出地点, 户籍所在地): a region code first (`440305 深圳市南山区`), else the province it
 * names first (`广东省深圳市` is 440000), the words kept as its detail. A place naming no province
 * (`深圳`) is `NotARegionCode`: which province a city is in is not guessed from its name here.
 */
export const place = (cell: Cell): Result.Result<Place, NotARegionCode> => {
  const written = text(cell) ?? ""
  const code = /^\d{6}/u.exec(written)?.[0]
  if (code !== undefined && RegionCode.isRegionCode(code)) return Result.succeed({ region: code, detail: written.slice(6).trim() })
  const province = RegionCode.provinceCodes.find((pp) => written.startsWith(RegionCode.provinceNames[pp] ?? "\u0000"))
  const region = `${province ?? ""}0000`
  return province !== undefined && RegionCode.isRegionCode(region)
    ? Result.succeed({ region, detail: written })
    : Result.fail(new NotARegionCode({ reason: `${JSON.stringify(written)} names no province and no region code (行政区划代码)` }))
}

const AMOUNT = /^(?:¥|￥|rmb)? ?(\d+(?:\.\d{1,2})?) ?元?$/iu

/** A cell as an amount in fen (分): a number, or text `12.5`, `¥12.50`, `12.50元`; more than two decimals is no amount. */
export const amount = (cell: Cell): Result.Result<number, UnreadableAmount> => {
  const written = typeof cell === "number" ? String(cell) : (text(cell) ?? "")
  const m = AMOUNT.exec(written)
  return m === null
    ? Result.fail(new UnreadableAmount({ reason: `${JSON.stringify(written)} is not an amount of yuan (12.50, ¥12.50, 12.5元)` }))
    : Result.succeed(Math.round(Number(m[1]) * 100))
}
