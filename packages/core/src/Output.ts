/**
 * What relink publishes (topic `relink.flags` by default), one JSON object per message, keyed by
 * member id (`BranchHealthChanged`: by organisation id, `keyOf`). Every message carries a deterministic `outputId`: delivery is at-least-once, so a
 * consumer drops an `outputId` it has already seen.
 */
import { Schema } from "effect"
import * as BranchHealth from "./BranchHealth.ts"
import * as Event from "./Event.ts"
import * as Matching from "./Matching.ts"
import type * as MatchRule from "./MatchRule.ts"
import * as Status from "./Status.ts"

const Instant = Schema.String

export const MemberStatusChanged = Schema.Struct({
  type: Schema.Literal("MemberStatusChanged"),
  outputId: Schema.String,
  memberId: Schema.String,
  from: Schema.NullOr(Schema.Literals(Status.statuses)),
  to: Schema.Literals(Status.statuses),
  at: Instant,
  responsibleOrgId: Schema.String,
  reasons: Schema.Array(Schema.String)
})
export type MemberStatusChanged = typeof MemberStatusChanged.Type

export const MatchProposed = Schema.Struct({
  type: Schema.Literal("MatchProposed"),
  outputId: Schema.String,
  observationEventId: Schema.String,
  memberId: Schema.String,
  weight: Schema.Number,
  probability: Schema.Number,
  decision: Schema.Literals(["auto-link", "review"]),
  explanation: Schema.String
})
export type MatchProposed = typeof MatchProposed.Type

/** A member who was unlinked is linked again (their status left the unlinked set). */
export const MemberRelinked = Schema.Struct({
  type: Schema.Literal("MemberRelinked"),
  outputId: Schema.String,
  memberId: Schema.String,
  from: Schema.Literals(Status.statuses),
  to: Schema.Literals(Status.statuses),
  at: Instant
})
export type MemberRelinked = typeof MemberRelinked.Type

/** A floating party organisation's grade or findings changed (`BranchHealth.changed`). */
export const BranchHealthChanged = Schema.Struct({
  type: Schema.Literal("BranchHealthChanged"),
  outputId: Schema.String,
  orgId: Schema.String,
  /** The organisation that guides it (its parent), when it has one. */
  guidingOrgId: Schema.optionalKey(Schema.String),
  from: Schema.NullOr(BranchHealth.GradeSchema),
  to: BranchHealth.GradeSchema,
  at: Instant,
  /** The rules that decided the grade. */
  gradedBy: Schema.Array(BranchHealth.RuleIdSchema),
  findings: Schema.Array(
    Schema.Struct({
      rule: BranchHealth.RuleIdSchema,
      since: Instant,
      activity: Schema.optionalKey(Event.OrgActivity),
      homeOrgId: Schema.optionalKey(Schema.String),
      memberId: Schema.optionalKey(Schema.String)
    })
  ),
  /** When a finding could next come with no new event. */
  nextReviewAt: Schema.optionalKey(Instant)
})
export type BranchHealthChanged = typeof BranchHealthChanged.Type

export const Output = Schema.Union([MemberStatusChanged, MatchProposed, MemberRelinked, BranchHealthChanged])
export type Output = typeof Output.Type

/** The message key: the member's id, or the organisation's for `BranchHealthChanged`. */
export const keyOf = (output: Output): string => (output.type === "BranchHealthChanged" ? output.orgId : output.memberId)

const iso = (at: number) => new Date(at).toISOString()

/**
 * What a re-evaluation of a floating organisation publishes: a `BranchHealthChanged` when its
 * grade or findings changed (`BranchHealth.changed`); an organisation evaluated for the first time
 * is published unless it is `normal` with no findings. `version` makes the output id
 * deterministic for a stored health version.
 */
export const ofBranchHealth = (
  before: BranchHealth.Verdict | undefined,
  after: BranchHealth.Health,
  version: number,
  at: string
): ReadonlyArray<BranchHealthChanged> => {
  if (!BranchHealth.changed(before, after)) return []
  if (before === undefined && after.grade === "normal" && after.findings.length === 0) return []
  return [
    {
      type: "BranchHealthChanged",
      outputId: `branch|${after.orgId}|${version}`,
      orgId: after.orgId,
      ...(after.guidingOrgId !== undefined && { guidingOrgId: after.guidingOrgId }),
      from: before?.grade ?? null,
      to: after.grade,
      at,
      gradedBy: after.gradedBy,
      findings: after.findings.map((finding) => ({ ...finding, since: iso(finding.since) })),
      ...(after.nextReviewAt !== undefined && { nextReviewAt: iso(after.nextReviewAt) })
    }
  ]
}

/**
 * What a new or changed proposal publishes, with its explanation in Chinese under the rule that
 * made it. The id names the pair, the decision and the weight (6 decimals), so an unchanged
 * proposal announced again has the same id.
 */
export const ofProposal = (proposal: Matching.Proposal, rule: MatchRule.MatchRule): MatchProposed => ({
  type: "MatchProposed",
  outputId: `match|${proposal.observationEventId}|${proposal.memberId}|${proposal.decision}|${proposal.weight.toFixed(6)}`,
  observationEventId: proposal.observationEventId,
  memberId: proposal.memberId,
  weight: proposal.weight,
  probability: proposal.probability,
  decision: proposal.decision,
  explanation: Matching.explain(proposal.explanation, rule)
})

/**
 * What a re-evaluation publishes: a `MemberStatusChanged` when anything a person acts on changed
 * (a newly registered member in good standing is not news), and a `MemberRelinked` when the member
 * left the unlinked set. `version` makes the output ids deterministic for a stored member version.
 */
export const ofEvaluation = (
  memberId: string,
  before: Status.Evaluation | undefined,
  after: Status.Evaluation | undefined,
  version: number,
  at: string
): ReadonlyArray<MemberStatusChanged | MemberRelinked> => {
  if (after === undefined || !Status.changed(before, after)) return []
  if (before === undefined && after.status === "active" && after.flags.length === 0) return []
  const changed: MemberStatusChanged = {
    type: "MemberStatusChanged",
    outputId: `status|${memberId}|${version}`,
    memberId,
    from: before?.status ?? null,
    to: after.status,
    at,
    responsibleOrgId: after.responsibleOrgId,
    reasons: after.reasons.map((r) => r.rule)
  }
  if (before === undefined || !Status.unlinked.has(before.status) || Status.unlinked.has(after.status)) return [changed]
  return [changed, { type: "MemberRelinked", outputId: `relinked|${memberId}|${version}`, memberId, from: before.status, to: after.status, at }]
}
