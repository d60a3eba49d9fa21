/**
 * Organisations' records (`OrgRecord`: registration, activities, guidance, reports), each a
 * document written on the version it was read at: records of one organisation come from events on
 * any partition, so several workers merge into it at once, and a plain `$max` is a read, then a
 * write on FerretDB 1.x, which loses one of two concurrent updates.
 */
import { Effect } from "effect"
import { Mongo, type MongoError, type VersionedWrite } from "@relink/mongo"

/** An instant of one key (a kind of activity, a guiding or informed organisation's id). */
export interface KeyedInstant {
  readonly key: string
  readonly at: Date
}

/**
 * An organisation's record as stored. Its maps are lists of pairs, not objects keyed by id: an
 * organisation's id may hold a `.` or start with `$`, which a field name may not.
 */
export interface OrgRecordDoc {
  readonly _id: string
  readonly version: number
  /** Set anew by every write: a writer finds out whether the version stored is its own. */
  readonly writeId: string
  readonly registeredAt: Date | null
  readonly activities: ReadonlyArray<KeyedInstant>
  readonly guidedBy: ReadonlyArray<KeyedInstant>
  readonly reportedTo: ReadonlyArray<KeyedInstant>
}

/** A record to write, with the version it was read at (undefined for a new one). */
export type OrgRecordWrite = VersionedWrite.Write<OrgRecordDoc>

export interface OrgRecords {
  readonly loadOrgRecords: (orgIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<OrgRecordDoc>, MongoError.MongoError>
  /**
   * Writes records on their expected version (insert when new), read at `readAt` (wall clock).
   * Returns the ids that lost a race with another writer: the caller reads them again and merges again.
   */
  readonly writeOrgRecords: (writes: ReadonlyArray<OrgRecordWrite>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  readonly allOrgRecords: Effect.Effect<ReadonlyArray<OrgRecordDoc>, MongoError.MongoError>
  /** Removes claims on record versions too old to be contended any more. */
  readonly pruneOrgRecordClaims: Effect.Effect<number, MongoError.MongoError>
}

export const collections = ["orgRecords", "orgRecordClaims"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<OrgRecords, MongoError.MongoError> =>
  Effect.gen(function* () {
    const records = mongo.db.collection<OrgRecordDoc>("orgRecords")
    const versions = yield* mongo.versions<OrgRecordDoc>("organisation records", "orgRecords", "orgRecordClaims")
    return {
      loadOrgRecords: (orgIds) =>
        orgIds.length === 0 ? Effect.succeed([]) : Mongo.findAll("load organisation records", records, { _id: { $in: [...orgIds] } }),
      writeOrgRecords: versions.write,
      allOrgRecords: Mongo.findAll("read organisation records", records, {}, { sort: { _id: 1 } }),
      pruneOrgRecordClaims: versions.pruneClaims
    }
  })
