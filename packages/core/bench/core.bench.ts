/**
 * Core benchmark (issue 2): decode + merge (the fold) in events/s, evaluation of every member in
 * members/s, and the peak RSS, over the first 1,000,000 events of a simulated stream.
 *
 *   pnpm exec node packages/core/bench/core.bench.ts [--events 1000000] [--members 70000] [--seed 1] [--quick]
 *
 * The simulation gives ~15 events per member, so 1,000,000 events need ~67,000 members (the issue's
 * "1,000,000 events for 50,000 members" would be 20 per member); the output says what was run.
 * Lines are generated and serialised to NDJSON strings in memory before any timing starts.
 */
import { Result } from "effect"
import * as Event from "../src/Event.ts"
import * as JsonKeys from "../src/internal/JsonKeys.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Simulation } from "../../simulation/src/index.ts"
import { asOf, header, heapUsedMb, int, line, micros, numberOptions, peakRssMb, perSecond, seconds, timed } from "./common.ts"

const options = numberOptions({ events: 1_000_000, members: 70_000, seed: 1 })
if (options.quick) {
  options.events = Math.min(options.events, 100_000)
  options.members = Math.min(options.members, 7_000)
}

header("core: decode + merge, evaluate (issue 2)")
const rssAtStart = peakRssMb()

// --- Input, not timed: the first `events` events of the stream as NDJSON lines.
const generated = timed(() => {
  const lines: Array<string> = []
  let registrations = 0
  let observations = 0
  for (const item of Simulation.generate({ members: options.members, seed: options.seed, asOf })) {
    if (lines.length >= options.events) break
    lines.push(JSON.stringify(item.event))
    if (item.event.type === "MemberRegistered") registrations++
    if (item.label !== undefined) observations++
  }
  return { lines, registrations, observations }
})
const { lines } = generated.result
const bytes = lines.reduce((n, l) => n + l.length, 0)
line("input", `${int(lines.length)} events (first ${int(lines.length)} of a ${int(options.members)}-member simulation, seed ${options.seed})`)
line("  MemberRegistered in them", `${int(generated.result.registrations)} (incl. ~1 % redelivered duplicates)`)
line("  labelled observations in them", int(generated.result.observations))
line("  NDJSON characters", `${int(bytes)} (${(bytes / lines.length).toFixed(0)} per line)`)
line("  generated + serialised in (not timed)", seconds(generated.ms))
line("  peak RSS after input", `${peakRssMb().toFixed(0)} MB (${rssAtStart.toFixed(0)} MB after loading the modules)`)

// (a)–(c) in a block, so that their state can be collected before the breakdown pass below.
{
  // --- (a) decode + merge: `Event.decodeLine` then `Scan.addAsOf`, exactly what `Scan.run` does per line.
  const state = Scan.make()
  let invalid = 0
  const fold = timed(() => {
    for (const text of lines) {
      const decoded = Event.decodeLine(text)
      if (Result.isSuccess(decoded)) Scan.addAsOf(state, decoded.success, asOf)
      else invalid++
    }
  })
  console.log("")
  line("(a) decode + merge", `${perSecond(lines.length, fold.ms)}  (${seconds(fold.ms)}; target ≥ 300,000/s)`)
  line("  invalid lines", int(invalid))
  line("  member projections", int(state.members.size))
  line("  organisations", int(state.orgs.size))
  line("  open observations", int(state.observations.size))
  line("  heap used after fold", `${heapUsedMb().toFixed(0)} MB`)

  // --- (b) evaluate: `Status.evaluate` for every member, no matching.
  const orgs = OrgTree.make(state.orgs.values())
  const statuses = new Map<Status.Status, number>()
  let registered = 0
  const evaluation = timed(() => {
    for (const projection of state.members.values()) {
      const evaluated = Status.evaluate(projection, asOf, Policy.defaults, orgs)
      if (evaluated === undefined) continue
      registered++
      statuses.set(evaluated.status, (statuses.get(evaluated.status) ?? 0) + 1)
    }
  })
  console.log("")
  line("(b) evaluate (Status.evaluate, no matching)", `${perSecond(registered, evaluation.ms)} members  (${seconds(evaluation.ms)})`)
  line("  as events/s of the input", perSecond(lines.length, evaluation.ms))
  line("  registered members evaluated", int(registered))
  const matchable = [...statuses].filter(([s]) => Status.matchable.has(s)).reduce((n, [, c]) => n + c, 0)
  line("  statuses", Status.statuses.filter((s) => statuses.has(s)).map((s) => `${s} ${int(statuses.get(s) ?? 0)}`).join(", "))

  // --- (c) Scan.evaluate: the same evaluation, plus proposals for open observations (matching).
  const scan = timed(() => Scan.evaluate(state, { asOf, policy: Policy.defaults }))
  console.log("")
  line("(c) Scan.evaluate (evaluate + matching)", `${perSecond(scan.result.evaluations.length, scan.ms)} members  (${seconds(scan.ms)})`)
  line("  of which matching (c − b), approx.", `${seconds(Math.max(0, scan.ms - evaluation.ms))} for ${int(state.observations.size)} observations against ${int(matchable)} matchable members`)
  line("  proposals", `${int(scan.result.proposals.length)} (${int(scan.result.proposals.filter((p) => p.decision === "auto-link").length)} auto-link)`)
  console.log("")
  line("peak RSS (maxRSS) after (a)–(c)", `${peakRssMb().toFixed(0)} MB (NDJSON lines in memory + state + evaluations)`)
}

// --- Breakdown of (a), for profiling: the same work in chunks of 10,000 lines, decoded into an
// array (timed), then folded into a fresh state (timed), so each side is measured on its own.
const breakdown = (() => {
  const chunk = 10_000
  const fresh = Scan.make()
  let parseMs = 0
  let keysMs = 0
  let decodeMs = 0
  let mergeMs = 0
  for (let start = 0; start < lines.length; start += chunk) {
    const slice = lines.slice(start, start + chunk)
    const parsed = timed(() => slice.map((text) => JSON.parse(text) as unknown))
    parseMs += parsed.ms
    keysMs += timed(() => slice.filter((text, i) => JsonKeys.inText(text) !== JsonKeys.inValue(parsed.result[i]))).ms
    const decoded = timed(() => slice.map((text) => Event.decodeLine(text)))
    decodeMs += decoded.ms
    mergeMs += timed(() => {
      for (const result of decoded.result) if (Result.isSuccess(result)) Scan.addAsOf(fresh, result.success, asOf)
    }).ms
  }
  return { parseMs, keysMs, decodeMs, mergeMs }
})()
console.log("")
line("breakdown of (a), second pass in 10k chunks:", "")
line("  JSON.parse alone", `${perSecond(lines.length, breakdown.parseMs)}  (${seconds(breakdown.parseMs)})`)
line("  Event.decodeLine (JSON.parse + Schema)", `${perSecond(lines.length, breakdown.decodeMs)}  (${seconds(breakdown.decodeMs)})`)
line("    of which the duplicate-key check", `${micros(breakdown.keysMs / lines.length)} per line (${seconds(breakdown.keysMs)}): keys in the text against keys parsed`)
line("  Scan.addAsOf (Projection.fromEvent + merge)", `${perSecond(lines.length, breakdown.mergeMs)}  (${seconds(breakdown.mergeMs)})`)

line("peak RSS (maxRSS) after the breakdown pass", `${peakRssMb().toFixed(0)} MB`)
