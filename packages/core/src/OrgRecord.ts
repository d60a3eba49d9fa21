/**
 * The per-organisation state folded from organisations' events, as `Projection` is for members:
 * when it was first registered, the latest activity of each kind it held (组织生活), the latest
 * guidance it received from each organisation (联系指导) and its latest report to each home
 * organisation (通报). Every field keeps an instant per key, combined by max (the registration by
 * min), so `merge` is commutative, associative and idempotent: the embedded scan and the worker
 * fold the same events into the same record in any order, with any duplicates. `BranchHealth`
 * reads it.
 */
import { Schema } from "effect"
import * as Event from "./Event.ts"
import { ownValue, setOwn } from "./internal/Own.ts"
import { same } from "./internal/Same.ts"

export interface OrgRecord {
  readonly orgId: string
  /** The first registration's instant: what a cadence counts from before anything was held. */
  readonly registeredAt?: number | undefined
  /** The latest instant of each kind of activity held. */
  readonly activities: Readonly<Partial<Record<Event.OrgActivity, number>>>
  /** The latest guidance received, by the guiding organisation's id. */
  readonly guidedBy: Readonly<Record<string, number>>
  /** The latest report made, by the id of the home organisation informed. */
  readonly reportedTo: Readonly<Record<string, number>>
}

const activityKinds: ReadonlySet<string> = new Set(Event.OrgActivity.literals)

/** Instants by kind of activity; an unknown kind fails. */
const Activities = Schema.declare(
  (u: unknown): u is OrgRecord["activities"] =>
    typeof u === "object" &&
    u !== null &&
    !Array.isArray(u) &&
    Object.entries(u).every(([kind, at]) => activityKinds.has(kind) && typeof at === "number"),
  { expected: "activities: instants (numbers) by kind of activity" }
)

/** The stored form (JSON): absent fields left out. */
export const OrgRecord = Schema.Struct({
  orgId: Schema.String,
  registeredAt: Schema.optional(Schema.Number),
  activities: Activities,
  guidedBy: Schema.Record(Schema.String, Schema.Number),
  reportedTo: Schema.Record(Schema.String, Schema.Number)
})

const none: Readonly<Record<string, never>> = Object.freeze({})

export const empty = (orgId: string): OrgRecord => ({ orgId, registeredAt: undefined, activities: none, guidedBy: none, reportedTo: none })

const one = (key: string, at: number): Readonly<Record<string, number>> => {
  const record: Record<string, number> = {}
  setOwn(record, key, at)
  return record
}

/**
 * The fragment an event contributes to an organisation's record, with that organisation's id:
 * a registration and an activity to their own organisation, a guidance to the organisation
 * guided, a report to the organisation reporting. Undefined for members' events.
 */
export const fromEvent = (event: Event.Event): OrgRecord | undefined => {
  switch (event.type) {
    case "OrgRegistered":
      return { ...empty(event.orgId), registeredAt: event.occurredAt }
    case "OrgActivityRecorded":
      return { ...empty(event.orgId), activities: one(event.activity, event.occurredAt) }
    case "GuidanceRecorded":
      return { ...empty(event.targetOrgId), guidedBy: one(event.orgId, event.occurredAt) }
    case "BranchReported":
      return { ...empty(event.orgId), reportedTo: one(event.homeOrgId, event.occurredAt) }
    default:
      return undefined
  }
}

/** The later instant per key of both; `a` itself when `b` adds nothing. */
const latest = <K extends string>(a: Readonly<Partial<Record<K, number>>>, b: Readonly<Partial<Record<K, number>>>): Readonly<Partial<Record<K, number>>> => {
  let out: Record<string, number> | undefined
  for (const key in b) {
    const y = b[key] as number
    const x = ownValue(a as Readonly<Record<string, number>>, key)
    if (x === undefined || y > x) {
      out ??= { ...(a as Readonly<Record<string, number>>) }
      setOwn(out, key, y)
    }
  }
  return (out ?? a) as Readonly<Partial<Record<K, number>>>
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b)

/** Merges two records of the same organisation. Commutative, associative, idempotent. */
export const merge = (a: OrgRecord, b: OrgRecord): OrgRecord => ({
  orgId: a.orgId,
  registeredAt: earliest(a.registeredAt, b.registeredAt),
  activities: latest(a.activities, b.activities),
  guidedBy: latest(a.guidedBy, b.guidedBy) as Readonly<Record<string, number>>,
  reportedTo: latest(a.reportedTo, b.reportedTo) as Readonly<Record<string, number>>
})

/** Whether two records say the same (an absent registration and an undefined one alike). */
export const equals = (a: OrgRecord, b: OrgRecord): boolean => same(a, b)

/** Folds an event into the records by organisation id; members' events change nothing. */
export const add = (records: Map<string, OrgRecord>, event: Event.Event): void => {
  const fragment = fromEvent(event)
  if (fragment === undefined) return
  const current = records.get(fragment.orgId)
  records.set(fragment.orgId, current === undefined ? fragment : merge(current, fragment))
}

/** The latest activity of any kind; undefined when none was held. */
export const lastActivityAt = (record: OrgRecord): number | undefined => {
  let last: number | undefined
  for (const at of Object.values(record.activities)) if (last === undefined || at > last) last = at
  return last
}
