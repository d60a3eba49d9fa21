/** The history of members' status changes, each once by its deterministic id. */
import { Effect } from "effect"
import { Mongo, type MongoError } from "@relink/mongo"

export interface StatusChangeDoc {
  readonly _id: string
  readonly memberId: string
  readonly from: string | null
  readonly to: string
  readonly at: Date
  readonly responsibleOrgId: string
  readonly reasons: ReadonlyArray<string>
}

export interface StatusChanges {
  /** Records status changes once each (by their deterministic id); returns the ones recorded now. */
  readonly recordStatusChanges: (docs: ReadonlyArray<StatusChangeDoc>) => Effect.Effect<ReadonlyArray<StatusChangeDoc>, MongoError.MongoError>
}

export const collections = ["statusChanges"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<StatusChanges, MongoError.MongoError> =>
  Effect.gen(function* () {
    const statusChanges = mongo.db.collection<StatusChangeDoc>("statusChanges")
    yield* Mongo.attempt("index status changes", () => statusChanges.createIndex({ memberId: 1, at: 1 }))
    return {
      recordStatusChanges: (docs) =>
        Effect.map(mongo.bulk("record status changes", statusChanges, docs.map((document) => ({ insertOne: { document } }))), ({ duplicates }) =>
          docs.filter((_, i) => !duplicates.has(i))
        )
    }
  })
