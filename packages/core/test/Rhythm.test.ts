import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import { DAY } from "../src/Instant.ts"
import type * as EarlyWarning from "../src/EarlyWarning.ts"
import * as Policy from "../src/Policy.ts"
import * as Rhythm from "../src/Rhythm.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import * as F from "./fixtures.ts"

const RUNS = { numRuns: 500 }
const M = "m-1"
const T0 = F.at("2025-01-01")

const days = fc.array(fc.integer({ min: 19_000, max: 21_000 }), { maxLength: 30 }).map((list) =>
  list.reduce<ReadonlyArray<number>>((acc, day) => Rhythm.mergeDays(acc, [day]), Rhythm.none)
)

describe("contact days", () => {
  it("merge commutatively, associatively and idempotently, keeping the latest distinct days", () => {
    fc.assert(
      fc.property(days, days, days, (a, b, c) => {
        assert.deepStrictEqual(Rhythm.mergeDays(a, b), Rhythm.mergeDays(b, a))
        assert.deepStrictEqual(Rhythm.mergeDays(Rhythm.mergeDays(a, b), c), Rhythm.mergeDays(a, Rhythm.mergeDays(b, c)))
        assert.deepStrictEqual(Rhythm.mergeDays(a, a), a)
        const merged = Rhythm.mergeDays(a, b)
        const expected = [...new Set([...a, ...b])].sort((x, y) => y - x).slice(0, Rhythm.KEPT_DAYS)
        assert.deepStrictEqual(merged, expected)
      }),
      RUNS
    )
  })

  it("take one contact in place the way the merge does", () => {
    fc.assert(
      fc.property(days, fc.integer({ min: 19_000 * DAY, max: 21_000 * DAY }), (list, at) => {
        const own = list.slice()
        assert.deepStrictEqual(Rhythm.addDay(own, at, true), Rhythm.mergeDays(list, Rhythm.single(at)))
        assert.deepStrictEqual(Rhythm.addDay(list, at, false), Rhythm.mergeDays(list, Rhythm.single(at)))
      }),
      RUNS
    )
  })

  it("count a day once, whatever the hour in China Standard Time", () => {
    const morning = F.at("2025-03-01T00:10:00+08:00")
    const night = F.at("2025-03-01T23:50:00+08:00")
    assert.deepStrictEqual(Rhythm.mergeDays(Rhythm.single(morning), Rhythm.single(night)), Rhythm.single(morning))
  })
})

const rhythms = fc.record({
  gapDays: fc.double({ min: 1, max: 200, noNaN: true }),
  spread: fc.double({ min: 0.05, max: 2, noNaN: true }),
  lateness: fc.double({ min: -10, max: 20, noNaN: true })
})

describe("suspicion", () => {
  it("grows with the gap", () => {
    fc.assert(
      fc.property(rhythms, fc.double({ min: 0, max: 400, noNaN: true }), fc.double({ min: 0, max: 400, noNaN: true }), (rhythm, x, y) => {
        const [short, long] = x <= y ? [x, y] : [y, x]
        assert.isAtMost(Rhythm.suspicionOfGap(rhythm, short), Rhythm.suspicionOfGap(rhythm, long) + 1e-9)
      }),
      RUNS
    )
  })

  it("reaches the threshold exactly at the warning gap, with the fade window or without", () => {
    fc.assert(
      fc.property(rhythms, fc.double({ min: 0.5, max: 12, noNaN: true }), fc.boolean(), (rhythm, phi, fadeWindow) => {
        const gap = Rhythm.warningGapDays(rhythm, phi, fadeWindow)
        assert.approximately(Rhythm.suspicionOfGap(rhythm, gap, fadeWindow), phi, 1e-3 * phi)
      }),
      RUNS
    )
  })

  it("is −log10 of the normal upper tail at the gap's log-scale z-score, for a member who does not fade", () => {
    const rhythm = { gapDays: 10, spread: 0.5, lateness: 0 }
    // z = 1: Q = 0.158655…; z = 3: Q = 0.0013499; z = 10: Q = 7.6199e-24.
    assert.approximately(Rhythm.suspicionOfGap(rhythm, 10 * Math.exp(0.5)), -Math.log10(0.158655), 1e-5)
    assert.approximately(Rhythm.suspicionOfGap(rhythm, 10 * Math.exp(1.5)), -Math.log10(0.0013499), 1e-4)
    assert.approximately(Rhythm.suspicionOfGap(rhythm, 10 * Math.exp(5)), -Math.log10(7.6199e-24), 1e-3)
    assert.isBelow(Rhythm.suspicionOfGap(rhythm, 10), 0.31)
  })

  it("judges the last gaps with the silence: a fading member is suspected before the silence alone is long", () => {
    const steady = { gapDays: 30, spread: 0.25, lateness: 0 }
    const fading = { ...steady, lateness: 6 }
    assert.isBelow(Rhythm.suspicionOfGap(steady, 30), 0.31)
    // (6 + 0) / √4 = 3: Q(3) = 0.0013499.
    assert.approximately(Rhythm.suspicionOfGap(fading, 30), -Math.log10(0.0013499), 1e-4)
    assert.isBelow(Rhythm.warningGapDays(fading, 1), Rhythm.warningGapDays(steady, 1))
    assert.strictEqual(Rhythm.warningGapDays(fading, 1, false), Rhythm.warningGapDays(steady, 1, false))
  })
})

/** The φ detector at the settings these tests are written for: φ ≥ 1, a floor of 0.25, four gaps. */
const phiModel: EarlyWarning.Model = {
  kind: "rhythm",
  horizonDays: 180,
  minGaps: 4,
  spreadFloor: 0.25,
  suspicion: 1,
  fadeWindow: true,
  calibration: { intercept: -4, slope: 1 }
}
const phiPolicy: Policy.Policy = { ...Policy.defaults, earlyWarning: phiModel }

describe("rhythm", () => {
  const every = (gap: number, count: number) => Array.from({ length: count }, (_, i) => 20_000 - i * gap)

  it("is the median gap, its spread floored, and absent with too few gaps", () => {
    assert.deepStrictEqual(Rhythm.of(every(7, 12), phiModel), { gapDays: 7, spread: phiModel.spreadFloor, lateness: 0 })
    assert.isUndefined(Rhythm.of(every(7, phiModel.minGaps), phiModel))
    assert.isDefined(Rhythm.of(every(7, phiModel.minGaps + 1), phiModel))
  })

  it("keeps a fading member's usual gap: the last gaps lengthening do not become the rhythm", () => {
    // Weekly for eight gaps, then 10, 15 and 22 days: the newest first.
    const fading = [20_000, 19_978, 19_963, 19_953, ...every(7, 9).map((d) => d - 53)]
    const rhythm = Rhythm.of(fading, phiModel)
    assert.strictEqual(rhythm?.gapDays, 7)
    // The last three gaps, 22, 15 and 10 days, against the weekly rhythm and the floor's spread.
    assert.approximately(rhythm?.lateness ?? 0, (Math.log(22 / 7) + Math.log(15 / 7) + Math.log(10 / 7)) / phiModel.spreadFloor, 1e-9)
  })
})

/** A member registered on 2025-01-01, in contact every `gap` days from `T0` for `count` contacts. */
const rhythmic = (gap: number, count: number): Array<Event.Event> => {
  const events: Array<Event.Event> = [F.registered(M, "2025-01-01")]
  for (let i = 1; i <= count; i++) events.push(F.contact(M, new Date(T0 + i * gap * DAY).toISOString(), i % 2 === 0 ? "meeting" : "dues"))
  return events
}
const lastOf = (gap: number, count: number) => T0 + count * gap * DAY

const evaluate = (events: ReadonlyArray<Event.Event>, asOf: number, policy = phiPolicy): Status.Evaluation => {
  const evaluation = Scan.run([F.org("org-branch-a"), ...events], { asOf, policy }).evaluations.find((e) => e.memberId === M)
  if (evaluation === undefined) throw new Error("member not evaluated")
  return evaluation
}

describe("early warning (联系节律预警)", () => {
  it("warns of a weekly member silent five weeks, and not of a bimonthly one silent six", () => {
    const weekly = evaluate(rhythmic(7, 20), lastOf(7, 20) + 35 * DAY)
    assert.strictEqual(weekly.status, "active")
    assert.include(weekly.flags, "early-warning")
    const reason = weekly.reasons.find((r) => r.rule === "early-warning")
    assert.strictEqual(reason?.expectedAt, lastOf(7, 20) + 7 * DAY)
    assert.deepStrictEqual(reason?.rhythm, { gapDays: 7, spread: phiModel.spreadFloor, lateness: 0 })
    const bimonthly = evaluate(rhythmic(60, 8), lastOf(60, 8) + 42 * DAY)
    assert.strictEqual(bimonthly.status, "active")
    assert.notInclude(bimonthly.flags, "early-warning")
  })

  it("starts at the instant its next review names, and ends with the next contact", () => {
    const events = rhythmic(7, 20)
    const before = evaluate(events, lastOf(7, 20) + 8 * DAY)
    assert.notInclude(before.flags, "early-warning")
    const startsAt = before.nextReviewAt ?? Number.NaN
    assert.notInclude(evaluate(events, startsAt - 1).flags, "early-warning")
    const started = evaluate(events, startsAt)
    assert.include(started.flags, "early-warning")
    assert.strictEqual(started.reasons.find((r) => r.rule === "early-warning")?.since, startsAt)
    const contacted = evaluate([...events, F.contact(M, new Date(startsAt + DAY).toISOString())], startsAt + 2 * DAY)
    assert.notInclude(contacted.flags, "early-warning")
  })

  it("gives way to the fixed contact warning: an at-risk member has no early warning", () => {
    const atRisk = evaluate(rhythmic(7, 20), lastOf(7, 20) + 100 * DAY)
    assert.strictEqual(atRisk.status, "at-risk")
    assert.notInclude(atRisk.flags, "early-warning")
  })

  it("changes no status, responsibility or other flag", () => {
    const never: Policy.Policy = { ...phiPolicy, earlyWarning: { ...phiModel, suspicion: 1e6 } }
    fc.assert(
      fc.property(fc.constantFrom(3, 7, 14, 30, 60), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 400 }), (gap, count, silentDays) => {
        const events = rhythmic(gap, count)
        const asOf = lastOf(gap, count) + silentDays * DAY
        const withWarning = evaluate(events, asOf)
        const without = evaluate(events, asOf, never)
        assert.strictEqual(withWarning.status, without.status)
        assert.strictEqual(withWarning.responsibleOrgId, without.responsibleOrgId)
        assert.deepStrictEqual(withWarning.flags.filter((f) => f !== "early-warning"), without.flags)
      }),
      { numRuns: 200 }
    )
  })
})
