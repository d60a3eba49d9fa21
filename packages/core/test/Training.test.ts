import { assert, describe, it } from "@effect/vitest"
import { Redacted, Result } from "effect"
import * as fc from "fast-check"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import { seededRandom } from "../src/internal/Random.ts"
import * as Training from "../src/Training.ts"
import * as A from "./arbitraries.ts"

/** Three comparisons, each a null level and three levels: the m and u data are generated from. */
const truth = {
  prior: 0.08,
  m: [
    [0.85, 0.1, 0.05],
    [0.7, 0.2, 0.1],
    [0.6, 0.3, 0.1]
  ],
  u: [
    [0.01, 0.04, 0.95],
    [0.05, 0.15, 0.8],
    [0.2, 0.3, 0.5]
  ]
}

const ruleWith = (prior: number, m: ReadonlyArray<ReadonlyArray<number>>, u: ReadonlyArray<ReadonlyArray<number>>): MatchRule.MatchRule => ({
  prior,
  autoLinkProbability: 0.999999,
  reviewProbability: 0.5,
  blocking: [],
  comparisons: m.map((levels, k) => ({
    name: `c${k}`,
    label: { zh: `c${k}`, en: `c${k}` },
    levels: [
      { label: "missing", when: "always" },
      ...levels.map((mk, i) => ({ label: `level ${i + 1}`, when: "always" as const, m: mk, u: u[k]?.[i] ?? 1 }))
    ]
  }))
})

/** A level drawn from the distribution, as its index among a comparison's levels (0 is the null level). */
const draw = (random: () => number, distribution: ReadonlyArray<number>): number => {
  let r = random()
  for (const [i, p] of distribution.entries()) {
    if (r < p) return i + 1
    r -= p
  }
  return distribution.length
}

/** Comparison vectors of `n` pairs, a share `prior` of them matches, 10 % of each comparison missing. */
const generated = (n: number, seed: number) => {
  const uniform = seededRandom(seed)
  const vectors: Array<ReadonlyArray<number>> = []
  for (let p = 0; p < n; p++) {
    const match = uniform() < truth.prior
    vectors.push(truth.m.map((m, k) => (uniform() < 0.1 ? 0 : draw(uniform, match ? m : (truth.u[k] ?? [])))))
  }
  return Training.ofVectors(vectors)
}

const ms = (rule: MatchRule.MatchRule) => rule.comparisons.map((c) => c.levels.slice(1).map((l) => l.m ?? Number.NaN))

describe("Training.expectationMaximisation", () => {
  it("recovers the m probabilities and the prior that generated the data, from a rough start, u fixed", () => {
    // A start that only knows agreement is likelier among matches: the same m for every comparison, a small prior.
    const start = ruleWith(0.01, truth.m.map(() => [0.5, 0.3, 0.2]), truth.u)
    const result = Training.expectationMaximisation(start, generated(100_000, 11), { maxIterations: 500 })
    assert.isTrue(result.converged)
    assert.approximately(result.rule.prior, truth.prior, 0.01)
    ms(result.rule).forEach((levels, k) => levels.forEach((m, i) => assert.approximately(m, truth.m[k]?.[i] ?? Number.NaN, 0.02, `m of c${k} level ${i + 1}`)))
  })

  it("keeps u as given and leaves the null levels without m and u", () => {
    const start = ruleWith(0.5, truth.m, truth.u)
    const result = Training.expectationMaximisation(start, generated(5_000, 3))
    result.rule.comparisons.forEach((c, k) => {
      assert.deepStrictEqual(c.levels[0], { label: "missing", when: "always" })
      assert.deepStrictEqual(c.levels.slice(1).map((l) => l.u), truth.u[k])
    })
  })
})

describe("Training.estimateU", () => {
  it("gives each level its share of the sampled pairs, the null level none", () => {
    const sampled = Training.ofVectors([
      [1, 0, 3],
      [2, 0, 3],
      [3, 1, 3],
      [3, 1, 0]
    ])
    const rule = Training.estimateU(ruleWith(0.1, truth.m, truth.u), sampled)
    assert.deepStrictEqual(rule.comparisons.map((c) => c.levels.map((l) => l.u)), [
      [undefined, 0.25, 0.25, 0.5],
      [undefined, 1, 0.25, 0.25],
      [undefined, 1 / 6, 1 / 6, 1]
    ])
  })
})

describe("Training.randomPairs", () => {
  it("pairs a member with another member, never with itself, the same pairs for the same seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 50 }), fc.integer(), (size, seed) => {
        const members = Array.from({ length: size }, (_, i) => i)
        const pairs = [...Training.randomPairs(members, 200, seed)]
        assert.strictEqual(pairs.length, 200)
        for (const [a, b] of pairs) assert.notStrictEqual(a, b)
        assert.deepStrictEqual([...Training.randomPairs(members, 200, seed)], pairs)
      })
    )
  })
})

describe("a comparison's probability", () => {
  const person = fc
    .record({
      name: fc.option(A.chineseName, { nil: undefined }),
      idNumber: fc.option(A.validIdNumber, { nil: undefined }),
      birthDate: fc.option(A.birthDate(1950, 2000), { nil: undefined }),
      phone: fc.option(A.validPhone, { nil: undefined }),
      region: fc.option(A.addressCode, { nil: undefined })
    })
    .map(({ name, idNumber, birthDate, phone, region }) =>
      Matching.person({
        name,
        idNumber: idNumber === undefined ? undefined : Redacted.make(idNumber),
        birthDate,
        phone: phone === undefined ? undefined : Redacted.make(phone),
        regions: [region]
      })
    )
  // Under the built-in rule and a trained-looking one: probability follows weight whatever the numbers.
  const rules = [MatchRule.chinese, { ...MatchRule.chinese, prior: 0.15 }]

  it("is monotone in the pair's total weight, and in (0, 1]", () => {
    fc.assert(
      fc.property(person, person, person, person, fc.boolean(), fc.constantFrom(...rules), (a, b, c, d, itself, rule) => {
        const first = Matching.compare(a, b, rule)
        // Half the time a person against themself: totals far above the review weight too.
        const second = Matching.compare(c, itself ? c : d, rule)
        for (const e of [first, second]) assert.isTrue(e.probability > 0 && e.probability <= 1)
        if (first.total <= second.total) assert.isAtMost(first.probability, second.probability)
        else assert.isAtLeast(first.probability, second.probability)
      })
    )
  })
})

describe("name frequencies", () => {
  const named = (name: string) => Matching.person({ name, regions: [] })
  const members = [...Array.from({ length: 6 }, () => named("张伟")), ...Array.from({ length: 5 }, () => named("王芳")), named("欧阳娜娜"), Matching.person({ regions: [] })]

  it("lists the share of named members bearing each name borne by at least the minimum, and no rarer name", () => {
    assert.deepStrictEqual(Training.nameFrequencies(members, 5), { 张伟: 6 / 12, 王芳: 5 / 12 })
    assert.deepStrictEqual(Training.nameFrequencies(members, 6), { 张伟: 6 / 12 })
  })

  const exactName = MatchRule.chinese.comparisons.find((c) => c.name === "name")?.levels.find((l) => l.when === "name.exact")
  const u = exactName?.u ?? Number.NaN
  const rule: MatchRule.MatchRule = { ...MatchRule.chinese, nameFrequencies: { 张伟: 0.01, 王芳: u / 2 } }
  const nameOutcome = (name: string, withRule: MatchRule.MatchRule) => Matching.compare(named(name), named(name), withRule).comparisons.find((c) => c.comparison === "name")

  it("takes log2(u / frequency) off agreeing on a name commoner than u supposes, and says so", () => {
    const plain = nameOutcome("张伟", MatchRule.chinese)
    const common = nameOutcome("张伟", rule)
    assert.strictEqual(plain?.termFrequency, undefined)
    assert.approximately(common?.termFrequency ?? Number.NaN, Math.log2(u / 0.01), 1e-12)
    assert.approximately((plain?.weight ?? Number.NaN) + Math.log2(u / 0.01), common?.weight ?? Number.NaN, 1e-12)
    const explanation = Matching.compare(named("张伟"), named("张伟"), rule)
    assert.match(Matching.explain(explanation, rule, "en"), /name exact \+\d+\.\d \(common name −\d+\.\d\)/)
  })

  it("leaves a name rarer than u supposes, or not listed, as u weighs it", () => {
    assert.deepStrictEqual(nameOutcome("王芳", rule), nameOutcome("王芳", MatchRule.chinese))
    assert.deepStrictEqual(nameOutcome("欧阳娜娜", rule), nameOutcome("欧阳娜娜", MatchRule.chinese))
  })
})

describe("Training.train on too little data", () => {
  const members = A.crowd(Training.minimum.members)
  /** Observations that are members seen again: blocking on the ID number finds each. */
  const seenAgain = (count: number) => members.slice(0, count).map((m) => m.person)
  const byIdNumber: MatchRule.MatchRule = { ...MatchRule.reasoned, blocking: [["idNumber"]] }
  const reasonOf = (result: Result.Result<Training.Trained, Training.TooLittleData>) => (Result.isFailure(result) ? result.failure.reason : "trained")

  it("refuses fewer members than u needs, and data where no blocking rule brings together enough pairs", () => {
    assert.strictEqual(
      reasonOf(Training.train(members.slice(0, 3), seenAgain(3), MatchRule.reasoned, { uPairs: 1_000 })),
      "3 members: u is estimated from random pairs of members, which takes at least 1,000"
    )
    assert.match(reasonOf(Training.train(members, [], MatchRule.reasoned, { uPairs: 1_000 })), /^no observations /)
    assert.strictEqual(
      reasonOf(Training.train(members, seenAgain(Training.minimum.sessionPairs - 1), byIdNumber, { uPairs: 1_000 })),
      "no blocking rule brings together 30 observation–member pairs (the most is 29, from 29 observations): m and the prior are estimated from them"
    )
  })

  it("estimates nothing in a session with too few pairs: a comparison no session estimated keeps the starting m, and is said to", () => {
    const result = Training.train(members, seenAgain(Training.minimum.sessionPairs), byIdNumber, { uPairs: 1_000 })
    assert.isTrue(Result.isSuccess(result), reasonOf(result))
    if (Result.isFailure(result)) return
    const trained = result.success
    assert.deepStrictEqual(trained.kept, ["idNumber"])
    const mOf = (rule: MatchRule.MatchRule, name: string) => rule.comparisons.find((c) => c.name === name)?.levels.map((l) => l.m)
    assert.deepStrictEqual(mOf(trained.rule, "idNumber"), mOf(byIdNumber, "idNumber"))
    assert.notDeepEqual(mOf(trained.rule, "name"), mOf(byIdNumber, "name"))
    // Two blocking rules, one with too few pairs: it estimates nothing, and what the other estimates is trained.
    const withPhone = Training.train(members, seenAgain(Training.minimum.sessionPairs), { ...byIdNumber, blocking: [["idNumber"], ["phone"]] }, { uPairs: 1_000 })
    assert.isTrue(Result.isSuccess(withPhone))
    if (Result.isSuccess(withPhone)) {
      assert.deepStrictEqual(withPhone.success.sessions.map((s) => [s.pairs, s.estimated.length, s.iterations === 0]), [[30, 5, false], [0, 0, true]])
      assert.deepStrictEqual(withPhone.success.kept, ["idNumber"])
    }
  })
})
