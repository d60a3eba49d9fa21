/**
 * Organisations: the registration of each that core's rule keeps (`OrgTree.mergeOrg`), written on
 * the version read, and a token that every change replaces, so that every worker knows to reload
 * the tree.
 */
import { Effect } from "effect"
import { Mongo, type MongoError, type VersionedWrite } from "@relink/mongo"
import { randomUUID } from "node:crypto"

export interface OrgDoc {
  readonly _id: string
  readonly version: number
  /** Set anew by every write: a writer finds out whether the version stored is its own. */
  readonly writeId: string
  readonly name: string
  readonly parentId: string | null
  readonly kind: string
  readonly region: string
  readonly at: Date
  readonly eventId: string
}

/** The document `"orgs"` of the collection `meta`: the organisations' version token. */
interface VersionDoc {
  readonly _id: string
  readonly version?: string
}

/** An organisation to write, with the version it was read at (undefined for a new one). */
export type OrgWrite = VersionedWrite.Write<OrgDoc>

export interface Organisations {
  /**
   * Writes organisations on their expected version (insert when new), read at `readAt` (wall
   * clock). Returns the ids that lost a race with another writer: the caller reads them again and
   * decides again which registration is kept.
   */
  readonly writeOrgs: (writes: ReadonlyArray<OrgWrite>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  readonly allOrgs: Effect.Effect<ReadonlyArray<OrgDoc>, MongoError.MongoError>
  readonly orgsByIds: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<OrgDoc>, MongoError.MongoError>
  /** The organisations directly below any of these. */
  readonly orgsByParents: (parentIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<OrgDoc>, MongoError.MongoError>
  /**
   * A token replaced on every organisation change. A fresh random value rather than a counter: two
   * concurrent `$inc`s can count once on a server that reads, then writes (FerretDB), but two
   * changes always leave a token another worker has not seen.
   */
  readonly orgsVersion: Effect.Effect<string, MongoError.MongoError>
  readonly bumpOrgsVersion: Effect.Effect<void, MongoError.MongoError>
  /** Removes claims on organisation versions too old to be contended any more. */
  readonly pruneOrgClaims: Effect.Effect<number, MongoError.MongoError>
}

export const collections = ["orgs", "orgClaims", "meta"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Organisations, MongoError.MongoError> =>
  Effect.gen(function* () {
    const orgs = mongo.db.collection<OrgDoc>("orgs")
    const meta = mongo.db.collection<VersionDoc>("meta")
    yield* Mongo.attempt("index organisations", () => orgs.createIndex({ parentId: 1 }))
    const versions = yield* mongo.versions<OrgDoc>("organisations", "orgs", "orgClaims")
    return {
      writeOrgs: versions.write,
      allOrgs: Mongo.findAll("read organisations", orgs, {}),
      orgsByIds: (ids) => (ids.length === 0 ? Effect.succeed([]) : Mongo.findAll("read organisations by id", orgs, { _id: { $in: [...ids] } })),
      orgsByParents: (parentIds) =>
        parentIds.length === 0 ? Effect.succeed([]) : Mongo.findAll("read organisations by parent", orgs, { parentId: { $in: [...parentIds] } }),
      orgsVersion: Effect.map(Mongo.attempt("read organisations version", () => meta.findOne({ _id: "orgs" })), (doc) => doc?.version ?? ""),
      bumpOrgsVersion: Effect.suspend(() =>
        Mongo.attempt("bump organisations version", () => meta.updateOne({ _id: "orgs" }, { $set: { version: randomUUID() } }, { upsert: true }))
      ).pipe(
        // The first bumps of two workers race where upserts are a query then an insert (FerretDB):
        // the loser's insert meets the winner's document, and sent again it updates it.
        Effect.retry({ times: 1, while: (error) => error.kind === "DuplicateKey" }),
        Effect.asVoid
      ),
      pruneOrgClaims: versions.pruneClaims
    }
  })
