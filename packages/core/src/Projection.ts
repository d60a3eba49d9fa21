/**
 * The per-member state folded from events. `merge` is commutative, associative and idempotent
 * (docs/events.md): timestamps combine by max, facts live in records keyed by event or transfer id,
 * and single-valued fields are last-writer-wins by (occurredAt, eventId): each such field `x` comes
 * with `xStamp`, the stamp of the event that wrote it. Whatever the order or duplication of the
 * same events, the projection is the same — which is what lets the worker, replays and the
 * embedded scan agree.
 */
import { Effect, Redacted, Result, Schema } from "effect"
import * as Event from "./Event.ts"
import * as IdNumber from "./IdNumber.ts"
import * as Rhythm from "./Rhythm.ts"
import { defined } from "./internal/Defined.ts"
import { ownValue, setOwn } from "./internal/Own.ts"
import { same } from "./internal/Same.ts"

/** When and by which event a value was written; the total order behind last-writer-wins. */
export interface Stamp {
  readonly at: number
  readonly eventId: string
}
export interface Stamped<A> extends Stamp {
  readonly value: A
}

/** What counts as contact (docs/rules.md), by the way it happened. */
export type ContactKind = Event.ContactChannel | "registration" | "outflow" | "return" | "inflow" | "transfer" | "restore"
const eventlessKinds = Schema.Literals(["registration", "outflow", "return", "inflow", "transfer", "restore"])
export const ContactKind = Schema.Union([Event.ContactChannel, eventlessKinds])
const contactKinds: ReadonlySet<string> = new Set([...Event.ContactChannel.literals, ...eventlessKinds.literals])

export interface Registration {
  readonly orgId: string
  readonly idNumber: Redacted.Redacted<string>
  readonly gender?: Event.Gender | undefined
  readonly birthDate?: string | undefined
  readonly joinedAt?: string | undefined
}

export interface Outflow extends Stamp {
  readonly orgId: string
  readonly destinationRegion: string
  readonly destinationDetail?: string
  readonly reason: Event.OutflowReason
  readonly fixedLocation?: boolean
  readonly expectedReturn?: string
}

/** The member registered at a 流入地 organisation (党员找组织). */
export interface Inflow extends Stamp {
  readonly orgId: string
  readonly region: string
}

export interface Transfer {
  readonly issued?: Stamped<{ readonly fromOrgId: string; readonly toOrgId: string; readonly validDays?: number }>
  readonly received?: Stamped<string>
  readonly cancelled?: Stamp
}

export interface SearchAttempt extends Stamp {
  readonly channel: Event.SearchChannel
  readonly note?: string
}

/** An observation attached to the member: a lead naming them, or one linked by a resolution. */
export interface Lead extends Stamp {
  readonly kind: "inflow" | "lead" | "record"
  readonly orgId: string
  readonly region?: string
  readonly dataSource?: Event.DataSource
  readonly note?: string
}

/**
 * Optional fields are `undefined` when absent. In memory every projection has every field, so that
 * all of them share one shape, and the fields one event writes share its stamp (one object, where a
 * value-and-stamp object per field cost six for a registration): the embedded scan holds a million
 * members. The stored form (JSON) leaves absent fields out and reads the same.
 */
export interface Projection {
  readonly memberId: string
  readonly registration?: Registration | undefined
  readonly registrationStamp?: Stamp | undefined
  /**
   * The distinct valid ID numbers registered under this member id (normalised; the two smallest)
   * where the registration alone does not say them (`idKeysOf`). Two of them are two people under
   * one id, or a record overwritten: a data-quality problem, not something to settle silently.
   */
  readonly idNumbers?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  readonly name?: string | undefined
  readonly nameStamp?: Stamp | undefined
  readonly phone?: Redacted.Redacted<string> | undefined
  readonly phoneStamp?: Stamp | undefined
  readonly hukouRegion?: string | undefined
  readonly hukouRegionStamp?: Stamp | undefined
  readonly category?: Event.Category | undefined
  readonly categoryStamp?: Stamp | undefined
  /** 组织关系所在党支部: set by registration, moved by a received transfer. */
  readonly home?: string | undefined
  readonly homeStamp?: Stamp | undefined
  /** Latest contact instant per kind. */
  readonly contacts: Readonly<Partial<Record<ContactKind, number>>>
  /** The latest distinct days of contact of any kind, latest first (`Rhythm`): the member's rhythm. */
  readonly contactDays: ReadonlyArray<number>
  readonly outflows: Readonly<Record<string, Outflow>>
  readonly lastReturnAt?: number | undefined
  readonly inflows: Readonly<Record<string, Inflow>>
  readonly transfers: Readonly<Record<string, Transfer>>
  readonly searches: Readonly<Record<string, SearchAttempt>>
  readonly decision?: Event.Decision | undefined
  readonly decisionStamp?: Stamp | undefined
  readonly leads: Readonly<Record<string, Lead>>
  /** Resolutions of observations against this member, by observation event id. */
  readonly resolutions: Readonly<Record<string, Resolved>>
}

/** A pair's latest resolution, with who checked it and what they noted when the event says. */
export interface Resolved extends Stamped<Event.Resolution> {
  readonly resolvedBy?: string
  readonly note?: string
}

/**
 * The schemas of a projection as plain data (what JSON holds): personal values as their text,
 * decoded into `Redacted` values; absent fields left out.
 */
export const Stamp = Schema.Struct({ at: Schema.Number, eventId: Schema.String })
export const Stamped = <S extends Schema.Top>(value: S) => Schema.Struct({ at: Schema.Number, eventId: Schema.String, value })
const Personal = Schema.RedactedFromValue(Schema.String)

export const Registration = Schema.Struct({
  orgId: Schema.String,
  idNumber: Personal,
  gender: Schema.optional(Event.Gender),
  birthDate: Schema.optional(Schema.String),
  joinedAt: Schema.optional(Schema.String)
})
export const Outflow = Schema.Struct({
  at: Schema.Number,
  eventId: Schema.String,
  orgId: Schema.String,
  destinationRegion: Schema.String,
  destinationDetail: Schema.optionalKey(Schema.String),
  reason: Event.OutflowReason,
  fixedLocation: Schema.optionalKey(Schema.Boolean),
  expectedReturn: Schema.optionalKey(Schema.String)
})
export const Inflow = Schema.Struct({ at: Schema.Number, eventId: Schema.String, orgId: Schema.String, region: Schema.String })
export const Transfer = Schema.Struct({
  issued: Schema.optionalKey(
    Stamped(Schema.Struct({ fromOrgId: Schema.String, toOrgId: Schema.String, validDays: Schema.optionalKey(Schema.Number) }))
  ),
  received: Schema.optionalKey(Stamped(Schema.String)),
  cancelled: Schema.optionalKey(Stamp)
})
export const SearchAttempt = Schema.Struct({
  at: Schema.Number,
  eventId: Schema.String,
  channel: Event.SearchChannel,
  note: Schema.optionalKey(Schema.String)
})
export const Lead = Schema.Struct({
  at: Schema.Number,
  eventId: Schema.String,
  kind: Schema.Literals(["inflow", "lead", "record"]),
  orgId: Schema.String,
  region: Schema.optionalKey(Schema.String),
  dataSource: Schema.optionalKey(Event.DataSource),
  note: Schema.optionalKey(Schema.String)
})
const byId = <S extends Schema.Top>(value: S) => Schema.Record(Schema.String, value)

/** Instants by contact kind; an unknown kind fails. */
const Contacts = Schema.declare(
  (u: unknown): u is Projection["contacts"] =>
    typeof u === "object" &&
    u !== null &&
    !Array.isArray(u) &&
    Object.entries(u).every(([kind, at]) => contactKinds.has(kind) && typeof at === "number"),
  { expected: "contacts: instants (numbers) by contact kind" }
)

export const Projection = Schema.Struct({
  memberId: Schema.String,
  registration: Schema.optional(Registration),
  registrationStamp: Schema.optional(Stamp),
  idNumbers: Schema.optional(Schema.Array(Personal)),
  name: Schema.optional(Schema.String),
  nameStamp: Schema.optional(Stamp),
  phone: Schema.optional(Personal),
  phoneStamp: Schema.optional(Stamp),
  hukouRegion: Schema.optional(Schema.String),
  hukouRegionStamp: Schema.optional(Stamp),
  category: Schema.optional(Event.Category),
  categoryStamp: Schema.optional(Stamp),
  home: Schema.optional(Schema.String),
  homeStamp: Schema.optional(Stamp),
  contacts: Contacts,
  contactDays: Schema.Array(Schema.Number).pipe(Schema.withDecodingDefaultKey(Effect.succeed(Rhythm.none))),
  outflows: byId(Outflow),
  lastReturnAt: Schema.optional(Schema.Number),
  inflows: byId(Inflow),
  transfers: byId(Transfer),
  searches: byId(SearchAttempt),
  decision: Schema.optional(Event.Decision),
  decisionStamp: Schema.optional(Stamp),
  leads: byId(Lead),
  resolutions: byId(
    Schema.Struct({ at: Schema.Number, eventId: Schema.String, value: Event.Resolution, resolvedBy: Schema.optionalKey(Schema.String), note: Schema.optionalKey(Schema.String) })
  )
})

/** Whether two projections hold the same facts: an undefined field is an absent one, personal values compare by value. */
export const equals = (a: Projection, b: Projection): boolean => same(a, b)

const none: Readonly<Record<string, never>> = Object.freeze({})

export const empty = (memberId: string): Projection => ({
  memberId,
  registration: undefined,
  registrationStamp: undefined,
  idNumbers: undefined,
  name: undefined,
  nameStamp: undefined,
  phone: undefined,
  phoneStamp: undefined,
  hukouRegion: undefined,
  hukouRegionStamp: undefined,
  category: undefined,
  categoryStamp: undefined,
  home: undefined,
  homeStamp: undefined,
  contacts: none,
  contactDays: Rhythm.none,
  outflows: none,
  lastReturnAt: undefined,
  inflows: none,
  transfers: none,
  searches: none,
  decision: undefined,
  decisionStamp: undefined,
  leads: none,
  resolutions: none
})

/** Last writer wins by (at, eventId); ties are the same event. */
export const later = <S extends Stamp>(a: S | undefined, b: S | undefined): S | undefined => {
  if (a === undefined) return b
  if (b === undefined) return a
  if (a.at !== b.at) return a.at > b.at ? a : b
  return a.eventId >= b.eventId ? a : b
}

const max = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b)

type Records = <A>(
  a: Readonly<Record<string, A>>,
  b: Readonly<Record<string, A>>,
  combine: (x: A, y: A) => A
) => Readonly<Record<string, A>>

/**
 * Keys of `b` combined into `a`. Copies `a` only when something changes, so that re-merging facts
 * the projection already holds (redeliveries, an older contact) allocates nothing.
 */
const mergeRecords: Records = <A>(
  a: Readonly<Record<string, A>>,
  b: Readonly<Record<string, A>>,
  combine: (x: A, y: A) => A
): Readonly<Record<string, A>> => {
  if (a === b || b === none) return a
  if (a === none) return b
  let out: Record<string, A> | undefined
  for (const key in b) {
    const y = b[key] as A
    const x = ownValue(a, key)
    const z = x === undefined ? y : combine(x, y)
    if (z !== x) {
      out ??= { ...a }
      setOwn(out, key, z)
    }
  }
  return out ?? a
}

/**
 * `mergeRecords` for a record that a fold owns: `a` is changed in place, except `none`, which is
 * replaced by a record of the fold's own (so every other record of an `Owned` projection is its own).
 */
const absorbRecords: Records = <A>(
  a: Readonly<Record<string, A>>,
  b: Readonly<Record<string, A>>,
  combine: (x: A, y: A) => A
): Readonly<Record<string, A>> => {
  if (b === none) return a
  const out = (a === none ? {} : a) as Record<string, A>
  for (const key in b) {
    const y = b[key] as A
    const x = ownValue(out, key)
    const z = x === undefined ? y : combine(x, y)
    if (z !== x) setOwn(out, key, z)
  }
  return out
}

/** Records keyed by event id hold one immutable fact per key; duplicates carry the same fact. */
const sameFact = <A extends Stamp>(x: A, y: A): A => later(x, y) as A

const mergeTransfer = (a: Transfer, b: Transfer): Transfer => {
  const issued = later(a.issued, b.issued)
  const received = later(a.received, b.received)
  const cancelled = later(a.cancelled, b.cancelled)
  if (issued === a.issued && received === a.received && cancelled === a.cancelled) return a
  return defined({ issued, received, cancelled })
}

type Writable<A> = { -readonly [K in keyof A]: A[K] }

/**
 * A registered ID number as registrations are compared: a valid number in its normalised form (a
 * legacy 15-digit number as the 18 it upgrades to, spacing and case aside). An invalid one counts
 * for nothing here: replacing it is the correction its own data-quality problem asks for.
 */
const idKey = (idNumber: Redacted.Redacted<string>): ReadonlyArray<string> => {
  const parsed = IdNumber.parse(Redacted.value(idNumber))
  return Result.isSuccess(parsed) ? [parsed.success] : []
}

/** The valid ID numbers a projection has seen: its set, or its registration's number alone. */
const idKeysOf = (p: Projection): ReadonlyArray<string> =>
  p.idNumbers?.map(Redacted.value) ?? (p.registration === undefined ? [] : idKey(p.registration.idNumber))

/**
 * The union of two sets of valid registered ID numbers, cut to its two smallest: a semilattice, so
 * the merge stays commutative, associative and idempotent. Two are all a problem needs to be seen.
 */
const mergeIdNumbers = (a: Projection, b: Projection, registration: Registration | undefined): Projection["idNumbers"] => {
  if (a.idNumbers === undefined && b.idNumbers === undefined) {
    const ra = a.registration?.idNumber
    const rb = b.registration?.idNumber
    // The common case, one number registered once or sent again: the registration says it all.
    if (ra === undefined || rb === undefined || ra === rb || Redacted.value(ra) === Redacted.value(rb)) return undefined
  }
  const keys = [...new Set([...idKeysOf(a), ...idKeysOf(b)])].sort().slice(0, 2)
  const derived = registration === undefined ? [] : idKey(registration.idNumber)
  // Kept only where the registration that wins cannot say it: then every projection's set is `idKeysOf`.
  return keys.length === derived.length && keys.every((key, i) => key === derived[i]) ? undefined : keys.map((key) => Redacted.make(key))
}

/**
 * Writes the merge of `a` and `b` into `out`: a fresh projection, or `a` itself when a fold owns
 * it. Each field depends only on the same fields of `a` and `b`, read before `out` is written, so
 * `out` may be `a`. A value goes with its stamp: the later stamp's value wins (ties are one event).
 */
const mergeFields = (out: Writable<Projection>, a: Projection, b: Projection, records: Records): void => {
  const registrationStamp = later(a.registrationStamp, b.registrationStamp)
  const registration = registrationStamp === a.registrationStamp ? a.registration : b.registration
  out.idNumbers = mergeIdNumbers(a, b, registration)
  out.registration = registration
  out.registrationStamp = registrationStamp
  const nameStamp = later(a.nameStamp, b.nameStamp)
  out.name = nameStamp === a.nameStamp ? a.name : b.name
  out.nameStamp = nameStamp
  const phoneStamp = later(a.phoneStamp, b.phoneStamp)
  out.phone = phoneStamp === a.phoneStamp ? a.phone : b.phone
  out.phoneStamp = phoneStamp
  const hukouRegionStamp = later(a.hukouRegionStamp, b.hukouRegionStamp)
  out.hukouRegion = hukouRegionStamp === a.hukouRegionStamp ? a.hukouRegion : b.hukouRegion
  out.hukouRegionStamp = hukouRegionStamp
  const categoryStamp = later(a.categoryStamp, b.categoryStamp)
  out.category = categoryStamp === a.categoryStamp ? a.category : b.category
  out.categoryStamp = categoryStamp
  const homeStamp = later(a.homeStamp, b.homeStamp)
  out.home = homeStamp === a.homeStamp ? a.home : b.home
  out.homeStamp = homeStamp
  out.contacts = records(a.contacts, b.contacts, Math.max)
  const contactDays = Rhythm.mergeDays(a.contactDays, b.contactDays)
  // A fold changes its days in place (`absorbContact`): it must not hold a fragment's.
  out.contactDays = records === absorbRecords && contactDays === b.contactDays ? contactDays.slice() : contactDays
  out.outflows = records(a.outflows, b.outflows, sameFact)
  out.lastReturnAt = max(a.lastReturnAt, b.lastReturnAt)
  out.inflows = records(a.inflows, b.inflows, sameFact)
  out.transfers = records(a.transfers, b.transfers, mergeTransfer)
  out.searches = records(a.searches, b.searches, sameFact)
  const decisionStamp = later(a.decisionStamp, b.decisionStamp)
  out.decision = decisionStamp === a.decisionStamp ? a.decision : b.decision
  out.decisionStamp = decisionStamp
  out.leads = records(a.leads, b.leads, sameFact)
  out.resolutions = records(a.resolutions, b.resolutions, sameFact)
}

/** Merges two projections of the same member. Commutative, associative, idempotent. */
export const merge = (a: Projection, b: Projection): Projection => {
  if (a === b) return a
  const out = empty(a.memberId) as Writable<Projection>
  mergeFields(out, a, b, mergeRecords)
  return out
}

declare const owned: unique symbol

/**
 * A projection that a fold builds in place: it starts as `own(memberId)` and only `absorb` changes
 * it, so nobody else may hold it (or any of its records) until the fold is done. Read it as any
 * `Projection`.
 */
export type Owned = Projection & { readonly [owned]: true }

export const own = (memberId: string): Owned => empty(memberId) as Owned

/**
 * `merge(into, fragment)`, written into `into` — the same merge, without a new projection and new
 * records per event: folding 15 million events into a million members would otherwise turn nearly
 * every merged projection into old-generation garbage.
 */
export const absorb = (into: Owned, fragment: Projection): void =>
  mergeFields(into as Writable<Projection>, into, fragment, absorbRecords)

/**
 * `absorb(into, fromEvent(event))` for a recorded contact (its channel and instant), without the
 * fragment: nearly nine events in ten are contacts, and building a fragment and merging it field by
 * field cost more than the contact itself. Keeps the later instant per kind, as the merge does.
 */
export const absorbContact = (into: Owned, channel: Event.ContactChannel, occurredAt: number): void => {
  const contacts = (into.contacts === none ? {} : into.contacts) as Partial<Record<ContactKind, number>>
  const at = contacts[channel]
  if (at === undefined || occurredAt > at) contacts[channel] = occurredAt
  const writable = into as Writable<Projection>
  writable.contacts = contacts
  writable.contactDays = Rhythm.addDay(into.contactDays, occurredAt, true)
}

const stamp = (event: Event.Event): Stamp => ({ at: event.occurredAt, eventId: event.eventId })
const stamped = <A>(event: Event.Event, value: A): Stamped<A> => ({ at: event.occurredAt, eventId: event.eventId, value })
const contactsOf = (kind: ContactKind, at: number): Projection["contacts"] => {
  // Not `{ [kind]: at }`: a computed key in a literal is ~4× slower, and this runs for most events.
  // Assigning is safe here, unlike for ids from the wire: a kind is never `__proto__`.
  const contacts: Partial<Record<ContactKind, number>> = {}
  contacts[kind] = at
  return contacts
}
/** The fields a contact writes: its kind's latest instant and its day. */
const contact = (kind: ContactKind, at: number): Pick<Projection, "contacts" | "contactDays"> => ({
  contacts: contactsOf(kind, at),
  contactDays: Rhythm.single(at)
})

/** The observation facts an event carries, in the form they take once attached to a member. */
export const leadOf = (event: Event.InflowRegistered | Event.LeadReported | Event.RecordObserved): Lead => {
  switch (event.type) {
    case "InflowRegistered":
      return { ...stamp(event), kind: "inflow", orgId: event.orgId, region: event.region }
    case "LeadReported":
      return defined({ ...stamp(event), kind: "lead" as const, orgId: event.orgId, region: event.region, note: event.note })
    case "RecordObserved":
      return { ...stamp(event), kind: "record", orgId: event.orgId, region: event.region, dataSource: event.dataSource }
  }
}

/** An observation attached to a member after a resolution names them. */
export const attach = (memberId: string, lead: Lead): Projection => ({ ...empty(memberId), leads: { [lead.eventId]: lead } })

/** One copy of equal strings (see `fromEvent`). */
export type Intern = <S extends string>(text: S) => S

const asIs: Intern = (text) => text

const internMaybe = <S extends string>(intern: Intern, text: S | undefined) => (text === undefined ? undefined : intern(text))

/**
 * The fragment one event contributes to its member's projection; undefined for events that are
 * not about one known member (organisations' events, and observations still looking for their
 * member). An activity's attendees are several members: `fragmentsOf` gives theirs.
 * `intern` is given the kept strings that many members share (organisations, names, regions,
 * dates, categories): a fold of a million members then holds one copy of each, not a million
 * (JSON.parse makes a new string of every value).
 */
export const fromEvent = (event: Event.Event, intern: Intern = asIs): Projection | undefined => {
  switch (event.type) {
    case "OrgRegistered":
    case "RecordObserved":
    case "OrgActivityRecorded":
    case "GuidanceRecorded":
    case "BranchReported":
      return undefined
    case "MemberRegistered": {
      // One stamp for every field the registration writes.
      const at = stamp(event)
      const orgId = intern(event.orgId)
      return {
        ...empty(event.memberId),
        registration: {
          orgId,
          idNumber: event.idNumber,
          gender: event.gender,
          birthDate: internMaybe(intern, event.birthDate),
          joinedAt: internMaybe(intern, event.joinedAt)
        },
        registrationStamp: at,
        name: intern(event.name),
        nameStamp: at,
        phone: event.phone,
        phoneStamp: event.phone === undefined ? undefined : at,
        hukouRegion: internMaybe(intern, event.hukouRegion),
        hukouRegionStamp: event.hukouRegion === undefined ? undefined : at,
        category: intern(event.category),
        categoryStamp: at,
        home: orgId,
        homeStamp: at,
        ...contact("registration", event.occurredAt)
      }
    }
    case "MemberUpdated": {
      const at = stamp(event)
      return {
        ...empty(event.memberId),
        name: internMaybe(intern, event.name),
        nameStamp: event.name === undefined ? undefined : at,
        phone: event.phone,
        phoneStamp: event.phone === undefined ? undefined : at,
        hukouRegion: internMaybe(intern, event.hukouRegion),
        hukouRegionStamp: event.hukouRegion === undefined ? undefined : at,
        category: internMaybe(intern, event.category),
        categoryStamp: event.category === undefined ? undefined : at
      }
    }
    case "OutflowReported":
      return {
        ...empty(event.memberId),
        outflows: {
          [event.eventId]: defined({
            ...stamp(event),
            orgId: intern(event.orgId),
            destinationRegion: intern(event.destinationRegion),
            destinationDetail: event.destinationDetail,
            reason: event.reason,
            fixedLocation: event.fixedLocation,
            expectedReturn: event.expectedReturn
          })
        },
        ...contact("outflow", event.occurredAt)
      }
    case "ReturnReported":
      return { ...empty(event.memberId), lastReturnAt: event.occurredAt, ...contact("return", event.occurredAt) }
    case "InflowRegistered":
      return event.memberId === undefined
        ? undefined
        : {
            ...empty(event.memberId),
            inflows: { [event.eventId]: { ...stamp(event), orgId: intern(event.orgId), region: intern(event.region) } },
            ...contact("inflow", event.occurredAt)
          }
    case "TransferIssued":
      return {
        ...empty(event.memberId),
        transfers: {
          [event.transferId]: {
            issued: stamped(
              event,
              defined({ fromOrgId: intern(event.orgId), toOrgId: intern(event.toOrgId), validDays: event.validDays })
            )
          }
        }
      }
    case "TransferReceived": {
      const orgId = intern(event.orgId)
      return {
        ...empty(event.memberId),
        home: orgId,
        homeStamp: stamp(event),
        transfers: { [event.transferId]: { received: stamped(event, orgId) } },
        ...contact("transfer", event.occurredAt)
      }
    }
    case "TransferCancelled":
      return { ...empty(event.memberId), transfers: { [event.transferId]: { cancelled: stamp(event) } } }
    case "ContactRecorded":
      return { ...empty(event.memberId), ...contact(event.channel, event.occurredAt) }
    case "SearchAttemptFailed":
      return {
        ...empty(event.memberId),
        searches: { [event.eventId]: defined({ ...stamp(event), channel: event.channel, note: event.note }) }
      }
    case "LeadReported":
      return "memberId" in event.subject ? attach(event.subject.memberId, leadOf(event)) : undefined
    case "MatchResolved":
      return {
        ...empty(event.memberId),
        resolutions: { [event.observationEventId]: defined({ ...stamped(event, event.resolution), resolvedBy: event.resolvedBy, note: event.note }) }
      }
    case "StatusDecided":
      return {
        ...empty(event.memberId),
        decision: event.decision,
        decisionStamp: stamp(event),
        ...(event.decision === "restore" && contact("restore", event.occurredAt))
      }
  }
}

/** The members who attended an activity, each once. */
export const attendeesOf = (event: Event.OrgActivityRecorded): ReadonlyArray<string> =>
  event.attendees === undefined ? [] : [...new Set(event.attendees)]

/**
 * Every fragment an event contributes, one per member it concerns: `fromEvent`'s, or for an
 * activity (组织生活) one meeting contact per attendee, exactly as a `ContactRecorded` with channel
 * `meeting` at the activity's instant would contribute (docs/events.md).
 */
export const fragmentsOf = (event: Event.Event, intern: Intern = asIs): ReadonlyArray<Projection> => {
  if (event.type === "OrgActivityRecorded") {
    return attendeesOf(event).map((memberId) => ({ ...empty(memberId), ...contact("meeting", event.occurredAt) }))
  }
  const fragment = fromEvent(event, intern)
  return fragment === undefined ? [] : [fragment]
}

/** The observation ids this member confirmed (their latest resolution is `confirmed`). */
export const isConfirmed = (projection: Projection, observationEventId: string): boolean =>
  projection.resolutions[observationEventId]?.value === "confirmed"

/** Registrations at a 流入地: direct ones, and confirmed links of inflow observations. */
export const inflowRegistrations = (projection: Projection): ReadonlyArray<Inflow> => {
  const direct = Object.values(projection.inflows)
  const linked: Array<Inflow> = []
  for (const lead of Object.values(projection.leads)) {
    if (lead.kind === "inflow" && isConfirmed(projection, lead.eventId)) {
      linked.push({ at: lead.at, eventId: lead.eventId, orgId: lead.orgId, region: lead.region ?? "" })
    }
  }
  return linked.length === 0 ? direct : [...direct, ...linked]
}

/** Later, or as late and first by name: a tie must not depend on the order contacts arrived in. */
const laterContact = (at: number, kind: ContactKind, best: { readonly at: number; readonly kind: ContactKind } | undefined) =>
  best === undefined || at > best.at || (at === best.at && kind < best.kind)

/** The latest contact of any kind, with its kind; confirmed inflow links count (docs/rules.md). */
export const lastContact = (projection: Projection): { readonly at: number; readonly kind: ContactKind } | undefined => {
  let best: { at: number; kind: ContactKind } | undefined
  for (const [kind, at] of Object.entries(projection.contacts) as Array<[ContactKind, number]>) {
    if (laterContact(at, kind, best)) best = { at, kind }
  }
  for (const inflow of inflowRegistrations(projection)) {
    if (laterContact(inflow.at, "inflow", best)) best = { at: inflow.at, kind: "inflow" }
  }
  return best
}
