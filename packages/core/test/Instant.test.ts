import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Instant from "../src/Instant.ts"
import { nearInstant } from "./arbitraries.ts"

describe("Instant.parseInstant", () => {
  it("reads every text as the ISO-8601 check and Date.parse do (its fast path changes no result)", () => {
    let valid = 0
    fc.assert(
      fc.property(nearInstant, (text) => {
        const expected = Instant.parseIsoInstant(text)
        if (expected !== undefined) valid++
        return Object.is(Instant.parseInstant(text), expected)
      }),
      { numRuns: 20_000 }
    )
    // Both sides of the check are exercised, not only texts that both reject.
    assert.isAbove(valid, 5_000)
    assert.isBelow(valid, 15_000)
  })

  it("reads the forms the fast path leaves to Date.parse, and rejects dates no calendar has", () => {
    const cases: ReadonlyArray<[string, number | undefined]> = [
      ["2026-03-01T09:30:00+08:00", Date.UTC(2026, 2, 1, 1, 30)],
      ["2026-03-01T09:30:00.120Z", Date.UTC(2026, 2, 1, 9, 30, 0, 120)],
      ["2026-03-01T09:30+0800", Date.UTC(2026, 2, 1, 1, 30)],
      ["2026-03-01T09:30:00.123456789-00:00", Date.UTC(2026, 2, 1, 9, 30, 0, 123)],
      ["0050-03-01T00:00:00Z", undefined],
      // Date.parse alone would roll these over to 2 March.
      ["2026-02-30T09:30:00+08:00", undefined],
      ["2026-02-29T09:30:00+08:00", undefined],
      ["2028-02-29T09:30:00+08:00", Date.UTC(2028, 1, 29, 1, 30)],
      ["2026-02-32T09:30:00+08:00", undefined],
      ["2026-03-01T24:00:00Z", undefined],
      ["2026-04-31T09:30+0800", undefined],
      ["2026-03-01T09:30:60Z", undefined],
      ["2026-03-01T09:30:00+24:00", undefined],
      ["2026-03-01T09:30:00", undefined],
      ["2026-03-01", undefined]
    ]
    for (const [text, expected] of cases) assert.strictEqual(Instant.parseInstant(text), expected, text)
  })
})

describe("Instant.startOfDay", () => {
  it("is midnight in China Standard Time, at or before the instant and less than a day before it", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 2), max: Date.UTC(2100, 0, 1) }), (at) => {
        const midnight = Instant.startOfDay(at)
        assert.isTrue(midnight <= at && at - midnight < Instant.DAY)
        assert.strictEqual(Instant.formatCst(midnight), `${Instant.formatCstDate(at)}T00:00:00+08:00`)
      })
    )
  })
})

describe("Instant.formatCstLastDay", () => {
  it("is the date a span to that date was asked for: the day before a midnight end, the day of any other", () => {
    assert.strictEqual(Instant.formatCstLastDay(Date.parse("2026-12-01T00:00:00+08:00")), "2026-11-30")
    assert.strictEqual(Instant.formatCstLastDay(Date.parse("2026-11-30T18:00:00+08:00")), "2026-11-30")
    assert.strictEqual(Instant.formatCstLastDay(Date.parse("2026-01-01T00:00:00+08:00")), "2025-12-31")
  })
  it("is the day of every instant of a span's last day, and the end of a day's span always shows that day", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 2), max: Date.UTC(2100, 0, 1) }), (at) => {
        assert.strictEqual(Instant.formatCstLastDay(Instant.startOfDay(at) + Instant.DAY), Instant.formatCstDate(at))
        if (at !== Instant.startOfDay(at)) assert.strictEqual(Instant.formatCstLastDay(at), Instant.formatCstDate(at))
      })
    )
  })
})
