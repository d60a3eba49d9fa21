/**
 * Data quality of a registration: an ID number that fails GB 11643, one member id registered with
 * different ID numbers, and dates a clerk would call impossible (docs/rules.md#data-quality). A problem never stops a member from being tracked —
 * losing the member would be worse — and never changes a status: it adds the flag `data-quality`
 * and a row in the data-quality list of the organisation that must correct it.
 *
 * The checks read only the registration, never the as-of instant, so a problem is there from the
 * registration on and goes only when a corrected registration arrives.
 */
import { Redacted, Schema } from "effect"
import * as Result from "effect/Result"
import * as IdNumber from "./IdNumber.ts"
import type * as Projection from "./Projection.ts"
import { formatCstDate, parseIsoInstant } from "./Instant.ts"

/** The registration fields checked, by their names in `MemberRegistered` (docs/events.md). */
export const fields = ["idNumber", "birthDate", "gender", "joinedAt", "occurredAt"] as const
export type Field = (typeof fields)[number]

/** What is wrong: an ID number's kind of malformation, or why a date is implausible. */
export type Code =
  | IdNumber.ProblemCode
  | "before-founding"
  | "before-1900"
  | "after-registration"
  | "before-birth"
  | "under-18"
  | "differs-from-id"
  | "registered-differently"

/** One problem: the field and what is wrong with it. Holds no personal data (no values). */
export interface Problem {
  readonly field: Field
  readonly code: Code
}

export const fieldLabels: Record<Field, { readonly zh: string; readonly en: string }> = {
  idNumber: { zh: "身份证号", en: "ID number" },
  birthDate: { zh: "出生日期", en: "birth date" },
  gender: { zh: "性别", en: "gender" },
  joinedAt: { zh: "入党日期", en: "date joined" },
  occurredAt: { zh: "登记时间", en: "registration date" }
}

export const codeLabels: Record<Code, { readonly zh: string; readonly en: string }> = {
  length: { zh: "位数不对（应为18位或15位）", en: "wrong length (18 characters, or a legacy 15)" },
  charset: { zh: "含有不应出现的字符（如字母、字母O代替数字0）", en: "a character that does not belong (a letter, O for 0)" },
  region: { zh: "地址码的省级代码不存在", en: "the province of the address code does not exist" },
  "birth-date": { zh: "所含出生日期不存在（如2月30日）", en: "the birth date in it does not exist (such as 30 February)" },
  "birth-date-before-1900": { zh: "所含出生日期早于1900年，不合理", en: "the birth date in it is before 1900: implausible" },
  "birth-date-after-as-of": { zh: "所含出生日期晚于登记日期", en: "the birth date in it is after the registration" },
  "check-character": { zh: "校验码错误", en: "wrong check character" },
  "before-founding": { zh: "早于建党（1921年7月1日）", en: "before the Party was founded (1 July 1921)" },
  "before-1900": { zh: "早于1900年，不合理", en: "before 1900: implausible" },
  "after-registration": { zh: "晚于登记日期", en: "after the registration" },
  "before-birth": { zh: "早于出生日期", en: "before the birth date" },
  "under-18": { zh: "入党时未满18周岁", en: "joined before the age of 18" },
  "differs-from-id": { zh: "与身份证号不一致", en: "differs from the ID number" },
  "registered-differently": {
    zh: "同一党员先后登记过不同的身份证号，请核实哪个正确",
    en: "registered under this member id with different ID numbers: check which is right"
  }
}

/** A problem as stored in an evaluation. */
export const Problem = Schema.Struct({
  field: Schema.Literals(fields),
  code: Schema.declare((u: unknown): u is Code => typeof u === "string" && Object.hasOwn(codeLabels, u), {
    expected: "a data-quality code"
  })
})

/** 中国共产党成立: no one joined, and no registration happened, before it. */
export const founded = "1921-07-01"
const foundedAt = parseIsoInstant(`${founded}T00:00:00+08:00`) ?? 0

const none: ReadonlyArray<Problem> = Object.freeze([])

/** The date 18 years after a `YYYY-MM-DD` birth date, as a comparable string (29 February stays, and sorts before 1 March). */
const eighteenth = (birthDate: string): string => `${Number(birthDate.slice(0, 4)) + 18}${birthDate.slice(4)}`

/**
 * The problems of a member's registration, in the order of {@link fields}; empty when there is
 * none or the member is not registered. The ID number's birth date counts as after the
 * registration when it is later than the registration's day (China Standard Time).
 */
export const problems = (projection: Projection.Projection): ReadonlyArray<Problem> => {
  const registration = projection.registration
  const at = projection.registrationStamp?.at
  if (registration === undefined || at === undefined) return none
  const day = formatCstDate(at)
  const found: Array<Problem> = []
  const parsed = IdNumber.parse(Redacted.value(registration.idNumber), { asOf: new Date(at) })
  const id = Result.isSuccess(parsed) ? parsed.success : undefined
  if (Result.isFailure(parsed)) found.push({ field: "idNumber", code: parsed.failure.code })
  if ((projection.idNumbers?.length ?? 0) > 1) found.push({ field: "idNumber", code: "registered-differently" })
  const { birthDate, gender, joinedAt } = registration
  if (birthDate !== undefined) {
    if (birthDate < "1900-01-01") found.push({ field: "birthDate", code: "before-1900" })
    else if (birthDate > day) found.push({ field: "birthDate", code: "after-registration" })
    else if (id !== undefined && IdNumber.birthDate(id) !== birthDate) found.push({ field: "birthDate", code: "differs-from-id" })
  }
  if (gender !== undefined && id !== undefined && IdNumber.gender(id) !== gender) found.push({ field: "gender", code: "differs-from-id" })
  if (joinedAt !== undefined) {
    const born = birthDate ?? (id === undefined ? undefined : IdNumber.birthDate(id))
    if (joinedAt < founded) found.push({ field: "joinedAt", code: "before-founding" })
    else if (joinedAt > day) found.push({ field: "joinedAt", code: "after-registration" })
    else if (born !== undefined && joinedAt <= born) found.push({ field: "joinedAt", code: "before-birth" })
    else if (born !== undefined && joinedAt < eighteenth(born)) found.push({ field: "joinedAt", code: "under-18" })
  }
  if (at < foundedAt) found.push({ field: "occurredAt", code: "before-founding" })
  return found.length === 0 ? none : found
}

/** A problem as one phrase in a language: `身份证号：校验码错误`, `ID number: wrong check character`. */
export const describe = (problem: Problem, lang: "zh" | "en"): string =>
  `${fieldLabels[problem.field][lang]}${lang === "zh" ? "：" : ": "}${codeLabels[problem.code][lang]}`
