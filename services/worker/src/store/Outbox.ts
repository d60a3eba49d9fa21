/** The outbox: outputs staged before they are published, so a crash in between loses nothing, and pruned a while after. */
import { Effect } from "effect"
import { Mongo, type MongoError } from "@relink/mongo"

/** A message to publish. */
export interface OutboxDoc {
  readonly _id: string
  readonly topic: string
  readonly key: string
  readonly value: string
  readonly published: boolean
  readonly createdAt: Date
}

export interface Outbox {
  /** Stages outputs once each (by their deterministic id): inserts, a duplicate key means staged before. */
  readonly stageOutputs: (docs: ReadonlyArray<OutboxDoc>) => Effect.Effect<void, MongoError.MongoError>
  /** The oldest outputs not published yet. */
  readonly unpublishedOutputs: (limit: number) => Effect.Effect<ReadonlyArray<OutboxDoc>, MongoError.MongoError>
  readonly markPublished: (ids: ReadonlyArray<string>) => Effect.Effect<void, MongoError.MongoError>
  /** Removes published outputs staged before `before`: the outbox keeps what is unsent, and a while of what was sent. Returns how many. */
  readonly prunePublished: (before: number) => Effect.Effect<number, MongoError.MongoError>
}

export const collections = ["outbox"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Outbox, MongoError.MongoError> =>
  Effect.gen(function* () {
    const outbox = mongo.db.collection<OutboxDoc>("outbox")
    yield* Mongo.attempt("index outbox", () => outbox.createIndex({ published: 1, createdAt: 1 }))
    return {
      stageOutputs: (docs) => Effect.asVoid(mongo.bulk("stage outputs", outbox, docs.map((document) => ({ insertOne: { document } })))),
      unpublishedOutputs: (limit) => Mongo.findAll("read outbox", outbox, { published: false }, { sort: { createdAt: 1, _id: 1 }, limit }),
      markPublished: (ids) =>
        ids.length === 0
          ? Effect.void
          : Effect.asVoid(Mongo.attempt("mark outputs published", () => outbox.updateMany({ _id: { $in: [...ids] } }, { $set: { published: true } }))),
      prunePublished: (before) =>
        Effect.map(
          Mongo.attempt("prune published outputs", () => outbox.deleteMany({ published: true, createdAt: { $lt: new Date(before) } })),
          (result) => result.deletedCount
        )
    }
  })
