import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import * as Labels from "../src/Labels.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Scan from "../src/Scan.ts"
import * as Training from "../src/Training.ts"
import { seededRandom } from "../src/internal/Random.ts"
import * as A from "./arbitraries.ts"
import * as F from "./fixtures.ts"

/** Two comparisons, each a null level and three with evidence; the third level of the second is fixed. */
const rule: MatchRule.MatchRule = {
  prior: 0.05,
  autoLinkProbability: 0.999999,
  reviewProbability: 0.5,
  blocking: [],
  comparisons: [0, 1].map((k) => ({
    name: `c${k}`,
    label: { zh: `c${k}`, en: `c${k}` },
    levels: [
      { label: "missing", when: "always" as const },
      { label: "agree", when: "always" as const, m: 0.7, u: 0.05 },
      { label: "close", when: "always" as const, m: 0.2, u: 0.15 },
      { label: "differ", when: "always" as const, m: 0.1, u: 0.8, ...(k === 1 && { fixed: true }) }
    ]
  }))
}

const vectors = fc.array(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 3 })), { minLength: 1, maxLength: 60 })

/** Blocked pairs: a share of matches agreeing mostly, the rest differing mostly. */
const blocked = (seed: number): Training.Patterns => {
  const random = seededRandom(seed)
  const level = (match: boolean) => {
    const r = random()
    return match ? (r < 0.7 ? 1 : r < 0.9 ? 2 : 3) : r < 0.05 ? 1 : r < 0.2 ? 2 : 3
  }
  return Training.ofVectors(
    Array.from({ length: 2_000 }, () => {
      const match = random() < 0.1
      return [level(match), level(match)]
    })
  )
}

describe("Training.estimateMFromLabels", () => {
  it("gives each level the share of confirmed pairs in it, an empty level half a pair's share, summing to 1 when no level is empty", () => {
    fc.assert(
      fc.property(vectors, (found) => {
        const estimated = Training.estimateMFromLabels(rule, Training.ofVectors(found))
        rule.comparisons.forEach((comparison, k) => {
          const inLevels = found.filter((v) => (v[k] ?? -1) >= 1)
          comparison.levels.forEach((level, i) => {
            const m = estimated.comparisons[k]?.levels[i]?.m
            if (i === 0) return assert.isUndefined(m)
            if (level.fixed === true || inLevels.length === 0) return assert.strictEqual(m, level.m)
            const n = inLevels.filter((v) => v[k] === i).length
            assert.closeTo(m ?? Number.NaN, Math.max(n, 0.5) / inLevels.length, 1e-12)
          })
          const free = comparison.levels.every((level) => level.fixed !== true)
          const everyLevel = [1, 2, 3].every((i) => inLevels.some((v) => v[k] === i))
          if (free && everyLevel) {
            assert.closeTo(estimated.comparisons[k]?.levels.reduce((sum, level) => sum + (level.m ?? 0), 0) ?? 0, 1, 1e-12)
          }
        })
      })
    )
  })
})

describe("Training.expectationMaximisation with decided pairs", () => {
  const none = Training.ofVectors([])
  const labelled = (parts: Partial<NonNullable<Training.EmOptions["labelled"]>>) => ({ labelled: { confirmed: none, rejected: none, beside: none, ...parts } })
  const m = (r: MatchRule.MatchRule, k: number, i: number) => r.comparisons[k]?.levels[i]?.m ?? Number.NaN

  it("gives what EM alone gives when no pair is decided", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), (seed) => {
        assert.deepStrictEqual(Training.expectationMaximisation(rule, blocked(seed), labelled({})), Training.expectationMaximisation(rule, blocked(seed)))
      }),
      { numRuns: 20 }
    )
  })

  it("moves m towards the levels the confirmed pairs beside the blocked ones fall in, a fixed level aside", () => {
    const alone = Training.expectationMaximisation(rule, blocked(7)).rule
    const beside = Training.expectationMaximisation(rule, blocked(7), labelled({ beside: Training.ofVectors(Array.from({ length: 50 }, () => [2, 2])) })).rule
    assert.isAbove(m(beside, 0, 2), m(alone, 0, 2))
    assert.isAbove(m(beside, 1, 2), m(alone, 1, 2))
    assert.strictEqual(m(beside, 1, 3), 0.1, "a fixed level keeps its m")
  })

  it("takes the clerks' answer for decided pairs among the blocked ones: a confirmation raises the share of matches, a rejection lowers it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (seed, a, b) => {
        const pairs = blocked(seed)
        fc.pre(pairs.counts.has(`${a},${b}`))
        const once = { maxIterations: 1 }
        const prior = (options: Training.EmOptions) => Training.expectationMaximisation(rule, pairs, { ...once, ...options }).rule.prior
        const decided = Training.ofVectors([[a, b]])
        assert.isAbove(prior(labelled({ confirmed: decided })), prior({}))
        assert.isBelow(prior(labelled({ rejected: decided })), prior({}))
      }),
      { numRuns: 30 }
    )
  })

  it("counts a decided pair among the blocked ones once: every pair confirmed, all are matches and m is the share of each level", () => {
    const pairs = blocked(11)
    const result = Training.expectationMaximisation(rule, pairs, { maxIterations: 1, ...labelled({ confirmed: pairs }) }).rule
    assert.closeTo(result.prior, 1, 1e-9)
    const shares = [1, 2, 3].map((i) => [...pairs.counts.values()].reduce((sum, { levels, count }) => sum + (levels[0] === i ? count : 0), 0) / pairs.pairs)
    shares.forEach((share, n) => assert.closeTo(m(result, 0, n + 1), share, 1e-12))
  })
})

describe("Labels", () => {
  const members = A.crowd(40, 5)
  const pairs = fc.array(
    fc.record({
      observation: fc.constantFrom(...members),
      member: fc.constantFrom(...members),
      resolution: fc.constantFrom("confirmed" as const, "rejected" as const)
    }),
    { maxLength: 80 }
  ).map((drawn) =>
    drawn.map(({ observation, member, resolution }, n): Labels.Pair => ({
      decision: { observationEventId: `o-${n}`, memberId: member.memberId, resolution },
      observation: observation.person,
      member: member.person
    }))
  )

  it("counts the confirmed pairs only, not the rejected, as matches to estimate m from", () => {
    fc.assert(
      fc.property(pairs, (drawn) => {
        const confirmed = drawn.filter((p) => p.decision.resolution === "confirmed")
        assert.deepStrictEqual(Labels.confirmed(drawn, MatchRule.chinese), Labels.confirmed(confirmed, MatchRule.chinese))
        assert.strictEqual(Labels.confirmed(drawn, MatchRule.chinese).pairs, confirmed.length)
      }),
      { numRuns: 30 }
    )
  })

  it("counts every decided pair once in the evaluation: per pattern and outcome, adding up to the overall counts", () => {
    fc.assert(
      fc.property(pairs, (drawn) => {
        const evaluation = Labels.evaluate(MatchRule.chinese, drawn)
        assert.strictEqual(Labels.pairCount(evaluation.overall), drawn.length)
        assert.strictEqual(Labels.confirmedCount(evaluation.overall), drawn.filter((p) => p.decision.resolution === "confirmed").length)
        assert.strictEqual(evaluation.rows.reduce((sum, row) => sum + Labels.pairCount(row.outcomes), 0), drawn.length)
        for (const outcome of Labels.outcomes) {
          for (const resolution of ["confirmed", "rejected"] as const) {
            assert.strictEqual(evaluation.rows.reduce((sum, row) => sum + row.outcomes[outcome][resolution], 0), evaluation.overall[outcome][resolution])
          }
        }
        for (const counts of [evaluation.overall, ...evaluation.rows.map((r) => r.outcomes)]) {
          for (const share of [Labels.precision(counts), Labels.recall(counts), Labels.autoLinkPrecision(counts)]) assert.isTrue(Number.isNaN(share) || (share >= 0 && share <= 1))
        }
      })
    )
  })

  it("decides a pair as the rule does alone: a member observed as registered is auto-linked, a stranger is below review", () => {
    const [a, b] = members
    if (a === undefined || b === undefined) throw new Error("no crowd")
    const evaluation = Labels.evaluate(MatchRule.chinese, [
      { decision: { observationEventId: "o-1", memberId: a.memberId, resolution: "confirmed" }, observation: a.person, member: a.person },
      { decision: { observationEventId: "o-2", memberId: b.memberId, resolution: "rejected" }, observation: a.person, member: b.person }
    ])
    assert.deepStrictEqual(evaluation.overall["auto-link"], { confirmed: 1, rejected: 0 })
    assert.deepStrictEqual(evaluation.overall["below review"], { confirmed: 0, rejected: 1 })
    assert.strictEqual(Labels.precision(evaluation.overall), 1)
    assert.strictEqual(Labels.recall(evaluation.overall), 1)
    // The crowd's people carry no birth date or gender of their own: those comparisons say nothing and are left out.
    assert.deepStrictEqual(
      evaluation.rows.map((row) => row.zh),
      ["身份证号 一致 · 姓名 一致 · 地区 同县", "身份证号 不同 · 姓名 不同 · 出生日期 不同 · 性别 不同 · 地区 不同"]
    )
    assert.strictEqual(evaluation.rows[0]?.en, "ID number same · name same · region same county")
  })

  it("reads the decisions a fold holds, with both people, and counts those naming what it does not hold", () => {
    const observation = F.observedInflow("2025-09-01", { name: "张伟", idNumber: "11010519491231002X" })
    const other = F.observedInflow("2025-09-01", { name: "李娜" })
    const state = Scan.make()
    for (const event of [
      F.registered("m-1", "2025-01-01"),
      observation,
      other,
      F.resolved("m-1", observation.eventId, "2025-09-02", "confirmed"),
      F.resolved("m-1", other.eventId, "2025-09-02", "rejected"),
      F.resolved("m-9", other.eventId, "2025-09-02", "rejected")
    ]) {
      Scan.addAsOf(state, event, F.at("2026-01-01"))
    }
    const decisions = Labels.ofState(state)
    assert.sameDeepMembers([...decisions], [
      { observationEventId: observation.eventId, memberId: "m-1", resolution: "confirmed" },
      { observationEventId: other.eventId, memberId: "m-1", resolution: "rejected" },
      { observationEventId: other.eventId, memberId: "m-9", resolution: "rejected" }
    ])
    const paired = Labels.pairsOf(state, [...decisions, { observationEventId: "nowhere", memberId: "m-1", resolution: "confirmed" }])
    assert.strictEqual(paired.pairs.length, 2)
    assert.strictEqual(paired.unknown, 2)
  })

  it("keeps the last decision on a pair", () => {
    const first = { observationEventId: "o-1", memberId: "m-1", resolution: "confirmed" as const }
    const other = { observationEventId: "o-2", memberId: "m-1", resolution: "confirmed" as const }
    assert.deepStrictEqual(Labels.merge([first, other], [{ ...first, resolution: "rejected" }]), [other, { ...first, resolution: "rejected" }])
  })

  it("decodes a labels file's lines by the contract, naming the line of one that is no MatchResolved", () => {
    const event = F.resolved("m-1", "o-1", "2025-09-02", "rejected")
    assert.deepStrictEqual(Labels.decodeLine(JSON.stringify({ ...event, occurredAt: new Date(event.occurredAt).toISOString() }), 1), Result.succeed({ observationEventId: "o-1", memberId: "m-1", resolution: "rejected" as const }))
    const notJson = Labels.decodeLine("{", 3)
    assert.isTrue(Result.isFailure(notJson) && notJson.failure.line === 3 && notJson.failure.message.startsWith("line 3: "))
    const registration = F.registered("m-1", "2025-01-01")
    const wrongType = Labels.decodeLine(JSON.stringify({ ...registration, occurredAt: new Date(registration.occurredAt).toISOString() }), 4)
    assert.isTrue(Result.isFailure(wrongType) && wrongType.failure.message === "line 4: a MemberRegistered event, not MatchResolved: a label is a clerk's decision on a pair")
    const badResolution = Labels.decodeLine(JSON.stringify({ ...event, occurredAt: new Date(event.occurredAt).toISOString(), resolution: "maybe" }), 5)
    assert.isTrue(Result.isFailure(badResolution) && /^line 5: .*resolution/.test(badResolution.failure.message))
  })
})
