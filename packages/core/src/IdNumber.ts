/**
 * 公民身份号码 (GB 11643-1999): 6-digit address code + YYYYMMDD birth date + 3-digit sequence
 * (odd = male, even = female) + check character.
 *
 * The normalised form is always 18 characters with an uppercase `X`. Legacy 15-digit numbers
 * (address code + YYMMDD + sequence, issued before 1999 to people born in the 1900s) are
 * upgraded by inserting "19" and computing the check character.
 *
 * Error messages never contain the whole number: it is personal data.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaIssue from "effect/SchemaIssue"
import { provinceProblem, type RegionCode } from "./RegionCode.ts"

/** A valid identity number in its normalised 18-character form (uppercase `X`). */
export type IdNumber = Brand.Branded<string, "IdNumber">

/**
 * What is wrong with a number, by kind: the length, a character that does not belong
 * (a letter among the digits, `O` for `0`), the province of the address code, the birth date (no
 * calendar date, before 1900, or after the day of `asOf`), or the check character. Lists name it
 * in Chinese and English (`DataQuality`).
 */
export type ProblemCode = "length" | "charset" | "region" | "birth-date" | "birth-date-before-1900" | "birth-date-after-as-of" | "check-character"

/** A problem and the precise reason, which never repeats the number. */
export interface Problem {
  readonly code: ProblemCode
  readonly reason: string
}

/** Failure of {@link parse}. `reason` says precisely what is wrong, without repeating the number. */
export class InvalidIdNumber extends Data.TaggedError("InvalidIdNumber")<Problem> {
  override get message(): string {
    return this.reason
  }
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const
const CHECK_CHARACTERS = "10X98765432"

const SEVENTEEN_DIGITS = /^\d{17}/
const ID18 = /^\d{17}[\dX]$/
const ID15 = /^\d{15}$/

/**
 * The check character for the first 17 digits of a number: `"10X98765432"[Σ aᵢ·Wᵢ mod 11]`.
 * Only the first 17 characters are read, so a full 18-character number may be passed.
 *
 * @throws RangeError when the first 17 characters are not ASCII digits (a programming error).
 */
export const checkCharacter = (first17: string): string => {
  if (!SEVENTEEN_DIGITS.test(first17)) {
    throw new RangeError("checkCharacter expects 17 ASCII digits")
  }
  let sum = 0
  for (let i = 0; i < 17; i++) {
    sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] ?? 0)
  }
  return CHECK_CHARACTERS.charAt(sum % 11)
}

/**
 * Upgrades a legacy 15-digit number (address code + YYMMDD + sequence) to 18 characters by
 * inserting the century "19" and appending the computed check character. Returns `undefined`
 * when the input is not exactly 15 ASCII digits. The result is not otherwise validated: use
 * {@link parse} for that.
 */
export const upgradeLegacy = (id15: string): string | undefined => {
  if (!ID15.test(id15)) return undefined
  const first17 = `${id15.slice(0, 6)}19${id15.slice(6)}`
  return first17 + checkCharacter(first17)
}

/**
 * The cleaning every entry point applies: Unicode NFKC (full-width digits and letters become
 * ASCII, the ideographic space becomes a space), all whitespace removed, `x` uppercased.
 */
const clean = (input: string): string => input.normalize("NFKC").replace(/\s+/gu, "").toUpperCase()

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (isLeapYear(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31

/** `YYYYMMDD` of an instant in China Standard Time (UTC+8, no daylight saving since 1991). */
const chinaDay = (asOf: Date): string => {
  const d = new Date(asOf.getTime() + 8 * 3_600_000)
  const p = (n: number, w: number): string => String(n).padStart(w, "0")
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1, 2)}${p(d.getUTCDate(), 2)}`
}

const dateProblem = (yyyymmdd: string, asOf: Date | undefined): Problem | undefined => {
  const y = Number(yyyymmdd.slice(0, 4))
  const m = Number(yyyymmdd.slice(4, 6))
  const d = Number(yyyymmdd.slice(6, 8))
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    return { code: "birth-date", reason: `birth date ${yyyymmdd} is not a calendar date` }
  }
  if (y < 1900) return { code: "birth-date-before-1900", reason: `birth year ${y} is before 1900` }
  if (asOf !== undefined && !Number.isNaN(asOf.getTime())) {
    const today = chinaDay(asOf)
    if (yyyymmdd > today) {
      return { code: "birth-date-after-as-of", reason: `birth date ${yyyymmdd} is after ${today.slice(0, 4)}-${today.slice(4, 6)}-${today.slice(6)}` }
    }
  }
  return undefined
}

/** Options of {@link parse}. */
export interface ParseOptions {
  /** When given, a birth date after this instant's calendar day (UTC+8) is rejected. */
  readonly asOf?: Date | undefined
}

const lengthProblem = (length: number): Problem => ({ code: "length", reason: `expected 18 characters (or legacy 15), got ${length}` })

/** Validates a cleaned 18-character candidate; `undefined` when valid. */
const problem18 = (id: string, asOf: Date | undefined): Problem | undefined => {
  if (id.length !== 18) return lengthProblem(id.length)
  if (!SEVENTEEN_DIGITS.test(id)) return { code: "charset", reason: "the first 17 characters must be digits" }
  const last = id.charAt(17)
  if (!/[\dX]/.test(last)) return { code: "charset", reason: "the check character must be a digit or X" }
  const province = provinceProblem(id.slice(0, 2))
  if (province !== undefined) return { code: "region", reason: province }
  const date = dateProblem(id.slice(6, 14), asOf)
  if (date !== undefined) return date
  const expected = checkCharacter(id)
  return expected === last ? undefined : { code: "check-character", reason: `check character should be ${expected}, got ${last}` }
}

const problemOf = (input: string, asOf: Date | undefined): { readonly id: string; readonly problem: Problem | undefined } => {
  const cleaned = clean(input)
  if (cleaned.length === 15) {
    const upgraded = upgradeLegacy(cleaned)
    return upgraded === undefined
      ? { id: cleaned, problem: { code: "charset", reason: "a legacy 15-character number must be all digits" } }
      : { id: upgraded, problem: problem18(upgraded, asOf) }
  }
  if (cleaned.length !== 18) return { id: cleaned, problem: lengthProblem(cleaned.length) }
  return { id: cleaned, problem: problem18(cleaned, asOf) }
}

/**
 * Parses an identity number as people type it: spaces are removed, full-width digits and `Ｘ`
 * become ASCII, `x` becomes `X`, and a legacy 15-digit number is upgraded to 18 characters.
 * The result is checked for structure (province code 11–82), a real calendar birth date in or
 * after 1900 (and not after `options.asOf` when given) and the check character.
 */
export const parse = (input: string, options?: ParseOptions): Result.Result<IdNumber, InvalidIdNumber> => {
  const { id, problem } = problemOf(input, options?.asOf)
  return problem === undefined
    ? Result.succeed(id as IdNumber)
    : Result.fail(new InvalidIdNumber(problem))
}

/** Whether a string is already a valid identity number in its normalised 18-character form. */
export const isIdNumber = (input: string): input is IdNumber => ID18.test(input) && problem18(input, undefined) === undefined

/**
 * Cleaning for noisy observation data: the same cleaning and legacy upgrade as {@link parse},
 * but the 18-character result is returned even when its check character, date or province is
 * wrong (a mistyped digit must still be comparable). `undefined` when the input is not shaped
 * like an identity number at all (neither 17 digits + digit/X nor 15 digits).
 */
export const normalizeLoose = (input: string): string | undefined => {
  const cleaned = clean(input)
  if (cleaned.length === 15) return upgradeLegacy(cleaned)
  return ID18.test(cleaned) ? cleaned : undefined
}

/** Birth date encoded in the number, as `YYYY-MM-DD`. */
export const birthDate = (id: IdNumber): string => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`

/** Birth year encoded in the number. */
export const birthYear = (id: IdNumber): number => Number(id.slice(6, 10))

/** Gender encoded in the sequence number: odd is male, even is female. */
export const gender = (id: IdNumber): "M" | "F" => ((id.charCodeAt(16) - 48) % 2 === 1 ? "M" : "F")

/** The six-digit address code (the place of first registration). */
export const regionCode = (id: IdNumber): RegionCode => id.slice(0, 6) as RegionCode

/** Masked form for display and logs: first 6, eight asterisks, last 4 (`110105********002X`). */
export const mask = (id: IdNumber): string => `${id.slice(0, 6)}********${id.slice(14)}`

const idNumberFilter = Schema.makeFilter(
  (s: string) => (ID18.test(s) ? problem18(s, undefined)?.reason ?? true : problemOf(s, undefined).problem?.reason ?? "expected the normalised 18-character form"),
  { expected: "an 18-character identity number" }
)

/** Schema of an identity number already in normalised 18-character form. */
export const IdNumber = Schema.String.pipe(Schema.check(idNumberFilter), Schema.brand("IdNumber"))

/**
 * Schema decoding an identity number as people type it (see {@link parse}) to its normalised
 * 18-character form; a failure's message is the specific reason. Encodes to the normalised form.
 */
export const IdNumberFromString = Schema.String.pipe(
  Schema.decodeTo(IdNumber, {
    decode: SchemaGetter.transformEffect((s: string) => {
      const { id, problem } = problemOf(s, undefined)
      return problem === undefined
        ? Effect.succeed(id)
        : Effect.fail(new SchemaIssue.InvalidValue({ message: problem.reason }))
    }),
    encode: SchemaGetter.passthrough()
  })
)
