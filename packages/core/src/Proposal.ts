/**
 * Whether a match proposal still holds, and the order proposals are listed in: one definition for
 * the embedded scan, the worker's re-matching and the read side over what the worker stored. A
 * proposal holds while its observation is not settled, the pair is not rejected and the member is
 * matchable (unlinked or at risk, `Status.matchable`).
 */
import * as order from "effect/Order"
import * as BranchHealth from "./BranchHealth.ts"
import type * as Matching from "./Matching.ts"
import type * as OrgTree from "./OrgTree.ts"
import * as Projection from "./Projection.ts"
import * as Status from "./Status.ts"

/**
 * Whether someone confirmed which member the observation is: one of the members a `MatchResolved`
 * paired it with (`resolvedBy`) holds the confirmation. A settled observation is proposed no more.
 * `member` looks a member's projection up; an unknown member confirms nothing.
 */
export const isSettled = (
  observationEventId: string,
  resolvedBy: Iterable<string>,
  member: (memberId: string) => Projection.Projection | undefined
): boolean => {
  for (const memberId of resolvedBy) {
    const projection = member(memberId)
    if (projection !== undefined && Projection.isConfirmed(projection, observationEventId)) return true
  }
  return false
}

/** Whether a `MatchResolved` rejected the member for the observation: the pair is never proposed again. */
export const isRejected = (member: Projection.Projection | undefined, observationEventId: string): boolean =>
  member?.resolutions[observationEventId]?.value === "rejected"

/** Whether the member, as evaluated, may be proposed at all: registered, and unlinked or at risk. */
export const isMatchable = (evaluation: Status.Evaluation | undefined): boolean =>
  evaluation !== undefined && Status.matchable.has(evaluation.status)

/**
 * Whether a list shows a row for the member, and so needs their projection (name, ID number,
 * phone): unlinked or at risk (the unlinked list, and proposals), a registration problem (the
 * data-quality list), early-warned, or held by a floating organisation (the branches report names
 * them, and `BranchHealth` reads their contacts: `BranchHealth.concerns`). What a scan keeps and a
 * read of the worker's store opens.
 */
export const isListed = (evaluation: Status.Evaluation | undefined, orgs: OrgTree.OrgTree): boolean =>
  evaluation !== undefined &&
  (isMatchable(evaluation) || evaluation.dataQuality !== undefined || evaluation.flags.includes("early-warning") || BranchHealth.concerns(evaluation, orgs))

/**
 * The proposals of a fresh match worth announcing: those new since the proposals stored for the
 * observation, or whose weight or decision changed. A match that finds what is stored announces
 * nothing, so re-matching an observation again and again publishes each proposal once.
 */
export const announced = <P extends Pick<Matching.Proposal, "memberId" | "weight" | "decision">>(
  stored: Iterable<{ readonly memberId: string; readonly weight: number; readonly decision: string }>,
  fresh: ReadonlyArray<P>
): ReadonlyArray<P> => {
  const before = new Map<string, { readonly weight: number; readonly decision: string }>()
  for (const proposal of stored) before.set(proposal.memberId, proposal)
  return fresh.filter((proposal) => {
    const was = before.get(proposal.memberId)
    return was === undefined || was.weight !== proposal.weight || was.decision !== proposal.decision
  })
}

/** Best first among one observation's proposals: highest weight, then member id. */
export const ByWeight: order.Order<Pick<Matching.Proposal, "weight" | "memberId">> = order.make((a, b) =>
  a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0
)

/** The order proposals are listed in everywhere: by observation event id, then best first (`ByWeight`). */
export const Order: order.Order<Matching.Proposal> = order.make((a, b) =>
  a.observationEventId < b.observationEventId ? -1 : a.observationEventId > b.observationEventId ? 1 : ByWeight(a, b)
)
