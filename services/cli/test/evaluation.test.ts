import { assert, describe, it } from "@effect/vitest"
import { Labels, Matching, MatchRule } from "@relink/core"
import { Redacted } from "effect"
import * as Evaluation from "../src/render/Evaluation.ts"

/** A member and 45 observations of them, each carrying another set of the member's fields: one decided pair each, in many patterns. */
const member = Matching.person({ name: "张伟", idNumber: Redacted.make("11010519491231002X"), phone: Redacted.make("13800138000"), regions: ["510107"] })
const pairs: ReadonlyArray<Labels.Pair> = Array.from({ length: 45 }, (_, n) => {
  const observation = Matching.person({
    ...(n & 1 ? { name: "张伟" } : {}),
    ...(n & 2 ? { idNumber: Redacted.make("11010519491231002X") } : {}),
    ...(n & 8 ? { phone: Redacted.make("13800138000") } : {}),
    ...(n & 16 ? { gender: "M" as const } : {}),
    ...(n & 32 ? { birthDate: "1949-12-31" } : {}),
    regions: n & 4 ? ["510107"] : []
  })
  return { decision: { observationEventId: `o-${n}`, memberId: "m-1", resolution: n % 3 === 0 ? "rejected" : "confirmed" }, observation, member }
})

describe("the labelled evaluation, rendered", () => {
  const evaluation = Labels.evaluate(MatchRule.chinese, pairs)

  it("shows the 20 largest patterns on standard error, the rest summed, and every pair on the last line", () => {
    assert.isAbove(evaluation.rows.length, Evaluation.shownOnStandardError)
    const lines = Evaluation.table(evaluation)
    assert.strictEqual(lines.length, 1 + Evaluation.shownOnStandardError + 2)
    const rest = evaluation.rows.slice(Evaluation.shownOnStandardError)
    assert.strictEqual(lines.at(-2), `  ${String(rest.reduce((sum, r) => sum + Labels.pairCount(r.outcomes), 0)).padStart(6)} pairs in ${rest.length} more patterns`)
    assert.match(lines.at(-1) ?? "", new RegExp(`^ +45 +${Labels.confirmedCount(evaluation.overall)} +${45 - Labels.confirmedCount(evaluation.overall)} .* all decided pairs$`))
  })

  it("draws every pattern in the page's table and the largest in the chart, saying so", () => {
    const page = Evaluation.html(evaluation, "relink train --events e.ndjson")
    for (const row of evaluation.rows) assert.include(page, `<td>${row.zh}</td>`)
    const svg = Evaluation.svg(evaluation, "relink train --events e.ndjson")
    assert.isAbove(evaluation.rows.length, 40)
    assert.strictEqual(svg.match(/<g>/g)?.length, 40)
    assert.include(svg, `图中为最大的 40 个比对模式（共 ${evaluation.rows.length} 个）`)
  })
})
