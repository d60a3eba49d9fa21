import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as RegionCode from "../src/RegionCode.ts"
import { addressCode } from "./arbitraries.ts"

const RUNS = { numRuns: 1000 }

const code = (s: string): RegionCode.RegionCode => {
  const result = RegionCode.parse(s)
  if (Result.isFailure(result)) throw new Error(result.failure.reason)
  return result.success
}

const reasonOf = (input: string): string => {
  const result = RegionCode.parse(input)
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure.reason
}

describe("RegionCode", () => {
  describe("parse", () => {
    it("accepts county, prefecture and province-level codes", () => {
      assert.strictEqual(code("510107"), "510107")
      assert.strictEqual(code("510100"), "510100")
      assert.strictEqual(code("510000"), "510000")
    })

    it("accepts codes that no longer exist today (address codes are never reused)", () => {
      // 510122 双流县 became 双流区 (510116) in 2015; 19xx identity numbers still carry 510122.
      assert.strictEqual(code("510122"), "510122")
    })

    it("removes spaces and converts full-width digits", () => {
      assert.strictEqual(code(" ５１０１０７ "), "510107")
    })

    it("rejects province codes outside 11–82 and unassigned ones", () => {
      assert.strictEqual(reasonOf("990101"), "province code 99 is not in 11–82")
      assert.strictEqual(reasonOf("100101"), "province code 10 is not in 11–82")
      assert.strictEqual(reasonOf("190101"), "province code 19 is not a province-level code")
    })

    it("rejects a wrong length or non-digits", () => {
      assert.strictEqual(reasonOf("5101"), "expected 6 digits, got 4")
      assert.strictEqual(reasonOf("5101O7"), "a region code must contain only digits")
    })
  })

  describe("parts and relation", () => {
    const wuhou = code("510107") // 成都市武侯区
    const jinjiang = code("510104") // 成都市锦江区
    const mianyang = code("510703") // 绵阳市涪城区
    const xihu = code("330106") // 杭州市西湖区

    it("splits a code into province, prefecture and county", () => {
      assert.strictEqual(RegionCode.province(wuhou), "51")
      assert.strictEqual(RegionCode.prefecture(wuhou), "5101")
      assert.strictEqual(RegionCode.county(wuhou), "510107")
    })

    it("relates two districts of Chengdu as the same prefecture, Chengdu and Mianyang as the same province", () => {
      assert.strictEqual(RegionCode.relation(wuhou, wuhou), "same-county")
      assert.strictEqual(RegionCode.relation(wuhou, jinjiang), "same-prefecture")
      assert.strictEqual(RegionCode.relation(wuhou, mianyang), "same-province")
      assert.strictEqual(RegionCode.relation(wuhou, xihu), "different")
    })

    it("names provinces for display", () => {
      assert.strictEqual(RegionCode.provinceName(wuhou), "四川")
      assert.strictEqual(RegionCode.provinceName(code("650102")), "新疆")
      assert.strictEqual(RegionCode.provinceNames["11"], "北京")
      assert.strictEqual(RegionCode.provinceNames["71"], "台湾")
      assert.strictEqual(RegionCode.provinceNames["81"], "香港")
      assert.strictEqual(RegionCode.provinceNames["82"], "澳门")
      assert.strictEqual(RegionCode.provinceCodes.length, 34)
    })
  })

  describe("schemas", () => {
    it("RegionCodeFromString decodes loose input; RegionCode accepts only the normalised form", () => {
      assert.strictEqual(Schema.decodeUnknownSync(RegionCode.RegionCodeFromString)(" 510107"), "510107")
      assert.strictEqual(Schema.decodeUnknownSync(RegionCode.RegionCode)("510107"), "510107")
      const bad = Schema.decodeUnknownResult(RegionCode.RegionCode)("990101")
      assert.isTrue(Result.isFailure(bad))
      if (Result.isFailure(bad)) assert.strictEqual(bad.failure.message, "province code 99 is not in 11–82")
    })
  })

  describe("properties", () => {
    it("every code with a real province parses to itself, idempotently", () => {
      fc.assert(
        fc.property(addressCode, (s) => {
          const once = RegionCode.parse(s)
          if (Result.isFailure(once) || once.success !== s) return false
          const twice = RegionCode.parse(once.success)
          return Result.isSuccess(twice) && twice.success === s && RegionCode.isRegionCode(s)
        }),
        RUNS
      )
    })

    it("relation is symmetric and ordered by shared prefix", () => {
      fc.assert(
        fc.property(addressCode, addressCode, (x, y) => {
          const a = code(x)
          const b = code(y)
          const r = RegionCode.relation(a, b)
          const expected = x === y
            ? "same-county"
            : x.slice(0, 4) === y.slice(0, 4)
            ? "same-prefecture"
            : x.slice(0, 2) === y.slice(0, 2)
            ? "same-province"
            : "different"
          return r === RegionCode.relation(b, a) && r === expected
        }),
        RUNS
      )
    })

    it("only the 34 province-level prefixes are accepted", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 9999 }), (p, rest) => {
          const pp = String(p).padStart(2, "0")
          const ok = Result.isSuccess(RegionCode.parse(pp + String(rest).padStart(4, "0")))
          return ok === RegionCode.provinceCodes.includes(pp)
        }),
        RUNS
      )
    })
  })
})

describe("RegionCode.contains", () => {
  it("holds a province's, a prefecture's or a county's own codes, by GB/T 2260's levels", () => {
    const cases: ReadonlyArray<readonly [string, string, boolean]> = [
      ["440000", "440305", true],
      ["440000", "450305", false],
      ["440300", "440305", true],
      ["440300", "440300", true],
      ["440300", "440105", false],
      ["440300", "440000", false],
      ["440305", "440305", true],
      ["440305", "440306", false],
      ["440305", "440300", false]
    ]
    assert.deepStrictEqual(cases.map(([area, code]) => RegionCode.contains(area, code)), cases.map(([, , inside]) => inside))
  })
})
