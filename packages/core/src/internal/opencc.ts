/**
 * Traditional → simplified Chinese conversion for names, wrapping `opencc-js`.
 *
 * Uses the OpenCC "hk → cn" chain (standard traditional characters plus Hong Kong variants such
 * as 衞 and 敍); the Taiwan chain is not used because it rewrites 著 to 着, and 著 is also a
 * standard simplified character. The converter is built once, at module load.
 *
 * @internal
 */
import { Converter } from "opencc-js/t2cn"
import { memo } from "./Memo.ts"

/** One character at a time, memoised: a converter call costs microseconds, and names share characters. */
const hkToCn = memo(20_000, Converter({ from: "hk", to: "cn" }))

/**
 * Characters that are standard simplified characters in names although OpenCC treats them as
 * traditional forms: 乾 (qián, as in 乾隆) would otherwise become 干 (gān) and change the name's
 * pinyin.
 */
const PRESERVED = /(乾)/u

/**
 * Character by character: OpenCC's phrase tables rewrite words, and a name is not a word
 * (沈思雨 would become 沉思雨 through the phrase 沈思 → 沉思, changing the surname).
 */
const convertOnce = (s: string): string =>
  s
    .split(PRESERVED)
    .map((part, i) => (i % 2 === 1 ? part : Array.from(part, (c) => hkToCn(c)).join("")))
    .join("")

/**
 * Converts traditional characters to simplified ones. Applied until nothing changes (at most a
 * few rounds), so the conversion is idempotent even where OpenCC maps in two steps (薴 → 苧 → 苎).
 */
export const toSimplified = (s: string): string => {
  let current = s
  for (let round = 0; round < 4; round++) {
    const next = convertOnce(current)
    if (next === current) return current
    current = next
  }
  return current
}
