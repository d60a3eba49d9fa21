/**
 * The health of each floating party organisation as last evaluated: its grade and findings, what
 * a change is judged against (`BranchHealth.changed`), and `nextReviewAt`, what the sweeper looks
 * for. Written on the version read: two workers re-evaluating one organisation from different views
 * of its members, the one that read the older version loses and evaluates again.
 */
import { Effect } from "effect"
import { Mongo, type MongoError, type VersionedWrite } from "@relink/mongo"

export interface BranchHealthDoc {
  readonly _id: string
  readonly version: number
  /** Set anew by every write: a writer finds out whether the version stored is its own. */
  readonly writeId: string
  readonly grade: string
  /** Its findings as plain data (rule ids, organisation and member ids, no personal data), instants as dates. */
  readonly findings: ReadonlyArray<unknown>
  /** When a finding could next come with no new event; null for none (or no longer a floating organisation). */
  readonly nextReviewAt: Date | null
  readonly evaluatedAt: Date
}

/** A health document to write, with the version it was read at (undefined for the first). */
export type BranchHealthWrite = VersionedWrite.Write<BranchHealthDoc>

export interface BranchHealthStore {
  readonly loadBranchHealth: (orgIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, BranchHealthDoc>, MongoError.MongoError>
  /** Writes on the expected version (insert when first), read at `readAt` (wall clock); returns the ids that lost to another writer. */
  readonly writeBranchHealth: (writes: ReadonlyArray<BranchHealthWrite>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  /** The organisations due for review at `now`: their ids, oldest first. */
  readonly dueBranches: (now: number, limit: number) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  /** Removes claims on health versions too old to be contended any more. */
  readonly pruneBranchHealthClaims: Effect.Effect<number, MongoError.MongoError>
}

export const collections = ["branchHealth", "branchHealthClaims"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<BranchHealthStore, MongoError.MongoError> =>
  Effect.gen(function* () {
    const health = mongo.db.collection<BranchHealthDoc>("branchHealth")
    yield* Mongo.attempt("index branch health", () => health.createIndex({ nextReviewAt: 1 }))
    const versions = yield* mongo.versions<BranchHealthDoc>("branch health", "branchHealth", "branchHealthClaims")
    return {
      loadBranchHealth: (orgIds) =>
        orgIds.length === 0
          ? Effect.succeed(new Map())
          : Effect.map(Mongo.findAll("load branch health", health, { _id: { $in: [...orgIds] } }), (docs) => new Map(docs.map((d) => [d._id, d]))),
      writeBranchHealth: versions.write,
      dueBranches: (now, limit) =>
        Effect.map(
          Mongo.findAll("find due branches", health, { nextReviewAt: { $lte: new Date(now) } }, { sort: { nextReviewAt: 1 }, limit, projection: { _id: 1 } }),
          (docs) => docs.map((d) => d._id)
        ),
      pruneBranchHealthClaims: versions.pruneClaims
    }
  })
