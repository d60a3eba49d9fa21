import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import type * as Status from "../src/Status.ts"
import * as Timeline from "../src/Timeline.ts"
import { history, instants, T0 } from "./eventArbitraries.ts"
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
