/**
 * A connection to a MongoDB-wire server, with what a document model needs from it and nothing of
 * any model: the server's capabilities (detected from `buildInfo`, or set), unordered bulk writes
 * sized for that server, versioned writes (`VersionedWrite`) over any pair of collections, and
 * classified errors that keep their cause. Only what MongoDB ≥ 6 and FerretDB 1.24 both support
 * is used: no transactions, change streams, `$lookup`/`$facet`, TTL or partial indexes.
 */
import { Config, Context, Effect, Layer, Option, Schema, type Scope, Stream } from "effect"
import { type AnyBulkWriteOperation, type BulkWriteResult, type Collection, type Db, type Document, type Filter, type FindOptions, MongoBulkWriteError, MongoClient, MongoServerError, type WithId } from "mongodb"
import * as MongoErrors from "./MongoError.ts"
import type { MongoError } from "./MongoError.ts"
import * as VersionedWrite from "./VersionedWrite.ts"

export interface MongoSettings {
  readonly uri: string
  readonly database: string
  /** How versioned documents are written; detected from the server when absent. */
  readonly conditionalWrites?: VersionedWrite.ConditionalWrites | undefined
  /** After this long a writer's claim on a document version counts as abandoned (claims mode only). */
  readonly claimLeaseMs?: number | undefined
}

const DEFAULT_CLAIM_LEASE_MS = 15_000

export const config: Config.Config<MongoSettings> = Config.all({
  uri: Config.String("MONGODB_URI"),
  database: Config.String("MONGODB_DATABASE").pipe(Config.withDefault("relink")),
  conditionalWrites: Config.schema(Schema.Literals(["atomic", "claims"]), "MONGODB_CONDITIONAL_WRITES").pipe(Config.option, Config.map(Option.getOrUndefined)),
  claimLeaseMs: Config.Int("MONGODB_CLAIM_LEASE_MS").pipe(Config.withDefault(DEFAULT_CLAIM_LEASE_MS))
})

/**
 * What the server can do, as far as writes are concerned. FerretDB 1.x runs a conditional update
 * as a query and then a write by `_id` (so versioned writes need claims), and holds every matched
 * update's query open until its command ends (so updates go in small commands); MongoDB does
 * neither.
 */
export interface Capabilities {
  readonly conditionalWrites: VersionedWrite.ConditionalWrites
  /** Updates per command of a bulk write; inserts always go in one command. */
  readonly updatesPerCommand: number
}

/**
 * Operations per command of a bulk write that updates, on FerretDB. FerretDB 1.24 keeps the query
 * of every update that matched (and the pooled SQLite connection under it) open until the whole
 * command ends (a `defer` in a loop, internal/handler/msg_update.go), and pools 100 connections
 * per database for all clients: commands that hold 100 between them never finish and wedge that
 * database. Ten per command leave room for several workers, each with a batch and a sweep in
 * flight.
 */
const FERRETDB_UPDATES_PER_COMMAND = 10

/** The capabilities of a server that applies conditional writes in the given way. */
export const capabilities = (conditionalWrites: VersionedWrite.ConditionalWrites): Capabilities => ({
  conditionalWrites,
  // The server that needs claims is the one that needs small update commands (FerretDB 1.x).
  updatesPerCommand: conditionalWrites === "claims" ? FERRETDB_UPDATES_PER_COMMAND : Number.POSITIVE_INFINITY
})

const NAMESPACE_EXISTS = 48

/** Reads ask for everything in the first batch: one round trip, and no server cursor outlives the request. */
const ONE_BATCH = 100_000

/** Runs one driver call as an effect, failing with the operation's classified error. */
export const attempt = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, MongoError> =>
  Effect.tryPromise({ try: run, catch: MongoErrors.fromCause(operation) }).pipe(traced(operation))

/** A span per driver call: the operation names what is done, never the values it is done with. */
const traced = (operation: string) =>
  Effect.withSpan("mongodb", { kind: "client", attributes: { "db.system.name": "mongodb", "db.operation.name": operation } })

/** The documents matching `filter`, all in one round trip. */
export const findAll = <T extends Document>(operation: string, collection: Collection<T>, filter: Filter<T>, options?: FindOptions) =>
  attempt(operation, (): Promise<ReadonlyArray<WithId<T>>> => collection.find(filter, options).batchSize(ONE_BATCH).toArray())

/** The documents matching `filter`, streamed in the driver's batches. */
export const stream = <T extends Document>(operation: string, collection: Collection<T>, filter: Filter<T>, options?: FindOptions): Stream.Stream<WithId<T>, MongoError> =>
  Stream.fromAsyncIterable({ [Symbol.asyncIterator]: () => collection.find(filter, options)[Symbol.asyncIterator]() }, MongoErrors.fromCause(operation))

/** What an unordered bulk write did: the indexes of the inserts whose key was taken, and how many updates matched. */
export interface BulkResult {
  readonly duplicates: ReadonlySet<number>
  readonly matched: number
}

const isUpsert = <T extends Document>(op: AnyBulkWriteOperation<T>) => "updateOne" in op && op.updateOne.upsert === true

/** Rounds of retrying upserts that lost their insert to a concurrent writer: the next one updates. */
const UPSERT_ROUNDS = 3

/**
 * Runs an unordered bulk write, in several commands when it updates on a server that needs it. An
 * upsert whose insert hit a duplicate key lost a race with another writer's insert (on MongoDB and
 * FerretDB alike): it is sent again, and then updates the document now there; one that keeps
 * colliding fails the write.
 */
const bulk = <T extends Document>(
  updatesPerCommand: number,
  operation: string,
  collection: Collection<T>,
  ops: ReadonlyArray<AnyBulkWriteOperation<T>>
): Effect.Effect<BulkResult, MongoError> =>
  Effect.tryPromise({
    try: async () => {
      const duplicates = new Set<number>()
      let matched = 0
      let round: ReadonlyArray<readonly [number, AnyBulkWriteOperation<T>]> = ops.map((op, i) => [i, op])
      for (let attempt = 0; round.length > 0; attempt++) {
        const retry: Array<readonly [number, AnyBulkWriteOperation<T>]> = []
        const size = round.every(([, op]) => "insertOne" in op) ? round.length : Math.max(1, Math.min(round.length, updatesPerCommand))
        for (let from = 0; from < round.length; from += size) {
          const chunk = round.slice(from, from + size)
          let result: BulkWriteResult
          try {
            result = await collection.bulkWrite(chunk.map(([, op]) => op), { ordered: false })
          } catch (error) {
            if (!(error instanceof MongoBulkWriteError)) throw error
            const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
            // The driver also wraps a lost connection or a failed command in a MongoBulkWriteError,
            // with no write errors: only a write that failed on duplicate keys alone went through.
            if (errors.length === 0 || errors.some((e) => !MongoErrors.isDuplicateKey(e))) throw error
            for (const e of errors) {
              const entry = chunk[e.index]
              if (entry === undefined) continue
              if (!isUpsert(entry[1])) duplicates.add(entry[0])
              else if (attempt + 1 < UPSERT_ROUNDS) retry.push(entry)
              else throw error
            }
            result = error.result
          }
          matched += result.matchedCount
        }
        round = retry
      }
      return { duplicates, matched }
    },
    catch: MongoErrors.fromCause(operation)
  }).pipe(traced(operation))

/** A writer's claim on a document version, as stored. */
interface ClaimDoc {
  readonly _id: string
  readonly documentId: string
  readonly version: number
  readonly at: Date
}

/** Versioned documents of one collection, written safely by several processes (`VersionedWrite`). */
export interface Versions<D extends VersionedWrite.Versioned> {
  /** Writes documents on their expected version (insert when new), read at `readAt` (wall clock); returns the ids that lost to another writer. */
  readonly write: (writes: ReadonlyArray<VersionedWrite.Write<D>>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError>
  /** Sets fields of stored documents on their expected version, read at `readAt`; returns the ids that lost. */
  readonly update: (changes: ReadonlyArray<VersionedWrite.Change<D>>, readAt: number) => Effect.Effect<ReadonlyArray<string>, MongoError>
  /** Removes claims too old to be contended any more; returns how many. */
  readonly pruneClaims: Effect.Effect<number, MongoError>
}

export interface MongoShape {
  readonly db: Db
  readonly capabilities: Capabilities
  /** Commands sent to the server so far. */
  readonly commandsSent: () => number
  /** Documents the server returned to reads so far. */
  readonly documentsRead: () => number
  /** Wall-clock milliseconds, to pass as `readAt` to versioned writes. */
  readonly wallClock: () => number
  readonly ping: Effect.Effect<void, MongoError>
  /** Creates the collections that do not exist yet (creating one later takes a catalogue lock on FerretDB). */
  readonly ensureCollections: (names: ReadonlyArray<string>) => Effect.Effect<void, MongoError>
  /** An unordered bulk write, in commands sized for the server. */
  readonly bulk: <T extends Document>(operation: string, collection: Collection<T>, ops: ReadonlyArray<AnyBulkWriteOperation<T>>) => Effect.Effect<BulkResult, MongoError>
  /** Versioned documents in the collection `documents`, their writers' claims in `claims` (both created, with the claims' index). */
  readonly versions: <D extends VersionedWrite.Versioned>(what: string, documents: string, claims: string) => Effect.Effect<Versions<D>, MongoError>
}

export const make = (settings: MongoSettings): Effect.Effect<MongoShape, MongoError, Scope.Scope> =>
  Effect.gen(function* () {
    const commands = { sent: 0, documentsRead: 0 }
    const client = yield* Effect.acquireRelease(
      attempt("connect", async () => {
        // Command monitoring counts round trips: what a model's cost carries over to any server.
        const c = new MongoClient(settings.uri, { serverSelectionTimeoutMS: 5_000, retryWrites: true, appName: "relink", monitorCommands: true })
        c.on("commandStarted", () => commands.sent++)
        // And the documents that come back: what a read costs, whatever the server does to find them.
        c.on("commandSucceeded", (event) => {
          const reply: unknown = event.reply
          const cursor = typeof reply === "object" && reply !== null && "cursor" in reply ? reply.cursor : undefined
          if (typeof cursor !== "object" || cursor === null) return
          const batch = "firstBatch" in cursor ? cursor.firstBatch : "nextBatch" in cursor ? cursor.nextBatch : undefined
          if (Array.isArray(batch)) commands.documentsRead += batch.length
        })
        await c.connect()
        return c
      }),
      (c) => Effect.promise(() => c.close().catch(() => undefined))
    )
    const db = client.db(settings.database)
    const conditionalWrites = settings.conditionalWrites ?? (yield* detectConditionalWrites(db))
    const caps = capabilities(conditionalWrites)
    const writeBulk = <T extends Document>(operation: string, collection: Collection<T>, ops: ReadonlyArray<AnyBulkWriteOperation<T>>) =>
      bulk(caps.updatesPerCommand, operation, collection, ops)
    const versioning: VersionedWrite.Settings = { mode: conditionalWrites, leaseMs: settings.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS, now: Date.now }
    return {
      db,
      capabilities: caps,
      commandsSent: () => commands.sent,
      documentsRead: () => commands.documentsRead,
      wallClock: versioning.now,
      ping: attempt("ping", () => db.command({ ping: 1 })).pipe(Effect.asVoid),
      ensureCollections: (names) =>
        attempt("create collections", async () => {
          const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name))
          for (const name of names) {
            if (existing.has(name)) continue
            // Another process starting at the same moment may create it first; anything else is an error.
            await db.createCollection(name).catch((error: unknown) => {
              if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error
            })
          }
        }),
      bulk: writeBulk,
      versions: <D extends VersionedWrite.Versioned>(what: string, documents: string, claims: string) =>
        Effect.gen(function* () {
          const claimDocs = db.collection<ClaimDoc>(claims)
          // Pruning finds old claims by when they were made.
          yield* attempt(`index ${what} claims`, () => claimDocs.createIndex({ at: 1 }))
          const backend = versionedBackend<D>(what, db.collection(documents), claimDocs, writeBulk)
          return {
            write: (writes, readAt) => VersionedWrite.write(backend, versioning, writes, readAt),
            update: (changes, readAt) => VersionedWrite.update(backend, versioning, changes, readAt),
            pruneClaims: Effect.suspend(() => VersionedWrite.prune(backend, versioning))
          } satisfies Versions<D>
        })
    } satisfies MongoShape
  })

/** FerretDB 1.x runs a conditional update as a query and then a write by `_id`; `buildInfo` names FerretDB. */
const detectConditionalWrites = (db: Db) =>
  attempt("read the server's build", () => db.admin().command({ buildInfo: 1 })).pipe(
    Effect.map((info): VersionedWrite.ConditionalWrites => (typeof info["ferretdbVersion"] === "string" ? "claims" : "atomic"))
  )

/** The collection seen through the fields the protocol reads: any document type written into it. */
const versionedBackend = <D extends VersionedWrite.Versioned>(
  what: string,
  docs: Collection<VersionedWrite.Versioned>,
  claims: Collection<ClaimDoc>,
  writeBulk: <T extends Document>(operation: string, collection: Collection<T>, ops: ReadonlyArray<AnyBulkWriteOperation<T>>) => Effect.Effect<BulkResult, MongoError>
): VersionedWrite.Backend<D, MongoError> => ({
  insert: (fresh) => Effect.map(writeBulk(`insert ${what}`, docs, fresh.map((document) => ({ insertOne: { document } }))), (r) => r.duplicates),
  replace: (changed) =>
    writeBulk(`write ${what}`, docs, changed.map(({ _id, ...fields }) => ({ updateOne: { filter: { _id }, update: { $set: fields } } }))).pipe(Effect.asVoid),
  replaceIfVersion: (changes) =>
    Effect.map(
      writeBulk(
        `write ${what}`,
        docs,
        changes.map(({ doc: { _id, ...fields }, expectedVersion }) => ({ updateOne: { filter: { _id, version: expectedVersion }, update: { $set: fields } } }))
      ),
      (r) => r.matched
    ),
  stored: (ids) =>
    Effect.map(
      findAll(`verify ${what} versions`, docs, { _id: { $in: [...ids] } }, { projection: { _id: 1, version: 1, writeId: 1 } }),
      (found) => new Map(found.map((d) => [d._id, { version: d.version, writeId: d.writeId }]))
    ),
  insertClaims: (made) =>
    Effect.map(
      writeBulk(`claim ${what} versions`, claims, made.map((claim) => ({ insertOne: { document: { ...claim, at: new Date(claim.at) } } }))),
      (r) => r.duplicates
    ),
  findClaims: (ids) =>
    Effect.map(findAll(`read ${what} claims`, claims, { _id: { $in: [...ids] } }), (found) => new Map(found.map((d) => [d._id, { ...d, at: d.at.getTime() }]))),
  claimsBefore: (before) =>
    Effect.map(findAll(`read old ${what} claims`, claims, { at: { $lt: new Date(before) } }), (found) => found.map((d) => ({ ...d, at: d.at.getTime() }))),
  deleteClaims: (ids) =>
    ids.length === 0 ? Effect.void : attempt(`prune ${what} claims`, () => claims.deleteMany({ _id: { $in: [...ids] } })).pipe(Effect.asVoid)
})

export class Mongo extends Context.Service<Mongo, MongoShape>()("@relink/mongo/Mongo") {}

export const layer = (settings: MongoSettings) => Layer.effect(Mongo, make(settings))
export const layerConfig = Layer.effect(Mongo, Effect.flatMap(config, make))
