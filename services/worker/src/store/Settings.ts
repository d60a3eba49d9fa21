/** The settings a worker decides with (`"matchRule"`, `"policy"`), stored as JSON in the collection `meta`. */
import { Effect } from "effect"
import { Mongo, type MongoError } from "@relink/mongo"

interface SettingDoc {
  readonly _id: string
  readonly json?: string
}

export interface Settings {
  /** A setting the worker stored on start, as JSON (undefined before any worker started). */
  readonly setting: (id: string) => Effect.Effect<string | undefined, MongoError.MongoError>
  readonly storeSetting: (id: string, json: string) => Effect.Effect<void, MongoError.MongoError>
}

export const collections = ["meta"] as const

export const make = (mongo: Mongo.MongoShape): Settings => {
  const meta = mongo.db.collection<SettingDoc>("meta")
  return {
    setting: (id) => Effect.map(Mongo.attempt(`read the setting ${id}`, () => meta.findOne({ _id: id })), (doc) => doc?.json),
    storeSetting: (id, json) => Mongo.attempt(`store the setting ${id}`, () => meta.updateOne({ _id: id }, { $set: { json } }, { upsert: true })).pipe(Effect.asVoid)
  }
}
