/**
 * The worker's store: its document model, one repository per aggregate (events, members,
 * organisations, organisations' records, floating organisations' health, observations, matches,
 * the outbox, status changes, settings; `store/`), over one
 * MongoDB connection (`@relink/mongo`: bulk writes sized for the server, versioned writes,
 * classified errors). Every write is idempotent, keyed by a deterministic id; members, organisations,
 * their records and health, and an observation's proposals are written on the version they were read at, atomically where the
 * server applies conditional updates atomically (MongoDB), through claims where it does not
 * (FerretDB 1.x).
 */
import { Context, Effect, Layer, type Scope } from "effect"
import { Mongo, type MongoError, type VersionedWrite } from "@relink/mongo"
import * as BranchHealth from "./store/BranchHealth.ts"
import * as Events from "./store/Events.ts"
import * as Matches from "./store/Matches.ts"
import * as Members from "./store/Members.ts"
import * as Observations from "./store/Observations.ts"
import * as OrgRecords from "./store/OrgRecords.ts"
import * as Organisations from "./store/Organisations.ts"
import * as Outbox from "./store/Outbox.ts"
import * as Settings from "./store/Settings.ts"
import * as StatusChanges from "./store/StatusChanges.ts"

export type { BranchHealthDoc, BranchHealthWrite } from "./store/BranchHealth.ts"
export type { EventDoc, StoredCopy } from "./store/Events.ts"
export type { MatchesDoc, MatchesWrite, ProposalDoc } from "./store/Matches.ts"
export type { MemberDoc, MemberWrite, PendingChange } from "./store/Members.ts"
export type { ObservationDoc, StoredObservationDoc } from "./store/Observations.ts"
export type { OrgDoc, OrgWrite } from "./store/Organisations.ts"
export type { KeyedInstant, OrgRecordDoc, OrgRecordWrite } from "./store/OrgRecords.ts"
export type { OutboxDoc } from "./store/Outbox.ts"
export type { StatusChangeDoc } from "./store/StatusChanges.ts"
export { clearingPending } from "./store/Members.ts"

export interface StoreShape
  extends Events.Events,
    Members.Members,
    Organisations.Organisations,
    OrgRecords.OrgRecords,
    BranchHealth.BranchHealthStore,
    Observations.Observations,
    Matches.Matches,
    Outbox.Outbox,
    StatusChanges.StatusChanges,
    Settings.Settings {
  /** Commands sent to the server so far. */
  readonly commandsSent: () => number
  /** Documents the server returned to reads so far. */
  readonly documentsRead: () => number
  readonly ping: Effect.Effect<void, MongoError.MongoError>
  /** How this server gets versioned documents written safely. */
  readonly conditionalWrites: VersionedWrite.ConditionalWrites
  /** Wall-clock milliseconds, to pass as `readAt` to versioned writes. */
  readonly wallClock: () => number
  /** Removes claims on member, organisation, record, health and proposals versions too old to be contended any more. */
  readonly pruneClaims: Effect.Effect<void, MongoError.MongoError>
}

const collections = [
  ...Events.collections,
  ...Members.collections,
  ...Organisations.collections,
  ...OrgRecords.collections,
  ...BranchHealth.collections,
  ...Observations.collections,
  ...Matches.collections,
  ...Outbox.collections,
  ...StatusChanges.collections,
  ...Settings.collections
]

/** The store over a connection: every collection created up front, then each repository with its indexes. */
export const fromMongo = (mongo: Mongo.MongoShape): Effect.Effect<StoreShape, MongoError.MongoError> =>
  Effect.gen(function* () {
    yield* mongo.ensureCollections([...new Set(collections)])
    const members = yield* Members.make(mongo)
    const orgs = yield* Organisations.make(mongo)
    const matches = yield* Matches.make(mongo)
    const records = yield* OrgRecords.make(mongo)
    const health = yield* BranchHealth.make(mongo)
    return {
      ...(yield* Events.make(mongo)),
      ...members,
      ...orgs,
      ...records,
      ...health,
      ...(yield* Observations.make(mongo)),
      ...matches,
      ...(yield* Outbox.make(mongo)),
      ...(yield* StatusChanges.make(mongo)),
      ...Settings.make(mongo),
      commandsSent: mongo.commandsSent,
      documentsRead: mongo.documentsRead,
      ping: mongo.ping,
      conditionalWrites: mongo.capabilities.conditionalWrites,
      wallClock: mongo.wallClock,
      pruneClaims: Effect.asVoid(
        Effect.all([members.pruneMemberClaims, orgs.pruneOrgClaims, records.pruneOrgRecordClaims, health.pruneBranchHealthClaims, matches.pruneMatchClaims])
      )
    }
  })

export const make = (settings: Mongo.MongoSettings): Effect.Effect<StoreShape, MongoError.MongoError, Scope.Scope> =>
  Effect.flatMap(Mongo.make(settings), fromMongo)

export class Store extends Context.Service<Store, StoreShape>()("@relink/worker/Store") {}

export const layer = (settings: Mongo.MongoSettings) => Layer.effect(Store, make(settings))
export const layerConfig = Layer.effect(Store, Effect.flatMap(Mongo.config, make))
