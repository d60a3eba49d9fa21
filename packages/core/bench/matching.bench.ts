/**
 * Matching benchmark (issue 4): observations/s and per-observation latency (mean, p50, p99) at
 * 10,000 and at 1,000,000 candidate members, with the ratio of the two. The goal is that one
 * observation costs at most 2× as much against 1,000,000 members as against 10,000: the blocking
 * keys and the per-key bucket cap (`Matching.maxBucket`) keep the candidate set small.
 *
 *   pnpm exec node packages/core/bench/matching.bench.ts [--members 1000000] [--small 10000] [--rounds 20] [--seed 1] [--quick]
 *
 * Candidates are the registrations of a simulated population (`Matching.personOfMember` of the
 * `MemberRegistered` fragment); the small index is the first `small` of them, the large one all.
 * Queries are the same for both: the simulation's labelled, noisy observations of the first
 * `small` members and its decoys made after them, so both indexes hold every true member.
 */
import { Result } from "effect"
import * as Event from "../src/Event.ts"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Observations, Simulation } from "../../simulation/src/index.ts"
import { asOf, header, int, line, micros, now, numberOptions, peakRssMb, perSecond, quantile, seconds, timed } from "./common.ts"

const options = numberOptions({ members: 1_000_000, small: 10_000, rounds: 20, seed: 1 })
if (options.quick) {
  options.members = Math.min(options.members, 100_000)
  options.rounds = Math.min(options.rounds, 2)
}
const rule = MatchRule.chinese

header("matching: observations/s and latency at 10k vs 1M candidates (issue 4)")

const memberNumber = (memberId: string): number => Number(memberId.slice(2))

interface Query {
  readonly eventId: string
  readonly observation: Scan.Observation
  readonly label: Observations.Label
}

// --- Input, not timed: candidates from registrations, queries from labelled observations.
let personMs = 0
const input = timed(() => {
  const candidates: Array<Matching.Candidate> = []
  const seen = new Set<string>()
  const queries = new Map<string, Query>()
  let events = 0
  for (const item of Simulation.generate({ members: options.members, seed: options.seed, asOf })) {
    events++
    const wire = item.event
    if (wire.type === "MemberRegistered") {
      if (seen.has(wire.memberId)) continue
      seen.add(wire.memberId)
      const decoded = Event.decodeUnknown(wire)
      if (Result.isFailure(decoded)) continue
      const fragment = Projection.fromEvent(decoded.success)
      if (fragment === undefined) continue
      const start = now()
      const person = Matching.personOfMember(fragment)
      personMs += now() - start
      if (person !== undefined) candidates.push({ memberId: wire.memberId, person })
    } else if (item.label !== undefined && !queries.has(wire.eventId)) {
      const about = item.label.memberId ?? item.label.resembles
      if (about === undefined || memberNumber(about) > options.small) continue
      const decoded = Event.decodeUnknown(wire)
      if (Result.isSuccess(decoded) && Scan.isObservation(decoded.success)) {
        queries.set(wire.eventId, { eventId: wire.eventId, observation: decoded.success, label: item.label })
      }
    }
  }
  candidates.sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
  return { candidates, queries: [...queries.values()], events }
})
const { candidates, queries } = input.result
line("input", `${int(candidates.length)} members (simulation of ${int(options.members)}, ${int(input.result.events)} events, seed ${options.seed})`)
line("  generated in (not timed)", seconds(input.ms))
line("  Matching.personOfMember per member", `${micros(personMs / candidates.length)} (${seconds(personMs)} in all)`)
line("  queries", `${int(queries.length)} labelled observations about the first ${int(options.small)} members (${int(queries.filter((q) => q.label.memberId === undefined).length)} decoys)`)

const observed = queries.map((q) => Matching.personOfObservation(q.observation))

interface Run {
  readonly size: number
  readonly buildMs: number
  readonly keys: number
  readonly cappedKeys: number
  readonly cappedMembers: number
  /** candidatesFor + match, per observation. */
  readonly latencies: ReadonlyArray<number>
  /** personOfObservation + candidatesFor + match: all an observation costs. */
  readonly fullLatencies: ReadonlyArray<number>
  readonly totalMs: number
  readonly lookups: number
  readonly candidatesPerQuery: number
  readonly recall: number
  readonly autoLinkRecall: number
  readonly falseAutoLinks: number
  /** True members found only through a bucket over the cap, i.e. lost to the cap. */
  readonly lostToCap: number
  readonly falseAutoLinkExamples: ReadonlyArray<string>
}

const measure = (size: number): Run => {
  const members = candidates.slice(0, size)
  const build = timed(() => Matching.index(members, rule))
  const idx = build.result
  let cappedKeys = 0
  let cappedMembers = 0
  for (const bucket of idx.byKey.values()) {
    if (bucket.length > Matching.maxBucket) {
      cappedKeys++
      cappedMembers += bucket.length
    }
  }
  const run = () => {
    const latencies: Array<number> = []
    const fullLatencies: Array<number> = []
    const proposals: Array<ReadonlyArray<Matching.Proposal>> = []
    let compared = 0
    const start = now()
    for (const query of queries) {
      const t0 = now()
      const person = Matching.personOfObservation(query.observation)
      const t1 = now()
      const found = person === undefined ? [] : Matching.candidatesFor(idx, person)
      const proposed = person === undefined ? [] : Matching.match(query.eventId, person, found, rule)
      const t2 = now()
      latencies.push(t2 - t1)
      fullLatencies.push(t2 - t0)
      compared += found.length
      proposals.push(proposed)
    }
    return { latencies, fullLatencies, totalMs: now() - start, compared, proposals }
  }
  run() // warm-up, not counted
  const latencies: Array<number> = []
  const fullLatencies: Array<number> = []
  let totalMs = 0
  let compared = 0
  let last: ReturnType<typeof run> | undefined
  for (let r = 0; r < options.rounds; r++) {
    last = run()
    for (const l of last.latencies) latencies.push(l)
    for (const l of last.fullLatencies) fullLatencies.push(l)
    totalMs += last.totalMs
    compared += last.compared
  }
  let found = 0
  let autoLinked = 0
  let falseAutoLinks = 0
  let memberQueries = 0
  let lostToCap = 0
  const falseAutoLinkExamples: Array<string> = []
  queries.forEach((query, i) => {
    const proposals = last?.proposals[i] ?? []
    const truth = query.label.memberId
    for (const p of proposals) {
      if (p.decision !== "auto-link" || p.memberId === truth) continue
      falseAutoLinks++
      const about = truth === undefined ? `a decoy resembling ${query.label.resembles ?? "?"}` : `${truth}`
      falseAutoLinkExamples.push(`${query.eventId} (${query.label.noise}, truly ${about}) → ${p.memberId}: ${Matching.explain(p.explanation, rule, "en")}`)
    }
    if (truth === undefined) return
    memberQueries++
    if (proposals.some((p) => p.memberId === truth)) found++
    if (proposals.some((p) => p.memberId === truth && p.decision === "auto-link")) autoLinked++
    const person = observed[i]
    if (person === undefined) return
    // Would the true member be a candidate without the cap, and is it one with it?
    const keys = Matching.blockingKeys(person, rule)
    const uncapped = keys.some((k) => idx.byKey.get(k)?.includes(truth) === true)
    const capped = Matching.candidatesFor(idx, person).some((c) => c.memberId === truth)
    if (uncapped && !capped) lostToCap++
  })
  latencies.sort((a, b) => a - b)
  fullLatencies.sort((a, b) => a - b)
  return {
    size: members.length,
    buildMs: build.ms,
    keys: idx.byKey.size,
    cappedKeys,
    cappedMembers,
    latencies,
    fullLatencies,
    totalMs,
    lookups: queries.length * options.rounds,
    candidatesPerQuery: compared / (queries.length * options.rounds),
    recall: found / memberQueries,
    autoLinkRecall: autoLinked / memberQueries,
    falseAutoLinks,
    lostToCap,
    falseAutoLinkExamples
  }
}

const mean = (xs: ReadonlyArray<number>): number => xs.reduce((s, x) => s + x, 0) / xs.length

const report = (run: Run): void => {
  console.log("")
  line(`${int(run.size)} candidate members`, "")
  line("  index build (Matching.index)", `${seconds(run.buildMs)} (${int(run.size / (run.buildMs / 1000))} members/s, ${int(run.keys)} keys)`)
  line("  keys over the cap (maxBucket)", `${int(run.cappedKeys)} keys holding ${int(run.cappedMembers)} member entries (cap ${Matching.maxBucket})`)
  line("  observations/s (candidatesFor + match)", `${perSecond(run.latencies.length, run.latencies.reduce((a, b) => a + b, 0))}  (${int(run.lookups)} lookups, ${options.rounds} rounds)`)
  line("  latency mean / p50 / p99 / max", `${micros(mean(run.latencies))} / ${micros(quantile(run.latencies, 0.5))} / ${micros(quantile(run.latencies, 0.99))} / ${micros(quantile(run.latencies, 1))}`)
  line("  incl. personOfObservation: mean / p50 / p99", `${micros(mean(run.fullLatencies))} / ${micros(quantile(run.fullLatencies, 0.5))} / ${micros(quantile(run.fullLatencies, 0.99))}  (${perSecond(run.fullLatencies.length, run.fullLatencies.reduce((a, b) => a + b, 0))})`)
  line("  candidates compared per observation", run.candidatesPerQuery.toFixed(1))
  line("  true member proposed (any) / auto-linked", `${(run.recall * 100).toFixed(2)} % / ${(run.autoLinkRecall * 100).toFixed(2)} %`)
  line("  false auto-links", int(run.falseAutoLinks))
  for (const text of run.falseAutoLinkExamples.slice(0, 3)) console.log(`     ${text}`)
  line("  true members lost to the bucket cap", int(run.lostToCap))
  line("  peak RSS so far", `${peakRssMb().toFixed(0)} MB`)
}

const small = measure(Math.min(options.small, candidates.length))
report(small)
const large = measure(candidates.length)
report(large)

const ratio = (f: (r: Run) => number): string => (f(large) / f(small)).toFixed(2)
const perObservation = (run: Run): number => run.totalMs / run.lookups
console.log("")
line(`cost ratio ${int(large.size)} / ${int(small.size)} (goal ≤ 2.00)`, "")
line("  candidatesFor + match: mean / p50 / p99", `${ratio((r) => mean(r.latencies))}× / ${ratio((r) => quantile(r.latencies, 0.5))}× / ${ratio((r) => quantile(r.latencies, 0.99))}×`)
line("  all of it (with personOfObservation): mean / p50", `${ratio((r) => mean(r.fullLatencies))}× / ${ratio((r) => quantile(r.fullLatencies, 0.5))}×`)
line("  loop time per observation (incl. timer calls)", `${ratio(perObservation)}×`)
line("  candidates compared per observation", `${ratio((r) => r.candidatesPerQuery)}×  (${small.candidatesPerQuery.toFixed(1)} → ${large.candidatesPerQuery.toFixed(1)})`)
line("peak RSS (maxRSS)", `${peakRssMb().toFixed(0)} MB`)
