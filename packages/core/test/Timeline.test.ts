import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import * as Timeline from "../src/Timeline.ts"
import { history, instant, instants, memberEventWire, M, T0 } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

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

  /** Member m-1 registered at the start, then a few facts of any kind, sparse enough to be lost between them, and an inflow observation of them. */
  const sparse: fc.Arbitrary<ReadonlyArray<Event.Event>> = fc
    .tuple(fc.array(fc.tuple(memberEventWire, instant), { maxLength: 10 }), fc.option(fc.tuple(instant, instant, fc.constantFrom("confirmed", "rejected")), { nil: undefined }))
    .map(([facts, observed]) => [
      F.registered(M, new Date(T0).toISOString(), { orgId: "org-a" }),
      ...facts.map(([wire, occurredAt], i) =>
        F.decode({ orgId: "org-a", memberId: M, ...wire, ...(wire.type === "LeadReported" && { subject: { memberId: M } }), eventId: `e-${i}`, occurredAt })
      ),
      ...(observed === undefined
        ? []
        : [
            F.decode({ eventId: "obs-1", type: "InflowRegistered", orgId: "org-b", region: "440305", occurredAt: observed[0], identity: { name: "张伟" } }),
            F.decode({ eventId: "r-1", type: "MatchResolved", orgId: "org-b", memberId: M, observationEventId: "obs-1", resolution: observed[2], occurredAt: observed[1] })
          ])
    ])

  it("names as the relink the first instant at which a scan alone finds the member neither unlinked nor closed", () => {
    const notUnlinked = (e: Status.Evaluation | undefined) => e !== undefined && !Status.unlinked.has(e.status) && !Status.closed.has(e.status)
    let relinks = 0
    fc.assert(
      fc.property(fc.oneof(history, sparse), instants, (events, at) => {
        const eventInstants = [...new Set(events.map((e) => e.occurredAt))].sort((a, b) => a - b)
        for (const series of inSeries(events, at)) {
          const expected = at.map((instant, i) => {
            const start = series.evaluations[i - 1]
            if (i === 0 || start === undefined || !Status.unlinked.has(start.status) || !notUnlinked(series.evaluations[i])) return undefined
            const from = at[i - 1] as number
            return eventInstants.find((t) => t > from && t <= instant && notUnlinked(alone(events, t).find((e) => e.memberId === series.memberId)))
          })
          relinks += expected.filter((t) => t !== undefined).length
          assert.deepStrictEqual(series.relinks.map((r) => r?.at), expected)
        }
      }),
      { numRuns: 1000 }
    )
    assert.isAbove(relinks, 30)
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
