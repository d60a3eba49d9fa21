/**
 * The input event contract (docs/events.md): one JSON object per message. The wire format is fixed —
 * other systems already produce it — so these schemas accept exactly it: unknown extra fields are
 * ignored, missing or malformed required fields are reported with the field and the reason.
 *
 * Decoded events carry `occurredAt` as epoch milliseconds; ID numbers and phones are `Redacted` so
 * that logging an event can never print them.
 */
import { Data, Redacted, Result, Schema, SchemaTransformation } from "effect"
import * as Time from "./Instant.ts"
import * as Issues from "./internal/Issues.ts"
import * as JsonKeys from "./internal/JsonKeys.ts"

const filter = <T>(predicate: (value: T) => boolean, message: string) =>
  Schema.makeFilter<T>((value) => predicate(value) || message)

const isNonBlank = (s: string): boolean => s.trim().length > 0
const Text = Schema.String.check(filter<string>(isNonBlank, "must not be empty"))

/** An instant: ISO-8601 text with an explicit offset on the wire, epoch milliseconds in memory. */
export const Instant = Schema.String.check(
  filter<string>((s) => Time.parseInstant(s) !== undefined, "must be an ISO-8601 date-time with an offset, e.g. 2026-03-01T09:30:00+08:00")
).pipe(
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transform({ decode: (s: string) => Time.parseInstant(s) ?? Number.NaN, encode: Time.formatCst })
  )
)

/** A calendar date `YYYY-MM-DD`, kept as text. */
export const CalendarDate = Schema.String.check(filter<string>(Time.isCalendarDate, "must be a calendar date YYYY-MM-DD"))

/** A 6-digit administrative division code (GB/T 2260). */
const isRegionCode = (s: string): boolean => /^\d{6}$/.test(s)
export const Region = Schema.String.check(filter<string>(isRegionCode, "must be a 6-digit region code"))

const isId = (s: string): boolean => s.length >= 1 && s.length <= 128
const Id = (what: string) => Schema.String.check(filter<string>(isId, `${what} must be 1–128 characters`))

/** Personal data on the wire: a string; in memory: `Redacted`, so it never reaches a log. */
const Personal = Schema.RedactedFromValue(Schema.String)

export const Gender = Schema.Literals(["M", "F"])
export type Gender = typeof Gender.Type

export const Category = Schema.Literals(["full", "probationary"])
export type Category = typeof Category.Type

export const OrgKind = Schema.Literals(["committee", "general-branch", "branch", "floating-branch"])
export type OrgKind = typeof OrgKind.Type

export const ContactChannel = Schema.Literals(["meeting", "dues", "phone", "visit", "online", "message", "other"])
export type ContactChannel = typeof ContactChannel.Type

export const SearchChannel = Schema.Literals(["phone", "visit", "relatives", "employer", "data-check", "notice", "other"])
export type SearchChannel = typeof SearchChannel.Type

export const OutflowReason = Schema.Literals(["work", "business", "study", "residence", "other"])
export type OutflowReason = typeof OutflowReason.Type

export const DataSource = Schema.Literals(["public-security", "social-security", "civil-affairs", "community", "other"])
export type DataSource = typeof DataSource.Type

export const Resolution = Schema.Literals(["confirmed", "rejected"])
export type Resolution = typeof Resolution.Type

export const Decision = Schema.Literals(["suspend", "restore", "remove", "cancel-probation", "deceased", "left"])
export type Decision = typeof Decision.Type

/** 组织生活: 支委会, 党员大会, 党小组会, 党课, 主题党日, 组织生活会, 民主评议党员. */
export const OrgActivity = Schema.Literals([
  "committee-meeting",
  "members-meeting",
  "group-meeting",
  "party-lecture",
  "theme-day",
  "life-meeting",
  "democratic-review"
])
export type OrgActivity = typeof OrgActivity.Type

/** How an organisation guided another (联系指导). */
export const GuidanceChannel = Schema.Literals(["visit", "phone", "document", "training", "online"])
export type GuidanceChannel = typeof GuidanceChannel.Type

/** What an observation says about a person; every field is as noisy as its source. */
export const Identity = Schema.Struct({
  name: Text,
  idNumber: Schema.optionalKey(Personal),
  phone: Schema.optionalKey(Personal),
  birthDate: Schema.optionalKey(CalendarDate),
  gender: Schema.optionalKey(Gender),
  hukouRegion: Schema.optionalKey(Region)
})
export type Identity = typeof Identity.Type

const base = {
  eventId: Id("eventId"),
  occurredAt: Instant,
  orgId: Id("orgId"),
  source: Schema.optionalKey(Schema.String)
}
const memberId = Id("memberId")

const event = <const Type extends string, const Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({ type: Schema.Literal(type), ...base, ...fields })

export const OrgRegistered = event("OrgRegistered", {
  name: Text,
  parentId: Schema.optionalKey(Id("parentId")),
  kind: OrgKind,
  region: Region
})
export const MemberRegistered = event("MemberRegistered", {
  memberId,
  name: Text,
  idNumber: Personal,
  gender: Schema.optionalKey(Gender),
  birthDate: Schema.optionalKey(CalendarDate),
  phone: Schema.optionalKey(Personal),
  hukouRegion: Schema.optionalKey(Region),
  category: Category,
  joinedAt: Schema.optionalKey(CalendarDate)
})
export const MemberUpdated = event("MemberUpdated", {
  memberId,
  name: Schema.optionalKey(Text),
  phone: Schema.optionalKey(Personal),
  hukouRegion: Schema.optionalKey(Region),
  category: Schema.optionalKey(Category)
})
export const OutflowReported = event("OutflowReported", {
  memberId,
  destinationRegion: Region,
  destinationDetail: Schema.optionalKey(Schema.String),
  reason: OutflowReason,
  fixedLocation: Schema.optionalKey(Schema.Boolean),
  expectedReturn: Schema.optionalKey(Schema.String)
})
export const ReturnReported = event("ReturnReported", { memberId })
export const InflowRegistered = event("InflowRegistered", {
  region: Region,
  memberId: Schema.optionalKey(memberId),
  identity: Schema.optionalKey(Identity)
}).check(
  filter<{ readonly memberId?: string; readonly identity?: Identity }>(
    (e) => e.memberId !== undefined || e.identity !== undefined,
    "needs memberId or identity"
  )
)
const ValidDays = Schema.Number.check(
  filter<number>((n) => Number.isInteger(n) && n >= 1, "validDays must be a whole number of days ≥ 1")
)
export const TransferIssued = event("TransferIssued", {
  memberId,
  transferId: Id("transferId"),
  toOrgId: Id("toOrgId"),
  validDays: Schema.optionalKey(ValidDays)
})
export const TransferReceived = event("TransferReceived", { memberId, transferId: Id("transferId") })
export const TransferCancelled = event("TransferCancelled", { memberId, transferId: Id("transferId") })
export const ContactRecorded = event("ContactRecorded", { memberId, channel: ContactChannel })
export const SearchAttemptFailed = event("SearchAttemptFailed", {
  memberId,
  channel: SearchChannel,
  note: Schema.optionalKey(Schema.String)
})
export const LeadSubject = Schema.Union([Schema.Struct({ memberId }), Identity])
export type LeadSubject = typeof LeadSubject.Type
export const LeadReported = event("LeadReported", {
  subject: LeadSubject,
  reporterMemberId: Schema.optionalKey(memberId),
  region: Schema.optionalKey(Region),
  phone: Schema.optionalKey(Personal),
  note: Schema.optionalKey(Schema.String)
})
export const RecordObserved = event("RecordObserved", { identity: Identity, region: Region, dataSource: DataSource })
export const MatchResolved = event("MatchResolved", {
  observationEventId: Id("observationEventId"),
  memberId,
  resolution: Resolution,
  /** Who checked the pair (核实人). */
  resolvedBy: Schema.optionalKey(Text),
  /** What they noted (备注). */
  note: Schema.optionalKey(Schema.String)
})
export const StatusDecided = event("StatusDecided", { memberId, decision: Decision })
/** An organisation held 组织生活; each attendee counts as a meeting contact. `orgId` is the organisation. */
export const OrgActivityRecorded = event("OrgActivityRecorded", {
  activity: OrgActivity,
  attendees: Schema.optionalKey(Schema.Array(memberId))
})
/** 联系指导: `orgId` (a 流出地 committee) guided `targetOrgId` (a floating organisation). */
export const GuidanceRecorded = event("GuidanceRecorded", { targetOrgId: Id("targetOrgId"), channel: GuidanceChannel })
/** 通报: `orgId` informed `homeOrgId` of its members' 民主评议 or 日常表现. */
export const BranchReported = event("BranchReported", {
  homeOrgId: Id("homeOrgId"),
  memberIds: Schema.optionalKey(Schema.Array(memberId))
})

const schemas = {
  OrgRegistered,
  MemberRegistered,
  MemberUpdated,
  OutflowReported,
  ReturnReported,
  InflowRegistered,
  TransferIssued,
  TransferReceived,
  TransferCancelled,
  ContactRecorded,
  SearchAttemptFailed,
  LeadReported,
  RecordObserved,
  MatchResolved,
  StatusDecided,
  OrgActivityRecorded,
  GuidanceRecorded,
  BranchReported
} as const

export type EventType = keyof typeof schemas
export const eventTypes = Object.keys(schemas) as ReadonlyArray<EventType>

export type OrgRegistered = typeof OrgRegistered.Type
export type MemberRegistered = typeof MemberRegistered.Type
export type MemberUpdated = typeof MemberUpdated.Type
export type OutflowReported = typeof OutflowReported.Type
export type ReturnReported = typeof ReturnReported.Type
export type InflowRegistered = typeof InflowRegistered.Type
export type TransferIssued = typeof TransferIssued.Type
export type TransferReceived = typeof TransferReceived.Type
export type TransferCancelled = typeof TransferCancelled.Type
export type ContactRecorded = typeof ContactRecorded.Type
export type SearchAttemptFailed = typeof SearchAttemptFailed.Type
export type LeadReported = typeof LeadReported.Type
export type RecordObserved = typeof RecordObserved.Type
export type MatchResolved = typeof MatchResolved.Type
export type StatusDecided = typeof StatusDecided.Type
export type OrgActivityRecorded = typeof OrgActivityRecorded.Type
export type GuidanceRecorded = typeof GuidanceRecorded.Type
export type BranchReported = typeof BranchReported.Type

export const Event = Schema.Union(Object.values(schemas))
export type Event = typeof Event.Type
export type Encoded = typeof Event.Encoded

/**
 * Events that concern one member, by the contract's Kafka key rule. An organisation's events
 * concern no one member, also an activity with attendees (it may name many): each attendee's
 * contact is applied where the activity is (`Projection.fragmentsOf`), whichever partition that is.
 */
export const memberIdOf = (event: Event): string | undefined => {
  switch (event.type) {
    case "OrgRegistered":
    case "RecordObserved":
    case "OrgActivityRecorded":
    case "GuidanceRecorded":
    case "BranchReported":
      return undefined
    case "LeadReported":
      return "memberId" in event.subject ? event.subject.memberId : undefined
    default:
      return event.memberId
  }
}

/** The Kafka key the contract prescribes: `memberId` when the event has one, else the `eventId`. */
export const keyOf = (event: Event): string => memberIdOf(event) ?? event.eventId

/** The line is not JSON at all (or not an object). */
export class NotJson extends Data.TaggedError("NotJson")<{ readonly reason: string }> {}
/** A JSON object whose `type` is missing or not one of the contract's event types. */
export class UnknownEventType extends Data.TaggedError("UnknownEventType")<{
  readonly reason: string
  readonly eventId: string | undefined
}> {}
/** A known event type with a missing or malformed required field. */
export class InvalidEvent extends Data.TaggedError("InvalidEvent")<{
  readonly reason: string
  readonly eventId: string | undefined
  readonly eventType: EventType
}> {}
/**
 * JSON naming one key twice in an object, at any depth: `JSON.parse` would keep the last copy
 * without a word, so the event is ambiguous. `key` is its path (`identity.name`).
 */
export class DuplicateKey extends Data.TaggedError("DuplicateKey")<{ readonly reason: string; readonly key: string }> {}
export type DecodeError = NotJson | DuplicateKey | UnknownEventType | InvalidEvent
/** Bytes that are not valid UTF-8: rejected, never decoded with replacement characters. `byte` counts from 1. */
export class InvalidUtf8 extends Data.TaggedError("InvalidUtf8")<{ readonly reason: string; readonly byte: number }> {}

type Decoder = (input: unknown, options?: { readonly errors: "all" }) => Result.Result<Event, Schema.SchemaError>
const decoders = Object.fromEntries(
  Object.entries(schemas).map(([type, schema]) => [type, Schema.decodeUnknownResult(schema as Schema.Codec<Event, unknown>)])
) as Record<EventType, Decoder>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * {@link decodeUnknown} by the schemas alone, without its fast path; the reference the fast path
 * is tested against.
 *
 * @internal
 */
export const decodeUnknownWithSchema = (input: unknown): Result.Result<Event, UnknownEventType | InvalidEvent> => {
  const eventId = isRecord(input) && typeof input["eventId"] === "string" ? input["eventId"] : undefined
  if (!isRecord(input)) return Result.fail(new UnknownEventType({ reason: "event must be a JSON object", eventId }))
  const type = input["type"]
  if (typeof type !== "string" || !Object.hasOwn(decoders, type)) {
    return Result.fail(
      new UnknownEventType({
        reason: type === undefined ? "type: Missing key" : `type: ${JSON.stringify(type)} is not an event type of the contract`,
        eventId
      })
    )
  }
  const eventType = type as EventType
  const decoded = decoders[eventType](input)
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  // The fast path stops at the first problem; a rejected event is rare, so name every problem.
  const all = decoders[eventType](input, { errors: "all" })
  const error = Result.isFailure(all) ? all.failure : decoded.failure
  return Result.fail(new InvalidEvent({ reason: Issues.describe(error), eventId, eventType }))
}

const isIdValue = (u: unknown): u is string => typeof u === "string" && isId(u)
const contactChannels: ReadonlySet<unknown> = new Set(ContactChannel.literals)

const isText = (u: unknown): u is string => typeof u === "string" && isNonBlank(u)
const isCalendarDate = (u: unknown): u is string => typeof u === "string" && Time.isCalendarDate(u)
const isRegion = (u: unknown): u is string => typeof u === "string" && isRegionCode(u)
const isString = (u: unknown): u is string => typeof u === "string"
const isGender = (u: unknown): u is Gender => u === "M" || u === "F"
const isCategory = (u: unknown): u is Category => u === "full" || u === "probationary"

/** An optional key as the schema reads it: absent (`undefined` and not `in` the input), or valid. */
const optional = (input: Record<string, unknown>, key: string, valid: (u: unknown) => boolean): boolean =>
  valid(input[key]) || (input[key] === undefined && !(key in input))

/**
 * A valid `ContactRecorded` (~87 % of a stream) checked by hand against the schema's rules and
 * built as the schema builds it (same keys, same order), parsing the instant once, in a seventh of
 * the schema decoder's time. Undefined when the schema must decide, which includes every invalid
 * event, so that failures are always the schema's. Fields are read as the schema reads them
 * (`input[key]`, `key in input` for the optional `source`).
 */
const fastContactRecorded = (input: Record<string, unknown>): ContactRecorded | undefined => {
  const { eventId, occurredAt, orgId, source, memberId, channel } = input
  if (!isIdValue(eventId) || !isIdValue(orgId) || !isIdValue(memberId) || typeof occurredAt !== "string") return undefined
  if (!contactChannels.has(channel) || !optional(input, "source", isString)) return undefined
  const at = Time.parseInstant(occurredAt)
  if (at === undefined) return undefined
  const type = "ContactRecorded"
  const contactChannel = channel as ContactChannel
  return typeof source === "string"
    ? { type, eventId, occurredAt: at, orgId, source, memberId, channel: contactChannel }
    : { type, eventId, occurredAt: at, orgId, memberId, channel: contactChannel }
}

/**
 * A valid `MemberRegistered` (one per member, the commonest event after contacts), on the terms of
 * `fastContactRecorded`: checked by hand, built as the schema builds it (keys in the schema's
 * order, personal data `Redacted`), undefined whenever the schema must decide.
 */
const fastMemberRegistered = (input: Record<string, unknown>): MemberRegistered | undefined => {
  const { eventId, occurredAt, orgId, source, memberId, name, idNumber, gender, birthDate, phone, hukouRegion, category, joinedAt } = input
  if (!isIdValue(eventId) || !isIdValue(orgId) || !isIdValue(memberId) || typeof occurredAt !== "string") return undefined
  if (!isText(name) || typeof idNumber !== "string" || !isCategory(category) || !optional(input, "source", isString)) return undefined
  if (!optional(input, "gender", isGender) || !optional(input, "birthDate", isCalendarDate) || !optional(input, "phone", isString)) return undefined
  if (!optional(input, "hukouRegion", isRegion) || !optional(input, "joinedAt", isCalendarDate)) return undefined
  const at = Time.parseInstant(occurredAt)
  if (at === undefined) return undefined
  const event: Record<string, unknown> = { type: "MemberRegistered", eventId, occurredAt: at, orgId }
  if (source !== undefined) event["source"] = source
  event["memberId"] = memberId
  event["name"] = name
  event["idNumber"] = Redacted.make(idNumber)
  if (gender !== undefined) event["gender"] = gender
  if (birthDate !== undefined) event["birthDate"] = birthDate
  if (phone !== undefined) event["phone"] = Redacted.make(phone)
  if (hukouRegion !== undefined) event["hukouRegion"] = hukouRegion
  event["category"] = category
  if (joinedAt !== undefined) event["joinedAt"] = joinedAt
  return event as MemberRegistered
}

const fastPaths: Partial<Record<string, (input: Record<string, unknown>) => Event | undefined>> = {
  ContactRecorded: fastContactRecorded,
  MemberRegistered: fastMemberRegistered
}

/** The event by its type's fast path, when it has one and the input is plainly valid. */
const decodeFast = (input: Record<string, unknown>): Event | undefined => {
  const type = input["type"]
  return typeof type === "string" && Object.hasOwn(fastPaths, type) ? fastPaths[type]?.(input) : undefined
}

/** Decodes an already-parsed JSON value; never throws. */
export const decodeUnknown = (input: unknown): Result.Result<Event, UnknownEventType | InvalidEvent> => {
  const fast = isRecord(input) ? decodeFast(input) : undefined
  return fast === undefined ? decodeUnknownWithSchema(input) : Result.succeed(fast)
}

/** The longest key path a `DuplicateKey` reason quotes: the path comes from the input. */
const MAX_KEY_PATH = 128

const duplicateKey = (path: ReadonlyArray<string | number>): DuplicateKey => {
  const joined = path.join(".")
  const key = joined.length > MAX_KEY_PATH ? `${joined.slice(0, MAX_KEY_PATH)}…` : joined
  return new DuplicateKey({ reason: `duplicate key ${JSON.stringify(key)}: its object names it twice`, key })
}

/**
 * Decodes one line of an NDJSON export or one Kafka message value; never throws. A line naming a
 * key twice in one object is `DuplicateKey`, not read as whichever copy came last.
 */
export const decodeLine = (line: string): Result.Result<Event, DecodeError> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (cause) {
    return Result.fail(new NotJson({ reason: cause instanceof Error ? cause.message : "not JSON" }))
  }
  if (JsonKeys.inText(line) !== JsonKeys.inValue(parsed)) {
    const path = JsonKeys.firstDuplicate(line)
    if (path !== undefined) return Result.fail(duplicateKey(path))
  }
  return decodeUnknown(parsed)
}

/** Whether `b` is a continuation byte (10xxxxxx) within [lo, hi]. */
const inRange = (b: number | undefined, lo = 0x80, hi = 0xbf): boolean => b !== undefined && b >= lo && b <= hi

/**
 * The position (from 1) of the first byte that starts no well-formed UTF-8 sequence (Unicode
 * Table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or `undefined` when every
 * byte is in one.
 */
export const invalidUtf8At = (bytes: Uint8Array): number | undefined => {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number
    const size =
      b < 0x80
        ? 1
        : b >= 0xc2 && b <= 0xdf && inRange(bytes[i + 1])
          ? 2
          : b >= 0xe0 && b <= 0xef && inRange(bytes[i + 1], b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf) && inRange(bytes[i + 2])
            ? 3
            : b >= 0xf0 &&
                b <= 0xf4 &&
                inRange(bytes[i + 1], b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf) &&
                inRange(bytes[i + 2]) &&
                inRange(bytes[i + 3])
              ? 4
              : 0
    if (size === 0) return i + 1
    i += size
  }
  return undefined
}

/** The failure for bytes that are not UTF-8, naming the first bad byte. */
export const invalidUtf8 = (byte: number): InvalidUtf8 => new InvalidUtf8({ reason: `invalid UTF-8 at byte ${byte}`, byte })

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/**
 * Decodes a Kafka message value (or a line's bytes): bytes that are not valid UTF-8 are rejected
 * (`InvalidUtf8`, naming the byte), not read with U+FFFD in place of what was there; never throws.
 */
export const decodeBytes = (bytes: Uint8Array): Result.Result<Event, DecodeError | InvalidUtf8> => {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return Result.fail(invalidUtf8(invalidUtf8At(bytes) ?? 1))
  }
  return decodeLine(text)
}

/**
 * The content of a decoded event as one string, the same for every copy that decodes to the same
 * event: keys sorted, personal data revealed, instants as epoch milliseconds, unknown fields (which
 * decoding drops) absent — so key order, whitespace, offsets and ignored fields are not content.
 * It holds ID numbers and phones in the clear: only ever hashed, never stored or logged.
 */
export const canonical = (event: Event): string => canonicalOf(event)

// By hand rather than with arrays of entries: the embedded scan encodes every event it reads.
const canonicalOf = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value !== "object" || value === null) return String(value)
  if (Redacted.isRedacted(value)) return canonicalOf(Redacted.value(value))
  if (Array.isArray(value)) return `[${value.map(canonicalOf).join(",")}]`
  if (!isRecord(value)) return "null"
  const keys = Object.keys(value).sort()
  let out = ""
  for (const key of keys) {
    const field = value[key]
    if (field !== undefined) out += `${out === "" ? "" : ","}${JSON.stringify(key)}:${canonicalOf(field)}`
  }
  return `{${out}}`
}

/**
 * What a copy of an event is, given the digest of the first copy of its `eventId` (undefined when
 * there is none) and its own (docs/events.md#repeated-event-ids): the first copy wins; a later copy
 * with the same content is a duplicate (ignored), one with other content a conflict (ignored and
 * reported). The embedded scan and the worker both decide with this.
 */
export const copyOf = <Digest extends string | number>(first: Digest | undefined, digest: Digest): "first" | "duplicate" | "conflict" =>
  first === undefined ? "first" : first === digest ? "duplicate" : "conflict"

/** A later copy of an `eventId` whose content differs from the first copy's: not applied, reported. */
export class ConflictingDuplicate extends Data.TaggedError("ConflictingDuplicate")<{
  readonly reason: string
  readonly eventId: string
}> {}

/** The conflict for a copy of `eventId`; `first` says where the first copy is ("line 3", "the copy stored from …"). */
export const conflictingDuplicate = (eventId: string, first: string): ConflictingDuplicate =>
  new ConflictingDuplicate({ reason: `duplicate eventId ${JSON.stringify(eventId)} with different content than ${first}`, eventId })

const encoders = Schema.encodeSync(Event)

/** The wire form of an event (instants written in +08:00), e.g. for simulation and publishing. */
export const encode = (event: Event): Encoded => encoders(event)

/** Reveals a personal field for comparison or authorised output; never for logs. */
export const reveal = (value: Redacted.Redacted<string>): string => Redacted.value(value)
