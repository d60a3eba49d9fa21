/**
 * Organisations: the last registration of each (by occurrence, then event id), and a token that
 * every change replaces, so that every worker knows to reload the tree.
 */
import { Effect } from "effect"
import { Mongo, MongoError } from "@relink/mongo"
import { randomUUID } from "node:crypto"

export interface OrgDoc {
  readonly _id: string
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

export interface Organisations {
  /**
   * Last registration of an organisation wins by (at, eventId). True when this one is the stored
   * one, stored now or by an earlier delivery: a batch retried after a crash then re-applies its
   * effects.
   */
  readonly storeOrg: (org: OrgDoc) => Effect.Effect<boolean, MongoError.MongoError>
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
}

export const collections = ["orgs", "meta"] as const

export const make = (mongo: Mongo.MongoShape): Effect.Effect<Organisations, MongoError.MongoError> =>
  Effect.gen(function* () {
    const orgs = mongo.db.collection<OrgDoc>("orgs")
    const meta = mongo.db.collection<VersionDoc>("meta")
    yield* Mongo.attempt("index organisations", () => orgs.createIndex({ parentId: 1 }))
    return {
      storeOrg: (org) =>
        Mongo.attempt("store organisation", async () => {
          try {
            const result = await orgs.updateOne(
              { _id: org._id, $or: [{ at: { $lt: org.at } }, { at: org.at, eventId: { $lt: org.eventId } }] },
              { $set: org },
              { upsert: true }
            )
            if (result.modifiedCount + result.upsertedCount > 0) return true
          } catch (error) {
            // The stored registration is this one or newer: the upsert's insert collides with it.
            if (!MongoError.isDuplicateKey(error)) throw error
          }
          return (await orgs.countDocuments({ _id: org._id, eventId: org.eventId }, { limit: 1 })) > 0
        }),
      allOrgs: Mongo.findAll("read organisations", orgs, {}),
      orgsByIds: (ids) => (ids.length === 0 ? Effect.succeed([]) : Mongo.findAll("read organisations by id", orgs, { _id: { $in: [...ids] } })),
      orgsByParents: (parentIds) =>
        parentIds.length === 0 ? Effect.succeed([]) : Mongo.findAll("read organisations by parent", orgs, { parentId: { $in: [...parentIds] } }),
      orgsVersion: Effect.map(Mongo.attempt("read organisations version", () => meta.findOne({ _id: "orgs" })), (doc) => doc?.version ?? ""),
      bumpOrgsVersion: Effect.suspend(() =>
        Mongo.attempt("bump organisations version", () => meta.updateOne({ _id: "orgs" }, { $set: { version: randomUUID() } }, { upsert: true }))
      ).pipe(Effect.asVoid)
    }
  })
