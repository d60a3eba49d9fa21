/**
 * Matching evaluation: a labelled synthetic set — members, noisy observations of them and decoys
 * (people who are no member but share or sound like a member's name, some born the same year in
 * the same county) — matched with `MatchRule.chinese` or a rule trained on the set, with auto-link
 * and any-proposal precision / recall per noise kind and per pattern of agreeing fields.
 * Goals: auto-link precision ≥ 0.999; auto-link recall ≥ 0.95 in every pattern with a name, a
 * birth date and one more agreeing field; any-proposal recall ≥ 0.99 at precision ≥ 0.98.
 *
 *   pnpm exec node packages/core/bench/matching.eval.ts [--members 50000] [--observationRate 3] [--decoyRate 0.1] [--seed 7] [--examples 3] [--train 0|1] [--reasoned 0|1] [--review P] [--autoLink P] [--quick]
 *
 * With `--train 1` the rule is first trained on the set itself, unlabelled (`Training.train`:
 * members and every observation, labels unused), starting from `MatchRule.chinese` as `relink
 * train` does; with `--reasoned 1` the rule is `MatchRule.reasoned` itself, untrained. `--review`
 * and `--autoLink` set the rule's probability thresholds (the rule's own when absent). Besides
 * the tables per noise kind and per pattern of agreeing fields, it sweeps both thresholds and
 * writes a picture ($TMPDIR/relink-matching-eval.svg): the weights of true and false blocked pairs
 * with the thresholds marked, and precision against recall.
 *
 * Two settings are reported:
 * - "matcher": every labelled observation against ALL registered members (their projections as
 *   of the export; blocking, scoring and the auto-link rule as `Scan` uses them). This measures the
 *   matcher itself; it is the stricter test for precision (every member is a possible false link)
 *   and recall does not depend on a member's status. The goals are judged on it.
 * - "scan": `Scan.run` over the same stream, as the product runs it: candidates are only the
 *   members unlinked or at risk at the export instant, and observations a reviewer already
 *   confirmed are not proposed again. Its recall counts only open observations whose member is
 *   matchable; the simulation also observes steady and deceased members (a 民政 death record),
 *   who are rightly not candidates there.
 *
 * Precision is per proposal (a review list naming two members for one observation has one wrong
 * proposal); recall is per observation of a member (its member is among the proposals).
 */
import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import * as Event from "../src/Event.ts"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import * as Training from "../src/Training.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Noise, Observations, Simulation } from "../../simulation/src/index.ts"
import { asOf, header, int, line, numberOptions, seconds, timed } from "./common.ts"
import * as Plot from "./plot.ts"

const options = numberOptions({ members: 50_000, observationRate: 3, decoyRate: 0.1, seed: 7, examples: 3, train: 0, reasoned: 0, review: 0, autoLink: 0 })
if (options.quick) options.members = Math.min(options.members, 20_000)

header("matching evaluation: precision / recall per noise kind and per pattern")

// --- The labelled set.
const input = timed(() => {
  const events: Array<Event.Event> = []
  const labels = new Map<string, Observations.Label>()
  let invalid = 0
  for (const item of Simulation.generate({
    members: options.members,
    seed: options.seed,
    asOf,
    observationRate: options.observationRate,
    decoyRate: options.decoyRate,
    // Registrations as they should be: each observation's noise, by kind, is all that is measured.
    mistakeRate: 0
  })) {
    const decoded = Event.decodeUnknown(item.event)
    if (Result.isFailure(decoded)) {
      invalid++
      continue
    }
    events.push(decoded.success)
    if (item.label !== undefined) labels.set(item.event.eventId, item.label)
  }
  return { events, labels, invalid }
})
const { events, labels } = input.result
line(
  "set",
  `${int(options.members)} members, ${int(events.length)} events, ${int(labels.size)} labelled observations (seed ${options.seed}, observationRate ${options.observationRate}, decoyRate ${options.decoyRate})`
)
line("  generated + decoded in", seconds(input.ms))

/** The proposals each labelled observation received. */
type Outcomes = ReadonlyMap<string, ReadonlyArray<Matching.Proposal>>

interface Row {
  readonly kind: string
  observations: number
  autoTrue: number
  autoFalse: number
  anyTrue: number
  anyFalse: number
  /** Observations of a member whose member is among the proposals / auto-linked. */
  found: number
  autoFound: number
}

const row = (kind: string): Row => ({ kind, observations: 0, autoTrue: 0, autoFalse: 0, anyTrue: 0, anyFalse: 0, found: 0, autoFound: 0 })

/**
 * Proposals tabulated per row: each observation counts in the rows `rowsOf` names (its noise kind
 * by default), in the observations of members or the decoys, and overall.
 */
const tabulate = (
  outcomes: Outcomes,
  included: (eventId: string, label: Observations.Label) => boolean,
  rowsOf: (eventId: string, label: Observations.Label) => ReadonlyArray<string> = (_, label) => [label.noise],
  order: ReadonlyArray<string> = [...Noise.noiseKinds, ...Observations.decoyKinds]
): Array<Row> => {
  const rows = new Map<string, Row>()
  const memberRow = row("all observations of members")
  const decoyRow = row("all decoys")
  const overall = row("overall")
  for (const kind of order) rows.set(kind, row(kind))
  for (const [eventId, label] of labels) {
    if (!included(eventId, label)) continue
    const proposals = outcomes.get(eventId) ?? []
    const named = rowsOf(eventId, label).map((kind) => {
      const found = rows.get(kind) ?? row(kind)
      rows.set(kind, found)
      return found
    })
    for (const r of [...named, label.memberId === undefined ? decoyRow : memberRow, overall]) {
      r.observations++
      for (const p of proposals) {
        const right = p.memberId === label.memberId
        if (p.decision === "auto-link") {
          if (right) r.autoTrue++
          else r.autoFalse++
        }
        if (right) r.anyTrue++
        else r.anyFalse++
      }
      if (label.memberId !== undefined) {
        if (proposals.some((p) => p.memberId === label.memberId)) r.found++
        if (proposals.some((p) => p.memberId === label.memberId && p.decision === "auto-link")) r.autoFound++
      }
    }
  }
  return [...[...rows.values()].filter((r) => r.observations > 0), memberRow, decoyRow, overall]
}

const ratio = (a: number, b: number): string => (b === 0 ? "    —" : (a / b).toFixed(4))

const print = (title: string, rows: ReadonlyArray<Row>): void => {
  console.log("")
  console.log(`   ${title}`)
  console.log(
    `   ${"kind".padEnd(28)} ${"n".padStart(6)} │ ${"auto P".padStart(7)} ${"auto R".padStart(7)} ${"false".padStart(5)} │ ${"any P".padStart(7)} ${"any R".padStart(7)} ${"false".padStart(5)}`
  )
  for (const r of rows) {
    const members = r.kind.startsWith("decoy") || r.kind === "all decoys" ? 0 : r.observations - (r.kind === "overall" ? decoyCount(rows) : 0)
    if (r.kind === "all observations of members" || r.kind === "overall") console.log(`   ${"─".repeat(28)} ${"─".repeat(6)} ┼ ${"─".repeat(21)} ┼ ${"─".repeat(21)}`)
    console.log(
      `   ${r.kind.padEnd(28)} ${int(r.observations).padStart(6)} │ ${ratio(r.autoTrue, r.autoTrue + r.autoFalse).padStart(7)} ${ratio(r.autoFound, members).padStart(7)} ${int(r.autoFalse).padStart(5)} │ ${ratio(r.anyTrue, r.anyTrue + r.anyFalse).padStart(7)} ${ratio(r.found, members).padStart(7)} ${int(r.anyFalse).padStart(5)}`
    )
  }
}

const decoyCount = (rows: ReadonlyArray<Row>): number => rows.find((r) => r.kind === "all decoys")?.observations ?? 0

const goals = (rows: ReadonlyArray<Row>): string => {
  const overall = rows.find((r) => r.kind === "overall") as Row
  const members = overall.observations - decoyCount(rows)
  const autoP = overall.autoTrue / (overall.autoTrue + overall.autoFalse)
  const anyP = overall.anyTrue / (overall.anyTrue + overall.anyFalse)
  const anyR = overall.found / members
  const met = (ok: boolean) => (ok ? "met" : "MISSED")
  return `auto-link precision ${autoP.toFixed(4)} (≥ 0.999: ${met(autoP >= 0.999)}), any-proposal recall ${anyR.toFixed(4)} (≥ 0.99: ${met(anyR >= 0.99)}) at precision ${anyP.toFixed(4)} (≥ 0.98: ${met(anyP >= 0.98)})`
}

/**
 * What an observation agrees with its member on, read from the built-in rule's levels (a property
 * of the data, whatever rule is evaluated): the pattern of evidence a clerk would see.
 */
const agreeing: Readonly<Record<string, { readonly field: string; readonly levels: ReadonlySet<string> }>> = {
  idNumber: { field: "ID", levels: new Set(["exact", "exact after 15→18 upgrade", "same malformed number", "one digit wrong or two swapped"]) },
  name: { field: "name", levels: new Set(["exact", "same after traditional→simplified", "same pinyin (homophone)"]) },
  birthDate: { field: "birth", levels: new Set(["exact"]) },
  phone: { field: "phone", levels: new Set(["exact", "same last 8 digits"]) },
  region: { field: "county", levels: new Set(["same county"]) }
}

const patternOf = (observed: Matching.Person, member: Matching.Person): ReadonlyArray<string> =>
  Matching.compare(observed, member, MatchRule.chinese).comparisons.flatMap((c) => {
    const a = agreeing[c.comparison]
    return a !== undefined && a.levels.has(c.level) ? [a.field] : []
  })

/** The patterns the per-pattern goal is set on: a name, a birth date and at least one more agreeing field. */
const NAME_BIRTH_AND_MORE = "goal: name + birth + ≥1 more"
const inGoal = (fields: ReadonlyArray<string>): boolean =>
  fields.includes("name") && fields.includes("birth") && fields.some((f) => f !== "name" && f !== "birth")

const patternGoals = (rows: ReadonlyArray<Row>): string => {
  const short = rows.filter((r) => inGoal(r.kind.split(" + ")) && r.observations >= 20 && r.autoFound / r.observations < 0.95)
  const goal = rows.find((r) => r.kind === NAME_BIRTH_AND_MORE)
  const all = goal === undefined ? "—" : (goal.autoFound / goal.observations).toFixed(4)
  return `auto-link recall ${all} over name + birth + ≥1 more; patterns of ≥ 20 under 0.95: ${short.length === 0 ? "none (met)" : short.map((r) => `${r.kind} ${(r.autoFound / r.observations).toFixed(3)}`).join(", ")}`
}

// --- The rule: the default, or one trained on the set without its labels; thresholds as given.
const trainedOrDefault = options.train > 0 ? trainOnSet() : options.reasoned > 0 ? MatchRule.reasoned : MatchRule.chinese
const rule: MatchRule.MatchRule = {
  ...trainedOrDefault,
  ...(options.review > 0 && { reviewProbability: options.review }),
  ...(options.autoLink > 0 && { autoLinkProbability: options.autoLink })
}
line("thresholds", `review p ≥ ${rule.reviewProbability}, auto-link p ≥ ${rule.autoLinkProbability}`)

function trainOnSet(): MatchRule.MatchRule {
  const trained = timed(() => {
    const state = Scan.make()
    for (const event of events) Scan.addAsOf(state, event, asOf)
    const { members, observations } = Training.peopleOf(state)
    return Training.train(members, observations, MatchRule.chinese, { seed: options.seed })
  })
  if (Result.isFailure(trained.result)) throw new Error(`cannot train on the set: ${trained.result.failure.reason}`)
  const t = trained.result.success
  console.log("")
  line("trained", `${int(t.sampledPairs)} random member pairs, ${int(t.blockedPairs)} blocked pairs, prior ${t.rule.prior.toExponential(2)} (${t.priorIterations} iterations), in ${seconds(trained.ms)}`)
  for (const session of t.sessions) {
    line(`  session ${session.blocking.join(" + ")}`, `${int(session.pairs)} pairs, m of ${session.estimated.join(", ")}; ${session.iterations} iterations${session.converged ? "" : " (not converged)"}`)
  }
  for (const level of t.levels) {
    if (level.m === undefined) continue
    line(`  ${level.comparison} / ${level.level}`, `m ${level.m.toExponential(2)}  u ${level.u?.toExponential(2) ?? "—"}  weight ${level.weight.toFixed(2)}  (${int(level.sampledPairs)} sampled, ${int(level.blockedPairs)} blocked)`)
  }
  return t.rule
}

// --- Setting 1, "matcher": every labelled observation against every registered member.
const scan = timed(() => Scan.run(events, { asOf, policy: Policy.defaults, rule }))
const members = scan.result.members
const matcher = timed(() => {
  const candidates: Array<Matching.Candidate> = []
  for (const evaluation of scan.result.evaluations) {
    const person = Matching.personOfMember(members.get(evaluation.memberId) as Parameters<typeof Matching.personOfMember>[0])
    if (person !== undefined) candidates.push({ memberId: evaluation.memberId, person })
  }
  const idx = Matching.index(candidates, rule)
  const outcomes = new Map<string, ReadonlyArray<Matching.Proposal>>()
  const observed = new Map<string, Matching.Person>()
  for (const event of events) {
    if (!labels.has(event.eventId) || !Scan.isObservation(event)) continue
    const person = Matching.personOfObservation(event)
    if (person === undefined) continue
    observed.set(event.eventId, person)
    outcomes.set(event.eventId, Matching.match(event.eventId, person, Matching.candidatesFor(idx, person), rule))
  }
  return { outcomes, idx, observed }
})
const matcherRows = tabulate(matcher.result.outcomes, () => true)
print(`matcher: every labelled observation against all ${int(matcher.result.idx.members.size)} registered members (${seconds(matcher.ms)})`, matcherRows)
line("goals (matcher)", goals(matcherRows))

// --- The same proposals by pattern: what each observation agrees with its member on.
const patterns = new Map<string, ReadonlyArray<string>>()
for (const [eventId, label] of labels) {
  const observed = matcher.result.observed.get(eventId)
  const member = label.memberId === undefined ? undefined : matcher.result.idx.members.get(label.memberId)?.person
  if (observed === undefined) continue
  if (label.memberId === undefined) patterns.set(eventId, [label.noise])
  else if (member === undefined) patterns.set(eventId, ["member not registered"])
  else {
    const fields = patternOf(observed, member)
    const name = fields.length === 0 ? "nothing agrees" : fields.join(" + ")
    patterns.set(eventId, inGoal(fields) ? [name, NAME_BIRTH_AND_MORE] : [name])
  }
}
const patternRows = tabulate(
  matcher.result.outcomes,
  (eventId) => patterns.has(eventId),
  (eventId) => patterns.get(eventId) ?? [],
  [NAME_BIRTH_AND_MORE]
).sort((a, b) => rank(a) - rank(b) || b.observations - a.observations)
function rank(r: Row): number {
  return r.kind === "overall" ? 4 : r.kind === "all decoys" ? 3 : r.kind === "all observations of members" ? 2 : r.kind === NAME_BIRTH_AND_MORE ? 1 : r.kind.startsWith("decoy") ? 0.5 : 0
}
print("matcher, by pattern: the fields an observation agrees with its member on (ID: exact, upgraded or one digit off)", patternRows)
line("goals (patterns)", patternGoals(patternRows))

// --- Thresholds swept, and the picture: weights of true and false pairs, precision against recall.
sweep()

// --- Setting 2, "scan": Scan.run's own proposals.
const byObservation = new Map<string, Array<Matching.Proposal>>()
for (const p of scan.result.proposals) {
  const list = byObservation.get(p.observationEventId)
  if (list === undefined) byObservation.set(p.observationEventId, [p])
  else list.push(p)
}
const statusOf = new Map(scan.result.evaluations.map((e) => [e.memberId, e.status]))
const settled = new Set<string>()
for (const [memberId, projection] of members) {
  for (const [observationId, resolution] of Object.entries(projection.resolutions)) {
    if (resolution.value === "confirmed" && memberId !== "") settled.add(observationId)
  }
}
let notMatchable = 0
const notMatchableBy = new Map<string, number>()
let confirmed = 0
const inScan = (eventId: string, label: Observations.Label): boolean => {
  if (settled.has(eventId)) {
    confirmed++
    return false
  }
  if (label.memberId === undefined) return true
  const status = statusOf.get(label.memberId)
  if (status === undefined || !Status.matchable.has(status)) {
    notMatchable++
    notMatchableBy.set(status ?? "unregistered", (notMatchableBy.get(status ?? "unregistered") ?? 0) + 1)
    return false
  }
  return true
}
const scanRows = tabulate(byObservation, inScan)
print(`scan: Scan.run proposals, open observations of matchable members and all open decoys (${seconds(scan.ms)})`, scanRows)
line("  left out", `${int(confirmed)} already confirmed, ${int(notMatchable)} about members not unlinked / at risk at the export:`)
line("", [...notMatchableBy].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${int(n)}`).join(", "))
line("goals (scan)", goals(scanRows))

// --- A few failing cases, explained.
if (options.examples > 0) {
  const personOf = (memberId: string): Matching.Person | undefined => matcher.result.idx.members.get(memberId)?.person
  const falseAutoLinks: Array<string> = []
  const misses: Array<string> = []
  for (const [eventId, label] of labels) {
    const proposals = matcher.result.outcomes.get(eventId) ?? []
    const observed = matcher.result.observed.get(eventId)
    if (observed === undefined) continue
    for (const p of proposals) {
      if (p.decision === "auto-link" && p.memberId !== label.memberId && falseAutoLinks.length < options.examples) {
        const truth = label.memberId === undefined ? `decoy (${label.noise})` : `member ${label.memberId} (${label.noise})`
        falseAutoLinks.push(`${eventId} → ${p.memberId}, truly ${truth}: ${Matching.explain(p.explanation, rule, "en")}`)
      }
    }
    if (label.memberId !== undefined && !proposals.some((p) => p.memberId === label.memberId) && misses.length < options.examples * 3) {
      const truth = personOf(label.memberId)
      const blocked = Matching.candidatesFor(matcher.result.idx, observed).some((c) => c.memberId === label.memberId)
      const why = truth === undefined ? "member not registered" : Matching.explain(Matching.compare(observed, truth, rule), rule, "en")
      misses.push(`${eventId} (${label.noise}) ${blocked ? "compared" : "NOT BLOCKED"}: ${why}`)
    }
  }
  console.log("")
  line("false auto-links (matcher), first few", falseAutoLinks.length === 0 ? "none" : "")
  for (const text of falseAutoLinks) console.log(`     ${text}`)
  line("missed members (matcher), first few", misses.length === 0 ? "none" : "")
  for (const text of misses) console.log(`     ${text}`)
}

/**
 * Auto-link and any-proposal precision and recall over every labelled observation, as the review or
 * the auto-link probability moves (the other kept at the rule's), each point a full `Matching.match`
 * over the same candidates; then the picture, written next to the system's temporary files.
 */
function sweep(): void {
  const cases: Array<{ readonly eventId: string; readonly memberId: string | undefined; readonly person: Matching.Person; readonly candidates: ReadonlyArray<Matching.Candidate> }> = []
  for (const [eventId, label] of labels) {
    const person = matcher.result.observed.get(eventId)
    if (person !== undefined) cases.push({ eventId, memberId: label.memberId, person, candidates: Matching.candidatesFor(matcher.result.idx, person) })
  }
  const members = cases.filter((c) => c.memberId !== undefined).length
  const measure = (at: MatchRule.MatchRule) => {
    let autoTrue = 0
    let autoFalse = 0
    let anyTrue = 0
    let anyFalse = 0
    for (const c of cases) {
      for (const p of Matching.match(c.eventId, c.person, c.candidates, at)) {
        const right = p.memberId === c.memberId
        if (p.decision === "auto-link") {
          if (right) autoTrue++
          else autoFalse++
        }
        if (right) anyTrue++
        else anyFalse++
      }
    }
    return { autoP: autoTrue / Math.max(1, autoTrue + autoFalse), autoR: autoTrue / members, autoFalse, anyP: anyTrue / Math.max(1, anyTrue + anyFalse), anyR: anyTrue / members, anyFalse }
  }
  const thresholds = MatchRule.thresholds(rule)
  const atWeight = (w: number) => MatchRule.probabilityOfWeight(w)
  console.log("")
  console.log("   thresholds swept (matcher; the other threshold at the rule's)")
  console.log(`   ${"auto-link p".padEnd(14)} ${"weight".padStart(7)} │ ${"auto P".padStart(7)} ${"auto R".padStart(7)} ${"false".padStart(5)}`)
  const autoCurve: Array<readonly [number, number]> = []
  for (let w = 0; w <= 40; w += 2) {
    const m = measure({ ...rule, autoLinkProbability: atWeight(w) })
    autoCurve.push([m.autoR, m.autoP])
    if (w % 4 === 0) console.log(`   ${Matching.formatProbability(w).padEnd(14)} ${w.toFixed(1).padStart(7)} │ ${m.autoP.toFixed(4).padStart(7)} ${m.autoR.toFixed(4).padStart(7)} ${int(m.autoFalse).padStart(5)}`)
  }
  console.log(`   ${"review p".padEnd(14)} ${"weight".padStart(7)} │ ${"any P".padStart(7)} ${"any R".padStart(7)} ${"false".padStart(5)}`)
  const anyCurve: Array<readonly [number, number]> = []
  for (let w = -12; w <= Math.min(30, thresholds.autoLink); w += 2) {
    const m = measure({ ...rule, reviewProbability: atWeight(w) })
    anyCurve.push([m.anyR, m.anyP])
    if (w % 4 === 0) console.log(`   ${Matching.formatProbability(w).padEnd(14)} ${w.toFixed(1).padStart(7)} │ ${m.anyP.toFixed(4).padStart(7)} ${m.anyR.toFixed(4).padStart(7)} ${int(m.anyFalse).padStart(5)}`)
  }
  // Every blocked pair's weight, by whether it is the observation's member.
  const bins = { true: new Map<number, number>(), false: new Map<number, number>() }
  for (const c of cases) {
    for (const candidate of c.candidates) {
      const bin = Math.max(-40, Math.min(89, Math.floor(Matching.compare(c.person, candidate.person, rule).total)))
      const counts = candidate.memberId === c.memberId ? bins.true : bins.false
      counts.set(bin, (counts.get(bin) ?? 0) + 1)
    }
  }
  const histogram = (counts: ReadonlyMap<number, number>) => Array.from({ length: 130 }, (_, i) => [i - 40, counts.get(i - 40) ?? 0] as const)
  const trueCount = [...bins.true.values()].reduce((a, b) => a + b, 0)
  const falseCount = [...bins.false.values()].reduce((a, b) => a + b, 0)
  const picture = Plot.svg(
    [
      {
        title: "Weights of blocked pairs",
        xLabel: "total weight (log2 odds, prior included)",
        yLabel: "pairs (log scale)",
        series: [
          { label: `same person (${int(trueCount)})`, colour: "#1b7837", points: histogram(bins.true) },
          { label: `different (${int(falseCount)})`, colour: "#b2182b", points: histogram(bins.false) }
        ],
        markers: [
          { label: `review from p ${rule.reviewProbability} (${thresholds.review.toFixed(1)})`, x: thresholds.review, colour: "#e08214" },
          { label: `auto-link from p ${rule.autoLinkProbability} (${thresholds.autoLink.toFixed(1)})`, x: Math.min(89, thresholds.autoLink), colour: "#2166ac" }
        ],
        x: [-40, 90],
        y: [0.8, Math.max(10, ...bins.false.values(), ...bins.true.values()) * 1.5],
        logY: true,
        steps: true
      },
      {
        title: "Precision against recall",
        xLabel: "recall (observations of members)",
        yLabel: "precision (proposals)",
        series: [
          { label: "auto-link, threshold moved", colour: "#2166ac", points: autoCurve },
          { label: "any proposal, review moved", colour: "#e08214", points: anyCurve }
        ],
        x: [Math.floor(Math.min(...autoCurve.map(([r]) => r), ...anyCurve.map(([r]) => r)) * 10) / 10, 1],
        y: [Math.floor(Math.min(...autoCurve.map(([, p]) => p), ...anyCurve.map(([, p]) => p)) * 20) / 20, 1]
      }
    ],
    `matching evaluation: ${int(options.members)} members, seed ${options.seed}, ${options.train > 0 ? "rule trained on the set" : options.reasoned > 0 ? "reasoned rule" : "built-in rule"}; review p ≥ ${rule.reviewProbability}, auto-link p ≥ ${rule.autoLinkProbability}; node packages/core/bench/matching.eval.ts`
  )
  const path = join(tmpdir(), "relink-matching-eval.svg")
  writeFileSync(path, picture)
  line("picture", path)
}
