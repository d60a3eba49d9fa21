/** The event store: every event once, by its `eventId`, with its original bytes encrypted. */
import { Effect, type Stream } from "effect"
import { Mongo, type MongoError } from "@relink/mongo"

export interface EventDoc {
  readonly _id: string
  readonly type: string
  readonly memberId: string | null
  readonly occurredAt: Date
  /** The original message bytes, encrypted. */
  readonly payload: string
  readonly origin: { readonly topic: string; readonly partition: number; readonly offset: string } | null
  readonly storedAt: Date
  /**
   * The keyed digest of the decoded event (`Pii.digest` of `Event.canonical`): a later copy of the
   * eventId with another digest is a conflict. An event stored without one has the digest of its
   * payload.
   */
  readonly digest?: string
}

/** What a later copy of an event is compared with: the stored copy's digest, payload and origin. */
export type StoredCopy = Pick<EventDoc, "_id" | "digest" | "payload" | "origin">

export interface Events {
  /**
   * Stores events by id; returns the ids that were new (a redelivered event is not). Plain inserts
   * whose duplicate-key errors are expected: far cheaper than upserts on FerretDB.
   */
  readonly storeEvents: (docs: ReadonlyArray<EventDoc>) => Effect.Effect<ReadonlySet<string>, MongoError.MongoError>
  /** The stored copies of these events, by id, in one query. */
  readonly storedCopies: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, StoredCopy>, MongoError.MongoError>
  readonly countEvents: Effect.Effect<number, MongoError.MongoError>
  /** Every stored event's id and encrypted bytes, in no particular order. */
  readonly allEvents: Stream.Stream<Pick<EventDoc, "_id" | "payload">, MongoError.MongoError>
}

export const collections = ["events"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Events, MongoError.MongoError> =>
  Effect.gen(function* () {
    const events = mongo.db.collection<EventDoc>("events")
    yield* Mongo.attempt("index events", () => events.createIndex({ memberId: 1 }))
    return {
      storeEvents: (docs) =>
        Effect.map(mongo.bulk("store events", events, docs.map((document) => ({ insertOne: { document } }))), ({ duplicates }) => {
          const fresh = new Set<string>()
          docs.forEach((doc, i) => {
            if (!duplicates.has(i)) fresh.add(doc._id)
          })
          return fresh
        }),
      storedCopies: (ids) =>
        ids.length === 0
          ? Effect.succeed(new Map())
          : Effect.map(
              Mongo.findAll("load stored events", events, { _id: { $in: [...ids] } }, { projection: { _id: 1, digest: 1, payload: 1, origin: 1 } }),
              (docs) => new Map<string, StoredCopy>(docs.map((d) => [d._id, d]))
            ),
      countEvents: Mongo.attempt("count events", () => events.countDocuments()),
      allEvents: Mongo.stream("read events", events, {}, { projection: { _id: 1, payload: 1 } })
    }
  })
