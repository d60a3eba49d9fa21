import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Policy from "../src/Policy.ts"
import * as Report from "../src/Report.ts"
import * as Scan from "../src/Scan.ts"
import * as Steps from "../src/Steps.ts"
import * as Training from "../src/Training.ts"
import * as A from "./arbitraries.ts"
import * as E from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

/**
 * Runs `steps` a slice at a time, each slice as many steps as the next of `sizes` (round and
 * round), calling `between` after each slice, as a caller that lets other work run would.
 */
const sliced = <A>(steps: Steps.Steps<A>, sizes: ReadonlyArray<number>, between: () => void): { readonly result: A; readonly steps: number } => {
  let taken = 0
  for (let slice = 0; ; slice++) {
    const size = sizes[slice % sizes.length] ?? 1
    for (let i = 0; i < size; i++) {
      const next = steps.next()
      if (next.done === true) return { result: next.value, steps: taken }
      taken++
    }
    between()
  }
}

/** The same items in the same order (cheap to check when a counterexample is shrunk). */
const same = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>): boolean => a.length === b.length && a.every((x, i) => x === b[i])

const sizes = fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 })

const scanOf = (events: ReadonlyArray<Event.Event>, asOf: number): Scan.State => {
  const state = Scan.make()
  for (const event of events) Scan.addAsOf(state, event, asOf)
  return state
}

const reportOptions: Report.Options = { lang: "zh", reveal: false, includeSubtree: false }

describe("Steps", () => {
  it("sort puts items in the order Array.prototype.sort does, stably, however long the array", () => {
    const item = fc.record({ key: fc.integer({ min: 0, max: 30 }), id: fc.nat() })
    fc.assert(
      fc.property(fc.array(item, { maxLength: 3000, size: "max" }), fc.boolean(), (items, descending) => {
        const compare = (a: { readonly key: number }, b: { readonly key: number }) => (descending ? b.key - a.key : a.key - b.key)
        const sorted = [...items]
        Steps.run(Steps.sort(sorted, compare))
        return same(sorted, [...items].sort(compare))
      }),
      // A counterexample is hundreds of items long: shrinking it would take minutes.
      { numRuns: 60, endOnFailure: true }
    )
  })

  it("sort in slices gives the order sorting at once gives, for text under a collation", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { minLength: 600, maxLength: 2000 }), sizes, (texts, slices) => {
        const compare = (a: string, b: string) => a.localeCompare(b, "zh")
        const sorted = [...texts]
        sliced(Steps.sort(sorted, compare), slices, () => undefined)
        return same(sorted, [...texts].sort(compare))
      }),
      { numRuns: 20, endOnFailure: true }
    )
  })

  it("a scan in slices, another scan of the same events run between them, is the scan at once: a step per member and per open observation", () => {
    fc.assert(
      fc.property(E.history, E.instants, sizes, (events, [asOf], slices) => {
        const at = asOf ?? E.T0
        const options = { asOf: at, policy: Policy.defaults }
        const whole = Scan.evaluate(scanOf(events, at), options)
        const other = Scan.evaluateInSteps(scanOf(events, at), options)
        const { result, steps } = sliced(Scan.evaluateInSteps(scanOf(events, at), options), slices, () => void other.next())
        assert.deepStrictEqual(result, whole)
        const open = new Set(whole.proposals.map((p) => p.observationEventId)).size
        assert.isAtLeast(steps, whole.evaluations.length + open)
      }),
      { numRuns: 150 }
    )
  })

  it("the lists in slices are the lists built at once", () => {
    const asOf = F.at("2026-11-27")
    const result = Scan.evaluate(scanOf(F.sample60, asOf), { asOf, policy: Policy.defaults })
    const input = Report.fromScan(result)
    fc.assert(
      fc.property(sizes, (slices) => {
        assert.deepStrictEqual(sliced(Report.unlinkedInSteps(input, reportOptions), slices, () => undefined).result, Report.unlinked(input, reportOptions))
        assert.deepStrictEqual(sliced(Report.dataQualityInSteps(input, reportOptions), slices, () => undefined).result, Report.dataQuality(input, reportOptions))
        assert.deepStrictEqual(sliced(Report.earlyWarningInSteps(input, reportOptions), slices, () => undefined).result, Report.earlyWarning(input, reportOptions))
      }),
      { numRuns: 20 }
    )
  })

  it("training in slices is training at once, and takes a step per random pair compared", () => {
    // Enough to train on (Training.minimum): members, and observations that are some of them seen again.
    const members = A.crowd(Training.minimum.members)
    const observations = members.slice(0, 2 * Training.minimum.sessionPairs).map((m) => m.person)
    const options = { uPairs: 2000, seed: 7 }
    const whole = Training.train(members, observations, MatchRule.chinese, options)
    assert.isTrue(Result.isSuccess(whole))
    fc.assert(
      fc.property(sizes, (slices) => {
        const { result, steps } = sliced(Training.trainInSteps(members, observations, MatchRule.chinese, options), slices, () => undefined)
        assert.deepStrictEqual(result, whole)
        assert.isAtLeast(steps, options.uPairs)
      }),
      { numRuns: 10 }
    )
  })
})
