/**
 * The worker's fold, against MongoDB instead of memory: store events, merge their fragments into
 * member projections and organisations' records (on the documents' versions, so concurrent workers
 * are safe), evaluate with core, re-match the observations a change can affect, re-evaluate the
 * floating organisations a change can affect, and stage outputs. Every decision is a core
 * function; this module only reads, calls core and writes.
 */
import { Context, Duration, Effect, Layer, Ref } from "effect"
import { randomUUID } from "node:crypto"
import { BranchHealth, BranchReview, Event, Matching, type MatchRule, OrgRecord, OrgTree, Output, type Policy, Projection, Proposal, Rematch, Scan, Status } from "@relink/core"
import { MongoError, Pii } from "@relink/mongo"
import * as Store from "./Store.ts"
import * as BranchDocs from "./BranchDocs.ts"
import * as MemberRecord from "./MemberRecord.ts"
import * as StoredData from "./StoredData.ts"
import * as Metrics from "./Metrics.ts"

export interface Settings {
  readonly policy: Policy.Policy
  readonly rule: MatchRule.MatchRule
  readonly flagsTopic: string
  /** Changes pending this long (wall clock) were left by a writer that died: the sweeper settles them. */
  readonly strandedAfterMs?: number | undefined
  /** Published outputs are kept this long after they were staged, then pruned by the sweeper. */
  readonly outboxRetentionMs?: number | undefined
}

/** A week: long enough to look into what was sent, short enough that the outbox does not grow without end. */
export const defaultOutboxRetentionMs = 7 * 86_400_000

const STRANDED_AFTER_MS = 30_000

/** An event as it arrived: decoded, with its original bytes and where it came from. */
export interface Arrival {
  readonly event: Event.Event
  readonly raw: Buffer
  readonly origin: Store.EventDoc["origin"]
}

export interface Outcome {
  readonly newEvents: number
  /** Later copies of an eventId with the first copy's content: applied again, idempotently. */
  readonly duplicates: number
  /** Later copies of an eventId with other content than the first copy's, by index in the batch: not applied. */
  readonly conflicts: ReadonlyArray<{ readonly index: number; readonly error: Event.ConflictingDuplicate }>
  readonly outputs: ReadonlyArray<Store.OutboxDoc>
  /** Of the outputs, how many announce a status change, a proposal, and a floating organisation's health. */
  readonly statusChanges: number
  readonly proposals: number
  readonly branchChanges: number
}

/** What a settlement staged: the encoded outputs, and the counts of what they announce. */
interface Staged {
  readonly outputs: ReadonlyArray<Store.OutboxDoc>
  readonly statusChanges: number
  readonly proposals: number
  readonly branchChanges: number
}

/** Where the first copy of a conflicting event came from, for the conflict's reason. */
const firstCopy = (origin: Store.EventDoc["origin"]): string =>
  origin === null ? "the stored copy" : `the copy from ${origin.topic} partition ${origin.partition} offset ${origin.offset}`

/** A member written (or found) with changes whose effects are still to be stored. */
interface Unsettled {
  readonly version: number
  /** When (wall clock) the member was known to be at `version`. */
  readonly readAt: number
  readonly changes: ReadonlyArray<Store.PendingChange>
}

const matchable = [...Status.matchable]
const MAX_WRITE_ATTEMPTS = 25

/** An organisation as stored. */
/** An organisation to store at a version, its write id new. */
export const toOrgDoc = (org: OrgTree.Org, version: number): Store.OrgDoc => ({
  _id: org.orgId,
  version,
  writeId: randomUUID(),
  name: org.name,
  parentId: org.parentId ?? null,
  kind: org.kind,
  region: org.region,
  at: new Date(org.at),
  eventId: org.eventId
})

const decodeOrgKind = StoredData.decoder(Event.OrgKind, "orgs")
const decodeOrgAt = StoredData.decoder(MemberRecord.InstantFromDate, "orgs")

/** An organisation as stored, back in core's terms; its kind and instant decoded. */
export const fromOrgDoc = (doc: Store.OrgDoc): Effect.Effect<OrgTree.Org, StoredData.StoredDataError> =>
  Effect.zipWith(decodeOrgKind(doc._id, "kind", doc.kind), decodeOrgAt(doc._id, "at", doc.at), (kind, at) => ({
    orgId: doc._id,
    name: doc.name,
    kind,
    region: doc.region,
    at,
    eventId: doc.eventId,
    ...(doc.parentId !== null && { parentId: doc.parentId })
  }))

/** An output encoded for the outbox, keyed by member id, or organisation id (docs/outputs.md). */
const output = (topic: string, now: number, value: Output.Output): Store.OutboxDoc => ({
  _id: value.outputId,
  topic,
  key: Output.keyOf(value),
  value: JSON.stringify(value),
  published: false,
  createdAt: new Date(now)
})

export const make = (settings: Settings) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const pii = yield* Pii.PiiService
    const { policy, rule } = settings
    const orgCache = yield* Ref.make<{ readonly version: string | null; readonly tree: OrgTree.OrgTree }>({
      version: null,
      tree: OrgTree.make([])
    })

    /** The organisation tree, reloaded when any worker changed an organisation. */
    const currentTree = Effect.gen(function* () {
      const version = yield* store.orgsVersion
      const cached = yield* Ref.get(orgCache)
      if (cached.version === version) return cached
      const docs = yield* store.allOrgs
      const fresh = { version, tree: OrgTree.make(yield* Effect.forEach(docs, fromOrgDoc)) }
      yield* Ref.set(orgCache, fresh)
      return fresh
    })

    const observationOf = (doc: Store.ObservationDoc): Effect.Effect<Scan.Observation | undefined, StoredData.StoredDataError | Pii.PiiKeyMismatch> => {
      if (doc.payload === undefined) return Effect.succeed(undefined)
      return Effect.map(StoredData.opened(pii, "observations", doc._id, "payload", doc.payload), (plaintext) => {
        const decoded = Event.decodeLine(plaintext.toString("utf8"))
        return decoded._tag === "Success" && Scan.isObservation(decoded.success) ? decoded.success : undefined
      })
    }

    const statusOutputs = (
      memberId: string,
      before: Status.Evaluation | undefined,
      after: Status.Evaluation | undefined,
      version: number,
      now: number
    ): ReadonlyArray<Output.Output> => Output.ofEvaluation(memberId, before, after, version, new Date(now).toISOString())

    /**
     * Runs `round` until no id is left: each round reads the documents of the ids given (at
     * `readAt`, wall clock), decides, writes on the versions read and returns the ids whose write
     * lost to another writer. Lost races back off: the winner may hold its claim for a round trip.
     */
    const untilWritten = <E>(
      operation: string,
      what: string,
      ids: ReadonlyArray<string>,
      round: (ids: ReadonlyArray<string>, readAt: number) => Effect.Effect<ReadonlyArray<string>, E>
    ) =>
      Effect.gen(function* () {
        let left = ids
        for (let attempt = 0; left.length > 0; attempt++) {
          if (attempt >= MAX_WRITE_ATTEMPTS) {
            return yield* new MongoError.MongoError({ operation, reason: `${left.length} ${what} kept changing under concurrent writers`, kind: "WriteConflict" })
          }
          if (attempt > 0) yield* Effect.sleep(Duration.millis(Math.min(1_000, 10 * 2 ** attempt)))
          left = yield* round(left, store.wallClock())
        }
      })

    /** The status outputs of the member's pending change at `index`, its stored evaluations decoded. */
    const pendingOutputs = (memberId: string, change: Store.PendingChange, index: number, now: number) =>
      Effect.gen(function* () {
        const before = yield* MemberRecord.decodeStoredEvaluation(memberId, `pending.${index}.before`, change.before)
        const after = yield* MemberRecord.decodeStoredEvaluation(memberId, `pending.${index}.after`, change.after)
        return statusOutputs(memberId, before, after, change.version, now)
      })

    /**
     * Merges fragments into members (an absent fragment re-evaluates the member as it is) and
     * writes the ones that changed, retrying members another worker wrote in between. A change with
     * effects (a status change, observations to re-match) is written into the member as pending,
     * together with any pending before it; the members returned are those with pending changes,
     * including unchanged ones whose effects an earlier attempt did not finish. The keys of the
     * floating organisations whose health reads each member, before and after, go into
     * `branchKeys`, changed or not: a batch delivered again after a crash re-evaluates them again.
     */
    const applyToMembers = (
      fragments: ReadonlyMap<string, Projection.Projection | undefined>,
      now: number,
      tree: OrgTree.OrgTree,
      branchKeys: Set<string>
    ) =>
      Effect.gen(function* () {
        const results = new Map<string, Unsettled>()
        const floatingKeys = BranchReview.floatingKeys(tree)
        yield* untilWritten("write members", "members", [...fragments.keys()], (toWrite, readAt) => Effect.gen(function* () {
          const docs = yield* store.loadMembers(toWrite)
          const writes: Array<Store.MemberWrite> = []
          for (const id of toWrite) {
            const stored = docs.get(id)
            const unfinished = stored?.pending ?? []
            const current = stored === undefined ? Projection.empty(id) : yield* MemberRecord.projectionOf(pii, stored)
            const fragment = fragments.get(id)
            const merged = fragment === undefined ? current : Projection.merge(current, fragment)
            const evaluation = Status.evaluate(merged, now, policy, tree)
            const before = yield* MemberRecord.evaluationOf(stored)
            // A change is pending until the floating organisations reading the member before or after are reviewed.
            const readBy = BranchReview.readBy(
              floatingKeys,
              before === undefined ? undefined : { projection: current, evaluation: before },
              evaluation === undefined ? undefined : { projection: merged, evaluation }
            )
            for (const key of readBy) branchKeys.add(key)
            const unchanged = stored !== undefined && Projection.equals(current, merged) && Status.equals(before, evaluation)
            if (unchanged) {
              if (unfinished.length > 0) results.set(id, { version: stored.version, readAt, changes: unfinished })
              continue
            }
            const personAfter = Matching.personOfMember(merged)
            const keys = MemberRecord.blockingKeys(pii, personAfter, rule)
            const matchedBefore: Rematch.Member =
              stored === undefined ? Rematch.unknown : { person: Matching.personOfMember(current), evaluation: before, keys: stored.blockingKeys }
            const version = (stored?.version ?? 0) + 1
            const change: Store.PendingChange = {
              version,
              before: MemberRecord.storedEvaluation(before),
              after: MemberRecord.storedEvaluation(evaluation),
              rematchKeys: Rematch.keys(matchedBefore, { person: personAfter, evaluation, keys }),
              ...(readBy.length > 0 && { branchKeys: readBy })
            }
            const hasEffects = change.rematchKeys.length > 0 || readBy.length > 0 || statusOutputs(id, before, evaluation, version, now).length > 0
            const changes = hasEffects ? [...unfinished, change] : unfinished
            const pendingSince = unfinished.length > 0 ? (stored?.pendingSince ?? new Date(readAt)) : new Date(readAt)
            writes.push({
              doc: MemberRecord.toDoc(pii, merged, evaluation, keys, version, now, changes, pendingSince),
              expectedVersion: stored?.version
            })
            if (changes.length > 0) results.set(id, { version, readAt, changes })
          }
          const conflicts = yield* store.writeMembers(writes, readAt)
          for (const id of conflicts) results.delete(id)
          return conflicts
        }))
        return results
      })

    /** Outputs encoded for the outbox and staged, once each by id, however often a retry stages them again. */
    const stage = (outputs: ReadonlyArray<Output.Output>, now: number, into: Map<string, Store.OutboxDoc>) =>
      Effect.gen(function* () {
        const docs = outputs.map((o) => output(settings.flagsTopic, now, o))
        yield* store.stageOutputs(docs)
        for (const doc of docs) into.set(doc._id, doc)
      })

    /**
     * Recomputes the proposals of observations from scratch against the members matchable now and
     * writes each observation's proposals whole, on the version read, announcing the new or changed
     * ones first (a retry that finds them stored does not announce them again). The proposals are
     * read before the members they are computed from, and written even when unchanged: a worker whose
     * write lands after another's read the version that other wrote, so it read the members after
     * every member write that other re-matched for. An observation another worker wrote meanwhile is
     * read and re-matched again.
     */
    const rematch = (observationIds: ReadonlyArray<string>, now: number, staged: Map<string, Store.OutboxDoc>) =>
      Effect.gen(function* () {
        let proposals = 0
        yield* untilWritten("write matches", "observations", observationIds, (toMatch, readAt) => Effect.gen(function* () {
          const stored = yield* store.loadMatches(toMatch)
          const docs = yield* store.loadObservations(toMatch)
          // One query for the members sharing any key of any of these observations, one to load them:
          // a store without rich indexes (FerretDB on SQLite) then scans once per batch, not per observation.
          const open: Array<{ doc: Store.ObservationDoc; observed: Matching.Person; keys: ReadonlyArray<string> }> = []
          for (const doc of docs.values()) {
            const observation = yield* observationOf(doc)
            const observed = observation === undefined ? undefined : Matching.personOfObservation(observation)
            if (observed !== undefined) open.push({ doc, observed, keys: Matching.blockingKeys(observed, rule).map(pii.blindIndex) })
          }
          const hits = yield* store.membersByKeys([...new Set(open.flatMap((o) => o.keys))], matchable)
          const buckets = new Map<string, Array<string>>()
          for (const hit of hits) {
            for (const key of hit.blockingKeys) {
              const bucket = buckets.get(key)
              if (bucket === undefined) buckets.set(key, [hit._id])
              else bucket.push(hit._id)
            }
          }
          const candidateIds = open.map((o) => Matching.selectCandidateIds(o.keys, (key) => buckets.get(key)))
          const members = yield* store.loadMembers([...new Set([...candidateIds.flat(), ...open.flatMap((o) => o.doc.resolvedBy ?? [])])])
          const projections = new Map(
            yield* Effect.forEach(members, ([id, doc]) => Effect.map(MemberRecord.projectionOf(pii, doc), (p): [string, Projection.Projection] => [id, p]))
          )
          const persons = new Map([...projections].map(([id, projection]) => [id, Matching.personOfMember(projection)]))
          const outputs: Array<Output.Output> = []
          const writes: Array<Store.MatchesWrite> = []
          for (const [index, { doc, observed }] of open.entries()) {
            const candidates: Array<Matching.Candidate> = []
            const settled = Proposal.isSettled(doc._id, doc.resolvedBy ?? [], (id) => projections.get(id))
            for (const id of settled ? [] : (candidateIds[index] ?? [])) {
              const person = persons.get(id)
              if (person === undefined || Proposal.isRejected(projections.get(id), doc._id)) continue
              candidates.push({ memberId: id, person })
            }
            const found = candidates.length === 0 ? [] : Matching.match(doc._id, observed, candidates, rule)
            const before = stored.get(doc._id)
            for (const proposal of Proposal.announced(before?.proposals ?? [], found)) outputs.push(Output.ofProposal(proposal, rule))
            writes.push({
              doc: { _id: doc._id, version: (before?.version ?? 0) + 1, writeId: randomUUID(), proposals: found },
              expectedVersion: before?.version
            })
          }
          yield* stage(outputs, now, staged)
          proposals += outputs.length
          return yield* store.writeMatches(writes, readAt)
        }))
        return proposals
      })

    /**
     * Re-evaluates floating organisations as of `now` (`BranchHealth.evaluate`, from their records,
     * the tree and the members filed under their keys, each re-evaluated as of `now`) and writes
     * each one's health on the version read, announcing a changed grade or findings first (a retry
     * that finds the change stored does not announce it again). The health is read before what it
     * is computed from, so a write that lands after another's read what that other wrote. An
     * organisation no longer floating keeps its last verdict and is no longer due. Returns how many
     * changes were announced.
     */
    const reviewBranches = (orgIds: ReadonlyArray<string>, now: number, staged: Map<string, Store.OutboxDoc>) =>
      Effect.gen(function* () {
        let announced = 0
        yield* untilWritten("write branch health", "floating organisations", orgIds, (toReview, readAt) => Effect.gen(function* () {
          const stored = yield* store.loadBranchHealth(toReview)
          const { tree } = yield* currentTree
          const floating = toReview.flatMap((id) => {
            const org = tree.orgs.get(id)
            return org?.kind === "floating-branch" ? [org] : []
          })
          const records = new Map<string, OrgRecord.OrgRecord>()
          for (const doc of yield* store.loadOrgRecords(floating.map((org) => org.orgId))) records.set(doc._id, yield* BranchDocs.recordOf(doc))
          const filed = new Map<string, Array<BranchHealth.Member>>()
          for (const doc of yield* store.membersByBranchKeys([...new Set(floating.flatMap(BranchHealth.keysOfOrg))])) {
            const projection = yield* MemberRecord.projectionOf(pii, doc)
            const evaluation = Status.evaluate(projection, now, policy, tree)
            if (evaluation === undefined) continue
            const member = { projection, evaluation }
            for (const key of doc.branchKeys ?? []) {
              const list = filed.get(key)
              if (list === undefined) filed.set(key, [member])
              else list.push(member)
            }
          }
          const outputs: Array<Output.Output> = []
          const writes: Array<Store.BranchHealthWrite> = []
          for (const id of toReview) {
            const org = tree.orgs.get(id)
            const members = org === undefined ? [] : new Set(BranchHealth.keysOfOrg(org).flatMap((key) => filed.get(key) ?? []))
            const health =
              org?.kind === "floating-branch" ? BranchHealth.evaluate({ org, record: records.get(id), orgs: tree, members, asOf: now, policy }) : undefined
            const doc = stored.get(id)
            if (doc === undefined && health === undefined) continue
            const before = yield* BranchDocs.verdictOf(doc)
            const nextReviewAt = health?.nextReviewAt ?? null
            const changed = health !== undefined && BranchHealth.changed(before, health)
            if (doc !== undefined && !changed && (doc.nextReviewAt?.getTime() ?? null) === nextReviewAt) continue
            const version = (doc?.version ?? 0) + 1
            if (health !== undefined) outputs.push(...Output.ofBranchHealth(before, health, version, new Date(now).toISOString()))
            writes.push({ doc: BranchDocs.toHealthDoc(id, health, before, version, now), expectedVersion: doc?.version })
          }
          yield* stage(outputs, now, staged)
          announced += outputs.length
          return yield* store.writeBranchHealth(writes, readAt)
        }))
        return announced
      })

    /**
     * Merges records' fragments (`OrgRecord.fromEvent`) into the stored records, by max, on the
     * versions read; a record another worker wrote meanwhile is read and merged again.
     */
    const storeRecords = (fragments: ReadonlyMap<string, OrgRecord.OrgRecord>) =>
      untilWritten("store organisation records", "organisation records", [...fragments.keys()], (ids, readAt) => Effect.gen(function* () {
        const stored = new Map((yield* store.loadOrgRecords(ids)).map((doc) => [doc._id, doc]))
        const writes: Array<Store.OrgRecordWrite> = []
        for (const id of ids) {
          const fragment = fragments.get(id)
          if (fragment === undefined) continue
          const doc = stored.get(id)
          const current = doc === undefined ? undefined : yield* BranchDocs.recordOf(doc)
          const merged = current === undefined ? fragment : OrgRecord.merge(current, fragment)
          if (current !== undefined && OrgRecord.equals(current, merged)) continue
          writes.push({ doc: BranchDocs.toRecordDoc(merged, (doc?.version ?? 0) + 1), expectedVersion: doc?.version })
        }
        return yield* store.writeOrgRecords(writes, readAt)
      }))

    /**
     * Applies member changes, then re-matches what they affect, then re-evaluates the floating
     * organisations they and `branches` concern (those of `branches` that are floating ones, and
     * every one of `dueBranches`, whose health is stored). The effects are stored in an order
     * that a crash anywhere cannot break: status changes are recorded and staged, proposals
     * announced before they are stored, and the members' pending changes cleared last.
     */
    const settle = (
      fragments: ReadonlyMap<string, Projection.Projection | undefined>,
      observationIds: ReadonlySet<string>,
      branches: ReadonlySet<string>,
      dueBranches: ReadonlyArray<string>,
      now: number
    ) =>
      Effect.gen(function* () {
        const { version, tree } = yield* currentTree
        const branchKeys = new Set<string>()
        let unsettled = yield* applyToMembers(fragments, now, tree, branchKeys).pipe(Metrics.observed("apply members"))
        // Another worker changed an organisation meanwhile: evaluate this batch's members again.
        const after = yield* currentTree
        if (after.version !== version) {
          const again = yield* applyToMembers(new Map([...fragments.keys()].map((id) => [id, undefined])), now, after.tree, branchKeys).pipe(
            Metrics.observed("apply members")
          )
          unsettled = new Map([...unsettled, ...again])
        }
        const changes: Array<Output.Output> = []
        const rematchKeys = new Set<string>()
        for (const [memberId, { changes: pending }] of unsettled) {
          for (const [index, change] of pending.entries()) {
            changes.push(...(yield* pendingOutputs(memberId, change, index, now)))
            for (const key of change.rematchKeys) rematchKeys.add(key)
            for (const key of change.branchKeys ?? []) branchKeys.add(key)
          }
        }
        const statusChanges = changes.filter((o) => o.type === "MemberStatusChanged")
        yield* store.recordStatusChanges(
          statusChanges.map((change) => ({
            _id: change.outputId,
            memberId: change.memberId,
            from: change.from,
            to: change.to,
            at: new Date(change.at),
            responsibleOrgId: change.responsibleOrgId,
            reasons: change.reasons
          }))
        )
        const staged = new Map<string, Store.OutboxDoc>()
        yield* stage(changes, now, staged).pipe(Metrics.observed("stage outputs"))
        const affected = new Set(observationIds)
        for (const doc of yield* store.observationsByKeys([...rematchKeys])) affected.add(doc._id)
        const proposals = yield* rematch([...affected].sort(), now, staged).pipe(Metrics.observed("rematch"))
        // Before the pending changes are cleared: a crash in between leaves them for the sweeper, which re-evaluates these again.
        const reviewed = BranchReview.reviewed(after.tree, { orgs: branches, keys: branchKeys, due: dueBranches })
        const branchChanges = yield* reviewBranches(reviewed, now, staged).pipe(Metrics.observed("review branches"))
        // A member another worker wrote meanwhile keeps its pending changes: that worker settles them.
        yield* store.clearPending(
          [...unsettled].map(([_id, { version }]) => ({ _id, version })),
          Math.min(...[...unsettled.values()].map((u) => u.readAt))
        )
        return { outputs: [...staged.values()], statusChanges: statusChanges.length, proposals, branchChanges } satisfies Staged
      })

    /** The digest of a stored copy: stored with it, or that of its payload ("", which no copy has, when it no longer decodes). */
    const storedDigest = (copy: Store.StoredCopy): Effect.Effect<string, StoredData.StoredDataError | Pii.PiiKeyMismatch> => {
      if (typeof copy.digest === "string") return Effect.succeed(copy.digest)
      return Effect.map(StoredData.opened(pii, "events", copy._id, "payload", copy.payload), (plaintext) => {
        const decoded = Event.decodeBytes(plaintext)
        return decoded._tag === "Success" ? pii.digest(Event.canonical(decoded.success)) : ""
      })
    }

    /**
     * Stores each organisation's registration where core's rule keeps it over the stored one
     * (`OrgTree.mergeOrg`), on the version read. Returns the organisations whose kept registration
     * is the batch's, stored now or by an earlier delivery: a batch retried after a crash then
     * re-applies its effects.
     */
    const storeOrgs = (registered: ReadonlyMap<string, OrgTree.Org>) =>
      Effect.gen(function* () {
        const kept = new Set<string>()
        yield* untilWritten("store organisations", "organisations", [...registered.keys()], (ids, readAt) => Effect.gen(function* () {
          const stored = new Map((yield* store.orgsByIds(ids)).map((doc) => [doc._id, doc]))
          const writes: Array<Store.OrgWrite> = []
          for (const id of ids) {
            const org = registered.get(id)
            if (org === undefined) continue
            const doc = stored.get(id)
            const current = doc === undefined ? undefined : yield* fromOrgDoc(doc)
            kept.delete(id)
            if (OrgTree.mergeOrg(current, org).eventId !== org.eventId) continue
            kept.add(id)
            if (current?.eventId !== org.eventId) writes.push({ doc: toOrgDoc(org, (doc?.version ?? 0) + 1), expectedVersion: doc?.version })
          }
          return yield* store.writeOrgs(writes, readAt)
        }))
        return kept
      })

    /**
     * Stores the batch's events and sorts its arrivals by the rule for repeated eventIds
     * (`Event.copyOf`): the first copy of an eventId is the stored one, else the batch's first.
     * Copies with its content are applied (a redelivered batch merges again, idempotently: that is
     * how a crashed batch gets finished), the others are conflicts. The stored copies of the
     * eventIds already there are read in one query.
     */
    const admit = (arrivals: ReadonlyArray<Arrival>, now: number) =>
      Effect.gen(function* () {
        const copies = arrivals.map((arrival, index) => ({ arrival, index, digest: pii.digest(Event.canonical(arrival.event)) }))
        const firsts = new Map<string, (typeof copies)[number]>()
        for (const copy of copies) if (!firsts.has(copy.arrival.event.eventId)) firsts.set(copy.arrival.event.eventId, copy)
        const fresh = yield* store.storeEvents(
          [...firsts.values()].map(({ arrival: { event, raw, origin }, digest }) => ({
            _id: event.eventId,
            type: event.type,
            memberId: Event.memberIdOf(event) ?? null,
            occurredAt: new Date(event.occurredAt),
            payload: pii.encrypt(raw),
            origin,
            storedAt: new Date(now),
            digest
          }))
        )
        const stored = yield* store.storedCopies([...firsts.keys()].filter((id) => !fresh.has(id)))
        const applied: Array<Arrival> = []
        const conflicts: Array<{ readonly index: number; readonly error: Event.ConflictingDuplicate }> = []
        for (const { arrival, index, digest } of copies) {
          const id = arrival.event.eventId
          const batchFirst = firsts.get(id)
          const storedCopy = stored.get(id)
          const first = fresh.has(id)
            ? batchFirst === undefined || batchFirst.index === index
              ? undefined
              : { digest: batchFirst.digest, origin: batchFirst.arrival.origin }
            : storedCopy === undefined
              ? undefined
              : { digest: yield* storedDigest(storedCopy), origin: storedCopy.origin }
          if (Event.copyOf(first?.digest, digest) === "conflict") {
            conflicts.push({ index, error: Event.conflictingDuplicate(id, firstCopy(first?.origin ?? null)) })
          } else applied.push(arrival)
        }
        return { fresh, applied, conflicts }
      })

    /**
     * Folds a batch of arrived events into the store; idempotent, so a redelivered batch changes
     * nothing. A later copy of an eventId with other content than the first is not folded.
     */
    const ingest = (arrivals: ReadonlyArray<Arrival>, now: number) =>
      Effect.gen(function* () {
        const { fresh, applied, conflicts } = yield* admit(arrivals, now).pipe(Metrics.observed("store events"))
        const fragments = new Map<string, Projection.Projection | undefined>()
        const addFragment = (fragment: Projection.Projection) => {
          const current = fragments.get(fragment.memberId)
          fragments.set(fragment.memberId, current === undefined ? fragment : Projection.merge(current, fragment))
        }
        const observations = new Map<string, Scan.Observation>()
        const resolutions: Array<{ observationEventId: string; memberId: string }> = []
        const registered = new Map<string, OrgTree.Org>()
        const records = new Map<string, OrgRecord.OrgRecord>()
        for (const { event } of applied) {
          OrgRecord.add(records, event)
          if (event.type === "OrgRegistered") {
            registered.set(event.orgId, OrgTree.mergeOrg(registered.get(event.orgId), OrgTree.fromEvent(event)))
            continue
          }
          // An activity's attendees are many members: each gets its meeting contact here, whatever the partition.
          for (const fragment of Projection.fragmentsOf(event)) addFragment(fragment)
          if (Scan.isObservation(event)) observations.set(event.eventId, event)
          else if (event.type === "MatchResolved") resolutions.push({ observationEventId: event.observationEventId, memberId: event.memberId })
        }
        const changedOrgs = yield* storeOrgs(registered)
        yield* storeRecords(records).pipe(Metrics.observed("store records"))
        // The floating organisations whose record this batch folds into, changed or not (a batch
        // delivered again after a crash re-evaluates them again), and those re-registered.
        const branches = new Set(records.keys())
        if (changedOrgs.size > 0) {
          yield* store.bumpOrgsVersion
          // Members homed at a changed organisation, or at one of its children, may escalate differently.
          const orgs = yield* store.allOrgs
          const touched = new Set([...changedOrgs, ...orgs.filter((o) => o.parentId !== null && changedOrgs.has(o.parentId)).map((o) => o._id)])
          for (const id of touched) branches.add(id)
          for (const id of yield* store.memberIdsByHomeOrgs([...touched])) if (!fragments.has(id)) fragments.set(id, undefined)
        }
        const rawOf = new Map(applied.map((a) => [a.event.eventId, a.raw]))
        yield* store.storeObservations(
          [...observations.values()].flatMap((o) => {
            const person = Matching.personOfObservation(o)
            const raw = rawOf.get(o.eventId)
            if (person === undefined || raw === undefined) return []
            return [
              {
                _id: o.eventId,
                payload: pii.encrypt(raw),
                occurredAt: new Date(o.occurredAt),
                blockingKeys: Matching.blockingKeys(person, rule).map(pii.blindIndex)
              }
            ]
          })
        )
        yield* store.addResolutions(resolutions)
        // Attach each observation to the members a resolution names, whichever arrived first.
        const touchedObservations = new Set([...observations.keys(), ...resolutions.map((r) => r.observationEventId)])
        const observationDocs = yield* store.loadObservations([...touchedObservations])
        for (const doc of observationDocs.values()) {
          const observation = observations.get(doc._id) ?? (yield* observationOf(doc))
          if (observation === undefined) continue
          const lead = Projection.leadOf(observation)
          for (const memberId of doc.resolvedBy ?? []) addFragment(Projection.attach(memberId, lead))
        }
        const staged = yield* settle(fragments, touchedObservations, branches, [], now)
        return { newEvents: fresh.size, duplicates: arrivals.length - fresh.size - conflicts.length, conflicts, ...staged } satisfies Outcome
      })

    /**
     * Re-evaluates members and floating organisations whose `nextReviewAt` has come (time-driven
     * changes), up to `limit` of each; `more` when either limit was reached.
     */
    const sweep = (now: number, limit: number) =>
      Effect.gen(function* () {
        yield* store.pruneClaims
        yield* store.prunePublished(now - (settings.outboxRetentionMs ?? defaultOutboxRetentionMs))
        const due = yield* store.dueMembers(now, store.wallClock() - (settings.strandedAfterMs ?? STRANDED_AFTER_MS), limit)
        const dueBranches = yield* store.dueBranches(now, limit)
        const { outputs } = yield* settle(new Map(due.map((d) => [d._id, undefined])), new Set(), new Set(), dueBranches, now)
        return { reviewed: due.length + dueBranches.length, more: due.length >= limit || dueBranches.length >= limit, outputs }
      })

    return { ingest, sweep, currentTree }
  })

export class Engine extends Context.Service<Engine, Effect.Success<ReturnType<typeof make>>>()("@relink/worker/Engine") {}

export const layer = (settings: Settings) => Layer.effect(Engine, make(settings))
