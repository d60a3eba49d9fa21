/**
 * Mainland China mobile numbers: 11 digits starting with 13–19.
 *
 * Input is accepted as people write it: with a +86 / 0086 / 86 country prefix, spaces, dashes,
 * dots, parentheses and full-width digits. Error messages never contain the number.
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

/** A mainland mobile number, normalised to its 11 digits. */
export type Phone = Brand.Branded<string, "Phone">

/** Failure of {@link parse}. `reason` is a human-readable English sentence. */
export class InvalidPhone extends Data.TaggedError("InvalidPhone")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

const MOBILE = /^1[3-9]\d{9}$/

/** Separators people put inside phone numbers: whitespace, dashes of every width, dots, brackets. */
const SEPARATORS = /[\s\-‐‑‒–—―−.·()[\]]+/gu

/**
 * Removes formatting and the country prefix: NFKC (full-width → ASCII), separators removed,
 * then `+86`, `0086` or `86` stripped when exactly 11 digits follow.
 */
const clean = (input: string): string => {
  const s = input.normalize("NFKC").replace(SEPARATORS, "")
  const m = /^(?:\+86|0086|86)(\d{11})$/.exec(s)
  return m?.[1] ?? s
}

const problem = (digits: string): string | undefined => {
  if (!/^\d*$/.test(digits)) return "a mobile number must contain only digits and separators"
  if (digits.length !== 11) return `expected 11 digits, got ${digits.length}`
  if (!MOBILE.test(digits)) return `a mainland mobile number starts with 13–19, got ${digits.slice(0, 2)}`
  return undefined
}

/** Parses a mainland mobile number written in any common format. */
export const parse = (input: string): Result.Result<Phone, InvalidPhone> => {
  const digits = clean(input)
  const reason = problem(digits)
  return reason === undefined ? Result.succeed(digits as Phone) : Result.fail(new InvalidPhone({ reason }))
}

/** Whether a string is already a normalised mobile number (11 digits, 13–19). */
export const isPhone = (input: string): input is Phone => MOBILE.test(input)

/**
 * Cleaning for noisy observation data: the digits left after removing formatting and the
 * country prefix, even if they are not a valid mobile number; `undefined` when no digit is left.
 */
export const normalizeLoose = (input: string): string | undefined => {
  const digits = input.normalize("NFKC").replace(/\D+/gu, "")
  const national =
    digits.length === 13 && digits.startsWith("86")
      ? digits.slice(2)
      : digits.length === 15 && digits.startsWith("0086")
      ? digits.slice(4)
      : digits
  return national.length === 0 ? undefined : national
}

/** Masked form for display and logs: `138****5678`. */
export const mask = (phone: Phone): string => `${phone.slice(0, 3)}****${phone.slice(7)}`

/** The last eight digits (the subscriber part), a blocking key robust to a wrong prefix. */
export const last8 = (phone: Phone): string => phone.slice(3)

/** Schema of an already normalised mobile number. */
export const Phone = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => problem(s) ?? true, { expected: "an 11-digit mobile number" })),
  Schema.brand("Phone")
)

/** Schema decoding a mobile number in any common format (see {@link parse}) to its 11 digits. */
export const PhoneFromString = Schema.String.pipe(
  Schema.decodeTo(Phone, {
    decode: SchemaGetter.transformEffect((s: string) => {
      const digits = clean(s)
      const reason = problem(digits)
      return reason === undefined
        ? Effect.succeed(digits)
        : Effect.fail(new SchemaIssue.InvalidValue({ message: reason }))
    }),
    encode: SchemaGetter.passthrough()
  })
)
