/**
 * The worker's store in memory, for concurrency tests: every operation is a round trip that the
 * seeded scheduler interleaves with the other workers' (and can kill a worker at, part of a bulk
 * write applied). It keeps the server's contract as FerretDB 1.x does: inserts are atomic on
 * unique `_id`s, and a conditional update is a query and then a write by `_id` of what the query
 * read, two round trips. Versioned documents (members, organisations, an observation's proposals) are written
 * through the claims `VersionedWrite` takes on such a server.
 */
import { Effect, Stream } from "effect"
import { MongoError, VersionedWrite } from "@relink/mongo"
import * as Store from "../../src/Store.ts"
import type * as Interleaving from "../../../../test/support/Interleaving.ts"

/** What the server holds, shared by every worker's view of it. */
export interface Server {
  readonly events: Map<string, Store.EventDoc>
  readonly members: Map<string, Store.MemberDoc>
  readonly claims: Map<string, VersionedWrite.Claim>
  readonly matchClaims: Map<string, VersionedWrite.Claim>
  readonly orgClaims: Map<string, VersionedWrite.Claim>
  readonly orgs: Map<string, Store.OrgDoc>
  readonly orgRecords: Map<string, Store.OrgRecordDoc>
  readonly orgRecordClaims: Map<string, VersionedWrite.Claim>
  readonly branchHealth: Map<string, Store.BranchHealthDoc>
  readonly branchHealthClaims: Map<string, VersionedWrite.Claim>
  readonly observations: Map<string, Store.ObservationDoc>
  readonly resolutions: Map<string, { readonly observationEventId: string; readonly memberId: string }>
  readonly matches: Map<string, Store.MatchesDoc>
  readonly statusChanges: Map<string, Store.StatusChangeDoc>
  readonly outbox: Map<string, Store.OutboxDoc>
  orgsVersion: string
  /** The settings the worker stored, as JSON, by id. */
  readonly settings: Map<string, string>
}

export const server = (): Server => ({
  events: new Map(),
  members: new Map(),
  claims: new Map(),
  matchClaims: new Map(),
  orgClaims: new Map(),
  orgs: new Map(),
  orgRecords: new Map(),
  orgRecordClaims: new Map(),
  branchHealth: new Map(),
  branchHealthClaims: new Map(),
  observations: new Map(),
  resolutions: new Map(),
  matches: new Map(),
  statusChanges: new Map(),
  outbox: new Map(),
  orgsVersion: "",
  settings: new Map()
})

const LEASE_MS = 200

/** Inserts each document whose `_id` is free; returns the indexes of those that were taken. */
const insertInto = <D extends { readonly _id: string }>(map: Map<string, D>, docs: ReadonlyArray<D>, n: number) => {
  const taken = new Set<number>()
  docs.slice(0, n).forEach((doc, i) => {
    if (map.has(doc._id)) taken.add(i)
    else map.set(doc._id, doc)
  })
  return taken
}

/** The document stored under `id`, as a list of none or one. */
const found = <D>(map: ReadonlyMap<string, D>, id: string): ReadonlyArray<D> => {
  const doc = map.get(id)
  return doc === undefined ? [] : [doc]
}

const sortBy = <A>(items: Iterable<A>, key: (a: A) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))

/** A round trip to the server: `apply(n)` applies the first n of `size` documents. */
export type RoundTrip = <A>(operation: string, size: number, apply: (n: number) => A) => Effect.Effect<A, MongoError.MongoError>

/** One worker's connection, interleaved by the schedule with the others'. */
export const scheduled =
  (schedule: Interleaving.Interleaving, actor: number): RoundTrip =>
  (operation, size, apply) =>
    schedule.roundTrip(actor, size, apply).pipe(
      Effect.mapError((killed) => new MongoError.MongoError({ operation, reason: `worker ${killed.actor} died here`, kind: "Unavailable" }))
    )

/** A connection that applies every operation at once: for reading the end state back. */
export const direct: RoundTrip = (_operation, size, apply) => Effect.sync(() => apply(size))

export const make = (s: Server, roundTrip: RoundTrip, now: () => number): Store.StoreShape => {
  let commands = 0
  const trip: RoundTrip = (operation, size, apply) => Effect.suspend(() => {
    commands++
    return roundTrip(operation, size, apply)
  })
  let documentsRead = 0
  /** A read, its documents counted as the driver's monitoring counts them: a list's, a map's, or one. */
  const read = <A>(operation: string, f: () => A) =>
    trip(operation, 0, () => {
      const result = f()
      documentsRead += Array.isArray(result) ? result.length : result instanceof Map ? result.size : result === undefined || typeof result !== "object" ? 0 : 1
      return result
    })
  const streamed = <A>(docs: () => Iterable<A>) =>
    Stream.suspend(() => Stream.fromIterable([...docs()])).pipe(Stream.tap(() => Effect.sync(() => documentsRead++)))

  /** Versioned documents of one map, claimed in another: what `VersionedWrite` writes through. */
  const versioned = <D extends VersionedWrite.Versioned>(
    what: string,
    docs: Map<string, D>,
    claims: Map<string, VersionedWrite.Claim>
  ): VersionedWrite.Backend<D, MongoError.MongoError> => ({
    insert: (fresh) => trip(`insert ${what}`, fresh.length, (n) => insertInto(docs, fresh, n)),
    replace: (changed) =>
      trip(`write ${what}`, changed.length, (n) => {
        for (const fields of changed.slice(0, n)) {
          // A write by `_id` sets these fields on the stored document.
          const doc = docs.get(fields._id)
          if (doc !== undefined) docs.set(fields._id, { ...doc, ...fields })
        }
      }),
    replaceIfVersion: () => Effect.die(new Error("a server without atomic conditional updates is written through claims")),
    stored: (ids) =>
      read(`verify ${what} versions`, () => {
        const found = new Map<string, { version: number; writeId: string }>()
        for (const id of ids) {
          const doc = docs.get(id)
          if (doc !== undefined) found.set(id, { version: doc.version, writeId: doc.writeId })
        }
        return found
      }),
    insertClaims: (made) => trip(`claim ${what} versions`, made.length, (n) => insertInto(claims, made, n)),
    findClaims: (ids) =>
      read(`read ${what} claims`, () => {
        const found = new Map<string, VersionedWrite.Claim>()
        for (const id of ids) {
          const claim = claims.get(id)
          if (claim !== undefined) found.set(id, claim)
        }
        return found
      }),
    claimsBefore: (before) => read(`read old ${what} claims`, () => [...claims.values()].filter((c) => c.at < before)),
    deleteClaims: (ids) =>
      trip(`prune ${what} claims`, ids.length, (n) => {
        for (const id of ids.slice(0, n)) claims.delete(id)
      })
  })
  const memberVersions = versioned("members", s.members, s.claims)
  const matchVersions = versioned("matches", s.matches, s.matchClaims)
  const orgVersions = versioned("organisations", s.orgs, s.orgClaims)
  const recordVersions = versioned("organisation records", s.orgRecords, s.orgRecordClaims)
  const healthVersions = versioned("branch health", s.branchHealth, s.branchHealthClaims)
  const versioning: VersionedWrite.Settings = { mode: "claims", leaseMs: LEASE_MS, now }
  const pruneMemberClaims = VersionedWrite.prune(memberVersions, versioning)
  const pruneMatchClaims = VersionedWrite.prune(matchVersions, versioning)
  const pruneOrgClaims = VersionedWrite.prune(orgVersions, versioning)
  const pruneOrgRecordClaims = VersionedWrite.prune(recordVersions, versioning)
  const pruneBranchHealthClaims = VersionedWrite.prune(healthVersions, versioning)

  const withResolutions = (docs: ReadonlyArray<Store.ObservationDoc>, ids: ReadonlyArray<string>): ReadonlyArray<Store.ObservationDoc> => {
    const resolvedBy = new Map<string, Array<string>>()
    for (const r of s.resolutions.values()) {
      if (ids.includes(r.observationEventId)) resolvedBy.set(r.observationEventId, [...(resolvedBy.get(r.observationEventId) ?? []), r.memberId])
    }
    const stored = new Set(docs.map((d) => d._id))
    return [
      ...docs.map((d) => ({ ...d, resolvedBy: resolvedBy.get(d._id) ?? [] })),
      ...[...resolvedBy].filter(([id]) => !stored.has(id)).map(([_id, members]) => ({ _id, resolvedBy: members }))
    ]
  }

  return {
    commandsSent: () => commands,
    documentsRead: () => documentsRead,
    ping: Effect.void,
    conditionalWrites: "claims",
    wallClock: now,

    storeEvents: (docs) =>
      trip("store events", docs.length, (n) => {
        const taken = insertInto(s.events, docs, n)
        return new Set(docs.slice(0, n).filter((_, i) => !taken.has(i)).map((d) => d._id))
      }),
    storedCopies: (ids) =>
      read("load stored events", () => {
        const found = new Map<string, Store.StoredCopy>()
        for (const id of ids) {
          const doc = s.events.get(id)
          if (doc !== undefined) found.set(id, doc)
        }
        return found
      }),
    countEvents: read("count events", () => s.events.size),
    allEvents: streamed(() => [...s.events.values()].map((d) => ({ _id: d._id, payload: d.payload }))),

    loadMembers: (ids) => read("load members", () => new Map(ids.flatMap((id) => found(s.members, id).map((doc) => [id, doc] as const)))),
    writeMembers: (writes, readAt) => VersionedWrite.write(memberVersions, versioning, writes, readAt),
    pruneMemberClaims,
    pruneMatchClaims,
    pruneOrgClaims,
    pruneOrgRecordClaims,
    pruneBranchHealthClaims,
    pruneClaims: Effect.asVoid(Effect.all([pruneMemberClaims, pruneOrgClaims, pruneOrgRecordClaims, pruneBranchHealthClaims, pruneMatchClaims])),
    clearPending: (members, readAt) => VersionedWrite.update(memberVersions, versioning, members.map(Store.clearingPending), readAt).pipe(Effect.asVoid),
    dueMembers: (now, strandedBefore, limit) =>
      read("find due members", () =>
        [...s.members.values()]
          .filter(
            (d) =>
              (d.nextReviewAt !== null && d.nextReviewAt.getTime() <= now) ||
              (d.pendingSince !== undefined && d.pendingSince !== null && d.pendingSince.getTime() <= strandedBefore)
          )
          .sort((a, b) => (a.nextReviewAt?.getTime() ?? 0) - (b.nextReviewAt?.getTime() ?? 0))
          .slice(0, limit)
      ),
    membersByKeys: (keys, statuses) =>
      read("find members by key", () =>
        [...s.members.values()]
          .filter((d) => d.status !== null && statuses.includes(d.status) && d.blockingKeys.some((k) => keys.includes(k)))
          .map((d) => ({ _id: d._id, blockingKeys: d.blockingKeys }))
      ),
    memberIdsByHomeOrgs: (orgIds) =>
      read("find members by org", () => [...s.members.values()].filter((d) => d.homeOrgId !== null && orgIds.includes(d.homeOrgId)).map((d) => d._id)),
    membersByBranchKeys: (keys) =>
      read("find members by branch key", () => [...s.members.values()].filter((d) => (d.branchKeys ?? []).some((k) => keys.includes(k)))),
    allMembers: streamed(() => sortBy(s.members.values(), (d) => d._id)),
    membersOfOrgs: (orgIds) => streamed(() => [...s.members.values()].filter((d) => d.orgIds.some((id) => orgIds.includes(id)))),

    writeOrgs: (writes, readAt) => VersionedWrite.write(orgVersions, versioning, writes, readAt),
    allOrgs: read("read organisations", () => [...s.orgs.values()]),
    orgsByIds: (ids) => read("read organisations by id", () => ids.flatMap((id) => found(s.orgs, id))),
    orgsByParents: (parentIds) =>
      read("read organisations by parent", () => [...s.orgs.values()].filter((o) => o.parentId !== null && parentIds.includes(o.parentId))),
    orgsVersion: read("read organisations version", () => s.orgsVersion),
    bumpOrgsVersion: read("bump organisations version", () => {
      s.orgsVersion = `${s.orgsVersion}+`
    }),

    loadOrgRecords: (ids) => read("load organisation records", () => ids.flatMap((id) => found(s.orgRecords, id))),
    writeOrgRecords: (writes, readAt) => VersionedWrite.write(recordVersions, versioning, writes, readAt),
    allOrgRecords: read("read organisation records", () => sortBy(s.orgRecords.values(), (d) => d._id)),

    loadBranchHealth: (ids) => read("load branch health", () => new Map(ids.flatMap((id) => found(s.branchHealth, id).map((doc) => [id, doc] as const)))),
    writeBranchHealth: (writes, readAt) => VersionedWrite.write(healthVersions, versioning, writes, readAt),
    dueBranches: (now, limit) =>
      read("find due branches", () =>
        [...s.branchHealth.values()]
          .filter((d) => d.nextReviewAt !== null && d.nextReviewAt.getTime() <= now)
          .sort((a, b) => (a.nextReviewAt?.getTime() ?? 0) - (b.nextReviewAt?.getTime() ?? 0))
          .slice(0, limit)
          .map((d) => d._id)
      ),

    setting: (id) => read(`read the setting ${id}`, () => s.settings.get(id)),
    storeSetting: (id, json) =>
      read(`store the setting ${id}`, () => {
        s.settings.set(id, json)
      }),

    storeObservations: (docs) => trip("store observations", docs.length, (n) => void insertInto(s.observations, docs, n)),
    addResolutions: (pairs) =>
      trip("store resolutions", pairs.length, (n) => {
        for (const p of pairs.slice(0, n)) s.resolutions.set(`${p.observationEventId}|${p.memberId}`, p)
      }),
    loadObservations: (ids) =>
      read("load observations", () => {
        const docs = ids.flatMap((id) => found(s.observations, id))
        return new Map(withResolutions(docs, ids).map((d) => [d._id, d]))
      }),
    observationsByKeys: (keys) =>
      read("find observations by key", () => {
        const docs = [...s.observations.values()].filter((d) => (d.blockingKeys ?? []).some((k) => keys.includes(k)))
        return withResolutions(docs, docs.map((d) => d._id))
      }),

    loadMatches: (ids) => read("load matches", () => new Map(ids.flatMap((id) => found(s.matches, id).map((doc) => [id, doc] as const)))),
    writeMatches: (writes, readAt) => VersionedWrite.write(matchVersions, versioning, writes, readAt),
    matchesOfMembers: (memberIds) =>
      read("find matches", () => [...s.matches.values()].filter((m) => m.proposals.some((p) => memberIds.includes(p.memberId)))),
    allMatches: read("read matches", () => sortBy(s.matches.values(), (m) => m._id)),

    stageOutputs: (docs) => trip("stage outputs", docs.length, (n) => void insertInto(s.outbox, docs, n)),
    unpublishedOutputs: (limit) =>
      read("read outbox", () =>
        [...s.outbox.values()]
          .filter((o) => !o.published)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : 1))
          .slice(0, limit)
      ),
    prunePublished: (before) =>
      read("prune published outputs", () => {
        let deleted = 0
        for (const [id, doc] of s.outbox) {
          if (doc.published && doc.createdAt.getTime() < before) {
            s.outbox.delete(id)
            deleted++
          }
        }
        return deleted
      }),
    markPublished: (ids) =>
      trip("mark outputs published", ids.length, (n) => {
        for (const id of ids.slice(0, n)) {
          const doc = s.outbox.get(id)
          if (doc !== undefined) s.outbox.set(id, { ...doc, published: true })
        }
      }),
    recordStatusChanges: (docs) =>
      trip("record status changes", docs.length, (n) => {
        const taken = insertInto(s.statusChanges, docs, n)
        return docs.slice(0, n).filter((_, i) => !taken.has(i))
      })
  }
}
