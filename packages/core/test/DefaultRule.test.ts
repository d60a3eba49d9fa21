import { assert, describe, it } from "@effect/vitest"
import * as MatchRule from "../src/MatchRule.ts"
import * as Trained from "../src/internal/TrainedChinese.ts"
import { numbersOf, recipe, trainDefault } from "../bench/default-rule.ts"

describe("the built-in rule", () => {
  it("is the reasoned rule trained on the simulation as packages/core/bench/default-rule.ts says, number for number", () => {
    const trained = trainDefault()
    assert.deepStrictEqual(numbersOf(trained.rule), Trained.chinese)
    assert.deepStrictEqual(MatchRule.chinese, MatchRule.withNumbers(MatchRule.reasoned, numbersOf(trained.rule)))
    assert.isTrue(trained.sessions.every((s) => s.converged))
  })

  it("keeps the reasoned rule's comparisons, levels and blocking, with the recipe's thresholds", () => {
    const shape = (rule: MatchRule.MatchRule) => ({ blocking: rule.blocking, comparisons: rule.comparisons.map((c) => [c.name, c.label, c.levels.map((l) => [l.label, l.when])]) })
    assert.deepStrictEqual(shape(MatchRule.chinese), shape(MatchRule.reasoned))
    assert.strictEqual(MatchRule.chinese.autoLinkProbability, recipe.autoLinkProbability)
    assert.strictEqual(MatchRule.chinese.reviewProbability, recipe.reviewProbability)
    assert.isUndefined(MatchRule.chinese.nameFrequencies)
  })
})
