/**
 * How organisations' records (`OrgRecord`) and floating organisations' health (`BranchHealth`) are
 * stored: instants as dates, maps keyed by id as lists of pairs, read back through schemas.
 */
import { Effect, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { BranchHealth, Event, type OrgRecord } from "@relink/core"
import type * as Store from "./Store.ts"
import { InstantFromDate } from "./MemberRecord.ts"
import * as StoredData from "./StoredData.ts"

const keyed = <K extends Schema.Codec<string, string>>(key: K) => Schema.Array(Schema.Struct({ key, at: InstantFromDate }))

/** A record's stored fields: what a document decodes with before it becomes a record. */
const StoredRecord = Schema.Struct({
  _id: Schema.String,
  registeredAt: Schema.NullOr(InstantFromDate),
  activities: keyed(Event.OrgActivity),
  guidedBy: keyed(Schema.String),
  reportedTo: keyed(Schema.String)
})

const decodeRecord = StoredData.decoder(StoredRecord, "orgRecords")

/** The latest instant per key, as own fields (an id may be "__proto__"). */
const latestByKey = <K extends string>(pairs: ReadonlyArray<{ readonly key: K; readonly at: number }>): Readonly<Record<K, number>> => {
  const latest = new Map<K, number>()
  for (const { key, at } of pairs) latest.set(key, Math.max(at, latest.get(key) ?? at))
  return Object.fromEntries(latest) as Record<K, number>
}

const pairsOf = (instants: Readonly<Partial<Record<string, number>>>): ReadonlyArray<Store.KeyedInstant> =>
  Object.entries(instants)
    .flatMap(([key, at]) => (at === undefined ? [] : [{ key, at: new Date(at) }]))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

/** A stored record, back in core's terms. */
export const recordOf = (doc: Store.OrgRecordDoc): Effect.Effect<OrgRecord.OrgRecord, StoredData.StoredDataError> =>
  Effect.map(decodeRecord(doc._id, "", doc), (stored) => ({
    orgId: stored._id,
    registeredAt: stored.registeredAt ?? undefined,
    activities: latestByKey(stored.activities),
    guidedBy: latestByKey(stored.guidedBy),
    reportedTo: latestByKey(stored.reportedTo)
  }))

/** A record to store at a version, its write id new. */
export const toRecordDoc = (record: OrgRecord.OrgRecord, version: number): Store.OrgRecordDoc => ({
  _id: record.orgId,
  version,
  writeId: randomUUID(),
  registeredAt: record.registeredAt === undefined ? null : new Date(record.registeredAt),
  activities: pairsOf(record.activities),
  guidedBy: pairsOf(record.guidedBy),
  reportedTo: pairsOf(record.reportedTo)
})

/** A verdict as stored: the grade, and the findings with their instants as dates. */
const StoredVerdict = Schema.Struct({ grade: BranchHealth.GradeSchema, findings: Schema.Array(BranchHealth.FindingWith(InstantFromDate)) })
const decodeVerdict = StoredData.decoder(StoredVerdict, "branchHealth")
const encodeFindings = Schema.encodeSync(StoredVerdict.fields.findings)

/** The verdict stored with a floating organisation's health; undefined for none stored. */
export const verdictOf = (doc: Store.BranchHealthDoc | undefined): Effect.Effect<BranchHealth.Verdict | undefined, StoredData.StoredDataError> =>
  doc === undefined ? Effect.succeed(undefined) : decodeVerdict(doc._id, "", doc)

/**
 * A health to store at a version, evaluated at `now`; no health (an organisation no longer a
 * floating one) keeps the verdict stored before and is never due.
 */
export const toHealthDoc = (orgId: string, health: BranchHealth.Health | undefined, before: BranchHealth.Verdict | undefined, version: number, now: number): Store.BranchHealthDoc => {
  const verdict = health ?? before ?? { grade: "normal", findings: [] }
  return {
    _id: orgId,
    version,
    writeId: randomUUID(),
    grade: verdict.grade,
    findings: encodeFindings(verdict.findings),
    nextReviewAt: health?.nextReviewAt === undefined ? null : new Date(health.nextReviewAt),
    evaluatedAt: new Date(now)
  }
}
