import { assert, describe, it } from "@effect/vitest"
import { Redacted, Result } from "effect"
import * as fc from "fast-check"
import { readFileSync } from "node:fs"
import { inspect, isDeepStrictEqual } from "node:util"
import * as Event from "../src/Event.ts"
import { cstInstant, nearInstant } from "./arbitraries.ts"

const SAMPLE = new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url)
const valid = {
  eventId: "e-1",
  type: "ContactRecorded",
  occurredAt: "2026-03-01T09:30:00+08:00",
  orgId: "org-3301-0042",
  memberId: "m-1",
  channel: "meeting"
} as const

const failure = (line: string) => {
  const result = Event.decodeLine(line)
  if (Result.isSuccess(result)) throw new Error(`expected a failure for ${line}`)
  return result.failure
}

describe("Event.decodeLine", () => {
  it("accepts every line of the 60-member fixture", () => {
    const lines = readFileSync(SAMPLE, "utf8").split("\n").filter((l) => l.length > 0)
    const failures = lines.map(Event.decodeLine).filter(Result.isFailure)
    assert.strictEqual(lines.length, 1927)
    assert.deepStrictEqual(failures, [])
  })

  it("reads occurredAt with its offset as an instant", () => {
    const result = Event.decodeLine(JSON.stringify(valid))
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) assert.strictEqual(result.success.occurredAt, Date.parse("2026-03-01T01:30:00Z"))
  })

  it("ignores unknown extra fields", () => {
    const result = Event.decodeLine(JSON.stringify({ ...valid, extra: { nested: true }, traceId: "abc" }))
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) assert.notProperty(result.success, "extra")
  })

  it("names the field and the reason for each malformed field", () => {
    const error = failure(JSON.stringify({ ...valid, occurredAt: "2026-03-01", channel: "fax", memberId: undefined }))
    assert.strictEqual(error._tag, "InvalidEvent")
    assert.include(error.reason, "occurredAt: must be an ISO-8601 date-time with an offset")
    assert.include(error.reason, "memberId")
    assert.include(error.reason, "channel")
  })

  it("tells a non-JSON line, an unknown type and a missing type apart", () => {
    assert.strictEqual(failure("{not json")._tag, "NotJson")
    assert.strictEqual(failure("[1,2]")._tag, "UnknownEventType")
    const unknown = failure(JSON.stringify({ ...valid, type: "MemberTeleported" }))
    assert.strictEqual(unknown._tag, "UnknownEventType")
    assert.include(unknown.reason, "MemberTeleported")
    assert.include(failure(JSON.stringify({ ...valid, type: undefined })).reason, "type: Missing key")
  })

  it("rejects each kind of malformed required field with a specific reason", () => {
    const cases: ReadonlyArray<[string, Record<string, unknown>, string]> = [
      ["eventId too long", { ...valid, eventId: "e".repeat(129) }, "eventId must be 1–128 characters"],
      ["empty orgId", { ...valid, orgId: "" }, "orgId must be 1–128 characters"],
      ["timestamp without offset", { ...valid, occurredAt: "2026-03-01T09:30:00" }, "occurredAt"],
      ["timestamp on a day the month does not have", { ...valid, occurredAt: "2026-02-30T09:30:00+08:00" }, "occurredAt: must be an ISO-8601 date-time with an offset"],
      ["region not six digits", { eventId: "e", type: "RecordObserved", occurredAt: valid.occurredAt, orgId: "o", identity: { name: "张伟" }, region: "5101", dataSource: "community" }, "region: must be a 6-digit region code"],
      ["inflow without member or identity", { eventId: "e", type: "InflowRegistered", occurredAt: valid.occurredAt, orgId: "o", region: "510107" }, "needs memberId or identity"],
      ["fractional validDays", { eventId: "e", type: "TransferIssued", occurredAt: valid.occurredAt, orgId: "o", memberId: "m", transferId: "t", toOrgId: "p", validDays: 1.5 }, "validDays must be a whole number"],
      ["birth date not on the calendar", { eventId: "e", type: "MemberRegistered", occurredAt: valid.occurredAt, orgId: "o", memberId: "m", name: "张伟", idNumber: "11010519491231002X", category: "full", birthDate: "1949-02-30" }, "birthDate: must be a calendar date"],
      ["unknown decision", { eventId: "e", type: "StatusDecided", occurredAt: valid.occurredAt, orgId: "o", memberId: "m", decision: "promote" }, "decision"]
    ]
    for (const [name, wire, expected] of cases) {
      const error = failure(JSON.stringify(wire))
      assert.strictEqual(error._tag, "InvalidEvent", name)
      assert.include(error.reason, expected, name)
    }
  })

  it("keeps ID numbers and phones out of inspection and logs", () => {
    const result = Event.decodeLine(JSON.stringify({ eventId: "e", type: "MemberRegistered", occurredAt: valid.occurredAt, orgId: "o", memberId: "m", name: "张伟", idNumber: "11010519491231002X", phone: "13800138000", category: "full" }))
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) {
      const shown = inspect(result.success, { depth: 5 }) + JSON.stringify(result.success) + String(result.success)
      assert.notInclude(shown, "11010519491231002X")
      assert.notInclude(shown, "13800138000")
    }
  })

  it("encodes back to the wire format, instants in +08:00", () => {
    const result = Event.decodeLine(JSON.stringify({ ...valid, occurredAt: "2026-03-01T01:30:00Z" }))
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) assert.deepStrictEqual(Event.encode(result.success), { ...valid, type: "ContactRecorded" })
  })
})

/** Leaves the key out of the generated object. */
const ABSENT = Symbol("absent")

/** A field's valid values mostly; sometimes a missing key, `undefined`, or a value of another type. */
const field = (valid: fc.Arbitrary<unknown>, invalid: fc.Arbitrary<unknown> = fc.constant(0)) =>
  fc.oneof(
    { weight: 24, arbitrary: valid },
    { weight: 1, arbitrary: invalid },
    { weight: 1, arbitrary: fc.constantFrom(ABSENT, undefined, null, 1, true, [], {}, ["m-1"]) }
  )

const idText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
  fc.string({ unit: "binary", maxLength: 130 }),
  fc.constantFrom("", " ", "x".repeat(128), "x".repeat(129), "人".repeat(128), "😀".repeat(64), "😀".repeat(65))
)

type Fields = Record<string, unknown> & { readonly extra: Record<string, unknown>; readonly inherited: ReadonlyArray<string> }

/** The generated fields as an object: ABSENT ones left out, extra fields added, some inherited. */
const assemble = ({ extra, inherited, ...fields }: Fields): object => {
  const own: Record<string, unknown> = { ...extra }
  const proto: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== ABSENT) (inherited.includes(key) ? proto : own)[key] = value
  }
  return inherited.length === 0 ? own : Object.assign(Object.create(proto) as object, own)
}

const extra = fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
const inherited = (...keys: ReadonlyArray<string>) => fc.uniqueArray(fc.constantFrom(...keys), { maxLength: 2 })
const optionalField = (valid: fc.Arbitrary<unknown>, invalid?: fc.Arbitrary<unknown>) => fc.oneof(fc.constant(ABSENT), field(valid, invalid))

/** The fields every event about a member has, near valid; `type` sometimes another name. */
const nearMemberEvent = (type: string, otherTypes: ReadonlyArray<string>) => ({
  type: field(fc.constant(type), fc.constantFrom(...otherTypes)),
  eventId: field(idText),
  occurredAt: field(fc.oneof(cstInstant, nearInstant)),
  orgId: field(idText),
  source: optionalField(fc.string({ maxLength: 20 })),
  memberId: field(idText)
})

/**
 * Objects near a valid ContactRecorded: each field valid, missing, of another type, empty, too
 * long, a timestamp off by one part or character, an unknown channel; extra fields; and some
 * fields inherited rather than own, since `decodeUnknown` takes any value.
 */
const nearContactRecorded: fc.Arbitrary<object> = fc
  .record({
    ...nearMemberEvent("ContactRecorded", ["SearchAttemptFailed", "contactRecorded"]),
    channel: field(fc.constantFrom(...Event.ContactChannel.literals), fc.constantFrom("fax", "relatives", "Meeting", "meeting ", "")),
    extra,
    inherited: inherited("eventId", "occurredAt", "source", "memberId", "channel")
  })
  .map(assemble)

const calendarDate = fc.oneof(
  { weight: 12, arbitrary: fc.date({ min: new Date("1930-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  fc.constantFrom("2026-02-29", "2024-02-29", "2026-13-01", "2026-1-01", "20260101", "")
)
const region = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^\d{6}$/) }, fc.constantFrom("11010", "1101055", "11010x", ""))

/** Objects near a valid MemberRegistered, made as `nearContactRecorded` makes its objects. */
const nearMemberRegistered: fc.Arbitrary<object> = fc
  .record({
    ...nearMemberEvent("MemberRegistered", ["MemberUpdated", "memberRegistered"]),
    name: field(fc.oneof({ weight: 12, arbitrary: fc.constantFrom("张伟", "欧阳娜娜", "李 明") }, fc.constantFrom("", " ", "\t"))),
    idNumber: field(fc.constantFrom("11010519491231002X", "110105491231002", "not an id")),
    gender: optionalField(fc.constantFrom("M", "F"), fc.constantFrom("m", "X", "")),
    birthDate: optionalField(calendarDate),
    phone: optionalField(fc.constantFrom("13800138000", "+86 138 0013 8000", "")),
    hukouRegion: optionalField(region),
    category: field(fc.constantFrom("full", "probationary"), fc.constantFrom("Full", "member", "")),
    joinedAt: optionalField(calendarDate),
    extra,
    inherited: inherited("eventId", "occurredAt", "source", "name", "idNumber", "gender", "phone", "category", "joinedAt")
  })
  .map(assemble)

/**
 * A Result with the value's keys in order, so that equal results also list their fields alike, and
 * redacted values revealed: two `Redacted` objects compare equal whatever they hold.
 */
const comparable = (result: Result.Result<Event.Event, Event.DecodeError>) =>
  Result.isSuccess(result)
    ? { entries: Object.entries(result.success).map(([key, value]) => [key, Redacted.isRedacted(value) ? { redacted: Redacted.value(value) } : value]) }
    : { failure: result.failure }

/** The fast path and the schema decoder give the same result for `input`, as a value and as a line. */
const sameAsSchema = (input: object): boolean => {
  const json = JSON.stringify(input)
  return (
    isDeepStrictEqual(comparable(Event.decodeUnknown(input)), comparable(Event.decodeUnknownWithSchema(input))) &&
    isDeepStrictEqual(comparable(Event.decodeLine(json)), comparable(Event.decodeUnknownWithSchema(JSON.parse(json))))
  )
}

/** Runs the property over `inputs`; both valid and invalid inputs must come up often. */
const assertFastPathAgrees = (inputs: fc.Arbitrary<object>) => {
  let decoded = 0
  let runs = 0
  fc.assert(
    fc.property(inputs, (input) => {
      runs++
      if (Result.isSuccess(Event.decodeUnknownWithSchema(input))) decoded++
      return sameAsSchema(input)
    }),
    { numRuns: 5_000 }
  )
  // Valid and invalid inputs both come up often, so the fast path is both taken and refused.
  assert.isAbove(decoded, runs / 10)
  assert.isBelow(decoded, (runs * 4) / 5)
}

describe("Event.decodeUnknown's fast path", () => {
  it("gives the schema decoder's result, success or failure, for any input near a ContactRecorded", () =>
    assertFastPathAgrees(nearContactRecorded))

  it("gives the schema decoder's result, success or failure, for any input near a MemberRegistered", () =>
    assertFastPathAgrees(nearMemberRegistered))
})

describe("Event.keyOf", () => {
  it("keys by memberId when the event has one, else by eventId", () => {
    const contact = Event.decodeLine(JSON.stringify(valid))
    const lead = Event.decodeLine(JSON.stringify({ eventId: "e-9", type: "LeadReported", occurredAt: valid.occurredAt, orgId: "o", subject: { name: "张伟" } }))
    assert.isTrue(Result.isSuccess(contact) && Result.isSuccess(lead))
    if (Result.isSuccess(contact) && Result.isSuccess(lead)) {
      assert.strictEqual(Event.keyOf(contact.success), "m-1")
      assert.strictEqual(Event.keyOf(lead.success), "e-9")
    }
  })
})

type Segment = string | number

/** Every object inside a JSON value that has a key, with its path from the top. */
const objectsIn = (value: unknown, path: ReadonlyArray<Segment> = []): ReadonlyArray<{ readonly path: ReadonlyArray<Segment>; readonly keys: ReadonlyArray<string> }> => {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectsIn(item, [...path, i]))
  if (typeof value !== "object" || value === null) return []
  const keys = Object.keys(value)
  return [...(keys.length > 0 ? [{ path, keys }] : []), ...Object.entries(value).flatMap(([key, field]) => objectsIn(field, [...path, key]))]
}

interface Copy {
  /** The object the key is repeated in, and the key. */
  readonly at: ReadonlyArray<Segment>
  readonly key: string
  /** The value of the second copy. */
  readonly value: unknown
  /** Before the original key or after it. */
  readonly before: boolean
  /** The copy's first character written as a `\u` escape, so that only the parsed keys are equal. */
  readonly escaped: boolean
}

const samePath = (a: ReadonlyArray<Segment>, b: ReadonlyArray<Segment>) => a.length === b.length && a.every((s, i) => s === b[i])

const keyText = (key: string, escaped: boolean) =>
  escaped && key.length > 0 ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, "0")}${JSON.stringify(key.slice(1)).slice(1)}` : JSON.stringify(key)

/** JSON text of the value, with whitespace between tokens, and one key of one object written twice. */
const withCopy = (value: unknown, copy: Copy, path: ReadonlyArray<Segment> = []): string => {
  if (Array.isArray(value)) return `[ ${value.map((item, i) => withCopy(item, copy, [...path, i])).join(" , ")} ]`
  if (typeof value !== "object" || value === null) return JSON.stringify(value)
  const entries = Object.entries(value).map(([key, field]) => `${JSON.stringify(key)} : ${withCopy(field, copy, [...path, key])}`)
  if (samePath(path, copy.at)) {
    const extra = `${keyText(copy.key, copy.escaped)}:${JSON.stringify(copy.value)}`
    if (copy.before) entries.unshift(extra)
    else entries.push(extra)
  }
  return `{\n${entries.join(",\n")}\n}`
}

const fixtureObjects: ReadonlyArray<Record<string, unknown>> = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Events of every type from the fixture (identities and subjects nested), and arbitrary JSON objects. */
const jsonObjects: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constantFrom(...fixtureObjects),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), { minKeys: 1, maxKeys: 6 }),
  // Keys and strings of any code points: quotes, backslashes, colons, control characters, lone surrogates.
  fc.dictionary(fc.string({ maxLength: 8, unit: "binary" }), fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }), { minKeys: 1, maxKeys: 6 })
)

describe("Event.decodeLine and duplicate keys", () => {
  it("rejects a key named twice in one object, at any depth, naming its path", () => {
    const duplicate = (text: string) => failure(text) as Event.DuplicateKey
    const line = JSON.stringify(valid)
    assert.deepInclude(duplicate(line.replace("{", '{"memberId":"m-2",')), { _tag: "DuplicateKey", key: "memberId", reason: 'duplicate key "memberId": its object names it twice' })
    const lead = { eventId: "e-9", type: "LeadReported", occurredAt: valid.occurredAt, orgId: "o", subject: { name: "张伟", phone: "13800138000" } }
    assert.strictEqual(duplicate(JSON.stringify(lead).replace('"phone"', '"name":"李娜","phone"')).key, "subject.name")
    const inflow = { eventId: "e-8", type: "InflowRegistered", occurredAt: valid.occurredAt, orgId: "o", region: "440305", identity: { name: "张伟" } }
    assert.strictEqual(duplicate(JSON.stringify(inflow).replace('{"name"', '{"idNumber":"1","idNumber":"2","name"')).key, "identity.idNumber")
    // Equal once parsed, whatever the escapes; in an ignored field too; an array's index is part of the path.
    assert.strictEqual(duplicate(line.replace("{", '{"m\\u0065mberId":"m-2",')).key, "memberId")
    assert.strictEqual(duplicate(line.replace("{", '{"extra":[0,{"a":1," a":2,"a":3}],')).key, "extra.1.a")
  })

  it("names a duplicate past a nesting a recursive reader could not follow", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`
    assert.strictEqual((failure(`{"x":${deep},"x":1}`) as Event.DuplicateKey).key, "x")
    assert.strictEqual(failure(`{"x":${deep}}`)._tag, "UnknownEventType")
  })

  it("never rejects JSON that names each key once, however it is written", () =>
    fc.assert(
      fc.property(jsonObjects, fc.constantFrom(undefined, 0, 2, "\t"), (object, indent) => {
        const text = JSON.stringify(object, null, indent)
        const decoded = Event.decodeLine(text)
        return !(Result.isFailure(decoded) && decoded.failure._tag === "DuplicateKey") && (!fixtureObjects.includes(object) || Result.isSuccess(decoded))
      }),
      { numRuns: 2_000 }
    ))

  it("always rejects an event or object with one key repeated anywhere in it, with any value, before or after, escaped or not", () =>
    fc.assert(
      fc.property(jsonObjects, fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), fc.boolean(), (object, which, whichKey, value, before, escaped) => {
        const objects = objectsIn(object)
        const target = objects[which % objects.length]
        if (target === undefined) return true
        const key = target.keys[whichKey % target.keys.length] ?? ""
        const decoded = Event.decodeLine(withCopy(object, { at: target.path, key, value, before, escaped }))
        const path = [...target.path, key].join(".")
        return Result.isFailure(decoded) && decoded.failure._tag === "DuplicateKey" && decoded.failure.key === (path.length > 128 ? `${path.slice(0, 128)}…` : path)
      }),
      { numRuns: 2_000 }
    ))
})
