/**
 * Personal data as the lists show it: masked unless revealed (lists travel by e-mail and on paper),
 * and never a malformed value that looks like a valid one.
 */
import { Redacted } from "effect"
import * as IdNumber from "../IdNumber.ts"
import * as Phone from "../Phone.ts"
import * as RegionCode from "../RegionCode.ts"

const malformedMark = { zh: "（有误）", en: " (invalid)" } as const

/**
 * An ID number: masked unless revealed, and marked when it fails GB 11643 (`110105********0021（有误）`).
 * A number that does not even normalise shows as `********` when masked.
 */
export const idNumber = (value: Redacted.Redacted<string> | undefined, reveal: boolean, lang: "zh" | "en", malformed: boolean): string => {
  if (value === undefined) return ""
  const raw = Redacted.value(value)
  const parsed = IdNumber.normalizeLoose(raw)
  const shown = reveal ? parsed ?? raw : parsed === undefined ? "********" : IdNumber.mask(parsed as IdNumber.IdNumber)
  return malformed ? shown + malformedMark[lang] : shown
}

/** Whether an ID number fails GB 11643 (its check character or its birth date). */
export const isMalformedId = (value: Redacted.Redacted<string> | undefined): boolean =>
  value !== undefined && IdNumber.parse(Redacted.value(value))._tag === "Failure"

/** A phone: its digits revealed, `138****5678` masked, `****` when it is no mobile number. */
export const phone = (value: Redacted.Redacted<string> | undefined, reveal: boolean): string => {
  if (value === undefined) return ""
  const digits = Phone.normalizeLoose(Redacted.value(value)) ?? ""
  if (reveal) return digits
  return Phone.isPhone(digits) ? Phone.mask(digits) : "****"
}

/** A birth date: whole when revealed, its year alone when masked (`1985-**-**`). */
export const birthDate = (value: string | undefined, reveal: boolean): string =>
  value === undefined ? "" : reveal ? value : `${value.slice(0, 4)}-**-**`

/** A region code with its province's name: `浙江省 330106`. */
export const region = (code: string): string => (RegionCode.isRegionCode(code) ? `${RegionCode.provinceName(code)} ${code}` : code)
