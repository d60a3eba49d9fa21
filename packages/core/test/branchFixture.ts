import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as Instant from "../src/Instant.ts"
import * as Policy from "../src/Policy.ts"
import { history, instant, T0 } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

/**
 * The fixture: a 流出地 county committee (c-home, Chengdu) and three floating branches it set up —
 * fb-sz in Shenzhen (440300), which lapses in some checks; fb-sh in Shanghai (310000), which never
 * held anything; fb-cq in Chongqing (500000), which keeps every cadence. Every instant is 09:00
 * +08:00 of its day; the evaluation is as of 2026-06-30. BranchHealth and BranchReport are tested on it.
 */
export const AS_OF = F.at("2026-06-30")
/** Early warning after 30 days of silence, so that its instant can be worked by hand. */
export const policy: Policy.Policy = {
  ...Policy.defaults,
  earlyWarning: { kind: "fixed-gap", horizonDays: 180, days: 30, calibration: { intercept: 0, slope: 1 } }
}

let sequence = 0
export const wire = (type: Event.EventType, day: string, orgId: string, fields: Record<string, unknown> = {}) =>
  F.decode({ eventId: `x-${++sequence}`, type, occurredAt: `${day}T09:00:00+08:00`, orgId, ...fields })
export const org = (orgId: string, kind: Event.OrgKind, region: string, parentId?: string) =>
  wire("OrgRegistered", "2025-01-01", orgId, { name: orgId, kind, region, ...(parentId !== undefined && { parentId }) })
export const activity = (orgId: string, day: string, kind: Event.OrgActivity, attendees?: ReadonlyArray<string>) =>
  wire("OrgActivityRecorded", day, orgId, { activity: kind, ...(attendees !== undefined && { attendees }) })
export const member = (memberId: string, orgId: string, day = "2024-06-01") =>
  wire("MemberRegistered", day, orgId, { memberId, name: "张伟", idNumber: "11010519491231002X", category: "full" })

export const fixture: ReadonlyArray<Event.Event> = [
  org("c-home", "committee", "510107"),
  org("c-other", "committee", "510104"),
  org("c-sz", "committee", "440300"),
  org("b-home", "branch", "510107", "c-home"),
  org("b-other", "branch", "510104", "c-other"),
  org("fb-sz", "floating-branch", "440300", "c-home"),
  org("fb-sh", "floating-branch", "310000", "c-home"),
  org("fb-cq", "floating-branch", "500000", "c-home"),
  // fb-sz: a 支委会 and a 党小组会 in time, the 党员大会 and the 主题党日 late, no 民主评议 ever.
  activity("fb-sz", "2025-12-01", "group-meeting", ["m-c"]),
  activity("fb-sz", "2026-01-15", "life-meeting"),
  activity("fb-sz", "2026-03-15", "members-meeting"),
  activity("fb-sz", "2026-04-01", "party-lecture"),
  activity("fb-sz", "2026-05-20", "theme-day"),
  activity("fb-sz", "2026-06-10", "committee-meeting", ["m-a"]),
  activity("fb-sz", "2026-06-20", "group-meeting"),
  wire("GuidanceRecorded", "2026-02-10", "c-home", { targetOrgId: "fb-sz", channel: "visit" }),
  // Shenzhen's own committee is no 流出地 committee of fb-sz: its visit is no guidance.
  wire("GuidanceRecorded", "2026-06-01", "c-sz", { targetOrgId: "fb-sz", channel: "visit" }),
  wire("BranchReported", "2025-05-01", "fb-sz", { homeOrgId: "b-home", memberIds: ["m-a"] }),
  // fb-cq: every cadence kept, guided in May.
  activity("fb-cq", "2026-01-10", "life-meeting"),
  activity("fb-cq", "2026-01-10", "democratic-review"),
  activity("fb-cq", "2026-05-01", "members-meeting"),
  activity("fb-cq", "2026-06-15", "committee-meeting"),
  activity("fb-cq", "2026-06-15", "group-meeting"),
  activity("fb-cq", "2026-06-15", "theme-day"),
  wire("GuidanceRecorded", "2026-05-01", "c-home", { targetOrgId: "fb-cq", channel: "online" }),
  // m-a: from b-home to Shenzhen, registered at fb-sz 9 days after leaving, attends.
  member("m-a", "b-home"),
  wire("OutflowReported", "2025-03-01", "b-home", { memberId: "m-a", destinationRegion: "440305", reason: "work" }),
  wire("InflowRegistered", "2025-03-10", "fb-sz", { memberId: "m-a", region: "440305" }),
  // m-b: from b-other, registered at fb-sz 12 days after leaving, silent since: at risk.
  member("m-b", "b-other"),
  wire("OutflowReported", "2026-01-20", "b-other", { memberId: "m-b", destinationRegion: "440306", reason: "business" }),
  wire("InflowRegistered", "2026-02-01", "fb-sz", { memberId: "m-b", region: "440306" }),
  // m-c: fb-sz is their home branch; last seen at the 党小组会 of 2025-12-01: lost, no 组织生活.
  member("m-c", "fb-sz", "2025-01-10"),
  // m-d: left b-home for Shenzhen (440304) and never registered: fb-sz should invite them.
  member("m-d", "b-home"),
  wire("OutflowReported", "2026-04-01", "b-home", { memberId: "m-d", destinationRegion: "440304", reason: "work" }),
  // m-e: at home in fb-sz, silent for 43 days since a meeting: early warning (30 days).
  member("m-e", "fb-sz", "2025-01-10"),
  wire("ContactRecorded", "2026-05-18", "fb-sz", { memberId: "m-e", channel: "meeting" }),
  // m-f: removed: no longer held.
  member("m-f", "fb-sz", "2025-01-10"),
  wire("StatusDecided", "2026-03-01", "fb-sz", { memberId: "m-f", decision: "remove" }),
  // m-g: left for Shanghai and never registered: fb-sh should invite them, fb-sz not.
  member("m-g", "b-home"),
  wire("OutflowReported", "2026-05-15", "b-home", { memberId: "m-g", destinationRegion: "310104", reason: "work" })
]

// The laws, on any history of two members (an inflow registers them at org-x, which is floating
// here, in 440300: outflows to 440305 are in its region) and any life of org-x.
const floating = [
  F.decode({ eventId: "o-home", type: "OrgRegistered", orgId: "c-home", name: "c-home", kind: "committee", region: "510107", occurredAt: new Date(T0).toISOString() }),
  F.decode({ eventId: "o-x", type: "OrgRegistered", orgId: "org-x", parentId: "c-home", name: "org-x", kind: "floating-branch", region: "440300", occurredAt: new Date(T0).toISOString() })
]
const orgLife: fc.Arbitrary<ReadonlyArray<Event.Event>> = fc
  .array(
    fc.oneof(
      fc.record({ type: fc.constant("OrgActivityRecorded"), orgId: fc.constant("org-x"), activity: fc.constantFrom("committee-meeting", "members-meeting", "theme-day", "democratic-review"), attendees: fc.subarray(["m-1", "m-2"]) }),
      fc.record({ type: fc.constant("GuidanceRecorded"), orgId: fc.constantFrom("c-home", "c-other"), targetOrgId: fc.constant("org-x"), channel: fc.constant("visit") }),
      fc.record({ type: fc.constant("BranchReported"), orgId: fc.constant("org-x"), homeOrgId: fc.constantFrom("org-a", "org-b") })
    ).chain((w) => instant.map((occurredAt) => ({ ...w, occurredAt }))),
    { maxLength: 8 }
  )
  .map((items) => items.map((w, i) => F.decode({ ...w, eventId: `life-${i}` })))

/** Both members registered at the start, and some journeys: an outflow in org-x's region or elsewhere, registered at org-x or not. */
const journeys: fc.Arbitrary<ReadonlyArray<Event.Event>> = fc
  .array(fc.tuple(fc.constantFrom("m-1", "m-2"), instant, fc.constantFrom("440305", "310101"), fc.option(instant, { nil: undefined })), { maxLength: 3 })
  .map((items) => [
    ...["m-1", "m-2"].map((memberId) =>
      F.decode({ eventId: `reg-${memberId}`, type: "MemberRegistered", orgId: "org-a", memberId, name: "张伟", idNumber: "11010519491231002X", category: "full", occurredAt: new Date(T0).toISOString() })
    ),
    ...items.flatMap(([memberId, leftAt, destinationRegion, registeredAt], i) => [
      F.decode({ eventId: `out-${i}`, type: "OutflowReported", orgId: "org-a", memberId, destinationRegion, reason: "work", occurredAt: leftAt }),
      ...(registeredAt === undefined ? [] : [F.decode({ eventId: `in-${i}`, type: "InflowRegistered", orgId: "org-x", memberId, region: destinationRegion, occurredAt: registeredAt })])
    ])
  ])
export const world = fc.tuple(journeys, history, orgLife).map(([journey, events, life]) => [...floating, ...journey, ...events, ...life])
export const laterInstant = fc.integer({ min: 0, max: 5 * 365 }).map((d) => T0 + d * Instant.DAY + 43_200_000)
