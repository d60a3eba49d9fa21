import { assert, describe, it } from "@effect/vitest"
import * as Time from "../src/Time.ts"

describe("instants at the command line", () => {
  it("reads --as-of as the end of a calendar day in China Standard Time, or as an ISO instant", () => {
    assert.strictEqual(Time.parseAsOf("2026-11-27"), Date.parse("2026-11-27T23:59:59+08:00"))
    assert.strictEqual(Time.parseAsOf("2026-11-27T18:00:00+08:00"), Date.parse("2026-11-27T10:00:00Z"))
    assert.strictEqual(Time.parseAsOf("2026-11-27T10:00:00Z"), Date.parse("2026-11-27T10:00:00Z"))
    for (const bad of ["2026-02-30", "27/11/2026", "2026-11-27T18:00:00", "now", ""]) assert.isUndefined(Time.parseAsOf(bad), bad)
  })
})
