/** Match proposals: one document per observation, holding all its proposals, written whole on a version. */
import { Effect } from "effect"
import { Mongo, type MongoError, type VersionedWrite } from "@relink/mongo"

/** A proposal as stored: what `Matching.Proposal` encodes to. */
export interface ProposalDoc {
  readonly observationEventId: string
  readonly memberId: string
  readonly weight: number
  readonly probability: number
  readonly decision: string
  readonly explanation: unknown
}

/**
 * The proposals of one observation, keyed by its event id and written whole on a version: of two
 * workers re-matching an observation from different views of its members, the one that read the
 * older version loses and re-matches from what is stored now.
 */
export interface MatchesDoc {
  readonly _id: string
  readonly version: number
  readonly writeId: string
  readonly proposals: ReadonlyArray<ProposalDoc>
}

/** An observation's proposals to write, with the version they were read at (undefined for the first). */
export type MatchesWrite = VersionedWrite.Write<MatchesDoc>

export interface Matches {
  /** The stored proposals of these observations, by observation id (none stored: no entry). */
  readonly loadMatches: (observationIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, MatchesDoc>, MongoError.MongoError>
  /**
   * Writes observations' proposals on their expected version (insert when first), read at
   * `readAt` (wall clock). Returns the observations that lost a race with another writer: the
   * caller reads them again and re-matches them.
   */
  readonly writeMatches: (writes: ReadonlyArray<MatchesWrite>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError.MongoError>
  /** The proposals documents naming any of these members (a document also holds its observation's proposals for others). */
  readonly matchesOfMembers: (memberIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MatchesDoc>, MongoError.MongoError>
  readonly allMatches: Effect.Effect<ReadonlyArray<MatchesDoc>, MongoError.MongoError>
  /** Removes claims on proposals versions too old to be contended any more. */
  readonly pruneMatchClaims: Effect.Effect<number, MongoError.MongoError>
}

export const collections = ["matches", "matchClaims"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Matches, MongoError.MongoError> =>
  Effect.gen(function* () {
    const matches = mongo.db.collection<MatchesDoc>("matches")
    yield* Mongo.attempt("index matches", () => matches.createIndex({ "proposals.memberId": 1 }))
    const versions = yield* mongo.versions<MatchesDoc>("matches", "matches", "matchClaims")
    return {
      loadMatches: (observationIds) =>
        observationIds.length === 0
          ? Effect.succeed(new Map())
          : Effect.map(Mongo.findAll("load matches", matches, { _id: { $in: [...observationIds] } }), (docs) => new Map(docs.map((d) => [d._id, d]))),
      writeMatches: versions.write,
      matchesOfMembers: (memberIds) =>
        memberIds.length === 0 ? Effect.succeed([]) : Mongo.findAll("find matches", matches, { "proposals.memberId": { $in: [...memberIds] } }),
      allMatches: Mongo.findAll("read matches", matches, {}, { sort: { _id: 1 } }),
      pruneMatchClaims: versions.pruneClaims
    }
  })
