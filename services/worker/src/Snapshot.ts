/**
 * The read side: what MongoDB holds, in the embedded scan's terms: organisations, their records, members, proposals. Proposals are the stored ones
 * that still apply — member unlinked or at risk, observation not settled, pair not rejected
 * (`Proposal`), in `Proposal.Order` — explained under the rule the worker stored. `relink report
 * --mongo` and `relink scan --mongo` read through here, so they give the embedded scan's rows.
 *
 * A read of the whole store re-evaluates every member from its stored projection, as of any
 * instant: what `scan --mongo` and the checks of the worker against the scan want. A read for one
 * organisation (or its subtree) reads the organisations around it alone, streams only the members
 * whose evaluation can name it, through the `orgIds` index, keeps each stored evaluation still valid
 * at the instant asked (evaluated before it, next review after it), and opens the projections of
 * the members it lists alone.
 */
import { Effect, Stream } from "effect"
import { Event, Matching, type MatchRule, type OrgRecord, OrgTree, type Policy, type Projection, Proposal, Report, Scan, Status } from "@relink/core"
import { type MongoError, Pii } from "@relink/mongo"
import * as Store from "./Store.ts"
import { fromOrgDoc } from "./Engine.ts"
import * as BranchDocs from "./BranchDocs.ts"
import * as MemberRecord from "./MemberRecord.ts"
import * as StoredData from "./StoredData.ts"
import * as StoredSettings from "./StoredSettings.ts"

export interface Snapshot {
  readonly asOf: number
  readonly orgs: OrgTree.OrgTree
  /** Organisations' records, by organisation id (`Scan.Result.records`): every one, or those of the organisations read. */
  readonly records: ReadonlyMap<string, OrgRecord.OrgRecord>
  /** Members read: every stored one, or those whose evaluation can name the organisations asked for. */
  readonly memberCount: number
  /** The projections opened: every member read, or (for one organisation) those listed and those re-evaluated. */
  readonly members: ReadonlyMap<string, Projection.Projection>
  readonly evaluations: ReadonlyArray<Status.Evaluation>
  /** The evaluations the worker stored when it last processed each member read. */
  readonly stored: ReadonlyMap<string, Status.Evaluation>
  readonly proposals: ReadonlyArray<Matching.Proposal>
  /** The observations of the proposals, decoded from the bytes their events were stored with. */
  readonly observations: ReadonlyMap<string, Matching.Observation>
  /** The rule the worker proposed with (the default when none is stored): what explains the proposals. */
  readonly rule: MatchRule.MatchRule
  /** The policy the worker evaluates under (the default when none is stored): the early-warning list's model. */
  readonly policy: Policy.Policy
}

/** The organisation a read is for; with `includeSubtree`, every one below it too. */
export interface Scope {
  readonly orgId: string
  readonly includeSubtree: boolean
}

/** Each proposal of a match document decodes as core's proposal. */
const decodeProposal = StoredData.decoder(Matching.Proposal, "matches")

/**
 * The organisations a read for one organisation needs, a level a round trip: the organisation, its
 * ancestors (a member homed at it escalates to its parent) and the organisations below it (its
 * children, or its whole subtree). Undefined when it is not stored.
 */
const scopedOrgs = (store: Store.StoreShape, scope: Scope) =>
  Effect.gen(function* () {
    const docs = new Map<string, Store.OrgDoc>()
    const add = (found: ReadonlyArray<Store.OrgDoc>) => {
      for (const doc of found) docs.set(doc._id, doc)
      return found
    }
    add(yield* store.orgsByIds([scope.orgId]))
    if (!docs.has(scope.orgId)) return undefined
    for (let parent = docs.get(scope.orgId)?.parentId ?? null; parent !== null && !docs.has(parent); ) {
      parent = add(yield* store.orgsByIds([parent]))[0]?.parentId ?? null
    }
    for (let level = [scope.orgId]; level.length > 0; ) {
      const below = add((yield* store.orgsByParents(level)).filter((doc) => !docs.has(doc._id)))
      level = scope.includeSubtree ? below.map((doc) => doc._id) : []
    }
    return docs
  })

const treeOf = (docs: Iterable<Store.OrgDoc>) => Effect.map(Effect.forEach(docs, fromOrgDoc), OrgTree.make)

export const load = (asOf: number, scope?: Scope) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const pii = yield* Pii.PiiService
    const { rule, policy } = yield* StoredSettings.load
    // A read for an organisation that is not stored reads the whole tree: the caller says which ids are near.
    const orgDocs = (scope === undefined ? undefined : yield* scopedOrgs(store, scope)) ?? new Map((yield* store.allOrgs).map((d) => [d._id, d]))
    let orgs = yield* treeOf(orgDocs.values())
    const members = new Map<string, Projection.Projection>()
    const stored = new Map<string, Status.Evaluation>()
    const evaluations: Array<Status.Evaluation> = []
    let memberCount = 0
    // Without the subtree, members homed at a child too: escalation makes the child's parent responsible.
    const docs =
      scope === undefined
        ? store.allMembers
        : store.membersOfOrgs(
            scope.includeSubtree ? [...OrgTree.subtree(orgs, scope.orgId)] : [scope.orgId, ...(orgs.children.get(scope.orgId) ?? [])]
          )
    yield* Stream.runForEach(docs, (doc) =>
      Effect.gen(function* () {
        memberCount++
        const before = yield* MemberRecord.evaluationOf(doc)
        if (before !== undefined) stored.set(doc._id, before)
        if (scope !== undefined && before !== undefined && Status.holdsAt(before, doc.evaluatedAt.getTime(), asOf)) {
          evaluations.push(before)
          if (Proposal.isListed(before, orgs)) members.set(doc._id, yield* MemberRecord.projectionOf(pii, doc))
          return
        }
        const projection = yield* MemberRecord.projectionOf(pii, doc)
        members.set(doc._id, projection)
        const evaluation = Status.evaluate(projection, asOf, policy, orgs)
        if (evaluation !== undefined) evaluations.push(evaluation)
      })
    )
    // The organisations the rows name (a member's assisting organisation may be anywhere).
    const named = [...new Set(evaluations.flatMap((e) => [e.homeOrgId, e.responsibleOrgId, e.assistingOrgId ?? e.homeOrgId]))]
    const missing = named.filter((id) => !orgDocs.has(id))
    if (missing.length > 0) {
      for (const doc of yield* store.orgsByIds(missing)) orgDocs.set(doc._id, doc)
      orgs = yield* treeOf(orgDocs.values())
    }
    const current = new Map(evaluations.map((e) => [e.memberId, e]))
    const matchDocs =
      scope === undefined
        ? yield* store.allMatches
        : yield* store.matchesOfMembers(evaluations.filter(Proposal.isMatchable).map((e) => e.memberId))
    const observations = yield* store.loadObservations(matchDocs.filter((m) => m.proposals.length > 0).map((m) => m._id))
    // Settling an observation is read from the projections of the members resolutions pair it with.
    const resolvers = [...new Set([...observations.values()].flatMap((o) => o.resolvedBy ?? []))].filter((id) => !members.has(id))
    const resolverDocs = resolvers.length === 0 ? new Map<string, Store.MemberDoc>() : yield* store.loadMembers(resolvers)
    const resolving = new Map(members)
    for (const [id, doc] of resolverDocs) resolving.set(id, yield* MemberRecord.projectionOf(pii, doc))
    const settled = new Set(
      [...observations.values()].filter((o) => Proposal.isSettled(o._id, o.resolvedBy ?? [], (id) => resolving.get(id))).map((o) => o._id)
    )
    const matches = yield* Effect.forEach(matchDocs, (doc) =>
      Effect.forEach(doc.proposals, (proposal, index) => decodeProposal(doc._id, `proposals.${index}`, proposal))
    ).pipe(Effect.map((decoded) => decoded.flat()))
    const proposals = matches
      .filter(
        (m) =>
          Proposal.isMatchable(current.get(m.memberId)) &&
          !settled.has(m.observationEventId) &&
          !Proposal.isRejected(resolving.get(m.memberId), m.observationEventId)
      )
      .sort(Proposal.Order)
    const proposed = new Map<string, Matching.Observation>()
    for (const id of new Set(proposals.map((p) => p.observationEventId))) {
      const payload = observations.get(id)?.payload
      if (payload !== undefined) proposed.set(id, yield* decodeObservation(pii, id, payload))
    }
    const recordDocs = scope === undefined ? yield* store.allOrgRecords : yield* store.loadOrgRecords([...orgDocs.keys()])
    const records = new Map<string, OrgRecord.OrgRecord>()
    for (const doc of recordDocs) records.set(doc._id, yield* BranchDocs.recordOf(doc))
    return { asOf, orgs, records, memberCount, members, evaluations, stored, proposals, observations: proposed, rule, policy } satisfies Snapshot
  })

/** A stored observation's event, decoded from its encrypted bytes; anything else there is stored data gone bad. */
const decodeObservation = (pii: Pii.Pii, id: string, payload: string): Effect.Effect<Matching.Observation, StoredData.StoredDataError | Pii.PiiKeyMismatch> =>
  Effect.flatMap(StoredData.opened(pii, "observations", id, "payload", payload), (plaintext) => {
    const decoded = Event.decodeBytes(plaintext)
    if (decoded._tag === "Failure") return Effect.fail(new StoredData.StoredDataError({ collection: "observations", id, reason: decoded.failure.reason }))
    const event = decoded.success
    return Scan.isObservation(event) ? Effect.succeed(event) : Effect.fail(new StoredData.StoredDataError({ collection: "observations", id, reason: `a ${event.type} event, not an observation` }))
  })

/**
 * Every event the worker stored, decoded from its original bytes: what a series of evaluations over
 * the past (`Timeline`) folds, as it would fold an export. A stored event that no longer decodes
 * fails the read.
 */
export const storedEvents: Stream.Stream<Event.Event, MongoError.MongoError | StoredData.StoredDataError | Pii.PiiKeyMismatch, Store.Store | Pii.PiiService> = Stream.unwrap(
  Effect.gen(function* () {
    const store = yield* Store.Store
    const pii = yield* Pii.PiiService
    return Stream.mapEffect(store.allEvents, (doc) =>
      Effect.flatMap(StoredData.opened(pii, "events", doc._id, "payload", doc.payload), (plaintext) => {
        const decoded = Event.decodeBytes(plaintext)
        return decoded._tag === "Success"
          ? Effect.succeed(decoded.success)
          : Effect.fail(new StoredData.StoredDataError({ collection: "events", id: doc._id, reason: decoded.failure.reason }))
      })
    )
  })
)

/** The report input of a snapshot, as `Report.fromScan` is for the embedded scan. */
export const reportInput = (snapshot: Snapshot): Report.Input => ({
  asOf: snapshot.asOf,
  orgs: snapshot.orgs,
  evaluations: snapshot.evaluations,
  member: (memberId) => snapshot.members.get(memberId),
  proposals: snapshot.proposals,
  observation: (eventId) => snapshot.observations.get(eventId)
})
