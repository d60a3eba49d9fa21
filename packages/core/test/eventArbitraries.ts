/** Arbitrary events for the fold's laws: about one member (m-1) as wire JSON without their ids, and whole histories of two members. */
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as F from "./fixtures.ts"

export const M = "m-1"
export const T0 = Date.parse("2024-01-01T00:00:00+08:00")

// One draw in four is one of a few shared seconds: events at the same instant must fold and
// evaluate the same in any order too.
export const instant = fc
  .oneof({ arbitrary: fc.integer({ min: 0, max: 3 * 365 * 86_400 }), weight: 3 }, { arbitrary: fc.constantFrom(0, 86_400, 200 * 86_400), weight: 1 })
  .map((s) => new Date(T0 + s * 1000).toISOString())
// Ids from the wire key records: names of Object.prototype's properties among them.
const transferId = fc.constantFrom("tr-1", "__proto__", "toString")

/** Any event about member m-1, as wire JSON minus the event id. */
export const memberEventWire: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant("MemberRegistered"), name: fc.constantFrom("张伟", "章伟"), idNumber: fc.constantFrom("11010519491231002X", "11010519491231002X", "110105491231002", "110105194912310038"), category: fc.constantFrom("full", "probationary"), orgId: fc.constantFrom("org-a", "org-b") }),
  fc.record({ type: fc.constant("MemberUpdated"), phone: fc.constantFrom("13800138000", "13900139000"), category: fc.constantFrom("full", "probationary") }),
  fc.record({ type: fc.constant("ContactRecorded"), channel: fc.constantFrom("meeting", "dues", "phone", "visit", "online", "message", "other") }),
  fc.record({ type: fc.constant("OutflowReported"), destinationRegion: fc.constantFrom("440305", "310101"), reason: fc.constant("work"), fixedLocation: fc.boolean() }),
  fc.record({ type: fc.constant("ReturnReported") }),
  fc.record({ type: fc.constant("InflowRegistered"), region: fc.constant("440305"), orgId: fc.constantFrom("org-x", "org-y") }),
  fc.record({ type: fc.constant("TransferIssued"), transferId, toOrgId: fc.constant("org-b"), validDays: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ type: fc.constant("TransferReceived"), transferId, orgId: fc.constant("org-b") }),
  fc.record({ type: fc.constant("TransferCancelled"), transferId }),
  fc.record({ type: fc.constant("SearchAttemptFailed"), channel: fc.constantFrom("phone", "visit", "relatives") }),
  fc.record({ type: fc.constant("StatusDecided"), decision: fc.constantFrom("suspend", "restore", "remove") }),
  fc.record({ type: fc.constant("MatchResolved"), observationEventId: fc.constantFrom("obs-1", "__proto__", "constructor"), resolution: fc.constantFrom("confirmed", "rejected") }),
  fc.record({ type: fc.constant("LeadReported"), subject: fc.constant({ memberId: M }) })
)


const members = ["m-1", "m-2"]

/** Events about two members, their organisations (registered at any time) and an observation; some eventIds repeat, with the same or other content. */
export const history: fc.Arbitrary<ReadonlyArray<Event.Event>> = fc
  .tuple(
    fc.array(fc.tuple(memberEventWire, instant, fc.constantFrom(...members)), { maxLength: 30 }),
    fc.array(fc.tuple(fc.constantFrom("org-a", "org-b"), fc.constantFrom("org-top", "org-b", undefined), instant), { maxLength: 4 }),
    fc.option(instant, { nil: undefined }),
    fc.array(fc.tuple(fc.constantFrom(...members), instant, fc.constantFrom("confirmed", "rejected")), { maxLength: 3 }),
    fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 4 }),
    fc.array(fc.nat(), { minLength: 40, maxLength: 40 })
  )
  .map(([items, orgs, observedAt, resolutions, repeats, order]) => {
    let sequence = 0
    const events: Array<Event.Event> = [
      ...orgs.map(([orgId, parentId, at]) =>
        F.decode({ eventId: `o-${++sequence}`, type: "OrgRegistered", orgId, name: orgId, kind: "branch", region: "510107", occurredAt: at, ...(parentId !== undefined && parentId !== orgId && { parentId }) })
      ),
      ...items.map(([wire, occurredAt, memberId]) =>
        F.decode({ orgId: "org-a", memberId, ...wire, ...(wire.type === "LeadReported" && { subject: { memberId } }), eventId: `e-${++sequence}`, occurredAt })
      ),
      ...(observedAt === undefined
        ? []
        : [F.decode({ eventId: "obs-1", type: "InflowRegistered", orgId: "org-b", region: "440305", occurredAt: observedAt, identity: { name: "张伟", idNumber: "11010519491231002X" } })]),
      ...resolutions.map(([memberId, occurredAt, resolution]) =>
        F.decode({ eventId: `r-${++sequence}`, type: "MatchResolved", orgId: "org-b", memberId, observationEventId: "obs-1", resolution, occurredAt })
      )
    ]
    // Any arrival order: an observation may come before or after its resolutions.
    events.forEach((_, i) => {
      const j = (order[i % order.length] ?? 0) % events.length
      ;[events[i], events[j]] = [events[j] as Event.Event, events[i] as Event.Event]
    })
    for (const [index, same] of repeats) {
      const original = events[index % Math.max(1, events.length)]
      if (original === undefined) continue
      events.push(same ? original : { ...original, occurredAt: original.occurredAt + 1000 })
    }
    return events
  })

/** Ascending instants over the events' three years and beyond. */
export const instants = fc
  .uniqueArray(fc.integer({ min: 0, max: 4 * 365 }), { minLength: 1, maxLength: 6 })
  .map((days) => days.sort((a, b) => a - b).map((d) => T0 + d * 86_400_000 + 43_200_000))

