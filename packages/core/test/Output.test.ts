import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as BranchHealth from "../src/BranchHealth.ts"
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

describe("Output.ofBranchHealth", () => {
  const health = (grade: BranchHealth.Grade, findings: ReadonlyArray<BranchHealth.Finding>): BranchHealth.Health => ({
    orgId: "fb-1",
    guidingOrgId: "c-1",
    grade,
    gradedBy: [...new Set(findings.filter((f) => BranchHealth.rules[f.rule].grade === grade).map((f) => f.rule))],
    findings,
    members: [],
    registrationLags: [],
    nextReviewAt: Date.parse("2026-08-01T00:00:00Z")
  })
  const overdue: BranchHealth.Finding = { rule: "committee-meeting-overdue", since: Date.parse("2026-06-15T01:00:00Z"), activity: "committee-meeting" }
  const toInvite: BranchHealth.Finding = { rule: "member-to-invite", since: Date.parse("2026-04-01T01:00:00Z"), memberId: "m-1" }
  const at = "2026-07-16T00:00:00.000Z"

  it("publishes nothing for a first evaluation that is normal with no findings, nor for one that says the same", () => {
    assert.deepStrictEqual(Output.ofBranchHealth(undefined, health("normal", []), 1, at), [])
    const same = health("attention", [overdue])
    assert.deepStrictEqual(Output.ofBranchHealth({ grade: same.grade, findings: [...same.findings] }, same, 2, at), [])
  })

  it("publishes a changed grade, or a changed finding under the same grade, keyed by the organisation, its id naming the stored version", () => {
    const [graded] = Output.ofBranchHealth({ grade: "normal", findings: [] }, health("attention", [overdue]), 2, at)
    assert.deepStrictEqual(graded, {
      type: "BranchHealthChanged",
      outputId: "branch|fb-1|2",
      orgId: "fb-1",
      guidingOrgId: "c-1",
      from: "normal",
      to: "attention",
      at,
      gradedBy: ["committee-meeting-overdue"],
      findings: [{ rule: "committee-meeting-overdue", activity: "committee-meeting", since: "2026-06-15T01:00:00.000Z" }],
      nextReviewAt: "2026-08-01T00:00:00.000Z"
    })
    if (graded === undefined) return
    assert.strictEqual(Output.keyOf(graded), "fb-1")
    assert.isTrue(Result.isSuccess(Schema.decodeUnknownResult(Output.Output)(JSON.parse(JSON.stringify(graded)))))
    const [added] = Output.ofBranchHealth({ grade: "attention", findings: [overdue] }, health("attention", [overdue, toInvite]), 3, at)
    assert.deepStrictEqual([added?.from, added?.to, added?.outputId, added?.findings.length], ["attention", "attention", "branch|fb-1|3", 2])
  })
})
