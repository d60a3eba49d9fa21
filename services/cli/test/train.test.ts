import { assert, describe, it } from "@effect/vitest"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { type Event, Labels, Matching, MatchRule, Policy, Scan } from "@relink/core"
import { AS_OF, ok, oneLineError, relink, simulate, tempDir } from "./helpers.ts"

const AS_OF_INSTANT = Date.parse("2026-11-27T23:59:59+08:00")

const decodeRule = (text: string): MatchRule.MatchRule => {
  const decoded = MatchRule.decode(JSON.parse(text))
  if (Result.isFailure(decoded)) throw new Error(`not a match rule: ${decoded.failure.message}`)
  return decoded.success
}

/** The rule without the instant it was trained at: what the same events and seed give again. */
const timeless = (rule: MatchRule.MatchRule) => ({ ...rule, trained: { ...rule.trained, at: "" } })

describe("relink train", () => {
  const sim = simulate(1_500, 6)
  const dir = tempDir("train")
  const trainedPath = join(dir, "rule.json")
  const run = ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "--out", trainedPath]))
  const trained = decodeRule(readFileSync(trainedPath, "utf8"))

  it("writes a rule the worker and the scan accept, the built-in rule's comparisons and blocking with new numbers", () => {
    assert.deepStrictEqual(
      trained.comparisons.map((c) => [c.name, c.levels.map((l) => l.label)]),
      MatchRule.chinese.comparisons.map((c) => [c.name, c.levels.map((l) => l.label)])
    )
    assert.deepStrictEqual(trained.blocking, MatchRule.chinese.blocking)
    assert.notDeepEqual(trained.comparisons, MatchRule.chinese.comparisons)
    assert.notStrictEqual(trained.prior, MatchRule.chinese.prior)
    assert.match(run.stderr, /trained on 1,\d{3} members and [\d,]+ observations/)
    assert.match(run.stderr, /blocked on namePinyin \+ birthDate: [\d,]+ pairs, m of idNumber, gender, phone, region/)
  })

  it("gives the same rule for the same events and seed", () => {
    const again = ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "-q"]))
    assert.deepStrictEqual(timeless(decodeRule(again.stdout)), timeless(trained))
    assert.strictEqual(again.stderr, "")
  })

  it("makes relink scan --rule propose what the embedded scan proposes under the trained rule", () => {
    const scanned = ok(relink(["scan", "--events", sim.eventsPath, "--as-of", AS_OF, "--rule", trainedPath, "-q"]))
    const rows = scanned.stdout.split("\n").filter((l) => l.length > 0).map((l): { kind: string; weight?: number; memberId: string; observationEventId?: string } => JSON.parse(l))
    const expected = Scan.run(sim.events, { asOf: AS_OF_INSTANT, policy: Policy.defaults, rule: trained }).proposals
    // Rows carry the weight to three decimals.
    const key = (p: { readonly observationEventId?: string; readonly memberId: string; readonly weight?: number }) => `${p.observationEventId}|${p.memberId}|${p.weight?.toFixed(3)}`
    assert.isAbove(expected.length, 0)
    assert.deepStrictEqual(rows.filter((r) => r.kind === "match").map(key), expected.map((p: Matching.Proposal) => key(p)))
  })

  it("keeps the starting rule's probability thresholds, or sets those given", () => {
    assert.strictEqual(trained.autoLinkProbability, MatchRule.chinese.autoLinkProbability)
    assert.strictEqual(trained.reviewProbability, MatchRule.chinese.reviewProbability)
    const tuned = decodeRule(ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "--auto-link", "0.9999", "--review", "0.99", "-q"])).stdout)
    assert.deepStrictEqual(timeless({ ...tuned, autoLinkProbability: trained.autoLinkProbability, reviewProbability: trained.reviewProbability }), timeless(trained))
    assert.strictEqual(tuned.autoLinkProbability, 0.9999)
    assert.strictEqual(tuned.reviewProbability, 0.99)
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--review", "1.5"], 2), /review/)
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--auto-link", "0.9", "--review", "0.99"], 2), /--review: 0\.99 is above the auto-link probability 0\.9/)
  })

  it("refuses to train on too few members, writing nothing", () => {
    const small = simulate(60, 5)
    const out = join(dir, "small.json")
    assert.strictEqual(
      oneLineError(["train", "--events", small.eventsPath, "--as-of", AS_OF, "--out", out, "-q"], 1),
      `relink: cannot train on ${small.eventsPath}: 60 members: u is estimated from random pairs of members, which takes at least 1,000; nothing written`
    )
    assert.isFalse(existsSync(out))
  })

  it("says, even with --quiet, when a comparison's m is the starting rule's because no session could estimate it", () => {
    const byIdNumber = join(dir, "by-id.json")
    writeFileSync(byIdNumber, JSON.stringify({ ...MatchRule.chinese, blocking: [["idNumber"]] }))
    const quiet = ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "--rule", byIdNumber, "-q"]))
    assert.strictEqual(quiet.stderr, "relink: warning: m of idNumber is the starting rule's, not trained: no blocking rule brought together 30 pairs to estimate it from\n")
    const mOfIdNumber = (rule: MatchRule.MatchRule) => rule.comparisons.find((c) => c.name === "idNumber")?.levels.map((l) => l.m)
    assert.deepStrictEqual(mOfIdNumber(decodeRule(quiet.stdout)), mOfIdNumber(MatchRule.chinese))
    const told = ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "--rule", byIdNumber]))
    assert.match(told.stderr, /idNumber \/ exact: m [^\n]*; m kept from the starting rule\)/)
  })

  it("fits the early warning on the export's history into the rule, and the list warns by it", () => {
    assert.isDefined(trained.earlyWarning)
    assert.match(run.stderr, /early warning: backtest in [\d.]+ s over \d+ monthly origins/)
    assert.match(run.stderr, /chosen: [^;]+; at its threshold, held out: precision [\d.]+, recall [\d.]+/)
    assert.match(run.stderr, /calibration, held out \(decile: members, predicted, observed\): 1: /)
    const policy = Policy.withModel(Policy.defaults, trained.earlyWarning)
    const warned = Scan.run(sim.events, { asOf: AS_OF_INSTANT, policy }).evaluations.filter((e) => e.flags.includes("early-warning"))
    const list = JSON.parse(ok(relink(["report", "early-warning", "--events", sim.eventsPath, "--as-of", AS_OF, "--rule", trainedPath, "--format", "json", "--out", "-", "-q"])).stdout) as {
      readonly rows: ReadonlyArray<{ readonly memberId: string }>
    }
    assert.isAbove(warned.length, 0)
    assert.deepStrictEqual(list.rows.map((r) => r.memberId).sort(), warned.map((e) => e.memberId).sort())
  })

  it("says, even with --quiet, that a history too short leaves the rule without an early warning of its own", () => {
    // Three years of history: the backtest needs twelve months, then two years of horizon, then an origin to learn from and one to test.
    const short = ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--horizon", "730", "--seed", "3", "--pairs", "50000", "-q"]))
    assert.match(short.stderr, /^relink: warning: the early warning is not fitted: .*; the rule keeps no early-warning model \(the policy's default applies\)\n$/)
    assert.isUndefined(decodeRule(short.stdout).earlyWarning)
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--warning-precision", "1"], 2), /warning-precision/)
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--horizon", "5"], 2), /horizon/)
  })

  it("gives the built-in rule's thresholds in its help", () => {
    const help = ok(relink(["train", "--help"])).stdout.replace(/\s+/g, " ")
    assert.include(help, `the built-in rule's is ${MatchRule.chinese.autoLinkProbability}`)
    assert.include(help, `the built-in rule's is ${MatchRule.chinese.reviewProbability}`)
  })

  it("answers a --rule that is no rule with one line and exit code 2", () => {
    const notJson = join(dir, "not.json")
    writeFileSync(notJson, "prior: 0.1\n")
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--rule", notJson], 2), /--rule: .*not\.json: not JSON/)
    const badProbability = join(dir, "bad.json")
    writeFileSync(badProbability, JSON.stringify({ ...MatchRule.chinese, prior: 2 }))
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--rule", badProbability], 2), /--rule: .*bad\.json: not a match rule: prior: a probability must be in \(0, 1\]/)
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--rule", join(dir, "missing.json")], 2), /--rule: .*missing\.json: no such file or directory$/)
  })

  it("says in the rule what it was trained on: the export as named, when, the members and observations read and the decided pairs", () => {
    const provenance = trained.trained
    assert.isDefined(provenance)
    assert.strictEqual(provenance?.events, sim.eventsPath)
    assert.isTrue(Date.now() - Date.parse(provenance?.at ?? "") < 10 * 60_000, provenance?.at)
    assert.match(run.stderr, new RegExp(`trained on ${provenance?.members.toLocaleString("en-US")} members and ${provenance?.observations.toLocaleString("en-US")} observations`))
    const state = foldOf(sim.events)
    assert.strictEqual(provenance?.labels, Labels.pairsOf(state, Labels.ofState(state)).pairs.length)
    assert.isAbove(provenance?.labels ?? 0, 0)
  })

  it("learns from --labels besides the export's decisions, a later decision on a pair replacing the export's, and evaluates the starting rule against them", () => {
    const state = foldOf(sim.events)
    const proposals = Scan.run(sim.events, { asOf: AS_OF_INSTANT, policy: Policy.defaults }).proposals.slice(0, 30)
    const [flipped] = Labels.ofState(state).filter((d) => d.resolution === "confirmed")
    if (flipped === undefined) throw new Error("the simulation confirmed no pair")
    // A clerk confirms what the rule auto-links and rejects what it leaves for review, and changes their mind about one confirmed pair.
    const decisions: ReadonlyArray<Labels.Decision> = [
      ...proposals.map((p) => ({ observationEventId: p.observationEventId, memberId: p.memberId, resolution: p.decision === "auto-link" ? ("confirmed" as const) : ("rejected" as const) })),
      { ...flipped, resolution: "rejected" }
    ]
    const labelsPath = join(dir, "decisions.ndjson")
    writeFileSync(labelsPath, `${decisions.map(resolvedLine).join("\n")}\r\n\n`)
    const pagePath = join(dir, "evaluation.html")
    const learnt = ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "--labels", labelsPath, "--evaluation", pagePath, "--out", join(dir, "labelled.json")]))
    const rule = decodeRule(readFileSync(join(dir, "labelled.json"), "utf8"))
    const expected = Labels.pairsOf(state, Labels.merge(Labels.ofState(state), decisions))
    const confirmed = expected.pairs.filter((p) => p.decision.resolution === "confirmed").length
    assert.strictEqual(rule.trained?.labels, expected.pairs.length)
    assert.include(learnt.stderr, `labels: ${expected.pairs.length} decided pairs, ${confirmed} confirmed (each EM session takes the clerks' answer for them), ${expected.pairs.length - confirmed} rejected`)
    assert.notDeepEqual(rule.comparisons, trained.comparisons)
    const evaluation = Labels.evaluate(MatchRule.chinese, expected.pairs)
    const overall = `${String(expected.pairs.length).padStart(6)} ${String(confirmed).padStart(9)} ${String(expected.pairs.length - confirmed).padStart(8)}`
    assert.match(learnt.stderr, new RegExp(`\\n  ${overall}  .* ${Labels.precision(evaluation.overall).toFixed(3)} +${Labels.recall(evaluation.overall).toFixed(3)}  all decided pairs\\n`))
    assert.include(learnt.stderr, `  ${evaluation.rows[0]?.zh}\n`)
    const page = readFileSync(pagePath, "utf8")
    assert.match(page, /^<!DOCTYPE html>/)
    for (const row of evaluation.rows) assert.include(page, `<td>${row.zh}</td>`)
    assert.include(page, `核实人的 ${expected.pairs.length} 个结论（确认 ${confirmed}）`)
  })

  it("draws the evaluation as SVG alone, and refuses a picture of another kind before reading anything", () => {
    const chart = join(dir, "evaluation.svg")
    ok(relink(["train", "--events", sim.eventsPath, "--as-of", AS_OF, "--seed", "3", "--pairs", "50000", "--evaluation", chart, "-q"]))
    assert.match(readFileSync(chart, "utf8"), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*确认[^]*<\/svg>\n$/)
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--evaluation", join(dir, "evaluation.png")], 2), /^relink: --evaluation: .*evaluation\.png: the evaluation is drawn as \.html or \.svg$/)
  })

  it("refuses a labels file with a line that is no MatchResolved event, naming the line, with exit code 2 and nothing written", () => {
    const out = join(dir, "refused.json")
    const good = resolvedLine({ observationEventId: "o-1", memberId: "m-1", resolution: "confirmed" })
    const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
      ["not-json.ndjson", `${good}\n{"type":`, /: line 2: /],
      ["other-event.ndjson", `${good}\n\n${JSON.stringify({ eventId: "e-2", type: "ContactRecorded", occurredAt: "2026-11-20T10:00:00+08:00", orgId: "org-1", memberId: "m-1", channel: "phone" })}`, /: line 3: a ContactRecorded event, not MatchResolved: a label is a clerk's decision on a pair$/],
      ["unknown-resolution.ndjson", good.replace('"confirmed"', '"maybe"'), /: line 1: .*resolution/]
    ]
    for (const [name, text, reason] of cases) {
      const path = join(dir, name)
      writeFileSync(path, text)
      const line = oneLineError(["train", "--events", sim.eventsPath, "--labels", path, "--out", out], 2)
      assert.isTrue(line.startsWith(`relink: --labels: ${path}: line `), line)
      assert.match(line, reason)
    }
    assert.match(oneLineError(["train", "--events", sim.eventsPath, "--labels", join(dir, "absent.ndjson"), "--out", out], 2), /^relink: --labels: .*absent\.ndjson: no such file or directory$/)
    assert.isFalse(existsSync(out))
  })
})

/** The events folded as `relink train` folds them, as of the export. */
const foldOf = (events: ReadonlyArray<Event.Event>): Scan.State => {
  const state = Scan.make()
  for (const event of events) Scan.addAsOf(state, event, AS_OF_INSTANT)
  return state
}

let labelId = 0
/** A clerk's decision as a line of `relink resolve`'s output. */
const resolvedLine = (decision: Labels.Decision): string =>
  JSON.stringify({ eventId: `label-${++labelId}`, type: "MatchResolved", occurredAt: "2026-11-20T10:00:00+08:00", orgId: "org-dept", ...decision })
