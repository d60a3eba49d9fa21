/**
 * Observations (registrations and leads that name no member) and the `MatchResolved` pairings that
 * settle or reject them, each pairing a document of its own.
 */
import { Effect } from "effect"
import { Mongo, type MongoError } from "@relink/mongo"

/** An observation as read: what its event stored, and the members resolutions paired it with. */
export interface ObservationDoc {
  readonly _id: string
  /** The observation event (wire JSON), encrypted; absent while only its resolution has arrived. */
  readonly payload?: string
  readonly occurredAt?: Date
  readonly blockingKeys?: ReadonlyArray<string>
  /** Members a `MatchResolved` paired with this observation. */
  readonly resolvedBy?: ReadonlyArray<string>
}

export type StoredObservationDoc = Required<Omit<ObservationDoc, "resolvedBy">>

/**
 * One `MatchResolved` pairing: resolutions for one observation arrive on any partition, and adding
 * each to an array in the observation's document would be a read-modify-write that loses one of
 * two concurrent additions on FerretDB.
 */
interface ResolutionDoc {
  readonly _id: string
  readonly observationEventId: string
  readonly memberId: string
}

export interface Observations {
  /** Stores observations once each: an observation is written by its event alone, so a duplicate key means stored before. */
  readonly storeObservations: (docs: ReadonlyArray<StoredObservationDoc>) => Effect.Effect<void, MongoError.MongoError>
  readonly addResolutions: (
    pairs: ReadonlyArray<{ readonly observationEventId: string; readonly memberId: string }>
  ) => Effect.Effect<void, MongoError.MongoError>
  /** The observations with these ids, and those only resolutions have named so far. */
  readonly loadObservations: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, ObservationDoc>, MongoError.MongoError>
  readonly observationsByKeys: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<ObservationDoc>, MongoError.MongoError>
}

export const collections = ["observations", "resolutions"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Observations, MongoError.MongoError> =>
  Effect.gen(function* () {
    const observations = mongo.db.collection<StoredObservationDoc>("observations")
    const resolutions = mongo.db.collection<ResolutionDoc>("resolutions")
    yield* Mongo.attempt("index observations", () =>
      Promise.all([observations.createIndex({ blockingKeys: 1 }), resolutions.createIndex({ observationEventId: 1 })])
    )
    /** Observations with the members resolutions paired them with; `ids` without a document get one of their resolutions alone. */
    const withResolutions = (docs: ReadonlyArray<StoredObservationDoc>, ids: ReadonlyArray<string>) =>
      (ids.length === 0 ? Effect.succeed([]) : Mongo.findAll("load resolutions", resolutions, { observationEventId: { $in: [...ids] } })).pipe(
        Effect.map((found): ReadonlyArray<ObservationDoc> => {
          const resolvedBy = new Map<string, Array<string>>()
          for (const r of found) resolvedBy.set(r.observationEventId, [...(resolvedBy.get(r.observationEventId) ?? []), r.memberId])
          const stored = new Set(docs.map((d) => d._id))
          return [
            ...docs.map((d) => ({ ...d, resolvedBy: resolvedBy.get(d._id) ?? [] })),
            ...[...resolvedBy].filter(([id]) => !stored.has(id)).map(([_id, members]) => ({ _id, resolvedBy: members }))
          ]
        })
      )
    return {
      storeObservations: (docs) => Effect.asVoid(mongo.bulk("store observations", observations, docs.map((document) => ({ insertOne: { document } })))),
      addResolutions: (pairs) =>
        Effect.asVoid(
          mongo.bulk(
            "store resolutions",
            resolutions,
            pairs.map(({ observationEventId, memberId }) => ({ insertOne: { document: { _id: `${observationEventId}|${memberId}`, observationEventId, memberId } } }))
          )
        ),
      loadObservations: (ids) =>
        Mongo.findAll("load observations", observations, { _id: { $in: [...ids] } }).pipe(
          Effect.flatMap((docs) => withResolutions(docs, ids)),
          Effect.map((docs) => new Map(docs.map((d) => [d._id, d])))
        ),
      observationsByKeys: (keys) =>
        keys.length === 0
          ? Effect.succeed([])
          : Mongo.findAll("find observations by key", observations, { blockingKeys: { $in: [...keys] } }).pipe(
              Effect.flatMap((docs) => withResolutions(docs, docs.map((d) => d._id)))
            )
    }
  })
