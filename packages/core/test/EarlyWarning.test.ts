import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import * as EarlyWarning from "../src/EarlyWarning.ts"
import type * as Event from "../src/Event.ts"
import { DAY } from "../src/Instant.ts"
import * as Logistic from "../src/internal/Logistic.ts"
import * as Policy from "../src/Policy.ts"
import * as Rhythm from "../src/Rhythm.ts"
import * as Scan from "../src/Scan.ts"
import * as Steps from "../src/Steps.ts"
import * as Timeline from "../src/Timeline.ts"
import { history, instants } from "./eventArbitraries.ts"

const calibration = fc.record({ intercept: fc.double({ min: -10, max: 2, noNaN: true }), slope: fc.double({ min: 0, max: 3, noNaN: true }) })
const settings = { minGaps: fc.integer({ min: 1, max: 6 }), spreadFloor: fc.double({ min: 0.05, max: 1, noNaN: true }) }
const weight = fc.double({ min: -5, max: 5, noNaN: true })
const growingWeight = fc.double({ min: 0, max: 3, noNaN: true })

/** Any model of the three kinds, as `relink train` could write it. */
export const models: fc.Arbitrary<EarlyWarning.Model> = fc.oneof(
  fc.record({ kind: fc.constant("fixed-gap" as const), horizonDays: fc.constant(180), days: fc.integer({ min: 1, max: 120 }), calibration }),
  fc.record({ kind: fc.constant("rhythm" as const), horizonDays: fc.constant(180), ...settings, suspicion: fc.double({ min: 0.1, max: 8, noNaN: true }), fadeWindow: fc.boolean(), calibration }),
  fc.record({
    kind: fc.constant("hazard" as const),
    horizonDays: fc.constant(180),
    ...settings,
    intercept: fc.double({ min: -12, max: 0, noNaN: true }),
    weights: fc.record({
      lnSilence: growingWeight,
      lnSilenceNoRhythm: growingWeight,
      silenceZ: growingWeight,
      windowZ: growingWeight,
      lnGapDays: weight,
      spread: weight,
      noRhythm: weight,
      floating: weight,
      inTransit: weight
    }),
    threshold: fc.double({ min: 0.001, max: 0.9, noNaN: true })
  })
)

const statuses = fc.constantFrom(...EarlyWarning.watched)
const contactDays = fc
  .uniqueArray(fc.integer({ min: 19_000, max: 20_000 }), { maxLength: Rhythm.KEPT_DAYS })
  .map((days) => days.sort((a, b) => b - a))

describe("EarlyWarning", () => {
  it("gives a probability that never falls as the silence lengthens", () => {
    fc.assert(
      fc.property(models, contactDays, statuses, fc.double({ min: 0, max: 400, noNaN: true }), fc.double({ min: 0, max: 400, noNaN: true }), (model, days, status, x, y) => {
        const rhythm = EarlyWarning.rhythmOf(model, days)
        const [short, long] = x <= y ? [x, y] : [y, x]
        assert.isAtMost(EarlyWarning.probability(model, rhythm, status, short), EarlyWarning.probability(model, rhythm, status, long) + 1e-12)
      }),
      { numRuns: 500 }
    )
  })

  it("starts a hazard model's warning at the silence where its probability reaches the threshold", () => {
    const hazards = models.filter((m) => m.kind === "hazard")
    fc.assert(
      fc.property(hazards, contactDays, statuses, (model, days, status) => {
        if (model.kind !== "hazard") return
        const lastContactAt = 20_000 * DAY
        const warning = EarlyWarning.warning(model, { status, contactDays: days, lastContactAt })
        const rhythm = EarlyWarning.rhythmOf(model, days)
        const p = (silence: number) => EarlyWarning.probability(model, rhythm, status, silence)
        if (warning === undefined) {
          assert.isBelow(p(1e6), model.threshold)
          return
        }
        const silence = (warning.at - lastContactAt) / DAY
        assert.isAtLeast(p(silence), model.threshold - 1e-9)
        if (silence > 1 + 1e-6) assert.isBelow(p(silence - 1e-3), model.threshold + 1e-9)
      }),
      { numRuns: 500 }
    )
  })

  it("warns a fixed gap's days after the last contact, whoever the member", () => {
    fc.assert(
      fc.property(models.filter((m) => m.kind === "fixed-gap"), contactDays, statuses, (model, days, status) => {
        if (model.kind !== "fixed-gap") return
        const warning = EarlyWarning.warning(model, { status, contactDays: days, lastContactAt: 0 })
        assert.strictEqual(warning?.at, model.days * DAY)
        assert.isUndefined(warning?.rhythm)
      })
    )
  })

  it("decodes every model it encodes, and refuses a negative weight on what grows with the silence", () => {
    fc.assert(
      fc.property(models, (model) => {
        assert.deepStrictEqual(Schema.decodeUnknownSync(EarlyWarning.Model)(Schema.encodeSync(EarlyWarning.Model)(model)), model)
      })
    )
    const [hazard] = fc.sample(models.filter((m) => m.kind === "hazard"), { numRuns: 1, seed: 1 })
    if (hazard?.kind !== "hazard") return assert.fail("no hazard model sampled")
    assert.throws(() => Schema.decodeUnknownSync(EarlyWarning.Model)({ ...hazard, weights: { ...hazard.weights, windowZ: -1 } }))
  })

  it("evaluates a member in a series exactly as alone, under any model", () => {
    fc.assert(
      fc.property(history, instants, models, (events, at, model) => {
        const policy: Policy.Policy = { ...Policy.defaults, earlyWarning: model }
        const state = Scan.make({ history: true })
        for (const event of events) Scan.addAsOf(state, event, at[at.length - 1] as number)
        const series = [...Timeline.series(state, at, policy)]
        at.forEach((asOf, i) => {
          assert.deepStrictEqual(
            series.flatMap((s) => (s.evaluations[i] === undefined ? [] : [s.evaluations[i]])),
            Scan.run(events, { asOf, policy }).evaluations
          )
        })
      }),
      { numRuns: 200 }
    )
  })

  it("changes no status, responsibility or other flag, under any model", () => {
    const never: Policy.Policy = { ...Policy.defaults, earlyWarning: { kind: "fixed-gap", horizonDays: 180, days: 100_000, calibration: { intercept: -10, slope: 0 } } }
    fc.assert(
      fc.property(history, instants, models, (events: ReadonlyArray<Event.Event>, at, model) => {
        const asOf = at[at.length - 1] as number
        const warned = Scan.run(events, { asOf, policy: { ...Policy.defaults, earlyWarning: model } }).evaluations
        const without = Scan.run(events, { asOf, policy: never }).evaluations
        assert.strictEqual(warned.length, without.length)
        warned.forEach((evaluation, i) => {
          const other = without[i]
          assert.strictEqual(evaluation.status, other?.status)
          assert.strictEqual(evaluation.responsibleOrgId, other?.responsibleOrgId)
          assert.deepStrictEqual(evaluation.flags.filter((f) => f !== "early-warning"), other?.flags)
        })
      }),
      { numRuns: 200 }
    )
  })
})

describe("Logistic.fit", () => {
  /** Rows of two features with labels drawn from a known logistic model. */
  const world = (n: number, intercept: number, weights: readonly [number, number]) => {
    let seed = 7
    const random = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return seed / 2 ** 32
    }
    const a = new Float64Array(n)
    const b = new Float64Array(n)
    const labels = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      a[i] = random() * 4 - 2
      b[i] = random() * 2
      labels[i] = random() < Logistic.sigmoid(intercept + weights[0] * (a[i] as number) + weights[1] * (b[i] as number)) ? 1 : 0
    }
    return { columns: [a, b], labels }
  }

  it("recovers the weights of the model the labels were drawn from", () => {
    const { columns, labels } = world(40_000, -1, [1.5, -0.8])
    const fitted = Steps.run(Logistic.fit(columns, labels, labels.length))
    assert.approximately(fitted.intercept, -1, 0.1)
    assert.approximately(fitted.weights[0] as number, 1.5, 0.1)
    assert.approximately(fitted.weights[1] as number, -0.8, 0.1)
  })

  it("holds a weight that must not be negative at zero when the data would make it negative", () => {
    const { columns, labels } = world(20_000, -1, [1.5, -0.8])
    const fitted = Steps.run(Logistic.fit(columns, labels, labels.length, { nonNegative: [false, true] }))
    assert.strictEqual(fitted.weights[1], 0)
    assert.approximately(fitted.weights[0] as number, 1.5, 0.15)
  })
})
