/**
 * String similarity for record linkage: Jaro, Jaro-Winkler, edit distances and the "one typo"
 * predicates used to compare identity numbers and phone numbers.
 *
 * All functions compare Unicode code points (not UTF-16 code units), so a Chinese character
 * outside the Basic Multilingual Plane counts as one character.
 *
 * @internal
 */

const codePoints = (s: string): ReadonlyArray<string> => Array.from(s)

/**
 * Jaro similarity in [0, 1]: 1 for identical strings (two empty strings included), 0 when no
 * character matches within the matching window or exactly one of the strings is empty.
 */
export const jaro = (a: string, b: string): number => {
  if (a === b) return 1
  const s = codePoints(a)
  const t = codePoints(b)
  if (s.length === 0 || t.length === 0) return 0
  const window = Math.max(0, Math.floor(Math.max(s.length, t.length) / 2) - 1)
  const sMatched = new Array<boolean>(s.length).fill(false)
  const tMatched = new Array<boolean>(t.length).fill(false)
  let matches = 0
  for (let i = 0; i < s.length; i++) {
    const from = Math.max(0, i - window)
    const to = Math.min(t.length - 1, i + window)
    for (let j = from; j <= to; j++) {
      if (!tMatched[j] && s[i] === t[j]) {
        sMatched[i] = true
        tMatched[j] = true
        matches++
        break
      }
    }
  }
  if (matches === 0) return 0
  let transpositions = 0
  let k = 0
  for (let i = 0; i < s.length; i++) {
    if (!sMatched[i]) continue
    while (!tMatched[k]) k++
    if (s[i] !== t[k]) transpositions++
    k++
  }
  const m = matches
  return (m / s.length + m / t.length + (m - transpositions / 2) / m) / 3
}

/** Options of {@link jaroWinkler}. */
export interface JaroWinklerOptions {
  /** Weight of the common prefix, at most 0.25. Default 0.1. */
  readonly prefixScale?: number
  /** Longest prefix rewarded. Default 4. */
  readonly maxPrefix?: number
}

/**
 * Jaro-Winkler similarity in [0, 1]: Jaro similarity boosted for a common prefix
 * (`jw = j + ℓ·p·(1 − j)`, ℓ the common prefix length up to `maxPrefix`, p the `prefixScale`).
 * The standard definition, without a boost threshold.
 */
export const jaroWinkler = (a: string, b: string, options?: JaroWinklerOptions): number => {
  const j = jaro(a, b)
  if (j === 1 || j === 0) return j
  const p = Math.min(0.25, Math.max(0, options?.prefixScale ?? 0.1))
  const maxPrefix = options?.maxPrefix ?? 4
  const s = codePoints(a)
  const t = codePoints(b)
  let prefix = 0
  const limit = Math.min(maxPrefix, s.length, t.length)
  while (prefix < limit && s[prefix] === t[prefix]) prefix++
  return Math.min(1, j + prefix * p * (1 - j))
}

/** Reads a table cell; every index used is in range, the fallback only satisfies the type checker. */
const at = (row: Uint32Array, j: number): number => row[j] ?? 0

/** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
export const levenshtein = (a: string, b: string): number => {
  if (a === b) return 0
  const s = codePoints(a)
  const t = codePoints(b)
  const width = t.length + 1
  // Two rows of the dynamic-programming table, in one flat array.
  let previous = new Uint32Array(width).map((_, j) => j)
  let current = new Uint32Array(width)
  for (let i = 1; i <= s.length; i++) {
    current[0] = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      current[j] = Math.min(at(previous, j) + 1, at(current, j - 1) + 1, at(previous, j - 1) + cost)
    }
    ;[previous, current] = [current, previous]
  }
  return at(previous, t.length)
}

/**
 * Damerau-Levenshtein distance in its optimal-string-alignment form: Levenshtein plus the
 * transposition of two adjacent characters, each costing 1 (a substring is edited once at most).
 */
export const damerauLevenshtein = (a: string, b: string): number => {
  if (a === b) return 0
  const s = codePoints(a)
  const t = codePoints(b)
  const width = t.length + 1
  // Three rows of the table: i − 2, i − 1 and i.
  let older = new Uint32Array(width)
  let previous = new Uint32Array(width).map((_, j) => j)
  let current = new Uint32Array(width)
  for (let i = 1; i <= s.length; i++) {
    current[0] = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min(at(previous, j) + 1, at(current, j - 1) + 1, at(previous, j - 1) + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, at(older, j - 2) + 1)
      }
      current[j] = d
    }
    ;[older, previous, current] = [previous, current, older]
  }
  return at(previous, t.length)
}

/**
 * Whether `b` is exactly one insertion, deletion or substitution away from `a`
 * (Levenshtein distance exactly 1). Linear time; identical strings are not one edit away.
 */
export const isOneEditAway = (a: string, b: string): boolean => {
  if (a === b) return false
  const s = codePoints(a)
  const t = codePoints(b)
  if (Math.abs(s.length - t.length) > 1) return false
  const [short, long] = s.length <= t.length ? [s, t] : [t, s]
  let i = 0
  while (i < short.length && short[i] === long[i]) i++
  if (short.length === long.length) {
    // One substitution at i: the rest must agree.
    for (let k = i + 1; k < short.length; k++) if (short[k] !== long[k]) return false
    return true
  }
  // One insertion into `short` at i.
  for (let k = i; k < short.length; k++) if (short[k] !== long[k + 1]) return false
  return true
}

/**
 * Whether two strings of the same length differ by exactly one substitution or exactly one
 * transposition of adjacent characters — the two commonest typing errors in an identity or
 * phone number. Identical strings and strings of different lengths are not.
 */
export const isOneTranspositionOrSubstitution = (a: string, b: string): boolean => {
  if (a === b) return false
  const s = codePoints(a)
  const t = codePoints(b)
  if (s.length !== t.length) return false
  const diffs: Array<number> = []
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== t[i]) {
      diffs.push(i)
      if (diffs.length > 2) return false
    }
  }
  if (diffs.length === 1) return true
  const [i, j] = diffs as [number, number]
  return j === i + 1 && s[i] === t[j] && s[j] === t[i]
}

/** Number of positions at which two strings of equal length differ; `undefined` if lengths differ. */
export const hamming = (a: string, b: string): number | undefined => {
  const s = codePoints(a)
  const t = codePoints(b)
  if (s.length !== t.length) return undefined
  let d = 0
  for (let i = 0; i < s.length; i++) if (s[i] !== t[i]) d++
  return d
}
