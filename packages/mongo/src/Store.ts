/**
 * The MongoDB store: collections, their indexes (created on start, idempotently) and the few
 * operations the worker and the reports need. Every write is idempotent, keyed by a deterministic
 * id: an insert whose duplicate key means "already there" (far cheaper than an upsert on FerretDB)
 * or an upsert, sent as an unordered bulk write; concurrent workers are safe because member
 * documents are only replaced on their expected `version`: atomically where the server applies
 * conditional updates atomically (MongoDB), through claims where it does not (FerretDB 1.x; see
 * `internal/VersionedWrite.ts`), detected from the server's `buildInfo`. Only what MongoDB ≥ 6 and
 * FerretDB 1.24 both support is used: no transactions, change streams, `$lookup`/`$facet`, TTL or
 * partial indexes.
 */
import { Config, Context, Effect, Layer, Option, Schema, Stream } from "effect"
import { type AnyBulkWriteOperation, type BulkWriteResult, type Collection, type Db, MongoBulkWriteError, MongoClient, MongoServerError } from "mongodb"
import { randomUUID } from "node:crypto"
import * as VersionedWrite from "./internal/VersionedWrite.ts"
import * as MongoErrors from "./MongoError.ts"
import type { MongoError } from "./MongoError.ts"

export { MongoError } from "./MongoError.ts"

const NAMESPACE_EXISTS = 48

/** Reads ask for everything in the first batch: one round trip, and no server cursor outlives the request. */
const ONE_BATCH = 100_000

const attempt = <A>(operation: string, run: () => Promise<A>) => Effect.tryPromise({ try: run, catch: MongoErrors.fromCause(operation) })

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

export interface MemberDoc {
  readonly _id: string
  readonly version: number
  /** Set anew by every write: a writer finds out whether the version stored is its own. */
  readonly writeId: string
  /** The member's projection, sealed (one ciphertext). */
  readonly state: string
  /** The core evaluation, as plain data (no personal data in it), its instants as dates. */
  readonly evaluation: unknown
  readonly status: string | null
  readonly homeOrgId: string | null
  readonly responsibleOrgId: string | null
  /** Every organisation the member's evaluation can name (`Status.orgsOf`): what a list for one organisation reads members by. */
  readonly orgIds: ReadonlyArray<string>
  /** When the status could next change with no new event: what the sweeper looks for. */
  readonly nextReviewAt: Date | null
  /** Blind-indexed blocking keys, for matching observations against members. */
  readonly blockingKeys: ReadonlyArray<string>
  readonly evaluatedAt: Date
  /**
   * Changes written to this member whose effects (outputs, re-matching) are not known to be done:
   * written with the change, cleared once the effects are stored, so a crash in between loses
   * nothing. A document without it has no pending changes.
   */
  readonly pending?: ReadonlyArray<PendingChange>
  /** Since when (wall clock) changes have been pending: the sweeper settles those a crash left behind. */
  readonly pendingSince?: Date | null
}

/** A member change whose effects are still to be stored: its evaluations and the keys to re-match. */
export interface PendingChange {
  readonly version: number
  readonly before: unknown
  readonly after: unknown
  readonly rematchKeys: ReadonlyArray<string>
}

export interface OrgDoc {
  readonly _id: string
  readonly name: string
  readonly parentId: string | null
  readonly kind: string
  readonly region: string
  readonly at: Date
  readonly eventId: string
}

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

type StoredObservationDoc = Required<Omit<ObservationDoc, "resolvedBy">>

/**
 * One `MatchResolved` pairing, a document of its own: resolutions for one observation arrive on
 * any partition, and adding each to an array in the observation's document would be a
 * read-modify-write that loses one of two concurrent additions on FerretDB.
 */
interface ResolutionDoc {
  readonly _id: string
  readonly observationEventId: string
  readonly memberId: string
}

/** A proposal as stored: what `Matching.Proposal` encodes to. */
export interface ProposalDoc {
  readonly observationEventId: string
  readonly memberId: string
  readonly weight: number
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

export interface StatusChangeDoc {
  readonly _id: string
  readonly memberId: string
  readonly from: string | null
  readonly to: string
  readonly at: Date
  readonly responsibleOrgId: string
  readonly reasons: ReadonlyArray<string>
}

/** A message to publish, staged before it is sent, so a crash in between loses nothing. */
export interface OutboxDoc {
  readonly _id: string
  readonly topic: string
  readonly key: string
  readonly value: string
  readonly published: boolean
  readonly createdAt: Date
}

/** A writer's claim on a document version, on servers without atomic conditional updates. */
interface ClaimDoc {
  readonly _id: string
  readonly documentId: string
  readonly version: number
  readonly at: Date
}

/** `"orgs"` holds the organisations' version; `"matchRule"` and `"policy"` what the worker decides with, as JSON. */
interface MetaDoc {
  readonly _id: string
  readonly version?: string
  readonly json?: string
}

/** A member document to write, with the version it was read at (undefined for a new member). */
export type MemberWrite = VersionedWrite.Write<MemberDoc>

/** An observation's proposals to write, with the version they were read at (undefined for the first). */
export type MatchesWrite = VersionedWrite.Write<MatchesDoc>

export type ConditionalWrites = VersionedWrite.ConditionalWrites

export interface MongoSettings {
  readonly uri: string
  readonly database: string
  /** How member versions are written; detected from the server when absent. */
  readonly conditionalWrites?: ConditionalWrites | undefined
  /** After this long a writer's claim on a member version counts as abandoned (claims mode only). */
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
 * FerretDB 1.x runs a conditional update as a query and then a write by `_id`, so two writers
 * holding one version can both match; MongoDB matches one. `buildInfo` names FerretDB.
 */
const detectConditionalWrites = (db: Db) =>
  attempt("read the server's build", () => db.admin().command({ buildInfo: 1 })).pipe(
    Effect.map((info): ConditionalWrites => (typeof info["ferretdbVersion"] === "string" ? "claims" : "atomic"))
  )

const collectionNames = [
  "events",
  "members",
  "memberClaims",
  "orgs",
  "observations",
  "resolutions",
  "matches",
  "matchClaims",
  "statusChanges",
  "outbox",
  "meta"
] as const

const collections = (db: Db) => ({
  events: db.collection<EventDoc>("events"),
  members: db.collection<MemberDoc>("members"),
  memberClaims: db.collection<ClaimDoc>("memberClaims"),
  orgs: db.collection<OrgDoc>("orgs"),
  observations: db.collection<StoredObservationDoc>("observations"),
  resolutions: db.collection<ResolutionDoc>("resolutions"),
  matches: db.collection<MatchesDoc>("matches"),
  matchClaims: db.collection<ClaimDoc>("matchClaims"),
  statusChanges: db.collection<StatusChangeDoc>("statusChanges"),
  outbox: db.collection<OutboxDoc>("outbox"),
  meta: db.collection<MetaDoc>("meta")
})
type Collections = ReturnType<typeof collections>

/** Creates every collection up front: creating one later takes a catalogue lock on FerretDB. */
const ensureCollections = (db: Db) =>
  attempt("create collections", async () => {
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name))
    for (const name of collectionNames) {
      if (existing.has(name)) continue
      // Another worker starting at the same moment may create it first; anything else is an error.
      await db.createCollection(name).catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error
      })
    }
  })

const ensureIndexes = (c: Collections) =>
  attempt("create indexes", () =>
    Promise.all([
      c.events.createIndex({ memberId: 1 }),
      c.members.createIndex({ nextReviewAt: 1 }),
      c.members.createIndex({ blockingKeys: 1 }),
      c.members.createIndex({ status: 1 }),
      c.members.createIndex({ homeOrgId: 1 }),
      c.members.createIndex({ orgIds: 1 }),
      c.members.createIndex({ pendingSince: 1 }),
      c.memberClaims.createIndex({ at: 1 }),
      c.orgs.createIndex({ parentId: 1 }),
      c.observations.createIndex({ blockingKeys: 1 }),
      c.resolutions.createIndex({ observationEventId: 1 }),
      c.matches.createIndex({ "proposals.memberId": 1 }),
      c.matchClaims.createIndex({ at: 1 }),
      c.statusChanges.createIndex({ memberId: 1, at: 1 }),
      c.outbox.createIndex({ published: 1, createdAt: 1 })
    ])
  )

/**
 * Operations per command of a bulk write that updates, on FerretDB. FerretDB 1.24 keeps the query
 * of every update that matched (and the pooled SQLite connection under it) open until the whole
 * command ends (a `defer` in a loop, internal/handler/msg_update.go), and pools 100 connections
 * per database for all clients: commands that hold 100 between them never finish and wedge that
 * database. Ten per command leave room for several workers, each with a batch and a sweep in
 * flight. Inserts hold no query and go in one command; MongoDB takes each bulk write whole.
 */
const FERRETDB_UPDATES_PER_COMMAND = 10

const isUpsert = <T extends { _id: string }>(op: AnyBulkWriteOperation<T>) => "updateOne" in op && op.updateOne.upsert === true

/** Rounds of retrying upserts that lost their insert to a concurrent writer: the next one updates. */
const UPSERT_ROUNDS = 3

/**
 * Runs an unordered bulk write, in several commands when it updates; returns the indexes of the
 * inserts that hit a duplicate key, and how many matched. An upsert whose insert hit a duplicate
 * key lost a race with another writer's insert (on MongoDB and FerretDB alike): it is sent again,
 * and then updates the document now there; one that keeps colliding fails the write.
 */
const bulk = <T extends { _id: string }>(
  updatesPerCommand: number,
  operation: string,
  collection: Collection<T>,
  ops: ReadonlyArray<AnyBulkWriteOperation<T>>
) =>
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
  })

/** The change that clears a member's pending changes: a new version, so a writer holding the old one loses. */
export const clearingPending = ({ _id, version }: { readonly _id: string; readonly version: number }): VersionedWrite.Change<MemberDoc> => ({
  doc: { _id, version: version + 1, writeId: randomUUID(), pending: [], pendingSince: null },
  expectedVersion: version
})

export const make = (settings: MongoSettings) =>
  Effect.gen(function* () {
    const commands = { sent: 0, documentsRead: 0 }
    const client = yield* Effect.acquireRelease(
      attempt("connect", async () => {
        // Command monitoring counts round trips: what the worker's cost carries over to any server.
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
    yield* ensureCollections(db)
    const c = collections(db)
    yield* ensureIndexes(c)
    const conditionalWrites = settings.conditionalWrites ?? (yield* detectConditionalWrites(db))
    // The server that needs claims is the one that needs small update commands (FerretDB 1.x).
    const updatesPerCommand = conditionalWrites === "claims" ? FERRETDB_UPDATES_PER_COMMAND : Number.POSITIVE_INFINITY
    const writeBulk = <T extends { _id: string }>(operation: string, collection: Collection<T>, ops: ReadonlyArray<AnyBulkWriteOperation<T>>) =>
      bulk(updatesPerCommand, operation, collection, ops)
    const versioning: VersionedWrite.Settings = {
      mode: conditionalWrites,
      leaseMs: settings.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS,
      now: Date.now
    }
    /** Versioned documents of one collection, claimed in another: what `VersionedWrite` writes through. */
    // The collection seen through the fields the protocol reads: any document type written into it.
    const versioned = <D extends VersionedWrite.Versioned>(
      what: string,
      docs: Collection<VersionedWrite.Versioned>,
      claims: Collection<ClaimDoc>
    ): VersionedWrite.Backend<D, MongoError> => ({
      insert: (fresh) => Effect.map(writeBulk(`insert ${what}`, docs, fresh.map((document) => ({ insertOne: { document } }))), (r) => r.duplicates),
      replace: (changed) =>
        writeBulk(
          `write ${what}`,
          docs,
          changed.map(({ _id, ...fields }) => ({ updateOne: { filter: { _id }, update: { $set: fields } } }))
        ).pipe(Effect.asVoid),
      replaceIfVersion: (changes) =>
        Effect.map(
          writeBulk(
            `write ${what}`,
            docs,
            changes.map(({ doc: { _id, ...fields }, expectedVersion }) => ({
              updateOne: { filter: { _id, version: expectedVersion }, update: { $set: fields } }
            }))
          ),
          (r) => r.matched
        ),
      stored: (ids) =>
        attempt(`verify ${what} versions`, () =>
          docs.find({ _id: { $in: [...ids] } }, { projection: { _id: 1, version: 1, writeId: 1 } }).batchSize(ONE_BATCH).toArray()
        ).pipe(Effect.map((found) => new Map(found.map((d) => [d._id, { version: d.version, writeId: d.writeId }])))),
      insertClaims: (made) =>
        Effect.map(
          writeBulk(`claim ${what} versions`, claims, made.map((claim) => ({ insertOne: { document: { ...claim, at: new Date(claim.at) } } }))),
          (r) => r.duplicates
        ),
      findClaims: (ids) =>
        attempt(`read ${what} claims`, () => claims.find({ _id: { $in: [...ids] } }).batchSize(ONE_BATCH).toArray()).pipe(
          Effect.map((found) => new Map(found.map((d) => [d._id, { ...d, at: d.at.getTime() }])))
        ),
      claimsBefore: (before) =>
        attempt(`read old ${what} claims`, () => claims.find({ at: { $lt: new Date(before) } }).batchSize(ONE_BATCH).toArray()).pipe(
          Effect.map((found) => found.map((d) => ({ ...d, at: d.at.getTime() })))
        ),
      deleteClaims: (ids) =>
        ids.length === 0 ? Effect.void : attempt(`prune ${what} claims`, () => claims.deleteMany({ _id: { $in: [...ids] } })).pipe(Effect.asVoid)
    })
    const memberVersions = versioned<MemberDoc>("members", db.collection("members"), c.memberClaims)
    const matchVersions = versioned<MatchesDoc>("matches", db.collection("matches"), c.matchClaims)

    /** Observations with the members resolutions paired them with; `ids` without a document get one of their resolutions alone. */
    const withResolutions = (docs: ReadonlyArray<StoredObservationDoc>, ids: ReadonlyArray<string>) =>
      attempt("load resolutions", () =>
        ids.length === 0 ? Promise.resolve([]) : c.resolutions.find({ observationEventId: { $in: [...ids] } }).batchSize(ONE_BATCH).toArray()
      ).pipe(
        Effect.map((resolutions): ReadonlyArray<ObservationDoc> => {
          const resolvedBy = new Map<string, Array<string>>()
          for (const r of resolutions) resolvedBy.set(r.observationEventId, [...(resolvedBy.get(r.observationEventId) ?? []), r.memberId])
          const stored = new Set(docs.map((d) => d._id))
          return [
            ...docs.map((d) => ({ ...d, resolvedBy: resolvedBy.get(d._id) ?? [] })),
            ...[...resolvedBy].filter(([id]) => !stored.has(id)).map(([_id, members]) => ({ _id, resolvedBy: members }))
          ]
        })
      )

    return {
      /** Commands sent to the server so far. */
      commandsSent: () => commands.sent,

      /** Documents the server returned to reads so far. */
      documentsRead: () => commands.documentsRead,

      ping: attempt("ping", () => client.db(settings.database).command({ ping: 1 })).pipe(Effect.asVoid),

      /**
       * Stores events by id; returns the ids that were new (a redelivered event is not). Plain
       * inserts whose duplicate-key errors are expected: far cheaper than upserts on FerretDB.
       */
      storeEvents: (docs: ReadonlyArray<EventDoc>) =>
        Effect.map(writeBulk("store events", c.events, docs.map((document) => ({ insertOne: { document } }))), ({ duplicates }) => {
          const fresh = new Set<string>()
          docs.forEach((doc, i) => {
            if (!duplicates.has(i)) fresh.add(doc._id)
          })
          return fresh
        }),

      /** The stored copies of these events, by id, in one query. */
      storedCopies: (ids: ReadonlyArray<string>) =>
        ids.length === 0
          ? Effect.succeed(new Map<string, StoredCopy>())
          : attempt("load stored events", () =>
              c.events.find({ _id: { $in: [...ids] } }, { projection: { _id: 1, digest: 1, payload: 1, origin: 1 } }).batchSize(ONE_BATCH).toArray()
            ).pipe(Effect.map((docs) => new Map<string, StoredCopy>(docs.map((d) => [d._id, d])))),

      countEvents: attempt("count events", () => c.events.countDocuments()),

      loadMembers: (ids: ReadonlyArray<string>) =>
        attempt("load members", () => c.members.find({ _id: { $in: [...ids] } }).batchSize(ONE_BATCH).toArray()).pipe(
          Effect.map((docs) => new Map(docs.map((d) => [d._id, d])))
        ),

      /** How this server gets member versions written safely. */
      conditionalWrites,

      /** Wall-clock milliseconds, to pass as `readAt` to `writeMembers`. */
      wallClock: versioning.now,

      /**
       * Writes members on their expected version (insert when new), read at `readAt` (wall clock).
       * Returns the ids that lost a race with another writer: the caller re-reads, re-merges and
       * writes them again.
       */
      writeMembers: (writes: ReadonlyArray<MemberWrite>, readAt: number) => VersionedWrite.write(memberVersions, versioning, writes, readAt),

      /** Removes claims too old to be contended any more. */
      pruneClaims: Effect.asVoid(
        Effect.suspend(() => Effect.zip(VersionedWrite.prune(memberVersions, versioning), VersionedWrite.prune(matchVersions, versioning)))
      ),

      /**
       * Clears the pending changes of members still at the version (read at `readAt`, wall clock)
       * whose effects were stored. A versioned write like any other: cleared in place, a member
       * could be written back over a newer version by a server that queries, then writes.
       */
      clearPending: (members: ReadonlyArray<{ readonly _id: string; readonly version: number }>, readAt: number) =>
        VersionedWrite.update(memberVersions, versioning, members.map(clearingPending), readAt).pipe(Effect.asVoid),

      /** Members due for review at `now`, and members whose changes have been pending since before `strandedBefore` (wall clock). */
      dueMembers: (now: number, strandedBefore: number, limit: number) =>
        attempt("find due members", () =>
          c.members
            .find({ $or: [{ nextReviewAt: { $lte: new Date(now) } }, { pendingSince: { $lte: new Date(strandedBefore) } }] })
            .sort({ nextReviewAt: 1 })
            .limit(limit)
            .batchSize(ONE_BATCH)
            .toArray()
        ),

      /** Members sharing a blocking key, in any of the statuses: ids and keys only. */
      membersByKeys: (
        keys: ReadonlyArray<string>,
        statuses: ReadonlyArray<string>
      ): Effect.Effect<ReadonlyArray<Pick<MemberDoc, "_id" | "blockingKeys">>, MongoError> =>
        keys.length === 0
          ? Effect.succeed<ReadonlyArray<Pick<MemberDoc, "_id" | "blockingKeys">>>([])
          : attempt("find members by key", () =>
              c.members
                .find({ blockingKeys: { $in: [...keys] }, status: { $in: [...statuses] } }, { projection: { _id: 1, blockingKeys: 1 } })
                .batchSize(ONE_BATCH).toArray()
            ),

      memberIdsByHomeOrgs: (orgIds: ReadonlyArray<string>) =>
        attempt("find members by org", () =>
          c.members.find({ homeOrgId: { $in: [...orgIds] } }, { projection: { _id: 1 } }).batchSize(ONE_BATCH).toArray()
        ).pipe(Effect.map((docs) => docs.map((d) => d._id))),

      /** The members whose evaluation can name any of these organisations, streamed through the `orgIds` index. */
      membersOfOrgs: (orgIds: ReadonlyArray<string>) =>
        Stream.fromAsyncIterable(
          { [Symbol.asyncIterator]: () => c.members.find({ orgIds: { $in: [...orgIds] } })[Symbol.asyncIterator]() },
          MongoErrors.fromCause("read members of organisations")
        ),

      allMembers: Stream.fromAsyncIterable(
        { [Symbol.asyncIterator]: () => c.members.find({}).sort({ _id: 1 })[Symbol.asyncIterator]() },
        MongoErrors.fromCause("read members")
      ),

      /**
       * Last registration of an organisation wins by (at, eventId). True when this one is the stored
       * one, stored now or by an earlier delivery: a batch retried after a crash then re-applies its
       * effects.
       */
      storeOrg: (org: OrgDoc) =>
        attempt("store organisation", async () => {
          try {
            const result = await c.orgs.updateOne(
              { _id: org._id, $or: [{ at: { $lt: org.at } }, { at: org.at, eventId: { $lt: org.eventId } }] },
              { $set: org },
              { upsert: true }
            )
            if (result.modifiedCount + result.upsertedCount > 0) return true
          } catch (error) {
            // The stored registration is this one or newer: the upsert's insert collides with it.
            if (!MongoErrors.isDuplicateKey(error)) throw error
          }
          return (await c.orgs.countDocuments({ _id: org._id, eventId: org.eventId }, { limit: 1 })) > 0
        }),

      allOrgs: attempt("read organisations", () => c.orgs.find({}).batchSize(ONE_BATCH).toArray()),

      orgsByIds: (ids: ReadonlyArray<string>) =>
        ids.length === 0
          ? Effect.succeed<ReadonlyArray<OrgDoc>>([])
          : attempt("read organisations by id", () => c.orgs.find({ _id: { $in: [...ids] } }).batchSize(ONE_BATCH).toArray()),

      /** The organisations directly below any of these. */
      orgsByParents: (parentIds: ReadonlyArray<string>) =>
        parentIds.length === 0
          ? Effect.succeed<ReadonlyArray<OrgDoc>>([])
          : attempt("read organisations by parent", () => c.orgs.find({ parentId: { $in: [...parentIds] } }).batchSize(ONE_BATCH).toArray()),

      /**
       * A token replaced on every organisation change, so every worker knows to reload the tree. A
       * fresh random value rather than a counter: two concurrent `$inc`s can count once on a server
       * that reads, then writes (FerretDB), but two changes always leave a token another worker has
       * not seen.
       */
      orgsVersion: attempt("read organisations version", () => c.meta.findOne({ _id: "orgs" })).pipe(
        Effect.map((doc) => doc?.version ?? "")
      ),
      bumpOrgsVersion: Effect.suspend(() =>
        attempt("bump organisations version", () => c.meta.updateOne({ _id: "orgs" }, { $set: { version: randomUUID() } }, { upsert: true }))
      ).pipe(Effect.asVoid),

      /** A setting the worker stored on start, as JSON (undefined before any worker started). */
      setting: (id: string) => attempt(`read the setting ${id}`, () => c.meta.findOne({ _id: id })).pipe(Effect.map((doc) => doc?.json)),
      storeSetting: (id: string, json: string) =>
        attempt(`store the setting ${id}`, () => c.meta.updateOne({ _id: id }, { $set: { json } }, { upsert: true })).pipe(Effect.asVoid),

      /** Stores observations once each: an observation is written by its event alone, so a duplicate key means stored before. */
      storeObservations: (docs: ReadonlyArray<StoredObservationDoc>) =>
        writeBulk("store observations", c.observations, docs.map((document) => ({ insertOne: { document } }))).pipe(Effect.asVoid),

      addResolutions: (pairs: ReadonlyArray<{ readonly observationEventId: string; readonly memberId: string }>) =>
        writeBulk(
          "store resolutions",
          c.resolutions,
          pairs.map(({ observationEventId, memberId }) => ({
            insertOne: { document: { _id: `${observationEventId}|${memberId}`, observationEventId, memberId } }
          }))
        ).pipe(Effect.asVoid),

      /** The observations with these ids, and those only resolutions have named so far. */
      loadObservations: (ids: ReadonlyArray<string>) =>
        attempt("load observations", () => c.observations.find({ _id: { $in: [...ids] } }).batchSize(ONE_BATCH).toArray()).pipe(
          Effect.flatMap((docs) => withResolutions(docs, ids)),
          Effect.map((docs) => new Map(docs.map((d) => [d._id, d])))
        ),

      observationsByKeys: (keys: ReadonlyArray<string>) =>
        keys.length === 0
          ? Effect.succeed<ReadonlyArray<ObservationDoc>>([])
          : attempt("find observations by key", () => c.observations.find({ blockingKeys: { $in: [...keys] } }).batchSize(ONE_BATCH).toArray()).pipe(
              Effect.flatMap((docs) => withResolutions(docs, docs.map((d) => d._id)))
            ),

      /** The stored proposals of these observations, by observation id (none stored: no entry). */
      loadMatches: (observationIds: ReadonlyArray<string>) =>
        observationIds.length === 0
          ? Effect.succeed(new Map<string, MatchesDoc>())
          : attempt("load matches", () => c.matches.find({ _id: { $in: [...observationIds] } }).batchSize(ONE_BATCH).toArray()).pipe(
              Effect.map((docs) => new Map(docs.map((d) => [d._id, d])))
            ),

      /**
       * Writes observations' proposals on their expected version (insert when first), read at
       * `readAt` (wall clock). Returns the observations that lost a race with another writer: the
       * caller reads them again and re-matches them.
       */
      writeMatches: (writes: ReadonlyArray<MatchesWrite>, readAt: number) => VersionedWrite.write(matchVersions, versioning, writes, readAt),

      /** The proposals documents naming any of these members (a document also holds its observation's proposals for others). */
      matchesOfMembers: (memberIds: ReadonlyArray<string>) =>
        memberIds.length === 0
          ? Effect.succeed<ReadonlyArray<MatchesDoc>>([])
          : attempt("find matches", () => c.matches.find({ "proposals.memberId": { $in: [...memberIds] } }).batchSize(ONE_BATCH).toArray()),

      allMatches: attempt("read matches", () => c.matches.find({}).sort({ _id: 1 }).batchSize(ONE_BATCH).toArray()),

      /** Stages outputs once each (by their deterministic id): inserts, a duplicate key means staged before. */
      stageOutputs: (docs: ReadonlyArray<OutboxDoc>) =>
        writeBulk("stage outputs", c.outbox, docs.map((document) => ({ insertOne: { document } }))).pipe(Effect.asVoid),

      unpublishedOutputs: (limit: number) =>
        attempt("read outbox", () => c.outbox.find({ published: false }).sort({ createdAt: 1, _id: 1 }).limit(limit).batchSize(ONE_BATCH).toArray()),

      /** Removes published outputs staged before `before`: the outbox keeps what is unsent, and a while of what was sent. */
      prunePublished: (before: number) =>
        attempt("prune published outputs", () => c.outbox.deleteMany({ published: true, createdAt: { $lt: new Date(before) } })).pipe(
          Effect.map((result) => result.deletedCount)
        ),

      markPublished: (ids: ReadonlyArray<string>) =>
        ids.length === 0
          ? Effect.void
          : attempt("mark outputs published", () => c.outbox.updateMany({ _id: { $in: [...ids] } }, { $set: { published: true } })).pipe(
              Effect.asVoid
            ),

      /** Records status changes once each (by their deterministic id); returns the ones recorded now. */
      recordStatusChanges: (docs: ReadonlyArray<StatusChangeDoc>) =>
        writeBulk("record status changes", c.statusChanges, docs.map((document) => ({ insertOne: { document } }))).pipe(
          Effect.map(({ duplicates }) => docs.filter((_, i) => !duplicates.has(i)))
        )
    }
  })

export type StoreShape = Effect.Success<ReturnType<typeof make>>

export class Store extends Context.Service<Store, StoreShape>()("@relink/mongo/Store") {}

export const layer = (settings: MongoSettings) => Layer.effect(Store, make(settings))
export const layerConfig = Layer.effect(Store, Effect.flatMap(config, make))
