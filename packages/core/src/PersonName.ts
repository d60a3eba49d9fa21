/**
 * Chinese personal names: normalisation, surname / given-name split and pinyin keys.
 *
 * Matching compares names exactly after {@link normalize}, then by {@link pinyinKey}, which
 * makes homophones (张伟 / 章伟) and traditional / simplified spellings (陳偉 / 陈伟) equal.
 * Ethnic-minority names (迪丽娜尔·依明) keep their parts separated by a single "·".
 *
 * @since 0.1.0
 */
import { pinyin } from "pinyin-pro"
import { memo } from "./internal/Memo.ts"
import { toSimplified } from "./internal/opencc.ts"

/** The name functions below are memoised: a cache of this many distinct inputs each. */
const CACHE_LIMIT = 100_000

/** The separator of ethnic-minority name parts, U+00B7 MIDDLE DOT. */
export const NAME_SEPARATOR = "·"

/**
 * Variants of the middle dot found in registration data. NFKC runs first, so the full-width
 * full stop (．) and the half-width katakana dot (･) arrive here as "." and "・".
 */
const DOT_VARIANTS = /[\u00B7\u2022\u2027\u2219\u22C5\u2E31\u30FB\u3002.]/gu

const HAN_SPACE_HAN = /(\p{Script=Han}) (?=\p{Script=Han})/gu
const HAN_GLOBAL = /\p{Script=Han}/gu

/**
 * Normalises a name for storage and exact comparison:
 * - Unicode NFKC: full-width letters and digits become ASCII, the ideographic space a space,
 *   compatibility ideographs their unified form;
 * - leading / trailing whitespace removed, inner whitespace collapsed to one space, and removed
 *   altogether between two Chinese characters ("张\u3000伟", padded to the width of three
 *   characters on forms, is 张伟);
 * - every middle-dot variant (· • ・ ･ ‧ . ． 。) becomes "·", without surrounding spaces,
 *   repeated or leading / trailing dots dropped;
 * - traditional characters become simplified ones (陳偉 → 陈伟).
 *
 * Idempotent: `normalize(normalize(s)) === normalize(s)`. Memoised.
 */
export const normalize = memo(CACHE_LIMIT, (name: string): string => {
  const spaced = name
    .normalize("NFKC")
    .replace(DOT_VARIANTS, NAME_SEPARATOR)
    .replace(/\s+/gu, " ")
    .replace(/ ?·[· ]*/gu, NAME_SEPARATOR)
    .replace(/^[· ]+|[· ]+$/gu, "")
  // A space between Chinese characters is padding ("张\u3000伟") in a name of up to four
  // characters, and the separator of the parts of a longer, transliterated name (买买提 艾力).
  const hanCount = spaced.match(HAN_GLOBAL)?.length ?? 0
  return toSimplified(spaced.replace(HAN_SPACE_HAN, hanCount > 4 ? `$1${NAME_SEPARATOR}` : "$1"))
})

/**
 * Compound surnames (复姓) recognised at the start of a name. Common ones only: a rare compound
 * whose first character is also a frequent single surname (单于: 单 + 于…) is left out, since
 * misreading 单于洋 as 单于 + 洋 would be worse than the reverse.
 */
export const compoundSurnames: ReadonlySet<string> = new Set([
  "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
  "夏侯", "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "澹台", "公冶",
  "宗政", "濮阳", "淳于", "太叔", "申屠", "仲孙", "赫连", "左丘", "呼延", "拓跋", "鲜于", "闾丘",
  "司空", "亓官", "乐正", "东郭", "公羊", "梁丘", "第五", "百里", "羊舌", "微生", "公西"
])

const HAN = /^\p{Script=Han}$/u
const HAN_START = /^\p{Script=Han}/u

interface Split {
  readonly surname: string
  readonly given: string
  /** An ethnic-minority name: parts separated by "·". */
  readonly ethnic: boolean
}

const splitNormalized = (n: string): Split => {
  const dot = n.indexOf(NAME_SEPARATOR)
  if (dot >= 0) return { surname: n.slice(0, dot), given: n.slice(dot + 1), ethnic: true }
  const chars = Array.from(n)
  const first = chars[0]
  if (first === undefined) return { surname: "", given: "", ethnic: false }
  if (!HAN.test(first)) {
    // A romanised name ("Zhang Wei"): its first word, in the Chinese order.
    const space = n.indexOf(" ")
    return space < 0
      ? { surname: n, given: "", ethnic: false }
      : { surname: n.slice(0, space), given: n.slice(space + 1), ethnic: false }
  }
  const two = chars.slice(0, 2).join("")
  const length = chars.length > 2 && compoundSurnames.has(two) ? 2 : 1
  return { surname: chars.slice(0, length).join(""), given: chars.slice(length).join("").trimStart(), ethnic: false }
}

/**
 * The surname (姓) of a name, after normalisation: a compound surname (欧阳娜娜 → 欧阳), else the
 * first character; for an ethnic-minority name, the part before the first "·" (in Uyghur and
 * similar names this is the person's own name, the second part being the father's). For a
 * romanised name, its first word. A compound surname alone (欧阳) is read as surname 欧 + 阳,
 * since a name of only a surname does not occur.
 */
export const surname = (name: string): string => splitNormalized(normalize(name)).surname

/** The given name (名): what follows {@link surname}, without the separating "·". */
export const givenName = (name: string): string => splitNormalized(normalize(name)).given

/** Splits pinyin-pro output into lowercase ASCII tokens: syllables, romanised words, digits. */
const tokens = (syllables: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (const s of syllables) {
    for (const t of s.toLowerCase().split(/[^a-z0-9]+/u)) {
      if (t.length > 0) out.push(t)
    }
  }
  return out
}

const HAN_OR_OTHER_RUNS = /\p{Script=Han}+|[^\p{Script=Han}]+/gu

/**
 * Lowercase toneless syllables of a text. Runs of Chinese characters go through pinyin-pro
 * (with surname readings for a run at the very start when `surnameMode` is "head"); other runs
 * (romanised names, digits) are split into lowercase words.
 */
const syllables = (text: string, surnameMode: "head" | "off"): Array<string> => {
  const out: Array<string> = []
  for (const match of text.matchAll(HAN_OR_OTHER_RUNS)) {
    const run = match[0]
    if (HAN_START.test(run)) {
      const mode = surnameMode === "head" && match.index === 0 ? "head" : "off"
      out.push(...tokens(pinyin(run, { toneType: "none", type: "array", surname: mode, v: true })))
    } else {
      out.push(...tokens([run]))
    }
  }
  return out
}

const keyOfNormalized = (n: string): string => {
  if (n.includes(NAME_SEPARATOR)) {
    // Transliterated names: ordinary readings; pinyin-pro's surname readings would misread them.
    return n.split(NAME_SEPARATOR).flatMap((part) => syllables(part, "off")).join(" ")
  }
  return syllables(n, "head").join(" ")
}

/**
 * Pinyin key of a name: the toneless pinyin syllables of its normalised form, lowercase, joined
 * by single spaces, with surname readings for the first characters (单 → shan, 曾 → zeng,
 * 尉迟 → yu chi) and `v` for `ü` (吕 → lv). Homophones and traditional / simplified spellings
 * get the same key (张伟, 章伟, 張偉 → "zhang wei"). The "·" of an ethnic-minority name is not
 * part of the key, so 迪丽娜尔·依明, 迪丽娜尔 依明 and 迪丽娜尔依明 share "di li na er yi ming".
 * Romanised input gives its lowercase words ("Zhang Wei" → "zhang wei"). Memoised.
 */
export const pinyinKey = memo(CACHE_LIMIT, (name: string): string => keyOfNormalized(normalize(name)))

/**
 * Pinyin of the {@link surname} with surname readings (单 → "shan", 欧阳 → "ou yang"; an ethnic
 * name's first part is read normally). Memoised.
 */
export const surnamePinyin = memo(CACHE_LIMIT, (name: string): string => {
  const split = splitNormalized(normalize(name))
  return syllables(split.surname, split.ethnic ? "off" : "head").join(" ")
})
