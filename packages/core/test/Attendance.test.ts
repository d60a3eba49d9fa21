/**
 * An activity's attendees (`OrgActivityRecorded`) against the same history with one
 * `ContactRecorded` (meeting) per attendee instead: every fold, evaluation and series must agree.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as Policy from "../src/Policy.ts"
import * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
import * as Screening from "../src/Screening.ts"
import * as Timeline from "../src/Timeline.ts"
import { history, instant, instants } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

/** Activities at any instant, naming any of the history's members (and one it never registers), some twice. */
const activities: fc.Arbitrary<ReadonlyArray<Event.OrgActivityRecorded>> = fc
  .array(
    fc.tuple(instant, fc.array(fc.constantFrom("m-1", "m-2", "m-3"), { maxLength: 4 }), fc.constantFrom(...Event.OrgActivity.literals), fc.boolean()),
    { maxLength: 5 }
  )
  .map((items) =>
    items.map(([occurredAt, attendees, activity, named], i) =>
      F.decode({ eventId: `act-${i}`, type: "OrgActivityRecorded", orgId: "org-fb", activity, occurredAt, ...((named || attendees.length > 0) && { attendees }) }) as Event.OrgActivityRecorded
    )
  )

/** Each activity as one meeting contact per distinct attendee. */
const asContacts = (list: ReadonlyArray<Event.OrgActivityRecorded>): ReadonlyArray<Event.Event> =>
  list.flatMap((activity) =>
    Projection.attendeesOf(activity).map((memberId) =>
      F.decode({ eventId: `${activity.eventId}/${memberId}`, type: "ContactRecorded", orgId: activity.orgId, memberId, channel: "meeting", occurredAt: Event.encode(activity).occurredAt })
    )
  )

const withActivities = fc.tuple(history, activities)
const RUNS = { numRuns: 300 }

describe("OrgActivityRecorded attendees", () => {
  it("change each attendee's projection and evaluation exactly as one meeting contact each, in the scan", () => {
    fc.assert(
      fc.property(withActivities, instant, ([events, list], asOf) => {
        const options = { asOf: Date.parse(asOf), policy: Policy.defaults }
        const attended = Scan.run([...events, ...list], options)
        const contacted = Scan.run([...events, ...asContacts(list)], options)
        assert.deepStrictEqual(attended.members, contacted.members)
        assert.deepStrictEqual(attended.evaluations, contacted.evaluations)
      }),
      RUNS
    )
  })

  it("give the worker's fragments the fold of the contacts' fragments", () => {
    fc.assert(
      fc.property(activities, (list) => {
        const fold = (events: ReadonlyArray<Event.Event>) => {
          const members = new Map<string, Projection.Projection>()
          for (const fragment of events.flatMap((e) => Projection.fragmentsOf(e))) {
            members.set(fragment.memberId, Projection.merge(members.get(fragment.memberId) ?? Projection.empty(fragment.memberId), fragment))
          }
          return members
        }
        assert.deepStrictEqual(fold(list), fold(asContacts(list)))
      }),
      RUNS
    )
  })

  it("evaluate and relink in a series as the contacts do, the relink naming the activity and shown as a meeting contact", () => {
    fc.assert(
      fc.property(withActivities, instants, ([events, list], at) => {
        const series = (all: ReadonlyArray<Event.Event>) => {
          const state = Scan.make({ history: true })
          for (const event of all) Scan.addAsOf(state, event, at[at.length - 1] as number)
          return [...Timeline.series(state, at, Policy.defaults)]
        }
        const attended = series([...events, ...list])
        const contacted = series([...events, ...asContacts(list)])
        const asContact = (relink: Timeline.Relink | undefined) =>
          relink?.type === "OrgActivityRecorded" ? { ...relink, type: "ContactRecorded" as const } : relink
        assert.deepStrictEqual(
          attended.map((s) => ({ ...s, relinks: s.relinks.map(asContact) })),
          contacted
        )
        for (const relink of attended.flatMap((s) => s.relinks)) {
          if (relink?.type === "OrgActivityRecorded") {
            assert.strictEqual(relink.channel, "meeting")
            assert.strictEqual(Screening.relinkLabel(relink, "zh"), "联系（组织生活）")
          }
        }
      }),
      RUNS
    )
  })

  it("name no one member: keyed by their eventId, as every organisation's event", () => {
    const activity = F.decode({ eventId: "a-1", type: "OrgActivityRecorded", orgId: "org-fb", activity: "members-meeting", attendees: ["m-1"], occurredAt: "2026-03-01T09:30:00+08:00" })
    const guidance = F.decode({ eventId: "g-1", type: "GuidanceRecorded", orgId: "org-home", targetOrgId: "org-fb", channel: "visit", occurredAt: "2026-03-01T09:30:00+08:00" })
    const report = F.decode({ eventId: "r-1", type: "BranchReported", orgId: "org-fb", homeOrgId: "org-home", memberIds: ["m-1"], occurredAt: "2026-03-01T09:30:00+08:00" })
    assert.deepStrictEqual([activity, guidance, report].map(Event.keyOf), ["a-1", "g-1", "r-1"])
    assert.deepStrictEqual([guidance, report].map((e) => Projection.fragmentsOf(e)), [[], []])
  })

  it("reject an unknown activity or guidance channel, naming the field", () => {
    const wrong = [
      { eventId: "a-1", type: "OrgActivityRecorded", orgId: "org-fb", activity: "party-day", occurredAt: "2026-03-01T09:30:00+08:00" },
      { eventId: "a-2", type: "OrgActivityRecorded", orgId: "org-fb", activity: "theme-day", attendees: ["m-1", ""], occurredAt: "2026-03-01T09:30:00+08:00" },
      { eventId: "g-1", type: "GuidanceRecorded", orgId: "org-home", targetOrgId: "org-fb", channel: "letter", occurredAt: "2026-03-01T09:30:00+08:00" },
      { eventId: "r-1", type: "BranchReported", orgId: "org-fb", occurredAt: "2026-03-01T09:30:00+08:00" }
    ]
    const reasons = wrong.map((w) => {
      const decoded = Event.decodeLine(JSON.stringify(w))
      return decoded._tag === "Failure" && decoded.failure._tag === "InvalidEvent" ? decoded.failure.reason : "decoded"
    })
    assert.match(reasons[0] as string, /^activity: /)
    assert.match(reasons[1] as string, /^attendees\.1: /)
    assert.match(reasons[2] as string, /^channel: /)
    assert.match(reasons[3] as string, /^homeOrgId: Missing key/)
  })
})
