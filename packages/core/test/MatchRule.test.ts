import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import * as MatchRule from "../src/MatchRule.ts"

const base = MatchRule.chinese
const [idNumber, ...others] = base.comparisons
if (idNumber === undefined) throw new Error("the built-in rule compares ID numbers")

/** The one-line reason `decode` gives, or undefined when it accepts. */
const reasonOf = (input: unknown): string | undefined => {
  const decoded = MatchRule.decode(input)
  return Result.isFailure(decoded) ? decoded.failure.reason : undefined
}

const withLevel = (level: Record<string, unknown>) => ({ ...base, comparisons: [{ ...idNumber, levels: [idNumber.levels[0], level] }, ...others] })

/** What the worker reads `RELINK_MATCH_RULE` and its stored rule with. */
const decodeJson = Schema.decodeUnknownResult(Schema.fromJsonString(MatchRule.MatchRule))

describe("MatchRule.decode", () => {
  it("accepts the built-in and the reasoned rules", () => {
    assert.deepStrictEqual(MatchRule.problems(MatchRule.chinese), [])
    assert.deepStrictEqual(MatchRule.problems(MatchRule.reasoned), [])
    assert.isUndefined(reasonOf(JSON.parse(JSON.stringify(MatchRule.chinese))))
  })

  it("refuses each value that makes a weight infinite or a decision degenerate, naming the field", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ ...base, prior: 1 }, "prior is 1: every pair would be a match"],
      [{ ...base, prior: 0 }, "not a match rule: prior: a probability must be in (0, 1]"],
      [{ ...base, prior: Number.NaN }, "not a match rule: prior: a probability must be in (0, 1]"],
      [{ ...base, reviewProbability: 1, autoLinkProbability: 1 }, "reviewProbability is 1: no pair would ever be proposed"],
      [{ ...base, reviewProbability: 0.99, autoLinkProbability: 0.9 }, "reviewProbability 0.99 is above autoLinkProbability 0.9: auto-linking must take the higher probability"],
      [{ ...base, comparisons: [] }, "comparisons is empty: every pair would weigh the prior alone"],
      [{ ...base, comparisons: [{ ...idNumber, levels: [] }] }, "comparisons[0] (idNumber) has no levels"],
      [withLevel({ label: "exact", when: "id.exact", m: 0.9 }), "comparisons[0] (idNumber / exact) has m but no u: give both, or neither for the level of missing data"],
      [withLevel({ label: "exact", when: "id.exact", m: 1, u: 1e-320 }), "comparisons[0] (idNumber / exact): m 1 and u 1e-320 make an infinite weight"],
      [withLevel({ label: "exact", when: "id.exact", m: 0, u: 0.5 }), "not a match rule: comparisons.0.levels.1.m: a probability must be in (0, 1]"],
      [{ ...base, blocking: [] }, "blocking is empty: no pair would ever be compared"],
      [{ ...base, blocking: [["idNumber"], []] }, "blocking[1] names no field: every observation would be compared with every member"]
    ]
    for (const [input, reason] of cases) assert.strictEqual(reasonOf(input), reason)
    // Every problem at once, in one line.
    assert.strictEqual(reasonOf({ ...base, prior: 1, blocking: [] }), "prior is 1: every pair would be a match; blocking is empty: no pair would ever be compared")
  })

  it("keeps a fixed level and an auto-link probability of 1 (nothing auto-linked) when every weight stays finite", () => {
    assert.isUndefined(reasonOf({ ...base, autoLinkProbability: 1 }))
    assert.isUndefined(reasonOf(withLevel({ label: "different", when: "always", m: 1e-300, u: 1, fixed: true })))
  })

  it("gives a rule it accepts finite weights everywhere, and the worker's schema the same verdict", () => {
    const probability = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, Number.MIN_VALUE, 1e-320, 1e-300, 0.5))
    fc.assert(
      fc.property(probability, probability, probability, probability, probability, (prior, review, autoLink, m, u) => {
        const input = { ...withLevel({ label: "exact", when: "id.exact", m, u }), prior, reviewProbability: review, autoLinkProbability: autoLink }
        const decoded = MatchRule.decode(input)
        const viaJson = decodeJson(JSON.stringify(input))
        assert.strictEqual(Result.isSuccess(viaJson), Result.isSuccess(decoded))
        if (Result.isFailure(decoded)) return
        const rule = decoded.success
        assert.isTrue(Number.isFinite(MatchRule.priorWeight(rule)))
        assert.isTrue(Number.isFinite(MatchRule.thresholds(rule).review))
        assert.isAtMost(rule.reviewProbability, rule.autoLinkProbability)
        for (const level of rule.comparisons.flatMap((c) => c.levels)) assert.isTrue(Number.isFinite(MatchRule.levelWeight(level)))
      }),
      { numRuns: 2_000 }
    )
  })
})
