import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as IdNumber from "../src/IdNumber.ts"
import { formatIdNumber, idNumberInput, legacyIdNumber, validIdNumber } from "./arbitraries.ts"

const RUNS = { numRuns: 1000 }

const reasonOf = (input: string, options?: IdNumber.ParseOptions): string => {
  const result = IdNumber.parse(input, options)
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure.reason
}

const valueOf = (input: string): string => {
  const result = IdNumber.parse(input)
  if (Result.isFailure(result)) throw new Error(`expected a success, got: ${result.failure.reason}`)
  return result.success
}

/** Every single-character substitution of a valid number: the position and a different character. */
const corruption = validIdNumber.chain((id) =>
  fc.integer({ min: 0, max: 17 }).chain((position) => {
    const alphabet = position === 17 ? "0123456789X" : "0123456789"
    const others = Array.from(alphabet).filter((c) => c !== id.charAt(position))
    return fc.constantFrom(...others).map((c) => ({
      id,
      corrupted: id.slice(0, position) + c + id.slice(position + 1)
    }))
  })
)

describe("IdNumber", () => {
  describe("check character (GB 11643-1999, ISO 7064 MOD 11-2)", () => {
    it("computes X for the standard's example 11010519491231002X", () => {
      assert.strictEqual(IdNumber.checkCharacter("11010519491231002"), "X")
    })

    it("reads only the first 17 characters, so a whole number can be passed", () => {
      assert.strictEqual(IdNumber.checkCharacter("11010519491231002X"), "X")
    })

    it("rejects fewer than 17 leading digits as a programming error", () => {
      assert.throws(() => IdNumber.checkCharacter("1101051949123100"), RangeError)
      assert.throws(() => IdNumber.checkCharacter("1101051949123100A"), RangeError)
    })
  })

  describe("parse: accepted spellings", () => {
    it("accepts the standard's example number as it is", () => {
      assert.strictEqual(valueOf("11010519491231002X"), "11010519491231002X")
    })

    it("uppercases a lowercase x check character", () => {
      assert.strictEqual(valueOf("11010519491231002x"), "11010519491231002X")
    })

    it("converts full-width digits and Ｘ to ASCII", () => {
      assert.strictEqual(valueOf("１１０１０５１９４９１２３１００２Ｘ"), "11010519491231002X")
    })

    it("removes spaces, tabs and ideographic spaces between groups", () => {
      assert.strictEqual(valueOf(" 110105 19491231 002X\t"), "11010519491231002X")
      assert.strictEqual(valueOf("110105　19491231　002x"), "11010519491231002X")
    })

    it("a legacy 15-digit number upgrades to the 18-digit number with the computed check character", () => {
      // 510108 + 65 12 15 + 905 → 510108 19651215 905 + check: Σ aᵢ·Wᵢ = 285, 285 mod 11 = 10 → "2"
      assert.strictEqual(valueOf("510108651215905"), "510108196512159052")
      assert.strictEqual(IdNumber.upgradeLegacy("510108651215905"), "510108196512159052")
    })

    it("accepts 29 February of a leap year, including 2000", () => {
      const first17 = "11010520000229002"
      assert.isTrue(Result.isSuccess(IdNumber.parse(first17 + IdNumber.checkCharacter(first17))))
    })
  })

  describe("parse: rejections say precisely why, without repeating the number", () => {
    it("names the expected and the actual check character", () => {
      assert.strictEqual(reasonOf("110105194912310021"), "check character should be X, got 1")
    })

    it("rejects a month 13 as not a calendar date", () => {
      const first17 = "11010519991332002"
      assert.strictEqual(reasonOf(first17 + IdNumber.checkCharacter(first17)), "birth date 19991332 is not a calendar date")
    })

    it("rejects 29 February 1900 (not a leap year) and 31 April", () => {
      for (const date of ["19000229", "19650431"]) {
        const first17 = `110105${date}002`
        assert.strictEqual(reasonOf(first17 + IdNumber.checkCharacter(first17)), `birth date ${date} is not a calendar date`)
      }
    })

    it("rejects a birth year before 1900", () => {
      const first17 = "11010518991231002"
      assert.strictEqual(reasonOf(first17 + IdNumber.checkCharacter(first17)), "birth year 1899 is before 1900")
    })

    it("rejects a birth date after the asOf day (China time), and accepts the asOf day itself", () => {
      const first17 = "11010520260302002"
      const id = first17 + IdNumber.checkCharacter(first17)
      // 2026-03-01T16:00Z is already 2 March in Beijing.
      assert.isTrue(Result.isSuccess(IdNumber.parse(id, { asOf: new Date("2026-03-01T16:00:00Z") })))
      assert.strictEqual(
        reasonOf(id, { asOf: new Date("2026-03-01T15:59:59Z") }),
        "birth date 20260302 is after 2026-03-01"
      )
      assert.isTrue(Result.isSuccess(IdNumber.parse(id)))
    })

    it("rejects a province code outside 11–82", () => {
      const first17 = "99010519491231002"
      assert.strictEqual(reasonOf(first17 + IdNumber.checkCharacter(first17)), "province code 99 is not in 11–82")
      const zero = "01010519491231002"
      assert.strictEqual(reasonOf(zero + IdNumber.checkCharacter(zero)), "province code 01 is not in 11–82")
    })

    it("rejects an unassigned code inside 11–82 (there has never been a province 19)", () => {
      const first17 = "19010519491231002"
      assert.strictEqual(reasonOf(first17 + IdNumber.checkCharacter(first17)), "province code 19 is not a province-level code")
    })

    it("rejects a wrong length, naming it", () => {
      assert.strictEqual(reasonOf("110105194912"), "expected 18 characters (or legacy 15), got 12")
      assert.strictEqual(reasonOf(""), "expected 18 characters (or legacy 15), got 0")
      assert.strictEqual(reasonOf("11010519491231002X1"), "expected 18 characters (or legacy 15), got 19")
    })

    it("rejects letters in the body and in a legacy number", () => {
      assert.strictEqual(reasonOf("1101051949123100XX"), "the first 17 characters must be digits")
      assert.strictEqual(reasonOf("11010519491231002Y"), "the check character must be a digit or X")
      assert.strictEqual(reasonOf("51010865121590X"), "a legacy 15-character number must be all digits")
    })

    it("is an InvalidIdNumber tagged error whose message is the reason", () => {
      const result = IdNumber.parse("110105194912310021")
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure._tag, "InvalidIdNumber")
        assert.strictEqual(result.failure.message, "check character should be X, got 1")
        assert.instanceOf(result.failure, Error)
      }
    })
  })

  describe("accessors", () => {
    const id = valueOf("11010519491231002X") as IdNumber.IdNumber

    it("reads birth date, year, region code and gender (sequence 002 is even: female)", () => {
      assert.strictEqual(IdNumber.birthDate(id), "1949-12-31")
      assert.strictEqual(IdNumber.birthYear(id), 1949)
      assert.strictEqual(IdNumber.regionCode(id), "110105")
      assert.strictEqual(IdNumber.gender(id), "F")
      assert.strictEqual(IdNumber.gender(valueOf("510108651215905") as IdNumber.IdNumber), "M")
    })

    it("masks all but the address code and the last four characters", () => {
      assert.strictEqual(IdNumber.mask(id), "110105********002X")
    })

    it("isIdNumber accepts only the normalised form", () => {
      assert.isTrue(IdNumber.isIdNumber("11010519491231002X"))
      assert.isFalse(IdNumber.isIdNumber("11010519491231002x"))
      assert.isFalse(IdNumber.isIdNumber("510108651215905"))
    })
  })

  describe("normalizeLoose (noisy observations)", () => {
    it("cleans and upgrades like parse but keeps a number whose check character is wrong", () => {
      assert.strictEqual(IdNumber.normalizeLoose(" 110105 19491231 0021 "), "110105194912310021")
      assert.strictEqual(IdNumber.normalizeLoose("11010519491231002x"), "11010519491231002X")
      assert.strictEqual(IdNumber.normalizeLoose("510108651215905"), "510108196512159052")
    })

    it("returns undefined for what is not shaped like an identity number", () => {
      assert.isUndefined(IdNumber.normalizeLoose("13812345678"))
      assert.isUndefined(IdNumber.normalizeLoose("1101051949123100XX"))
      assert.isUndefined(IdNumber.normalizeLoose("unknown"))
    })
  })

  describe("schemas", () => {
    it("IdNumberFromString decodes a typed number to the normalised form and encodes it back", () => {
      const decoded = Schema.decodeUnknownSync(IdNumber.IdNumberFromString)("11010519491231002x")
      assert.strictEqual(decoded, "11010519491231002X")
      assert.strictEqual(Schema.encodeSync(IdNumber.IdNumberFromString)(decoded), "11010519491231002X")
      assert.strictEqual(Schema.decodeUnknownSync(IdNumber.IdNumberFromString)("510108651215905"), "510108196512159052")
    })

    it("IdNumberFromString reports the specific reason as the issue message", () => {
      const result = Schema.decodeUnknownResult(IdNumber.IdNumberFromString)("110105194912310021")
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure.message, "check character should be X, got 1")
      }
    })

    it("IdNumber accepts only the normalised form", () => {
      assert.strictEqual(Schema.decodeUnknownSync(IdNumber.IdNumber)("11010519491231002X"), "11010519491231002X")
      assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(IdNumber.IdNumber)("11010519491231002x")))
      const wrong = Schema.decodeUnknownResult(IdNumber.IdNumber)("110105194912310021")
      assert.isTrue(Result.isFailure(wrong))
      if (Result.isFailure(wrong)) assert.strictEqual(wrong.failure.message, "check character should be X, got 1")
    })
  })

  describe("properties", () => {
    it("every generated valid number parses to itself", () => {
      fc.assert(
        fc.property(validIdNumber, (id) => {
          const result = IdNumber.parse(id)
          return Result.isSuccess(result) && result.success === id && IdNumber.isIdNumber(id)
        }),
        RUNS
      )
    })

    it("every typed spelling of a valid number parses to the number", () => {
      fc.assert(
        fc.property(validIdNumber.chain((id) => formatIdNumber(id).map((input) => ({ id, input }))), ({ id, input }) => {
          const result = IdNumber.parse(input)
          return Result.isSuccess(result) && result.success === id
        }),
        RUNS
      )
    })

    it("every single-character substitution fails the check character, and parse rejects it", () => {
      fc.assert(
        fc.property(corruption, ({ corrupted }) => {
          assert.notStrictEqual(IdNumber.checkCharacter(corrupted), corrupted.charAt(17))
          assert.isTrue(Result.isFailure(IdNumber.parse(corrupted)))
        }),
        RUNS
      )
    })

    it("every transposition of two different adjacent digits among the first 17 fails the check", () => {
      const transposed = validIdNumber.chain((id) =>
        fc.integer({ min: 0, max: 15 }).map((i) => ({
          id,
          swapped: id.slice(0, i) + id.charAt(i + 1) + id.charAt(i) + id.slice(i + 2)
        }))
      )
      fc.assert(
        fc.property(transposed, ({ id, swapped }) => {
          fc.pre(id !== swapped)
          assert.isTrue(Result.isFailure(IdNumber.parse(swapped)))
        }),
        RUNS
      )
    })

    it("a rejection's reason never contains the number", () => {
      fc.assert(
        fc.property(corruption, ({ corrupted }) => {
          const result = IdNumber.parse(corrupted)
          return Result.isFailure(result) && !result.failure.reason.includes(corrupted.slice(0, 17)) &&
            !result.failure.reason.includes(corrupted.slice(0, 6) + corrupted.slice(6, 14))
        }),
        RUNS
      )
    })

    it("every legacy upgrade gives a valid 18-character number with the same address, date and sequence", () => {
      fc.assert(
        fc.property(legacyIdNumber, (id15) => {
          const upgraded = IdNumber.upgradeLegacy(id15)
          const parsed = IdNumber.parse(id15)
          return upgraded !== undefined && Result.isSuccess(parsed) && parsed.success === upgraded &&
            Result.isSuccess(IdNumber.parse(upgraded)) &&
            upgraded.slice(0, 6) === id15.slice(0, 6) &&
            upgraded.slice(6, 14) === `19${id15.slice(6, 12)}` &&
            upgraded.slice(14, 17) === id15.slice(12)
        }),
        RUNS
      )
    })

    it("parse is idempotent: parsing a parsed number gives it back", () => {
      const anyInput = fc.oneof(idNumberInput, legacyIdNumber, corruption.map((c) => c.corrupted), fc.string())
      fc.assert(
        fc.property(anyInput, (input) => {
          const once = IdNumber.parse(input)
          if (Result.isFailure(once)) return true
          const twice = IdNumber.parse(once.success)
          return Result.isSuccess(twice) && twice.success === once.success
        }),
        RUNS
      )
    })

    it("normalizeLoose agrees with parse on valid input and is idempotent", () => {
      fc.assert(
        fc.property(fc.oneof(idNumberInput, legacyIdNumber, corruption.map((c) => c.corrupted)), (input) => {
          const loose = IdNumber.normalizeLoose(input)
          const parsed = IdNumber.parse(input)
          if (loose === undefined) return false
          if (Result.isSuccess(parsed) && parsed.success !== loose) return false
          return IdNumber.normalizeLoose(loose) === loose
        }),
        RUNS
      )
    })

    it("birth date and gender agree with the digits", () => {
      fc.assert(
        fc.property(validIdNumber, (id) => {
          const date = IdNumber.birthDate(id)
          return date.replaceAll("-", "") === id.slice(6, 14) &&
            IdNumber.gender(id) === (Number(id.charAt(16)) % 2 === 1 ? "M" : "F") &&
            IdNumber.mask(id).length === 18
        }),
        RUNS
      )
    })
  })
})
