import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import type * as Status from "../src/Status.ts"
import * as Timeline from "../src/Timeline.ts"
import { instant, memberEventWire, T0 } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

const members = ["m-1", "m-2"]

/** Events about two members, their organisations (registered at any time) and an observation; some eventIds repeat, with the same or other content. */
const history: fc.Arbitrary<ReadonlyArray<Event.Event>> = fc
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
const instants = fc
  .uniqueArray(fc.integer({ min: 0, max: 4 * 365 }), { minLength: 1, maxLength: 6 })
  .map((days) => days.sort((a, b) => a - b).map((d) => T0 + d * 86_400_000 + 43_200_000))

const alone = (events: ReadonlyArray<Event.Event>, asOf: number): ReadonlyArray<Status.Evaluation> =>
  Scan.run(events, { asOf, policy: Policy.defaults }).evaluations

const inSeries = (events: ReadonlyArray<Event.Event>, at: ReadonlyArray<number>): ReadonlyArray<Timeline.MemberSeries> => {
  const state = Scan.make({ history: true })
  for (const event of events) Scan.addAsOf(state, event, at[at.length - 1] as number)
  return [...Timeline.series(state, at, Policy.defaults)]
}

describe("Timeline.series", () => {
  it("evaluates each member at an instant exactly as a scan as of that instant alone does", () => {
    fc.assert(
      fc.property(history, instants, (events, at) => {
        const series = inSeries(events, at)
        at.forEach((asOf, i) => {
          const fromSeries = series.flatMap((s) => (s.evaluations[i] === undefined ? [] : [s.evaluations[i]]))
          assert.deepStrictEqual(fromSeries, alone(events, asOf))
        })
      }),
      { numRuns: 400 }
    )
  })

  it("names the event that relinked a lost member, and since when they were unlinked", () => {
    const M = "m-1"
    const events = [F.org("org-branch-a"), F.registered(M, "2025-01-01"), F.contact(M, "2025-02-01"), F.contact(M, "2025-12-10", "visit")]
    const [series] = inSeries(events, [F.at("2025-11-30"), F.at("2025-12-31")])
    assert.strictEqual(series?.evaluations[0]?.status, "lost")
    assert.strictEqual(series?.unlinkedSince[0], F.at("2025-08-01"))
    assert.strictEqual(series?.evaluations[1]?.status, "active")
    assert.deepStrictEqual(series?.relinks[1], { at: F.at("2025-12-10"), type: "ContactRecorded", channel: "visit" })
  })

  it("refuses a state folded without history, and instants out of order", () => {
    assert.throws(() => [...Timeline.series(Scan.make(), [T0], Policy.defaults)], /history/)
    assert.throws(() => [...Timeline.series(Scan.make({ history: true }), [T0, T0], Policy.defaults)], /ascending/)
  })
})
