import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as SheetCell from "../src/SheetCell.ts"
import type { Cell } from "../src/SheetHeader.ts"
import { formatIdNumber, legacyIdNumber, toFullWidth, validIdNumber, validPhone } from "./arbitraries.ts"

const RUNS = { numRuns: 500 }

const ok = <A, E extends { readonly reason: string }>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) throw new Error(`expected a value, got: ${result.failure.reason}`)
  return result.success
}

const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) throw new Error(`expected a finding, got ${JSON.stringify(result.success)}`)
  return result.failure
}

/** Excel's serial of a calendar date (the 1900 date system, past its phantom 29 February 1900). */
const serialOf = (date: string): number => (Date.parse(`${date}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000

const daysFrom = (from: number) =>
  fc.integer({ min: Date.UTC(from, 0, 1) / 86_400_000, max: Date.UTC(2099, 11, 31) / 86_400_000 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10))
const isoDay = daysFrom(1900)

describe("SheetCell.day", () => {
  it("reads the spellings departments use, all as 2023-05-01", () => {
    for (const cell of ["2023-05-01", "2023-5-1", "2023.05.01", "2023.5.1", "2023/05/01", "2023年5月1日", "2023年05月01日", "2023 年 5 月 1 日", "20230501", 20230501, "２０２３．０５．０１", " 2023-05-01 ", "2023-05-01T00:00:00.000Z", "2023-05-01 00:00:00", 45047]) {
      assert.strictEqual(ok(SheetCell.day(cell)), "2023-05-01", JSON.stringify(cell))
    }
  })

  it("reads any Excel serial as the day it shows, a time of day left aside (from 1906: the serials of 1905 read as years)", () => {
    fc.assert(
      fc.property(daysFrom(1906), fc.double({ min: 0, max: 0.999, noNaN: true }), (date, time) => {
        assert.strictEqual(ok(SheetCell.day(serialOf(date) + time)), date)
      }),
      RUNS
    )
  })

  it("reads any day in each spelling, the same", () => {
    fc.assert(
      fc.property(isoDay, fc.constantFrom("-", ".", "/", "年"), fc.boolean(), fc.boolean(), (date, separator, padded, wide) => {
        const [y, m, d] = date.split("-").map(Number) as [number, number, number]
        const part = (n: number) => (padded ? String(n).padStart(2, "0") : String(n))
        const written = separator === "年" ? `${y}年${part(m)}月${part(d)}日` : `${y}${separator}${part(m)}${separator}${part(d)}`
        assert.strictEqual(ok(SheetCell.day(wide ? toFullWidth(written) : written)), date)
      }),
      RUNS
    )
  })

  it("finds no day in a date the calendar lacks, naming it", () => {
    const found = failure(SheetCell.day("2023.02.30"))
    assert.strictEqual(found._tag, "UnreadableDate")
    assert.include(found.reason, "2023.02.30")
  })

  it("finds no day in a month alone (出生年月), nor in text that is no date", () => {
    assert.include(failure(SheetCell.day("1990年7月")).reason, "a month, not a day")
    assert.strictEqual(failure(SheetCell.day("不详"))._tag, "UnreadableDate")
    assert.strictEqual(failure(SheetCell.day(undefined))._tag, "UnreadableDate")
  })

  it("reads no year alone as a serial (1990 is not a day of 1905)", () => {
    assert.include(failure(SheetCell.day(1990)).reason, "a year alone")
  })
})

describe("SheetCell.month", () => {
  it("reads 出生年月 and 缴费月份 as written, and a day as its month", () => {
    for (const [cell, month] of [
      ["1990.07", "1990-07"],
      ["1990年7月", "1990-07"],
      ["1990-7", "1990-07"],
      ["199007", "1990-07"],
      [199007, "1990-07"],
      [1990.07, "1990-07"],
      [1990.12, "1990-12"],
      ["1990年7月15日", "1990-07"],
      [32974, "1990-04"]
    ] as const) {
      assert.strictEqual(ok(SheetCell.month(cell)), month, JSON.stringify(cell))
    }
  })

  it("does not guess a month a number lost the 0 of (1990.1: January or October)", () => {
    assert.include(failure(SheetCell.month(1990.1)).reason, "January or October")
    assert.strictEqual(ok(SheetCell.month("1990.10")), "1990-10")
  })
})

describe("SheetCell.idNumber", () => {
  it("reads an ID number as people type it: full-width, spaced, lower-case x", () => {
    fc.assert(
      fc.property(validIdNumber.chain((id) => formatIdNumber(id).map((typed) => [id, typed] as const)), ([id, typed]) => {
        assert.strictEqual(ok(SheetCell.idNumber(typed)), id)
      }),
      RUNS
    )
  })

  it("finds any 18-digit number stored as a number, never guessing its lost digits", () => {
    fc.assert(
      fc.property(validIdNumber.filter((id) => !id.endsWith("X")), (id) => {
        const found = failure(SheetCell.idNumber(Number(id)))
        assert.strictEqual(found._tag, "IdNumberAsNumber")
        assert.notInclude(found.reason, id.slice(0, 15))
      }),
      RUNS
    )
  })

  it("finds a number in scientific notation, as a CSV Excel saved holds it", () => {
    assert.strictEqual(failure(SheetCell.idNumber("5.10107E+17"))._tag, "IdNumberAsNumber")
    assert.strictEqual(failure(SheetCell.idNumber("５.１０１０７Ｅ＋１７"))._tag, "IdNumberAsNumber")
  })

  it("reads a legacy 15-digit number stored as a number: it is exact", () => {
    fc.assert(
      fc.property(legacyIdNumber, (legacy) => {
        assert.strictEqual(ok(SheetCell.idNumber(Number(legacy))), ok(SheetCell.idNumber(legacy)))
      }),
      RUNS
    )
  })

  it("finds a wrong check character with IdNumber's reason, without the number", () => {
    const found = failure(SheetCell.idNumber("510107198503120416"))
    assert.strictEqual(found._tag, "InvalidIdNumber")
    assert.notInclude(found.reason, "51010719850312")
  })
})

describe("SheetCell.phone", () => {
  it("reads a mobile number stored as a number, or typed with full-width digits", () => {
    fc.assert(
      fc.property(validPhone, fc.boolean(), (phone, asNumber) => {
        const cell: Cell = asNumber ? Number(phone) : toFullWidth(phone)
        assert.strictEqual(ok(SheetCell.phone(cell)), phone)
      }),
      RUNS
    )
  })

  it("finds a landline with Phone's reason", () => {
    assert.strictEqual(failure(SheetCell.phone("0851-5551234"))._tag, "InvalidPhone")
  })
})

describe("SheetCell.text", () => {
  it("trims, makes full-width forms ASCII, and closes a space padding a Chinese name", () => {
    assert.strictEqual(SheetCell.text("　陈  静　"), "陈静")
    assert.strictEqual(SheetCell.text("迪丽娜尔 · 依明"), "迪丽娜尔 · 依明")
    assert.strictEqual(SheetCell.text("Ｚｈａｏ  Ｌｅｉ"), "Zhao Lei")
    assert.isUndefined(SheetCell.text("　 "))
    assert.isUndefined(SheetCell.text(undefined))
  })
})

describe("SheetCell words", () => {
  it("reads 性别, 人员类别 and 外出原因 as the contract's values", () => {
    assert.deepStrictEqual([ok(SheetCell.gender("男")), ok(SheetCell.gender(" 女 ")), ok(SheetCell.gender("M"))], ["M", "F", "M"])
    assert.deepStrictEqual([ok(SheetCell.category("正式党员")), ok(SheetCell.category("预备党员"))], ["full", "probationary"])
    assert.deepStrictEqual([ok(SheetCell.outflowReason("务工")), ok(SheetCell.outflowReason("经商")), ok(SheetCell.outflowReason("随迁"))], ["work", "business", "residence"])
  })

  it("reads 会议类型 and 组织类别 as the contract's values", () => {
    assert.deepStrictEqual(
      ["支委会", "支部委员会", "党员大会", "支部党员大会", "党小组会", "党课", "主题党日", "组织生活会", "民主评议党员", "民主评议"].map((w) => ok(SheetCell.activity(w))),
      ["committee-meeting", "committee-meeting", "members-meeting", "members-meeting", "group-meeting", "party-lecture", "theme-day", "life-meeting", "democratic-review", "democratic-review"]
    )
    assert.deepStrictEqual(
      ["党委", "党总支", "党支部", "流动党支部", "流动党员党支部", "流动党委"].map((w) => ok(SheetCell.orgKind(w))),
      ["committee", "general-branch", "branch", "floating-branch", "floating-branch", "floating-branch"]
    )
    assert.strictEqual(failure(SheetCell.activity("座谈会"))._tag, "UnknownWord")
    assert.strictEqual(failure(SheetCell.orgKind("工会"))._tag, "UnknownWord")
  })

  it("finds a word none of them is, naming it", () => {
    const found = failure(SheetCell.category("入党积极分子"))
    assert.strictEqual(found._tag, "UnknownWord")
    assert.include(found.reason, "入党积极分子")
  })
})

describe("SheetCell.place", () => {
  it("reads a region code first, else the province a place names first", () => {
    assert.deepStrictEqual(ok(SheetCell.place("440305 深圳市南山区")), { region: "440305", detail: "深圳市南山区" })
    assert.deepStrictEqual(ok(SheetCell.place(440305)), { region: "440305", detail: "" })
    assert.deepStrictEqual(ok(SheetCell.place("广东省深圳市南山区")), { region: "440000", detail: "广东省深圳市南山区" })
    assert.deepStrictEqual(ok(SheetCell.place("内蒙古自治区呼和浩特市")), { region: "150000", detail: "内蒙古自治区呼和浩特市" })
  })

  it("does not guess the province of a city it does not name", () => {
    assert.strictEqual(failure(SheetCell.place("深圳市南山区"))._tag, "NotARegionCode")
  })
})

describe("SheetCell.amount", () => {
  it("reads yuan as fen, from a number or text", () => {
    assert.deepStrictEqual([12.5, "12.50", "¥12.50", "￥12.5", "12.5元", "１２.５"].map((cell) => ok(SheetCell.amount(cell))), [1250, 1250, 1250, 1250, 1250, 1250])
  })

  it("finds no amount in a negative, a third decimal or words", () => {
    for (const cell of ["-5", "12.505", "十二元"]) assert.strictEqual(failure(SheetCell.amount(cell))._tag, "UnreadableAmount")
  })
})
