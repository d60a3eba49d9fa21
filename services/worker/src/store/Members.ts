/**
 * Members: each one's sealed projection and evaluation, written on the version it was read at by
 * whichever worker holds the member's partition now (`Mongo.Versions`), with the changes whose
 * effects are still to be stored.
 */
import { Effect, type Stream } from "effect"
import { Mongo, type MongoError, type VersionedWrite } from "@relink/mongo"
import { randomUUID } from "node:crypto"

export interface MemberDoc {
  readonly _id: string
  readonly version: number
  /** Set anew by every write: a writer finds out whether the version stored is its own. */
  readonly writeId: string
  /** The member's projection, sealed (one ciphertext). */
  readonly state: string
  /** The core evaluation, as plain data (no personal data in it), its instants as dates. */
  readonly evaluation: unknown
  readonly status: string | null
  readonly homeOrgId: string | null
  readonly responsibleOrgId: string | null
  /** Every organisation the member's evaluation can name (`Status.orgsOf`): what a list for one organisation reads members by. */
  readonly orgIds: ReadonlyArray<string>
  /** When the status could next change with no new event: what the sweeper looks for. */
  readonly nextReviewAt: Date | null
  /**
   * The keys of the floating organisations whose health reads the member (`BranchHealth.keysOf`:
   * `org:<id>`, `region:<code>`). A document without it is read by none until it is written again.
   */
  readonly branchKeys?: ReadonlyArray<string>
  /** Blind-indexed blocking keys, for matching observations against members. */
  readonly blockingKeys: ReadonlyArray<string>
  readonly evaluatedAt: Date
  /**
   * Changes written to this member whose effects (outputs, re-matching) are not known to be done:
   * written with the change, cleared once the effects are stored, so a crash in between loses
   * nothing. A document without it has no pending changes.
   */
  readonly pending?: ReadonlyArray<PendingChange>
  /** Since when (wall clock) changes have been pending: the sweeper settles those a crash left behind. */
  readonly pendingSince?: Date | null
}

/** A member change whose effects are still to be stored: its evaluations and the keys to re-match. */
export interface PendingChange {
  readonly version: number
  readonly before: unknown
  readonly after: unknown
  readonly rematchKeys: ReadonlyArray<string>
  /**
   * The keys of the floating organisations whose health read the member before or after the
   * change: reviewed again when a crash left the change pending. Absent in older documents.
   */
  readonly branchKeys?: ReadonlyArray<string>
}

/** A member document to write, with the version it was read at (undefined for a new member). */
export type MemberWrite = VersionedWrite.Write<MemberDoc>

/** The change that clears a member's pending changes: a new version, so a writer holding the old one loses. */
export const clearingPending = ({ _id, version }: { readonly _id: string; readonly version: number }): VersionedWrite.Change<MemberDoc> => ({
  doc: { _id, version: version + 1, writeId: randomUUID(), pending: [], pendingSince: null },
  expectedVersion: version
})

export interface Members {
  readonly loadMembers: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, MemberDoc>, MongoError.MongoError>
  /**
   * Writes members on their expected version (insert when new), read at `readAt` (wall clock).
   * Returns the ids that lost a race with another writer: the caller re-reads, re-merges and
   * writes them again.
   */
  readonly writeMembers: (writes: ReadonlyArray<MemberWrite>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  /**
   * Clears the pending changes of members still at the version (read at `readAt`, wall clock)
   * whose effects were stored. A versioned write like any other: cleared in place, a member could
   * be written back over a newer version by a server that queries, then writes.
   */
  readonly clearPending: (members: ReadonlyArray<{ readonly _id: string; readonly version: number }>, readAt: number) => Effect.Effect<void, MongoError.MongoError>
  /** Members due for review at `now`, and members whose changes have been pending since before `strandedBefore` (wall clock). */
  readonly dueMembers: (now: number, strandedBefore: number, limit: number) => Effect.Effect<ReadonlyArray<MemberDoc>, MongoError.MongoError>
  /** Members sharing a blocking key, in any of the statuses: ids and keys only. */
  readonly membersByKeys: (
    keys: ReadonlyArray<string>,
    statuses: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<Pick<MemberDoc, "_id" | "blockingKeys">>, MongoError.MongoError>
  readonly memberIdsByHomeOrgs: (orgIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  /** The members filed under any of these keys (`branchKeys`): what a floating organisation's health reads. */
  readonly membersByBranchKeys: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MemberDoc>, MongoError.MongoError>
  /** The members whose evaluation can name any of these organisations, streamed through the `orgIds` index. */
  readonly membersOfOrgs: (orgIds: ReadonlyArray<string>) => Stream.Stream<MemberDoc, MongoError.MongoError>
  /** Every member, by id. */
  readonly allMembers: Stream.Stream<MemberDoc, MongoError.MongoError>
  /** Removes claims on member versions too old to be contended any more. */
  readonly pruneMemberClaims: Effect.Effect<number, MongoError.MongoError>
}

export const collections = ["members", "memberClaims"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Members, MongoError.MongoError> =>
  Effect.gen(function* () {
    const members = mongo.db.collection<MemberDoc>("members")
    yield* Mongo.attempt("index members", () =>
      Promise.all([
        members.createIndex({ nextReviewAt: 1 }),
        members.createIndex({ blockingKeys: 1 }),
        members.createIndex({ status: 1 }),
        members.createIndex({ homeOrgId: 1 }),
        members.createIndex({ orgIds: 1 }),
        members.createIndex({ branchKeys: 1 }),
        members.createIndex({ pendingSince: 1 })
      ])
    )
    const versions = yield* mongo.versions<MemberDoc>("members", "members", "memberClaims")
    return {
      loadMembers: (ids) => Effect.map(Mongo.findAll("load members", members, { _id: { $in: [...ids] } }), (docs) => new Map(docs.map((d) => [d._id, d]))),
      writeMembers: versions.write,
      clearPending: (pending, readAt) => Effect.asVoid(versions.update(pending.map(clearingPending), readAt)),
      dueMembers: (now, strandedBefore, limit) =>
        Mongo.findAll(
          "find due members",
          members,
          { $or: [{ nextReviewAt: { $lte: new Date(now) } }, { pendingSince: { $lte: new Date(strandedBefore) } }] },
          { sort: { nextReviewAt: 1 }, limit }
        ),
      membersByKeys: (keys, statuses) =>
        keys.length === 0
          ? Effect.succeed([])
          : Mongo.findAll("find members by key", members, { blockingKeys: { $in: [...keys] }, status: { $in: [...statuses] } }, { projection: { _id: 1, blockingKeys: 1 } }),
      memberIdsByHomeOrgs: (orgIds) =>
        Effect.map(Mongo.findAll("find members by org", members, { homeOrgId: { $in: [...orgIds] } }, { projection: { _id: 1 } }), (docs) => docs.map((d) => d._id)),
      membersByBranchKeys: (keys) =>
        keys.length === 0 ? Effect.succeed([]) : Mongo.findAll("find members by branch key", members, { branchKeys: { $in: [...keys] } }),
      membersOfOrgs: (orgIds) => Mongo.stream("read members of organisations", members, { orgIds: { $in: [...orgIds] } }),
      allMembers: Mongo.stream("read members", members, {}, { sort: { _id: 1 } }),
      pruneMemberClaims: versions.pruneClaims
    }
  })
