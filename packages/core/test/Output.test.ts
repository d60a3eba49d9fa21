import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Output from "../src/Output.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as F from "./fixtures.ts"

const sample = F.sample60
const { proposals } = Scan.run(sample, { asOf: Date.parse("2026-11-27T00:00:00+08:00"), policy: Policy.defaults })
const rule = MatchRule.chinese

describe("Output.ofProposal", () => {
  it("names the pair, the decision and the weight with 6 decimals in the output id", () => {
    const proposal = proposals[0]
    assert.isDefined(proposal)
    const output = Output.ofProposal(proposal, rule)
    assert.strictEqual(
      output.outputId,
      `match|${proposal.observationEventId}|${proposal.memberId}|${proposal.decision}|${proposal.weight.toFixed(6)}`
    )
    assert.match(output.outputId, /^match\|[^|]+\|[^|]+\|(auto-link|review)\|-?\d+\.\d{6}$/)
  })

  it("encodes to the message consumers read: fields in the documented order, explanation in Chinese", () => {
    for (const proposal of proposals) {
      const output = Output.ofProposal(proposal, rule)
      const expected = {
        type: "MatchProposed",
        outputId: `match|${proposal.observationEventId}|${proposal.memberId}|${proposal.decision}|${proposal.weight.toFixed(6)}`,
        observationEventId: proposal.observationEventId,
        memberId: proposal.memberId,
        weight: proposal.weight,
        probability: proposal.probability,
        decision: proposal.decision,
        explanation: Matching.explain(proposal.explanation, rule, "zh")
      }
      assert.strictEqual(JSON.stringify(output), JSON.stringify(expected))
      assert.isTrue(Result.isSuccess(Schema.decodeUnknownResult(Output.Output)(JSON.parse(JSON.stringify(output)))))
    }
  })

  it("explains the proposal under the rule given", () => {
    const proposal = proposals.find((p) => p.explanation.comparisons.some((c) => c.comparison === "name" && c.weight !== 0))
    assert.isDefined(proposal)
    const renamed: MatchRule.MatchRule = {
      ...rule,
      comparisons: rule.comparisons.map((c) => (c.name === "name" ? { ...c, label: { zh: "名字", en: "given name" } } : c))
    }
    assert.include(Output.ofProposal(proposal, renamed).explanation, "名字 ")
    assert.notInclude(Output.ofProposal(proposal, rule).explanation, "名字 ")
  })
})
