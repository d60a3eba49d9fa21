/** Arbitrary events about one member (m-1), as wire JSON without their ids, for the fold's laws. */
import * as fc from "fast-check"

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
  fc.record({ type: fc.constant("MemberRegistered"), name: fc.constantFrom("张伟", "章伟"), idNumber: fc.constant("11010519491231002X"), category: fc.constantFrom("full", "probationary"), orgId: fc.constantFrom("org-a", "org-b") }),
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

