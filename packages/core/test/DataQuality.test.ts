import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as DataQuality from "../src/DataQuality.ts"
import type * as Event from "../src/Event.ts"
import * as IdNumber from "../src/IdNumber.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import type * as Status from "../src/Status.ts"
import { legacyIdNumber, validIdNumber } from "./arbitraries.ts"
import * as F from "./fixtures.ts"

const M = "m-1"
const orgs = [F.org("org-committee"), F.org("org-branch-a", "org-committee")]

const evaluate = (events: ReadonlyArray<Event.Event>, asOf = "2026-11-27"): Status.Evaluation => {
  const evaluation = Scan.run([...orgs, ...events], { asOf: F.at(asOf), policy: Policy.defaults }).evaluations.find((e) => e.memberId === M)
  if (evaluation === undefined) throw new Error("member not evaluated")
  return evaluation
}

/** The problems of a member registered on `when` with these fields (ID 11010519491231002X, born 1949-12-31, female). */
const problemsOf = (fields: Record<string, unknown>, when = "2025-01-01"): ReadonlyArray<DataQuality.Problem> =>
  evaluate([F.registered(M, when, fields)]).dataQuality ?? []

const codeOf = (input: string): IdNumber.ProblemCode | undefined => {
  const parsed = IdNumber.parse(input)
  return Result.isFailure(parsed) ? parsed.failure.code : undefined
}

describe("IdNumber: each kind of malformation is named", () => {
  const cases: ReadonlyArray<readonly [string, string, IdNumber.ProblemCode]> = [
    ["a wrong check character", "110105194912310021", "check-character"],
    ["17 characters", "11010519491231002", "length"],
    ["19 characters", "11010519491231002X1", "length"],
    ["16 characters", "1101051949123100", "length"],
    ["a leading letter", "A10105194912310021", "charset"],
    ["the letter O for a zero", "11O10519491231002X", "charset"],
    ["a letter as check character", "11010519491231002Y", "charset"],
    ["a legacy number with a letter", "11010549123100A", "charset"],
    ["province 99", "990105194912310026", "region"],
    ["province 00", "000105194912310027", "region"],
    ["30 February", "110105194902300029", "birth-date"],
    ["month 13", "110105194913010024", "birth-date"],
    ["born before 1900", "110105189912310026", "birth-date-before-1900"]
  ]
  for (const [what, input, code] of cases) {
    it(`${what}: ${code}`, () => assert.strictEqual(codeOf(input), code))
  }
  it("the reason never repeats the number", () => {
    for (const [, input] of cases) {
      const parsed = IdNumber.parse(input)
      if (Result.isFailure(parsed)) assert.notInclude(parsed.failure.reason, input)
    }
  })
})

describe("IdNumber properties", () => {
  it("every valid number, and every valid legacy number, passes: no data-quality problem", () => {
    fc.assert(
      fc.property(fc.oneof(validIdNumber, legacyIdNumber), (id) => {
        assert.isTrue(Result.isSuccess(IdNumber.parse(id)))
        assert.notInclude(problemsOf({ idNumber: id }, "2026-11-01").map((p) => p.field), "idNumber")
      }),
      { numRuns: 300 }
    )
  })
  it("every single-character corruption of a valid number is a data-quality problem of the ID number", () => {
    const corruption = validIdNumber.chain((id) =>
      fc.tuple(fc.integer({ min: 0, max: 17 }), fc.constantFrom(..."0123456789XOAIl ")).filter(([i, c]) => id.charAt(i) !== c && c !== " ").map(([i, c]) => ({
        id,
        corrupted: id.slice(0, i) + c + id.slice(i + 1)
      }))
    )
    fc.assert(
      fc.property(corruption, ({ corrupted }) => {
        assert.isDefined(codeOf(corrupted))
        assert.include(problemsOf({ idNumber: corrupted }).map((p) => p.field), "idNumber")
      }),
      { numRuns: 300 }
    )
  })
})

describe("DataQuality: implausible dates (docs/rules.md#data-quality)", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string, DataQuality.Problem | undefined]> = [
    ["a consistent registration", { birthDate: "1949-12-31", gender: "F", joinedAt: "1970-07-01" }, "2025-01-01", undefined],
    ["joined before 1921-07-01", { joinedAt: "1921-06-30" }, "2025-01-01", { field: "joinedAt", code: "before-founding" }],
    ["joined on 1921-07-01", { birthDate: "1900-01-01", idNumber: "110105190001010028", joinedAt: "1921-07-01" }, "2025-01-01", undefined],
    ["registered before 1921-07-01", { idNumber: "110105190001010028" }, "1920-05-01", { field: "occurredAt", code: "before-founding" }],
    ["joined after the registration", { joinedAt: "2025-01-02" }, "2025-01-01", { field: "joinedAt", code: "after-registration" }],
    ["born after the registration", { birthDate: "2030-01-01" }, "2025-01-01", { field: "birthDate", code: "after-registration" }],
    ["born before 1900", { birthDate: "1899-12-31" }, "2025-01-01", { field: "birthDate", code: "before-1900" }],
    ["joined before birth (the ID's birth date)", { joinedAt: "1940-01-01" }, "2025-01-01", { field: "joinedAt", code: "before-birth" }],
    ["joined at 17", { joinedAt: "1967-12-30" }, "2025-01-01", { field: "joinedAt", code: "under-18" }],
    ["joined on the 18th birthday", { joinedAt: "1967-12-31" }, "2025-01-01", undefined],
    ["a birth date other than the ID's", { birthDate: "1949-12-30" }, "2025-01-01", { field: "birthDate", code: "differs-from-id" }],
    ["a gender other than the ID's", { gender: "M" }, "2025-01-01", { field: "gender", code: "differs-from-id" }],
    ["an ID born after the registration", { idNumber: "110105202601010027" }, "2025-06-01", { field: "idNumber", code: "birth-date-after-as-of" }]
  ]
  for (const [what, fields, when, expected] of cases) {
    it(`${what}: ${expected === undefined ? "no problem" : `${expected.field} ${expected.code}`}`, () => {
      assert.deepStrictEqual(problemsOf(fields, when), expected === undefined ? [] : [expected])
    })
  }
})

describe("DataQuality: each problem says its own reason", () => {
  const idNumber = (birth: string) => `110105${birth}002` + IdNumber.checkCharacter(`110105${birth}002`)
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    ["an ID born in 1890", idNumber("18900315"), "身份证号：所含出生日期早于1900年，不合理", "ID number: the birth date in it is before 1900: implausible"],
    ["an ID born on 30 February", idNumber("19490230"), "身份证号：所含出生日期不存在（如2月30日）", "ID number: the birth date in it does not exist (such as 30 February)"],
    ["an ID born after the registration", idNumber("20250602"), "身份证号：所含出生日期晚于登记日期", "ID number: the birth date in it is after the registration"]
  ]
  for (const [what, id, zh, en] of cases) {
    it(`${what}: ${zh}`, () => {
      const [problem, ...rest] = problemsOf({ idNumber: id }, "2025-06-01")
      assert.deepStrictEqual(rest, [])
      assert.isDefined(problem)
      if (problem === undefined) return
      assert.strictEqual(DataQuality.describe(problem, "zh"), zh)
      assert.strictEqual(DataQuality.describe(problem, "en"), en)
    })
  }
  it("no two codes read alike", () => {
    const labels = Object.values(DataQuality.codeLabels)
    assert.strictEqual(new Set(labels.map((l) => l.zh)).size, labels.length)
    assert.strictEqual(new Set(labels.map((l) => l.en)).size, labels.length)
  })
})

describe("the data-quality flag", () => {
  it("is set with its reason since the registration, and names the field and the problem", () => {
    const e = evaluate([F.registered(M, "2026-11-01", { idNumber: "110105194912310021" })])
    assert.include(e.flags, "data-quality")
    assert.deepStrictEqual(e.reasons.find((r) => r.rule === "data-quality"), { rule: "data-quality", since: F.at("2026-11-01") })
    assert.deepStrictEqual(e.dataQuality, [{ field: "idNumber", code: "check-character" }])
    assert.strictEqual(DataQuality.describe({ field: "idNumber", code: "check-character" }, "zh"), "身份证号：校验码错误")
    assert.strictEqual(DataQuality.describe({ field: "idNumber", code: "check-character" }, "en"), "ID number: wrong check character")
  })
  it("never changes a status, whatever the status", () => {
    const histories = (id: string): ReadonlyArray<ReadonlyArray<Event.Event>> => [
      [F.registered(M, "2026-11-01", { idNumber: id })],
      [F.registered(M, "2025-01-01", { idNumber: id })],
      [F.registered(M, "2025-01-01", { idNumber: id }), F.decided(M, "2025-03-01", "suspend")],
      [F.registered(M, "2025-01-01", { idNumber: id }), F.decided(M, "2025-03-01", "deceased")]
    ]
    const good = histories("11010519491231002X").map((h) => evaluate(h))
    const bad = histories("11O10519491231002X").map((h) => evaluate(h))
    good.forEach((g, i) => {
      const b = bad[i]
      assert.strictEqual(b?.status, g.status)
      assert.strictEqual(b?.nextReviewAt, g.nextReviewAt)
      assert.deepStrictEqual(b?.flags, [...g.flags, "data-quality"])
    })
  })
  it("goes once a corrected registration arrives", () => {
    const e = evaluate([F.registered(M, "2025-01-01", { idNumber: "110105194912310021" }), F.registered(M, "2025-02-01")])
    assert.notInclude(e.flags, "data-quality")
    assert.isUndefined(e.dataQuality)
  })
})

describe("one member id registered with different ID numbers", () => {
  it("is a data-quality problem of the ID number, whichever registration came last", () => {
    const first = F.registered(M, "2025-01-01", { idNumber: "11010519491231002X" })
    const second = { ...F.registered(M, "2025-02-01", { idNumber: "110105194912310038" }), eventId: "e-again" }
    for (const events of [[first, second], [second, first]]) {
      const e = evaluate(events)
      assert.include(e.flags, "data-quality")
      assert.deepStrictEqual(e.dataQuality, [{ field: "idNumber", code: "registered-differently" }])
    }
    assert.strictEqual(DataQuality.describe({ field: "idNumber", code: "registered-differently" }, "en"), "ID number: registered under this member id with different ID numbers: check which is right")
  })

  it("is no problem when the numbers are one number written differently: a legacy 15 and its 18, spaces, a lower-case x", () => {
    const again = (when: string, idNumber: string, n: number) => ({ ...F.registered(M, when, { idNumber }), eventId: `e-${n}` })
    const e = evaluate([again("2025-01-01", "11010519491231002X", 1), again("2025-02-01", "110105491231002", 2), again("2025-03-01", "110105 19491231 002x", 3)])
    assert.deepStrictEqual(e.dataQuality ?? [], [])
  })

  it("is seen in any order and duplication of the registrations", () => {
    const registrations = [
      { ...F.registered(M, "2025-01-01", { idNumber: "11010519491231002X" }), eventId: "e-1" },
      { ...F.registered(M, "2025-02-01", { idNumber: "110105491231002" }), eventId: "e-2" },
      { ...F.registered(M, "2025-03-01", { idNumber: "110105194912310038" }), eventId: "e-3" },
      // Invalid and latest: it wins the registration, and counts for nothing among the numbers.
      { ...F.registered(M, "2025-04-01", { idNumber: "110105194912310021" }), eventId: "e-4" }
    ]
    const conflict = { field: "idNumber", code: "registered-differently" }
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...registrations), { minLength: 1, maxLength: 8 }), (events) => {
        const ids = new Set(events.map((e) => e.eventId))
        const valid = new Set(events.flatMap((e) => (e.eventId === "e-3" ? ["other"] : e.eventId === "e-4" ? [] : ["same"])))
        const problems = evaluate(events).dataQuality ?? []
        assert.strictEqual(problems.some((p) => p.code === conflict.code), valid.size === 2, [...ids].join(" "))
      })
    )
  })
})

