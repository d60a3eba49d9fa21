/** Builders of decoded events for tests: each goes through the real decoder, so fixtures can't drift from the contract. */
import { Result } from "effect"
import { readFileSync } from "node:fs"
import * as Event from "../src/Event.ts"

let counter = 0
const nextId = () => `t-${String(++counter).padStart(6, "0")}`

/** `2026-01-01` → that day at 09:00 +08:00, or any ISO instant with offset. */
export const at = (when: string): number => Date.parse(when.length === 10 ? `${when}T09:00:00+08:00` : when)

type Wire = Record<string, unknown>

export const decode = (wire: Wire): Event.Event => {
  const result = Event.decodeUnknown(wire)
  if (Result.isFailure(result)) throw new Error(`fixture does not decode: ${result.failure.reason}`)
  return result.success
}

const event = (type: Event.EventType, when: string, fields: Wire): Event.Event =>
  decode({ eventId: nextId(), type, occurredAt: new Date(at(when)).toISOString(), orgId: "org-branch-a", ...fields })

export const org = (orgId: string, parentId?: string, when = "2023-01-01") =>
  event("OrgRegistered", when, { orgId, name: `组织${orgId}`, kind: "branch", region: "510107", ...(parentId && { parentId }) })

export const registered = (memberId: string, when: string, fields: Wire = {}) =>
  event("MemberRegistered", when, {
    memberId,
    name: "张伟",
    idNumber: "11010519491231002X",
    category: "full",
    ...fields
  })

export const contact = (memberId: string, when: string, channel: Event.ContactChannel = "phone", fields: Wire = {}) =>
  event("ContactRecorded", when, { memberId, channel, ...fields })

export const outflow = (memberId: string, when: string, fields: Wire = {}) =>
  event("OutflowReported", when, { memberId, destinationRegion: "440305", reason: "work", ...fields })

export const returned = (memberId: string, when: string) => event("ReturnReported", when, { memberId })

export const inflow = (memberId: string, when: string, orgId = "org-inflow") =>
  event("InflowRegistered", when, { memberId, region: "440305", orgId })

export const transferIssued = (memberId: string, transferId: string, when: string, fields: Wire = {}) =>
  event("TransferIssued", when, { memberId, transferId, toOrgId: "org-branch-b", ...fields })

export const transferReceived = (memberId: string, transferId: string, when: string) =>
  event("TransferReceived", when, { memberId, transferId, orgId: "org-branch-b" })

export const transferCancelled = (memberId: string, transferId: string, when: string) =>
  event("TransferCancelled", when, { memberId, transferId })

export const searchFailed = (memberId: string, when: string, channel: Event.SearchChannel) =>
  event("SearchAttemptFailed", when, { memberId, channel })

export const decided = (memberId: string, when: string, decision: Event.Decision) =>
  event("StatusDecided", when, { memberId, decision })

export const updated = (memberId: string, when: string, fields: Wire) => event("MemberUpdated", when, { memberId, ...fields })

export const observedInflow = (when: string, identity: Wire, orgId = "org-inflow") =>
  event("InflowRegistered", when, { region: "440305", identity, orgId })

export const lead = (when: string, subject: Wire) => event("LeadReported", when, { subject })

export const recordObserved = (when: string, identity: Wire) =>
  event("RecordObserved", when, { identity, region: "440305", dataSource: "public-security" })

export const resolved = (memberId: string, observationEventId: string, when: string, resolution: Event.Resolution) =>
  event("MatchResolved", when, { memberId, observationEventId, resolution })

/** The decoded events of the committed 60-member fixture (`relink simulate --members 60 --seed 53`). */
export const sample60: ReadonlyArray<Event.Event> = readFileSync(new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map(Event.decodeLine)
  .filter(Result.isSuccess)
  .map((r) => r.success)
