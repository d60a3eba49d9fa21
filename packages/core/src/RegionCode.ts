/**
 * 行政区划代码 (GB/T 2260): six-digit administrative division codes `PPCCDD`
 * (province, prefecture, county).
 *
 * Validation is structural: six ASCII digits whose first two digits are a province-level code
 * that GB/T 2260 has ever assigned (11–82). County and prefecture codes are not checked against a
 * list, because codes are never reused and an identity number keeps the code of the place where
 * it was first issued, even after that county has been merged or renamed.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as Data from "effect/Data"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaIssue from "effect/SchemaIssue"
import * as Effect from "effect/Effect"

/**
 * Province-level codes (省级行政区) with their short display names. 46 (海南) dates from 1988,
 * 50 (重庆) from 1997, 81/82 from the handovers; no province-level code has ever been withdrawn.
 */
export const provinceNames: Readonly<Record<string, string>> = {
  "11": "北京",
  "12": "天津",
  "13": "河北",
  "14": "山西",
  "15": "内蒙古",
  "21": "辽宁",
  "22": "吉林",
  "23": "黑龙江",
  "31": "上海",
  "32": "江苏",
  "33": "浙江",
  "34": "安徽",
  "35": "福建",
  "36": "江西",
  "37": "山东",
  "41": "河南",
  "42": "湖北",
  "43": "湖南",
  "44": "广东",
  "45": "广西",
  "46": "海南",
  "50": "重庆",
  "51": "四川",
  "52": "贵州",
  "53": "云南",
  "54": "西藏",
  "61": "陕西",
  "62": "甘肃",
  "63": "青海",
  "64": "宁夏",
  "65": "新疆",
  "71": "台湾",
  "81": "香港",
  "82": "澳门"
}

/** The province-level codes, in ascending order. */
export const provinceCodes: ReadonlyArray<string> = Object.keys(provinceNames).sort()

/** Whether a two-digit string is a province-level code that GB/T 2260 has assigned. */
export const isProvinceCode = (pp: string): boolean => Object.hasOwn(provinceNames, pp)

/**
 * Why a province prefix is rejected, or `undefined` when it is a province-level code.
 * Shared with the identity-number validation.
 *
 * @internal
 */
export const provinceProblem = (pp: string): string | undefined => {
  if (isProvinceCode(pp)) return undefined
  const n = Number(pp)
  return n < 11 || n > 82
    ? `province code ${pp} is not in 11–82`
    : `province code ${pp} is not a province-level code`
}

/** A six-digit administrative division code whose province part is valid. */
export type RegionCode = Brand.Branded<string, "RegionCode">

/** Failure of {@link parse}. `reason` is a human-readable English sentence. */
export class InvalidRegionCode extends Data.TaggedError("InvalidRegionCode")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

const SIX_DIGITS = /^\d{6}$/

const problem = (code: string): string | undefined => {
  if (!SIX_DIGITS.test(code)) {
    return /^\d*$/.test(code)
      ? `expected 6 digits, got ${code.length}`
      : "a region code must contain only digits"
  }
  return provinceProblem(code.slice(0, 2))
}

/** Whether a string is already a valid, normalised region code. */
export const isRegionCode = (code: string): code is RegionCode => problem(code) === undefined

/**
 * Parses a region code. Whitespace is removed and full-width digits become ASCII digits.
 */
export const parse = (input: string): Result.Result<RegionCode, InvalidRegionCode> => {
  const code = input.normalize("NFKC").replace(/\s+/gu, "")
  const reason = problem(code)
  return reason === undefined
    ? Result.succeed(code as RegionCode)
    : Result.fail(new InvalidRegionCode({ reason }))
}

/** Province part: `"510107"` → `"51"`. */
export const province = (code: RegionCode): string => code.slice(0, 2)

/** Prefecture part (地级): `"510107"` → `"5101"`. */
export const prefecture = (code: RegionCode): string => code.slice(0, 4)

/** County part (县级), i.e. the whole code: `"510107"` → `"510107"`. */
export const county = (code: RegionCode): string => code.slice(0, 6)

/** Display name of the province of a code (`"510107"` → `"四川"`). */
export const provinceName = (code: RegionCode): string => provinceNames[province(code)] ?? province(code)

/** How close two places are, from the shared prefix of their codes. */
export type Relation = "same-county" | "same-prefecture" | "same-province" | "different"

/**
 * Compares two codes by prefix: identical codes are the same county, a shared four-digit prefix
 * the same prefecture, a shared two-digit prefix the same province.
 */
export const relation = (a: RegionCode, b: RegionCode): Relation =>
  a === b
    ? "same-county"
    : prefecture(a) === prefecture(b)
    ? "same-prefecture"
    : province(a) === province(b)
    ? "same-province"
    : "different"

/**
 * Whether the area a code names holds the place of another, by GB/T 2260's levels: a province's
 * code (`440000`) holds every code of the province, a prefecture's (`440300`) every code of the
 * prefecture, any other code only itself. Six-digit strings, as events carry them.
 */
export const contains = (area: string, code: string): boolean =>
  area.endsWith("0000") ? area.slice(0, 2) === code.slice(0, 2) : area.endsWith("00") ? area.slice(0, 4) === code.slice(0, 4) : area === code

/** Schema of an already normalised region code (six digits, valid province). */
export const RegionCode = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => problem(s) ?? true, { expected: "a six-digit region code" })),
  Schema.brand("RegionCode")
)

/** Schema decoding a loosely formatted string (spaces, full-width digits) to a {@link RegionCode}. */
export const RegionCodeFromString = Schema.String.pipe(
  Schema.decodeTo(RegionCode, {
    decode: SchemaGetter.transformEffect((s: string) => {
      const r = parse(s)
      return Result.isSuccess(r)
        ? Effect.succeed(r.success as string)
        : Effect.fail(new SchemaIssue.InvalidValue({ message: r.failure.reason }))
    }),
    encode: SchemaGetter.passthrough()
  })
)
