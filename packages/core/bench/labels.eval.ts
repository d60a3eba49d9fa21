/**
 * Labels evaluation: does a rule trained with clerks' decisions beat EM alone? On one simulated
 * world (the training world) the rule is trained unlabelled (`Training.train`, as `relink train`
 * does without labels); then `--labels` of that rule's proposals are decided by the simulation's
 * truth, as clerks would decide them (`--draw queue`: every review proposal, the clerks' queue,
 * and auto-links drawn at random for the rest, an audit sample; `--draw random`: proposals drawn
 * at random), and the rule is trained again with them
 * (`TrainOptions.decided`: the clerks' answers in each EM session's E-step). A third rule takes m
 * from the confirmed pairs alone (`Training.estimateMFromLabels`, Splink's
 * `estimate_m_from_pairwise_labels`), u and the prior from EM's; a fourth is EM alone started from
 * that m instead of the built-in rule's.
 *
 * The three rules are measured on a second world of another shape and seed (the test world):
 * every labelled observation against every registered member, each blocked pair's weight, and
 * precision (true pairs among those at or above a weight) at equal recall (observations of members
 * whose member is among them), the threshold swept; then each rule's own decisions (`Matching.match`
 * at its thresholds). The issue's goal: at equal recall, the rule trained with labels is at least
 * as precise as EM alone.
 *
 *   pnpm exec node packages/core/bench/labels.eval.ts [--members 20000] [--labels 1000] [--draw queue|random] [--seed 7] [--testSeed 8] [--trainShape rhythms|varied] [--testShape varied|rhythms] [--observationRate 3] [--decoyRate 0.1]
 */
import { parseArgs } from "node:util"
import { Result } from "effect"
import * as Event from "../src/Event.ts"
import * as Labels from "../src/Labels.ts"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Scan from "../src/Scan.ts"
import * as Training from "../src/Training.ts"
import { seededRandom } from "../src/internal/Random.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { type Observations, Simulation } from "../../simulation/src/index.ts"
import { asOf, header, int, line, seconds, timed } from "./common.ts"

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "20000" },
    labels: { type: "string", default: "1000" },
    draw: { type: "string", default: "queue" },
    seed: { type: "string", default: "7" },
    testSeed: { type: "string", default: "8" },
    trainShape: { type: "string", default: "rhythms" },
    testShape: { type: "string", default: "varied" },
    observationRate: { type: "string", default: "3" },
    decoyRate: { type: "string", default: "0.1" }
  },
  strict: true
})
const shapeOf = (name: string | undefined) => (name === "varied" ? "varied" : "rhythms")
const members = Number(values.members)
const labelCount = Number(values.labels)
const queue = values.draw !== "random"
const seed = Number(values.seed)
const testSeed = Number(values.testSeed)
const trainShape = shapeOf(values.trainShape)
const testShape = shapeOf(values.testShape)
const observationRate = Number(values.observationRate)
const decoyRate = Number(values.decoyRate)

header("labels evaluation: EM alone against EM with clerks' decisions, on a world of another shape")

interface World {
  readonly state: Scan.State
  readonly truth: ReadonlyMap<string, Observations.Label>
}

/** A simulated world folded as of the export, and each observation's truth. */
const world = (shape: "rhythms" | "varied", worldSeed: number): World => {
  const state = Scan.make()
  const truth = new Map<string, Observations.Label>()
  for (const item of Simulation.generate({ members, seed: worldSeed, asOf, shape, observationRate, decoyRate, mistakeRate: 0 })) {
    const decoded = Event.decodeUnknown(item.event)
    if (Result.isFailure(decoded)) continue
    Scan.addAsOf(state, decoded.success, asOf)
    if (item.label !== undefined) truth.set(item.event.eventId, item.label)
  }
  return { state, truth }
}

interface Case {
  readonly eventId: string
  readonly memberId: string | undefined
  readonly person: Matching.Person
  readonly candidates: ReadonlyArray<Matching.Candidate>
}

/** Every labelled observation with the registered members blocking compares it with (the blocking is the same in every rule). */
const casesOf = (w: World): { readonly cases: ReadonlyArray<Case>; readonly people: Training.People } => {
  const people = Training.peopleOf(w.state)
  const idx = Matching.index(people.members, MatchRule.chinese)
  const cases: Array<Case> = []
  for (const [eventId, label] of w.truth) {
    const observation = w.state.observations.get(eventId)
    const person = observation === undefined ? undefined : Matching.personOfObservation(observation)
    if (person !== undefined) cases.push({ eventId, memberId: label.memberId, person, candidates: Matching.candidatesFor(idx, person) })
  }
  return { cases, people }
}

const built = timed(() => ({ train: world(trainShape, seed), test: world(testShape, testSeed) }))
const training = casesOf(built.result.train)
const testing = casesOf(built.result.test)
line("training world", `${int(members)} members, shape ${trainShape}, seed ${seed}: ${int(training.people.observations.length)} observations, ${int(training.cases.length)} labelled`)
line("test world", `${int(members)} members, shape ${testShape}, seed ${testSeed}: ${int(testing.cases.length)} labelled observations`)
line("  generated + folded in", seconds(built.ms))

const train = (decided?: ReadonlyArray<Training.Decided>, start: MatchRule.MatchRule = MatchRule.chinese): MatchRule.MatchRule => {
  const result = Training.train(training.people.members, training.people.observations, start, { seed, ...(decided !== undefined && { decided }) })
  if (Result.isFailure(result)) throw new Error(`cannot train: ${result.failure.reason}`)
  return result.success.rule
}

// --- EM alone, then its proposals on the training world decided by the truth: the clerks' labels.
const emOnly = timed(() => train())
line("EM alone trained in", seconds(emOnly.ms))
const proposals = training.cases.flatMap((c) => Matching.match(c.eventId, c.person, c.candidates, emOnly.result).map((p) => ({ c, p })))
const random = seededRandom(seed)
for (let i = proposals.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[proposals[i], proposals[j]] = [proposals[j] as (typeof proposals)[number], proposals[i] as (typeof proposals)[number]]
}
// The queue first: a stable sort keeps the auto-links after it in their random order.
if (queue) proposals.sort((a, b) => (a.p.decision === b.p.decision ? 0 : a.p.decision === "review" ? -1 : 1))
const reviews = proposals.filter(({ p }) => p.decision === "review").length
const people = new Map(training.people.members.map((m) => [m.memberId, m.person]))
const pairs: ReadonlyArray<Labels.Pair> = proposals.slice(0, labelCount).map(({ c, p }) => ({
  decision: { observationEventId: c.eventId, memberId: p.memberId, resolution: p.memberId === c.memberId ? "confirmed" : "rejected" },
  observation: c.person,
  member: people.get(p.memberId) as Matching.Person
}))
const confirmed = Labels.confirmed(pairs, MatchRule.chinese)
line(
  "labels",
  `${int(pairs.length)} of ${int(proposals.length)} proposals (${int(reviews)} review), ${queue ? "the review queue and auto-links at random" : "drawn at random"}: ${int(confirmed.pairs)} confirmed, ${int(pairs.length - confirmed.pairs)} rejected`
)

const withLabels = timed(() => train(pairs.map((p) => ({ observation: p.observation, member: p.member, confirmed: p.decision.resolution === "confirmed" }))))
line("EM with labels trained in", seconds(withLabels.ms))
const labelsOnly = Training.estimateMFromLabels(emOnly.result, confirmed)
const labelsFirst = timed(() => train(undefined, Training.estimateMFromLabels(MatchRule.chinese, confirmed)))
line("EM from m of the labels trained in", seconds(labelsFirst.ms))

const rules: ReadonlyArray<readonly [string, MatchRule.MatchRule]> = [
  ["EM alone", emOnly.result],
  ["EM + labels (E-step)", withLabels.result],
  ["m from labels (Splink)", labelsOnly],
  ["EM started at label m", labelsFirst.result]
]

// --- What the labels change: each level's weight, where it moved.
console.log("")
console.log("   weights that labels moved by more than 0.1 (EM alone → EM + labels / m from labels / EM started at label m)")
emOnly.result.comparisons.forEach((comparison, k) =>
  comparison.levels.forEach((level, i) => {
    const weight = (rule: MatchRule.MatchRule) => MatchRule.levelWeight(rule.comparisons[k]?.levels[i] ?? level)
    const [a, b, c, d] = [weight(emOnly.result), weight(withLabels.result), weight(labelsOnly), weight(labelsFirst.result)]
    if (Math.abs(b - a) > 0.1 || Math.abs(c - a) > 0.1 || Math.abs(d - a) > 0.1) {
      line(`  ${comparison.name} / ${level.label}`, `${a.toFixed(2)} → ${b.toFixed(2)} / ${c.toFixed(2)} / ${d.toFixed(2)}`)
    }
  })
)
line("prior", `${emOnly.result.prior.toExponential(2)} → ${withLabels.result.prior.toExponential(2)}`)

// --- The labelled evaluation of EM alone against its own labels: what `relink train` prints.
const evaluation = Labels.evaluate(emOnly.result, pairs)
console.log("")
console.log("   EM alone against the labels (training world), the largest patterns")
for (const row of evaluation.rows.slice(0, 8)) {
  const n = Labels.pairCount(row.outcomes)
  console.log(`   ${String(n).padStart(5)}  confirmed ${String(Labels.confirmedCount(row.outcomes)).padStart(4)}  precision ${Labels.precision(row.outcomes).toFixed(3)}  ${row.en}`)
}
line("overall", `precision ${Labels.precision(evaluation.overall).toFixed(4)}, recall ${Labels.recall(evaluation.overall).toFixed(4)}`)

// --- Each rule on the test world: precision at equal recall, the threshold swept over blocked pairs' weights.
const membersObserved = testing.cases.filter((c) => c.memberId !== undefined).length
const testPeople = new Map(testing.people.members.map((m) => [m.memberId, m.person]))

/** Every blocked pair's weight under the rule, best first, and whether it is the observation's member. */
const curve = (rule: MatchRule.MatchRule) => {
  const scored = testing.cases.flatMap((c) =>
    c.candidates.map((candidate) => ({ eventId: c.eventId, right: candidate.memberId === c.memberId, weight: Matching.compare(c.person, testPeople.get(candidate.memberId) ?? candidate.person, rule).total }))
  )
  scored.sort((a, b) => b.weight - a.weight)
  const points: Array<{ readonly weight: number; readonly precision: number; readonly recall: number }> = []
  let right = 0
  for (let n = 0; n < scored.length; n++) {
    const pair = scored[n] as (typeof scored)[number]
    if (pair.right) right++
    const next = scored[n + 1]
    if (next === undefined || next.weight < pair.weight) points.push({ weight: pair.weight, precision: right / (n + 1), recall: right / membersObserved })
  }
  return points
}

/** The best precision at a recall of at least `target` (NaN when the rule never reaches it). */
const precisionAt = (points: ReadonlyArray<{ readonly precision: number; readonly recall: number }>, target: number): number =>
  points.filter((p) => p.recall >= target).reduce((best, p) => (Number.isNaN(best) || p.precision > best ? p.precision : best), Number.NaN)

const targets = [0.9, 0.95, 0.97, 0.98, 0.99]
console.log("")
console.log(`   test world: precision of blocked pairs at or above a weight, at equal recall (${int(membersObserved)} observations of members)`)
console.log(`   ${"rule".padEnd(26)} │ ${targets.map((t) => `R ≥ ${t}`.padStart(10)).join(" ")} │ ${"max recall".padStart(10)}`)
const curves = rules.map(([name, rule]) => [name, curve(rule)] as const)
for (const [name, points] of curves) {
  console.log(
    `   ${name.padEnd(26)} │ ${targets.map((t) => precisionAt(points, t).toFixed(4).padStart(10)).join(" ")} │ ${Math.max(...points.map((p) => p.recall)).toFixed(4).padStart(10)}`
  )
}

// --- Each rule's own decisions on the test world.
console.log("")
console.log("   test world: each rule's decisions at its thresholds (Matching.match; precision per proposal, recall per observation of a member)")
console.log(`   ${"rule".padEnd(26)} │ ${"auto P".padStart(7)} ${"auto R".padStart(7)} ${"false".padStart(5)} │ ${"any P".padStart(7)} ${"any R".padStart(7)} ${"false".padStart(5)}`)
for (const [name, rule] of rules) {
  let autoTrue = 0
  let autoFalse = 0
  let anyTrue = 0
  let anyFalse = 0
  for (const c of testing.cases) {
    for (const p of Matching.match(c.eventId, c.person, c.candidates, rule)) {
      const right = p.memberId === c.memberId
      if (p.decision === "auto-link" && right) autoTrue++
      if (p.decision === "auto-link" && !right) autoFalse++
      if (right) anyTrue++
      else anyFalse++
    }
  }
  console.log(
    `   ${name.padEnd(26)} │ ${(autoTrue / (autoTrue + autoFalse)).toFixed(4).padStart(7)} ${(autoTrue / membersObserved).toFixed(4).padStart(7)} ${int(autoFalse).padStart(5)} │ ${(anyTrue / (anyTrue + anyFalse)).toFixed(4).padStart(7)} ${(anyTrue / membersObserved).toFixed(4).padStart(7)} ${int(anyFalse).padStart(5)}`
  )
}
