/**
 * The read side: what MongoDB holds, in the embedded scan's terms. Statuses are re-evaluated from
 * the stored projections with core (as of any instant); proposals are the stored ones that still
 * apply — member unlinked or at risk, observation not settled, pair not rejected (`Proposal`), in
 * `Proposal.Order` — explained under the rule the worker stored. `relink report --mongo` and
 * `relink scan --mongo` read through here, so they give the embedded scan's rows.
 */
import { Effect, Stream } from "effect"
import { Matching, type MatchRule, OrgTree, type Policy, type Projection, Proposal, Report, Status } from "@relink/core"
import { Pii, Store } from "@relink/mongo"
import { fromOrgDoc } from "./Engine.ts"
import * as MemberRecord from "./MemberRecord.ts"
import * as StoredData from "./StoredData.ts"
import * as StoredRule from "./StoredRule.ts"

export interface Snapshot {
  readonly asOf: number
  readonly orgs: OrgTree.OrgTree
  readonly members: ReadonlyMap<string, Projection.Projection>
  readonly evaluations: ReadonlyArray<Status.Evaluation>
  /** The evaluations the worker stored when it last processed each member. */
  readonly stored: ReadonlyMap<string, Status.Evaluation>
  readonly proposals: ReadonlyArray<Matching.Proposal>
  /** The rule the worker proposed with (the default when none is stored): what explains the proposals. */
  readonly rule: MatchRule.MatchRule
}

/** A match document decodes as its proposal (the `_id` left out). */
const decodeProposal = StoredData.decoder(Matching.Proposal, "matches")

export const load = (asOf: number, policy: Policy.Policy) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const pii = yield* Pii.PiiService
    const orgDocs = yield* store.allOrgs
    const orgs = OrgTree.make(yield* Effect.forEach(orgDocs, fromOrgDoc))
    const members = new Map<string, Projection.Projection>()
    const stored = new Map<string, Status.Evaluation>()
    const evaluations: Array<Status.Evaluation> = []
    yield* Stream.runForEach(store.allMembers, (doc) =>
      Effect.gen(function* () {
        const projection = yield* MemberRecord.projectionOf(pii, doc)
        members.set(doc._id, projection)
        const before = yield* MemberRecord.evaluationOf(doc)
        if (before !== undefined) stored.set(doc._id, before)
        const evaluation = Status.evaluate(projection, asOf, policy, orgs)
        if (evaluation !== undefined) evaluations.push(evaluation)
      })
    )
    const current = new Map(evaluations.map((e) => [e.memberId, e]))
    const observations = yield* store.loadObservations([...new Set((yield* store.allMatches).map((m) => m.observationEventId))])
    const settled = new Set(
      [...observations.values()].filter((o) => Proposal.isSettled(o._id, o.resolvedBy ?? [], (id) => members.get(id))).map((o) => o._id)
    )
    const matches = yield* Effect.forEach(yield* store.allMatches, (doc) => decodeProposal(doc._id, "", doc))
    const proposals = matches
      .filter(
        (m) =>
          Proposal.isMatchable(current.get(m.memberId)) &&
          !settled.has(m.observationEventId) &&
          !Proposal.isRejected(members.get(m.memberId), m.observationEventId)
      )
      .sort(Proposal.Order)
    const rule = yield* StoredRule.load
    return { asOf, orgs, members, evaluations, stored, proposals, rule } satisfies Snapshot
  })

/** The report input of a snapshot, as `Report.fromScan` is for the embedded scan. */
export const reportInput = (snapshot: Snapshot): Report.Input => ({
  asOf: snapshot.asOf,
  orgs: snapshot.orgs,
  evaluations: snapshot.evaluations,
  member: (memberId) => snapshot.members.get(memberId),
  proposals: snapshot.proposals
})
