/** The rule for repeated eventIds (docs/events.md#repeated-event-ids): the first copy wins. */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import { readFileSync } from "node:fs"
import * as Event from "../src/Event.ts"
import * as Seen from "../src/internal/Seen.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"

const SAMPLE = new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url)
type Wire = { readonly [key: string]: Json }
type Json = string | number | boolean | null | ReadonlyArray<Json> | Wire
const isWire = (u: Json): u is Wire => typeof u === "object" && u !== null && !Array.isArray(u)
const parse = (line: string): Wire => {
  const value: Json = JSON.parse(line)
  if (!isWire(value)) throw new Error(`not an object: ${line}`)
  return value
}
const wires = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map(parse)

const decode = (line: string): Event.Event | undefined => {
  const result = Event.decodeLine(line)
  return Result.isSuccess(result) ? result.success : undefined
}
const decoded = (line: string): Event.Event => {
  const event = decode(line)
  if (event === undefined) throw new Error(`does not decode: ${line}`)
  return event
}

/** The same object with its keys (at every depth) in another order. */
const reorder = (value: Json, order: (keys: ReadonlyArray<string>) => ReadonlyArray<string>): Json => {
  if (!isWire(value)) return value
  const out: Record<string, Json> = {}
  for (const key of order(Object.keys(value))) out[key] = reorder(value[key] ?? null, order)
  return out
}

/** Every path to a scalar field of the object. */
const paths = (value: Wire, prefix: ReadonlyArray<string> = []): ReadonlyArray<ReadonlyArray<string>> =>
  Object.entries(value).flatMap(([key, field]) => (isWire(field) ? paths(field, [...prefix, key]) : [[...prefix, key]]))

const update = (value: Wire, path: ReadonlyArray<string>, f: (field: Json) => Json): Wire => {
  const [head, ...rest] = path
  if (head === undefined) return value
  const field = value[head] ?? null
  return { ...value, [head]: rest.length === 0 ? f(field) : isWire(field) ? update(field, rest, f) : field }
}

/** The field changed a little: a string's character at `at` replaced by another of its kind, a number plus one, a boolean negated, a list's element changed so. */
const change = (field: Json, at: number, by: number): Json => {
  if (Array.isArray(field)) return field.map((element, i) => (i === at % field.length ? change(element, Math.floor(at / field.length), by) : element))
  if (typeof field === "number") return field + 1
  if (typeof field === "boolean") return !field
  if (typeof field !== "string" || field.length === 0) return field
  const i = at % field.length
  const code = field.charCodeAt(i)
  const [from, size] = code >= 0x30 && code <= 0x39 ? [0x30, 10] : code >= 0x61 && code <= 0x7a ? [0x61, 26] : code >= 0x41 && code <= 0x5a ? [0x41, 26] : [code, 1]
  const replaced = size === 1 ? code + 1 : from + ((code - from + 1 + (by % (size - 1))) % size)
  return `${field.slice(0, i)}${String.fromCharCode(replaced)}${field.slice(i + 1)}`
}

const options = { asOf: Date.parse("2026-11-27T23:59:59+08:00"), policy: Policy.defaults }
const contact = (fields: Wire = {}): string =>
  JSON.stringify({ eventId: "e-1", type: "ContactRecorded", occurredAt: "2026-03-01T09:30:00+08:00", orgId: "org-1", memberId: "m-1", channel: "phone", ...fields })
const registered = (fields: Wire = {}): string =>
  JSON.stringify({
    eventId: "e-reg",
    type: "MemberRegistered",
    occurredAt: "2026-01-01T09:00:00+08:00",
    orgId: "org-1",
    memberId: "m-1",
    name: "张伟",
    idNumber: "11010519491231002X",
    category: "full",
    ...fields
  })

describe("Event.copyOf", () => {
  it("is the first copy without one before, a duplicate with the first copy's digest, a conflict with another", () => {
    assert.strictEqual(Event.copyOf(undefined, "a"), "first")
    assert.strictEqual(Event.copyOf("a", "a"), "duplicate")
    assert.strictEqual(Event.copyOf("a", "b"), "conflict")
    assert.strictEqual(Event.copyOf(7, 7), "duplicate")
    assert.strictEqual(Event.copyOf(7, 8), "conflict")
  })

  it("names the eventId and the first copy in the conflict's reason", () => {
    const conflict = Event.conflictingDuplicate("e-1", "line 3")
    assert.strictEqual(conflict._tag, "ConflictingDuplicate")
    assert.strictEqual(conflict.eventId, "e-1")
    assert.strictEqual(conflict.reason, 'duplicate eventId "e-1" with different content than line 3')
  })
})

describe("Event.canonical and the scan's digest", () => {
  it("read the decoded event: key order, whitespace, unknown fields and the instant's offset are no part of the content", () => {
    const first = decoded(contact())
    const same = [
      `{ "channel" : "phone", "memberId":"m-1","orgId":"org-1","occurredAt":"2026-03-01T01:30:00Z","type":"ContactRecorded","eventId":"e-1" }`,
      contact({ note: "not in the contract" }),
      contact({ occurredAt: "2026-03-01T09:30:00.000+0800" })
    ].map(decoded)
    for (const copy of same) {
      assert.strictEqual(Event.canonical(copy), Event.canonical(first))
      assert.strictEqual(Seen.digest(copy), Seen.digest(first))
    }
  })

  it("read personal data by its value, never as a redaction", () => {
    const a = decoded(registered())
    const b = decoded(registered({ idNumber: "110105194912310029" }))
    assert.include(Event.canonical(a), "11010519491231002X")
    assert.notStrictEqual(Event.canonical(a), Event.canonical(b))
    assert.notStrictEqual(Seen.digest(a), Seen.digest(b))
  })

  it("ignore key order and whitespace, for every event of the fixture (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...wires), fc.integer({ min: 0, max: 4 }), fc.boolean(), (wire, indent, reverse) => {
        const order = (keys: ReadonlyArray<string>) => (reverse ? [...keys].reverse() : [...keys].sort())
        const original = decoded(JSON.stringify(wire))
        const copy = decoded(JSON.stringify(reorder(wire, order), null, indent))
        assert.strictEqual(Event.canonical(copy), Event.canonical(original))
        assert.strictEqual(Seen.digest(copy), Seen.digest(original))
      }),
      { numRuns: 300 }
    )
  })

  it("differ when any field the contract reads changes (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...wires), fc.nat(), fc.nat(), fc.nat(), (wire, pick, at, by) => {
        const fields = paths(wire)
        const path = fields[pick % fields.length] ?? []
        const original = decoded(JSON.stringify(wire))
        const changed = decode(JSON.stringify(update(wire, path, (field) => change(field, at, by))))
        // A change the contract does not allow (a region of letters) is no copy of anything.
        fc.pre(changed !== undefined)
        if (changed === undefined) return
        assert.notStrictEqual(Event.canonical(changed), Event.canonical(original), path.join("."))
        assert.notStrictEqual(Seen.digest(changed), Seen.digest(original), path.join("."))
      }),
      { numRuns: 500 }
    )
  })
})

describe("Scan: the first copy of an eventId wins", () => {
  it("leaves out a later copy with other content, and says where the first copy was", () => {
    const state = Scan.make()
    assert.isUndefined(Scan.addAsOf(state, decoded(registered()), options.asOf, 10))
    assert.deepStrictEqual(Scan.addAsOf(state, decoded(registered({ name: "李娜" })), options.asOf, 11), { copy: "conflict", first: 10 })
    assert.deepStrictEqual(Scan.addAsOf(state, decoded(registered({ note: "ignored field" })), options.asOf, 12), { copy: "duplicate", first: 10 })
    assert.strictEqual(state.events, 1)
    assert.strictEqual(state.conflicts, 1)
    assert.strictEqual(state.duplicates, 1)
    const member = Scan.evaluate(state, options).members.get("m-1")
    assert.strictEqual(member?.name, "张伟")
  })

  it("numbers the events itself when the caller does not", () => {
    const state = Scan.make()
    Scan.add(state, decoded(contact({ eventId: "e-a" })))
    Scan.add(state, decoded(contact({ eventId: "e-b" })))
    assert.deepStrictEqual(Scan.add(state, decoded(contact({ eventId: "e-b", channel: "visit" }))), { copy: "conflict", first: 2 })
  })

  it("decides by input order, not by the instant: the later copy loses even when it is earlier in time", () => {
    const later = decoded(contact({ occurredAt: "2026-05-01T09:00:00+08:00" }))
    const earlier = decoded(contact({ occurredAt: "2026-04-01T09:00:00+08:00" }))
    const a = Scan.run([later, earlier], options).members.get("m-1")
    const b = Scan.run([earlier, later], options).members.get("m-1")
    assert.notDeepEqual(a, b)
    assert.deepStrictEqual(a, Scan.run([later], options).members.get("m-1"))
  })

  it("counts a first copy after the as-of instant as the first copy", () => {
    const state = Scan.make()
    const asOf = Date.parse("2026-03-31T00:00:00+08:00")
    assert.isUndefined(Scan.addAsOf(state, decoded(contact({ occurredAt: "2026-04-01T09:00:00+08:00" })), asOf))
    assert.strictEqual(Scan.addAsOf(state, decoded(contact()), asOf)?.copy, "conflict")
    assert.strictEqual(state.skippedFuture, 1)
    assert.strictEqual(state.events, 0)
  })

  it("gives the same result as the events without their duplicates, for the fixture with every event twice", () => {
    const events = wires.map((w) => decoded(JSON.stringify(w)))
    const once = Scan.run(events, options)
    const state = Scan.make()
    for (const event of [...events, ...[...events].reverse()]) Scan.addAsOf(state, event, options.asOf)
    const distinct = new Set(events.map((e) => e.eventId)).size
    assert.strictEqual(state.duplicates, 2 * events.length - distinct)
    assert.strictEqual(state.conflicts, 0)
    assert.deepStrictEqual(Scan.evaluate(state, options).evaluations, once.evaluations)
  })
})

describe("Seen", () => {
  it("knows every one of 300,000 ids, with its first copy's digest and position, through the shards' growth", () => {
    const seen = Seen.make()
    const n = 300_000
    let fresh = 0
    for (let i = 1; i <= n; i++) if (Seen.admit(seen, `e-${i}`, i * 7, i) === undefined) fresh++
    assert.strictEqual(fresh, n)
    let found = 0
    for (let i = 1; i <= n; i++) {
      const first = Seen.admit(seen, `e-${i}`, 0, n + i)
      if (first !== undefined && first.digest === i * 7 && first.position === i) found++
    }
    assert.strictEqual(found, n)
    assert.isUndefined(Seen.admit(seen, "e-0", 0, 1))
  })

  it("keeps no position past 2^32 − 1", () => {
    const seen = Seen.make()
    Seen.admit(seen, "e-1", 1, 2 ** 40)
    assert.deepStrictEqual(Seen.admit(seen, "e-1", 1, 1), { digest: 1, position: 0 })
  })
})
