import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Similarity from "../src/internal/Similarity.ts"
import { validIdNumber, validPhone } from "./arbitraries.ts"

const RUNS = { numRuns: 1000 }

const close = (actual: number, expected: number): void => assert.closeTo(actual, expected, 0.001)

/** Strings over a small alphabet, so that random pairs share characters. */
const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "d", "张", "伟", "𠮷"), maxLength: 10 })

describe("Similarity", () => {
  describe("Jaro and Jaro-Winkler", () => {
    it("reproduces the textbook values (Winkler 1990)", () => {
      close(Similarity.jaro("MARTHA", "MARHTA"), 0.944)
      close(Similarity.jaroWinkler("MARTHA", "MARHTA"), 0.961)
      close(Similarity.jaroWinkler("DWAYNE", "DUANE"), 0.84)
      close(Similarity.jaroWinkler("DIXON", "DICKSONX"), 0.813)
    })

    it("is 1 for identical strings and 0 when nothing matches", () => {
      assert.strictEqual(Similarity.jaroWinkler("zhang wei", "zhang wei"), 1)
      assert.strictEqual(Similarity.jaroWinkler("", ""), 1)
      assert.strictEqual(Similarity.jaroWinkler("abc", "xyz"), 0)
      assert.strictEqual(Similarity.jaroWinkler("abc", ""), 0)
    })

    it("rates a pinyin key with an extra syllable higher than an unrelated one", () => {
      const extra = Similarity.jaroWinkler("zhang wei", "zhang wei hua")
      const other = Similarity.jaroWinkler("zhang wei", "li na")
      assert.isAbove(extra, 0.9)
      assert.isBelow(other, 0.6)
    })

    it("counts a character outside the BMP as one character", () => {
      // 𠮷 (U+20BB7) is two UTF-16 code units.
      close(Similarity.jaro("𠮷伟", "𠮷伟"), 1)
      assert.strictEqual(Similarity.levenshtein("𠮷伟", "吉伟"), 1)
    })

    it("honours the prefix options", () => {
      const plain = Similarity.jaro("MARTHA", "MARHTA")
      assert.strictEqual(Similarity.jaroWinkler("MARTHA", "MARHTA", { prefixScale: 0 }), plain)
      close(Similarity.jaroWinkler("MARTHA", "MARHTA", { maxPrefix: 1 }), plain + 0.1 * (1 - plain))
    })
  })

  describe("edit distances", () => {
    it("computes Levenshtein and optimal-string-alignment distances", () => {
      assert.strictEqual(Similarity.levenshtein("kitten", "sitting"), 3)
      assert.strictEqual(Similarity.levenshtein("abcd", "acbd"), 2)
      assert.strictEqual(Similarity.damerauLevenshtein("abcd", "acbd"), 1)
      assert.strictEqual(Similarity.damerauLevenshtein("ca", "abc"), 3)
      assert.strictEqual(Similarity.levenshtein("", "abc"), 3)
      assert.strictEqual(Similarity.hamming("13812345678", "13812345687"), 2)
      assert.isUndefined(Similarity.hamming("1381234567", "13812345678"))
    })

    it("recognises one typo in an identity number", () => {
      const id = "11010519491231002X"
      assert.isTrue(Similarity.isOneTranspositionOrSubstitution(id, "11010519941231002X")) // 49 → 94
      assert.isTrue(Similarity.isOneTranspositionOrSubstitution(id, "11010519491231003X")) // 2 → 3
      assert.isFalse(Similarity.isOneTranspositionOrSubstitution(id, "11010519941231003X"))
      assert.isFalse(Similarity.isOneTranspositionOrSubstitution(id, id))
      assert.isTrue(Similarity.isOneEditAway(id, "1101051949123100X")) // a digit dropped
      assert.isFalse(Similarity.isOneEditAway(id, "11010519941231002X")) // a transposition is two edits
    })
  })

  describe("properties", () => {
    it("Jaro-Winkler is symmetric, within [0, 1], at least Jaro, and 1 exactly for equal strings", () => {
      fc.assert(
        fc.property(word, word, (a, b) => {
          const jw = Similarity.jaroWinkler(a, b)
          const j = Similarity.jaro(a, b)
          return Math.abs(jw - Similarity.jaroWinkler(b, a)) < 1e-12 && jw >= 0 && jw <= 1 && jw >= j - 1e-12 &&
            (jw === 1) === (a === b)
        }),
        RUNS
      )
    })

    it("isOneEditAway agrees with Levenshtein distance 1", () => {
      fc.assert(
        fc.property(word, word, (a, b) => Similarity.isOneEditAway(a, b) === (Similarity.levenshtein(a, b) === 1)),
        RUNS
      )
    })

    it("isOneTranspositionOrSubstitution agrees with OSA distance 1 between equal-length strings", () => {
      const sameLength = fc.integer({ min: 0, max: 8 }).chain((n) =>
        fc.tuple(
          fc.string({ unit: fc.constantFrom("1", "2", "3", "X"), minLength: n, maxLength: n }),
          fc.string({ unit: fc.constantFrom("1", "2", "3", "X"), minLength: n, maxLength: n })
        )
      )
      fc.assert(
        fc.property(sameLength, ([a, b]) =>
          Similarity.isOneTranspositionOrSubstitution(a, b) === (Similarity.damerauLevenshtein(a, b) === 1)),
        RUNS
      )
    })

    it("distances are metrics on random words: symmetric, zero only for equal strings, triangle inequality", () => {
      fc.assert(
        fc.property(word, word, word, (a, b, c) => {
          for (const d of [Similarity.levenshtein, Similarity.damerauLevenshtein]) {
            if (d(a, b) !== d(b, a)) return false
            if ((d(a, b) === 0) !== (a === b)) return false
          }
          const lev = Similarity.levenshtein
          return lev(a, c) <= lev(a, b) + lev(b, c) && Similarity.damerauLevenshtein(a, b) <= lev(a, b)
        }),
        RUNS
      )
    })

    it("every single-digit substitution or adjacent swap of an identity number or phone is detected as one typo", () => {
      const typo = fc.oneof(validIdNumber, validPhone).chain((s) =>
        fc.tuple(fc.integer({ min: 0, max: s.length - 2 }), fc.boolean(), fc.constantFrom(..."0123456789")).map(
          ([i, swap, digit]) => ({
            s,
            t: swap ? s.slice(0, i) + s.charAt(i + 1) + s.charAt(i) + s.slice(i + 2) : s.slice(0, i) + digit + s.slice(i + 1)
          })
        )
      )
      fc.assert(
        fc.property(typo, ({ s, t }) => s === t || Similarity.isOneTranspositionOrSubstitution(s, t)),
        RUNS
      )
    })
  })
})
