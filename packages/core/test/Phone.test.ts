import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as Phone from "../src/Phone.ts"
import { formatPhone, phoneInput, validPhone } from "./arbitraries.ts"

const RUNS = { numRuns: 1000 }

const valueOf = (input: string): string => {
  const result = Phone.parse(input)
  if (Result.isFailure(result)) throw new Error(`expected a success, got: ${result.failure.reason}`)
  return result.success
}

const reasonOf = (input: string): string => {
  const result = Phone.parse(input)
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure.reason
}

describe("Phone", () => {
  describe("parse: the spellings of one number are equal", () => {
    it.each([
      "13812345678",
      "+86 138-1234-5678",
      "0086 13812345678",
      "8613812345678",
      "138 1234 5678",
      "(+86) 138 1234 5678",
      "（+86）138-1234-5678",
      "１３８１２３４５６７８",
      "+86 138.1234.5678",
      "\t138 1234 5678 "
    ])("reads %j as 13812345678", (input) => {
      assert.strictEqual(valueOf(input), "13812345678")
    })

    it("keeps an 11-digit number that itself starts with 86… untouched (no prefix to strip)", () => {
      // Only 13 digits starting 86 are a prefixed number; 11 digits are always the number itself.
      assert.strictEqual(reasonOf("86123456789"), "a mainland mobile number starts with 13–19, got 86")
    })
  })

  describe("parse: rejections say why, without the number", () => {
    it("rejects a wrong digit count", () => {
      assert.strictEqual(reasonOf("1381234567"), "expected 11 digits, got 10")
      assert.strictEqual(reasonOf("138123456789"), "expected 11 digits, got 12")
      assert.strictEqual(reasonOf(""), "expected 11 digits, got 0")
    })

    it("rejects numbers that are not mobile numbers (landlines, 12x)", () => {
      assert.strictEqual(reasonOf("12812345678"), "a mainland mobile number starts with 13–19, got 12")
      assert.strictEqual(reasonOf("02812345678"), "a mainland mobile number starts with 13–19, got 02")
    })

    it("rejects letters", () => {
      assert.strictEqual(reasonOf("138-1234-567O"), "a mobile number must contain only digits and separators")
    })

    it("is an InvalidPhone tagged error whose message is the reason", () => {
      const result = Phone.parse("123")
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure._tag, "InvalidPhone")
        assert.strictEqual(result.failure.message, "expected 11 digits, got 3")
      }
    })
  })

  describe("accessors", () => {
    const phone = valueOf("138 1234 5678") as Phone.Phone

    it("masks the middle four digits", () => {
      assert.strictEqual(Phone.mask(phone), "138****5678")
    })

    it("gives the last eight digits as a blocking key", () => {
      assert.strictEqual(Phone.last8(phone), "12345678")
    })

    it("normalizeLoose keeps the digits of a number that is not a valid mobile number", () => {
      assert.strictEqual(Phone.normalizeLoose("tel: +86 (128) 1234-5678"), "12812345678")
      assert.strictEqual(Phone.normalizeLoose("0086-138-1234-5678"), "13812345678")
      assert.strictEqual(Phone.normalizeLoose("028-8765 4321"), "02887654321")
      assert.isUndefined(Phone.normalizeLoose("none"))
    })
  })

  describe("schemas", () => {
    it("PhoneFromString decodes a written number to its 11 digits and encodes it back", () => {
      const decoded = Schema.decodeUnknownSync(Phone.PhoneFromString)("+86 138-1234-5678")
      assert.strictEqual(decoded, "13812345678")
      assert.strictEqual(Schema.encodeSync(Phone.PhoneFromString)(decoded), "13812345678")
    })

    it("PhoneFromString reports the specific reason as the issue message", () => {
      const result = Schema.decodeUnknownResult(Phone.PhoneFromString)("1381234567")
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) assert.strictEqual(result.failure.message, "expected 11 digits, got 10")
    })

    it("Phone accepts only the normalised form", () => {
      assert.strictEqual(Schema.decodeUnknownSync(Phone.Phone)("13812345678"), "13812345678")
      assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(Phone.Phone)("138 1234 5678")))
    })
  })

  describe("properties", () => {
    it("every spelling of a number parses to the number (format-insensitive)", () => {
      const spelled = validPhone.chain((phone) => formatPhone(phone).map((input) => ({ phone, input })))
      fc.assert(
        fc.property(spelled, ({ phone, input }) => {
          const result = Phone.parse(input)
          return Result.isSuccess(result) && result.success === phone && Phone.normalizeLoose(input) === phone
        }),
        RUNS
      )
    })

    it("two spellings of the same number parse equal", () => {
      const twoSpellings = validPhone.chain((phone) => fc.tuple(formatPhone(phone), formatPhone(phone)))
      fc.assert(
        fc.property(twoSpellings, ([a, b]) => {
          const pa = Phone.parse(a)
          const pb = Phone.parse(b)
          return Result.isSuccess(pa) && Result.isSuccess(pb) && pa.success === pb.success
        }),
        RUNS
      )
    })

    it("normalisation is idempotent", () => {
      fc.assert(
        fc.property(fc.oneof(phoneInput, fc.string(), fc.stringMatching(/^[+0-9 ()-]{0,20}$/)), (input) => {
          const once = Phone.parse(input)
          if (Result.isFailure(once)) return true
          const twice = Phone.parse(once.success)
          return Result.isSuccess(twice) && twice.success === once.success && Phone.isPhone(once.success)
        }),
        RUNS
      )
    })

    it("mask keeps the first three and last four digits", () => {
      fc.assert(
        fc.property(validPhone, (phone) => {
          const masked = Phone.mask(phone)
          return masked.length === 11 && masked.startsWith(phone.slice(0, 3)) && masked.endsWith(phone.slice(7))
        }),
        RUNS
      )
    })
  })
})
