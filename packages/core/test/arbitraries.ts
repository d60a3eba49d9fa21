/**
 * fast-check arbitraries of Chinese identity data, shared by the test suites.
 *
 * - `validIdNumber` / `legacyIdNumber` / `idNumberInput`: identity numbers, canonical or as typed;
 * - `validPhone` / `phoneInput`: mainland mobile numbers, canonical or as typed;
 * - `chineseName` / `nameInput`: realistic names, canonical (simplified, normalised) or as typed
 *   (traditional characters, padding spaces, middle-dot variants);
 * - `cstInstant` / `nearInstant`: ISO-8601 date-times as relink writes them; valid and just not,
 *   in the wire's shape and in others.
 *
 * The `format…` functions give the noisy spellings of one canonical value, so a test can check
 * that parsing the noisy form gives the canonical one back.
 */
import { Redacted } from "effect"
import * as fc from "fast-check"
import { checkCharacter, type IdNumber } from "../src/IdNumber.ts"
import * as Matching from "../src/Matching.ts"
import type { Phone } from "../src/Phone.ts"
import { formatCst } from "../src/Instant.ts"
import { provinceCodes } from "../src/RegionCode.ts"

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/** ASCII → full-width (U+FF01–U+FF5E). */
export const toFullWidth = (s: string): string =>
  s.replace(/[!-~]/gu, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))

const DAY_MS = 86_400_000

/** Calendar dates `YYYYMMDD` between two years (inclusive). */
export const birthDate = (fromYear: number, toYear: number): fc.Arbitrary<string> => {
  const min = Date.UTC(fromYear, 0, 1) / DAY_MS
  const max = Date.UTC(toYear, 11, 31) / DAY_MS
  return fc.integer({ min, max }).map((day) => {
    const d = new Date(day * DAY_MS)
    return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`
  })
}

/** A six-digit address code with a real province prefix. */
export const addressCode: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...provinceCodes), fc.integer({ min: 0, max: 9999 }))
  .map(([province, rest]) => `${province}${pad(rest, 4)}`)

/** A valid 18-character identity number (born 1900–2025), normalised (uppercase X). */
export const validIdNumber: fc.Arbitrary<IdNumber> = fc
  .tuple(addressCode, birthDate(1900, 2025), fc.integer({ min: 0, max: 999 }))
  .map(([address, date, sequence]) => {
    const first17 = `${address}${date}${pad(sequence, 3)}`
    return (first17 + checkCharacter(first17)) as IdNumber
  })

/** A legacy 15-digit identity number (address code + YYMMDD + sequence, born 1900–1999). */
export const legacyIdNumber: fc.Arbitrary<string> = fc
  .tuple(addressCode, birthDate(1900, 1999), fc.integer({ min: 0, max: 999 }))
  .map(([address, date, sequence]) => `${address}${date.slice(2)}${pad(sequence, 3)}`)

/** The ways people type an identity number: lowercase x, full-width digits, grouping spaces. */
export const formatIdNumber = (id: string): fc.Arbitrary<string> =>
  fc
    .record({
      lowercase: fc.boolean(),
      fullWidth: fc.boolean(),
      grouping: fc.constantFrom("none", "6-8-4", "every-4", "padded")
    })
    .map(({ lowercase, fullWidth, grouping }) => {
      let s = lowercase ? id.toLowerCase() : id
      if (grouping === "6-8-4") s = `${s.slice(0, 6)} ${s.slice(6, 14)} ${s.slice(14)}`
      if (grouping === "every-4") s = s.replace(/(.{4})(?=.)/gu, "$1 ")
      if (grouping === "padded") s = `  ${s}\t`
      return fullWidth ? toFullWidth(s) : s
    })

/** A valid identity number as somebody might type it. */
export const idNumberInput: fc.Arbitrary<string> = validIdNumber.chain(formatIdNumber)

/** A valid mainland mobile number, 11 digits starting 13–19. */
export const validPhone: fc.Arbitrary<Phone> = fc
  .tuple(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 0, max: 999_999_999 }))
  .map(([second, rest]) => `1${second}${pad(rest, 9)}` as Phone)

/** The ways people write a mobile number: country prefix, 3-4-4 grouping, full-width digits. */
export const formatPhone = (phone: string): fc.Arbitrary<string> =>
  fc
    .record({
      prefix: fc.constantFrom("", "+86", "+86 ", "0086", "0086 ", "86", "(+86) ", "+86-", "（+86）"),
      separator: fc.constantFrom("", " ", "-", "－", "　"),
      fullWidth: fc.boolean(),
      padded: fc.boolean()
    })
    .map(({ prefix, separator, fullWidth, padded }) => {
      const grouped = [phone.slice(0, 3), phone.slice(3, 7), phone.slice(7)].join(separator)
      const s = `${prefix}${fullWidth ? toFullWidth(grouped) : grouped}`
      return padded ? ` ${s} ` : s
    })

/** A valid mobile number as somebody might write it. */
export const phoneInput: fc.Arbitrary<string> = validPhone.chain(formatPhone)

const SURNAMES = [
  "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
  "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "单", "曾", "解",
  "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "慕容"
]

const GIVEN = Array.from(
  "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红玉梅海燕春花小龙飞鹏辉宇浩然子轩梓涵一诺欣怡晓东凤云"
)

const ETHNIC_PARTS = ["迪丽娜尔", "依明", "买买提", "艾力", "热依拉", "阿不都", "古丽", "努尔", "帕提古丽", "吐尔逊", "阿依"]

/** A realistic name in canonical form (simplified, no spaces); ethnic names use "·". */
export const chineseName: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...SURNAMES), fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 2 })).map(([s, g]) => s + g.join("")) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ETHNIC_PARTS), fc.constantFrom(...ETHNIC_PARTS)).map(([a, b]) => `${a}·${b}`) }
)

/** Traditional forms of the characters used above (the inverse of OpenCC's conversion). */
const TRADITIONAL: Readonly<Record<string, string>> = {
  "陈": "陳", "张": "張", "刘": "劉", "杨": "楊", "黄": "黃", "赵": "趙", "吴": "吳", "孙": "孫", "罗": "羅",
  "马": "馬", "郑": "鄭", "谢": "謝", "许": "許", "韩": "韓", "冯": "馮", "邓": "鄧", "欧": "歐", "阳": "陽",
  "诸": "諸", "东": "東", "伟": "偉", "丽": "麗", "华": "華", "国": "國", "军": "軍", "红": "紅", "龙": "龍",
  "飞": "飛", "鹏": "鵬", "辉": "輝", "涛": "濤", "凤": "鳳", "兰": "蘭", "艳": "艷", "刚": "剛", "静": "靜",
  "晓": "曉", "云": "雲", "买": "買", "热": "熱", "尔": "爾", "诺": "諾", "轩": "軒",
  "单": "單", "迟": "遲", "门": "門", "逊": "遜"
}

const DOTS = ["·", "•", "・", "･", "‧", ".", "．"]

/**
 * The ways a name arrives in registration data: traditional characters, padding spaces between
 * characters ("张\u3000伟"), surrounding whitespace, and any middle-dot variant in ethnic names.
 */
export const formatName = (name: string): fc.Arbitrary<string> =>
  fc
    .record({
      traditional: fc.boolean(),
      padding: fc.constantFrom("", " ", "　", "  "),
      dot: fc.constantFrom(...DOTS),
      around: fc.constantFrom("", " ", "　", "\t")
    })
    .map(({ traditional, padding, dot, around }) => {
      let s = traditional ? Array.from(name, (c) => TRADITIONAL[c] ?? c).join("") : name
      s = s.includes("·")
        ? s.replace("·", padding === "" ? dot : ` ${dot} `)
        : Array.from(s).length === 2
        ? Array.from(s).join(padding)
        : s
      return `${around}${s}${around}`
    })

/** A realistic name as it might be typed or exported by another system. */
export const nameInput: fc.Arbitrary<string> = chineseName.chain(formatName)

/** Replaces one character of `text`, e.g. a digit by a letter or a separator by another. */
const mutateCharacter = (text: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.nat({ max: Math.max(0, text.length - 1) }), fc.constantFrom(..."0123456789-:T+Z. xz/\u0660"))
    .map(([at, c]) => text.slice(0, at) + c + text.slice(at + 1))

/** `YYYY-MM-DDTHH:MM:SS.fffZ` and its variants, each part in range, at its edges or just out of it. */
const instantParts: fc.Arbitrary<string> = fc
  .record({
    year: fc.oneof(fc.constantFrom(0, 50, 99, 100, 1970, 2000, 2024, 2100, 9999), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31)),
    separator: fc.constantFrom("T", "T", "T", "t", " "),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.oneof(fc.integer({ min: 0, max: 60 }).map((n) => `:${pad(n, 2)}`), fc.constant("")),
    fraction: fc.constantFrom("", "", ".000", ".123", ".999", ".5", ".12", ".1239", ".123456789", ".1234567890", "."),
    zone: fc.oneof(
      fc.constantFrom("Z", "+08:00", "z", "", "-00:00", "+0800", "+24:00", "+23:59", "-23:59", "+8:00", " +08:00", "UTC"),
      fc
        .tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom(":", ":", ""))
        .map(([sign, h, m, colon]) => `${sign}${pad(h, 2)}${colon}${pad(m, 2)}`)
    )
  })
  .map(
    ({ year, month, day, separator, hour, minute, second, fraction, zone }) =>
      `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${separator}${pad(hour, 2)}:${pad(minute, 2)}${second}${fraction}${zone}`
  )

/** Instants as relink writes them (`+08:00`, milliseconds only when present), years 0001–9998. */
export const cstInstant: fc.Arbitrary<string> = fc
  .integer({ min: Date.parse("0001-01-01T00:00:00Z"), max: Date.parse("9998-12-31T00:00:00Z") })
  .chain((at) => fc.constantFrom(at, at - (at % 1000)))
  .map(formatCst)

/** ISO-8601 date-times near the wire's shape: valid, invalid by one part or one character, or any text. */
export const nearInstant: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: instantParts },
  { weight: 2, arbitrary: cstInstant },
  { weight: 2, arbitrary: fc.oneof(instantParts, cstInstant).chain(mutateCharacter) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }
)

/** Members with a name, a valid ID number (its birth date and gender read from it) and a region, the same for a seed. */
export const crowd = (size: number, seed = 42): ReadonlyArray<Matching.Candidate> =>
  fc
    .sample(fc.record({ name: chineseName, idNumber: validIdNumber, region: addressCode }), { numRuns: size, seed })
    .map(({ name, idNumber, region }, i) => ({ memberId: `m-${i}`, person: Matching.person({ name, idNumber: Redacted.make(idNumber), regions: [region] }) }))
