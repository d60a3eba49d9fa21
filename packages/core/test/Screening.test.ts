import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as Screening from "../src/Screening.ts"
import * as Status from "../src/Status.ts"
import * as Timeline from "../src/Timeline.ts"
import { history, instants } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

const progress = (events: ReadonlyArray<Event.Event>, at: ReadonlyArray<number>, options: Partial<Screening.Options> = {}): Screening.Progress => {
  const state = Scan.make({ history: true })
  for (const event of events) Scan.addAsOf(state, event, at[at.length - 1] as number)
  const orgs = OrgTree.make(state.orgs.values())
  const builder = Screening.builder(at, orgs, { includeSubtree: false, every: "month", ...options })
  for (const series of Timeline.series(state, at, Policy.defaults)) builder.add(series)
  return builder.done()
}

describe("Screening.instants", () => {
  it("bounds calendar months from the start, and ends at the end", () => {
    const bounds = Screening.instants(F.at("2026-01-31T00:00:00+08:00"), F.at("2026-04-15T00:00:00+08:00"), "month")
    assert.deepStrictEqual(bounds.map((b) => new Date(b).toISOString()), [
      "2026-01-30T16:00:00.000Z",
      "2026-02-27T16:00:00.000Z",
      "2026-03-30T16:00:00.000Z",
      "2026-04-14T16:00:00.000Z"
    ])
    assert.throws(() => Screening.instants(F.at("2026-01-01"), F.at("2026-01-01"), "week"), RangeError)
  })
})

describe("Screening.builder", () => {
  it("counts each period's unlinked, found, closed and open members the way scans at its bounds see them", () => {
    fc.assert(
      fc.property(history, instants.filter((a) => a.length >= 2), (events, at) => {
        const report = progress(events, at)
        const alone = at.map((asOf) => Scan.run(events, { asOf, policy: Policy.defaults }).evaluations)
        const unlinkedAt = (i: number) => (alone[i] ?? []).filter((e) => Status.unlinked.has(e.status)).length
        report.total.forEach((cell, p) => {
          assert.strictEqual(cell.unlinkedAtStart, unlinkedAt(p))
          assert.strictEqual(cell.open, unlinkedAt(p + 1))
          assert.strictEqual(cell.open, cell.unlinkedAtStart + cell.newlyUnlinked - cell.found - cell.closed)
        })
        for (const row of report.rows) {
          for (const cell of row.cells) assert.strictEqual(cell.open, cell.unlinkedAtStart + cell.newlyUnlinked - cell.found - cell.closed)
        }
        at.forEach((_, i) => {
          const counts: Partial<Record<Status.Status, number>> = {}
          for (const e of alone[i] ?? []) counts[e.status] = (counts[e.status] ?? 0) + 1
          assert.deepStrictEqual(report.statusCounts[i], counts)
        })
      }),
      { numRuns: 300 }
    )
  })

  it("counts a member found in a period with more facts than the search for the event may read as found, without the event", () => {
    const M = "m-1"
    /**
     * Lost since 2020, `facts` cancellations of transfers never issued in September 2025, then a
     * visit: the member is evaluated after each cancellation (it may change a status), reading every
     * fact so far, so the search reads about facts²/2.
     */
    const events = (facts: number) => [
      F.org("org-branch-a"),
      F.registered(M, "2020-01-01"),
      ...Array.from({ length: facts }, (_, i) => F.transferCancelled(M, `t-${i}`, new Date(F.at("2025-09-02") + i * 60_000).toISOString())),
      F.contact(M, "2025-09-21", "visit")
    ]
    const at = [F.at("2025-08-31"), F.at("2025-09-30")]
    const within = progress(events(300), at)
    assert.deepStrictEqual([within.total[0]?.found, within.found.map((f) => f.relink.at), within.untraced], [1, [F.at("2025-09-21")], 0])
    const beyond = progress(events(Math.ceil(Math.sqrt(2 * Timeline.maxRelinkSearch))), at)
    assert.deepStrictEqual([beyond.total[0]?.found, beyond.found, beyond.untraced], [1, [], 1])
  })

  it("names what found a lost member and how long finding took, under the organisation responsible at the start", () => {
    const M = "m-1"
    const events = [
      F.org("org-committee"),
      F.org("org-branch-a", "org-committee"),
      F.registered(M, "2025-01-01"),
      F.contact(M, "2025-02-01"),
      F.contact(M, "2025-09-21", "visit"),
      F.registered("m-2", "2025-01-01"),
      F.contact("m-2", "2025-03-15")
    ]
    const report = progress(events, [F.at("2025-08-31"), F.at("2025-09-30"), F.at("2025-10-31")])
    assert.deepStrictEqual(report.rows.map((r) => r.orgId), ["org-branch-a"])
    const [september, october] = report.total
    assert.deepStrictEqual(september, { unlinkedAtStart: 1, newlyUnlinked: 1, found: 1, closed: 0, open: 1, medianDaysToFound: 51, confirmed: 0, rejected: 0 })
    assert.strictEqual(october?.unlinkedAtStart, 1)
    // The whole span: unlinked at its start, open at its end, the median over every member found.
    assert.deepStrictEqual(report.span, { unlinkedAtStart: 1, newlyUnlinked: 1, found: 1, closed: 0, open: 1, medianDaysToFound: 51, confirmed: 0, rejected: 0 })
    assert.deepStrictEqual(report.found, [{ memberId: M, orgId: "org-branch-a", period: 0, relink: { at: F.at("2025-09-21"), type: "ContactRecorded", channel: "visit" }, days: 51 }])
    assert.strictEqual(Screening.relinkLabel(report.found[0]?.relink as Timeline.Relink, "zh"), "联系（走访）")
    assert.deepStrictEqual(report.periods.map((p) => p.label), ["2025-08", "2025-09"])
  })
})
