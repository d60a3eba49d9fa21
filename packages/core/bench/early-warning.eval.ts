/**
 * Forward evaluation of the early warning (`Rhythm`, docs/early-warning.md): simulate to T + 180
 * days, give the model only the events up to T, and score its warnings at T against what happened.
 *
 *   node packages/core/bench/early-warning.eval.ts [--members 50000] [--seed 7] [--horizon 180] [--suspicion φ] [--spreadFloor s] [--minGaps n] [--quick]
 *
 * - Watched: the members registered at T whose status is active, floating or in transit (not yet
 *   at risk or worse).
 * - Positive: watched, and lost or floating-unregistered at T + horizon (a scan of every event).
 * - The model warns at T when φ, from the member's own contact days up to T, reaches a threshold;
 *   the baseline warns when the member has been silent for more than N days. Both are swept.
 * - Lead time of a true warning: days from T to the date the fixed rule would put the member at
 *   risk (last contact + `contactWarningMonths`).
 * - The comparison is at equal precision: for each model threshold, the baseline N with the best
 *   recall among those at least as precise.
 */
import { Result } from "effect"
import * as Event from "../src/Event.ts"
import { addMonths, DAY } from "../src/Instant.ts"
import * as Policy from "../src/Policy.ts"
import { median } from "../src/internal/Median.ts"
import * as Projection from "../src/Projection.ts"
import * as Rhythm from "../src/Rhythm.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Simulation } from "../../simulation/src/index.ts"
import { asOf as end, header, int, line, machine, numberOptions, seconds, timed } from "./common.ts"

const options = numberOptions({ members: 50_000, seed: 7, horizon: 180, suspicion: 0, spreadFloor: 0, minGaps: 0 })
if (options.quick) options.members = Math.min(options.members, 10_000)
// The policy's thresholds, or those given (0: the default).
const policy: Policy.Policy = {
  ...Policy.defaults,
  ...(options.suspicion > 0 && { earlyWarningSuspicion: options.suspicion }),
  ...(options.spreadFloor > 0 && { earlyWarningSpreadFloor: options.spreadFloor }),
  ...(options.minGaps > 0 && { earlyWarningMinGaps: options.minGaps })
}
const T = end - options.horizon * DAY

const watched: ReadonlySet<Status.Status> = new Set(["active", "floating", "in-transit"])
const positive: ReadonlySet<Status.Status> = new Set(["lost", "floating-unregistered"])

interface Member {
  readonly memberId: string
  /** Days silent at T. */
  readonly gap: number
  /** φ at T; 0 without a rhythm. */
  readonly phi: number
  /** Days from T to the fixed rule's at-risk date. */
  readonly lead: number
  readonly positive: boolean
  /** The status at T + horizon. */
  readonly outcome: Status.Status
}

const { result: members, ms } = timed(() => {
  const atT = Scan.make()
  const events: Array<Event.Event> = []
  for (const item of Simulation.generate({ members: options.members, seed: options.seed, asOf: end })) {
    const decoded = Event.decodeUnknown(item.event)
    if (Result.isFailure(decoded)) throw new Error(`the simulation wrote an event that does not decode: ${decoded.failure.reason}`)
    events.push(decoded.success)
    Scan.addAsOf(atT, decoded.success, T)
  }
  const later = new Map(Scan.run(events, { asOf: end, policy }).evaluations.map((e) => [e.memberId, e]))
  const now = Scan.evaluate(atT, { asOf: T, policy })
  const out: Array<Member> = []
  for (const evaluation of now.evaluations) {
    if (!watched.has(evaluation.status)) continue
    const projection = now.members.get(evaluation.memberId) as Projection.Projection
    const last = evaluation.lastContact?.at ?? projection.registrationStamp?.at ?? T
    const rhythm = Rhythm.of(projection.contactDays, policy)
    out.push({
      memberId: evaluation.memberId,
      gap: (T - last) / DAY,
      phi: rhythm === undefined ? 0 : Rhythm.suspicion(rhythm, last, T),
      lead: (addMonths(last, policy.contactWarningMonths) - T) / DAY,
      positive: positive.has(later.get(evaluation.memberId)?.status ?? "active"),
      outcome: later.get(evaluation.memberId)?.status ?? "active"
    })
  }
  return out
})

const positives = members.filter((m) => m.positive).length

interface Score {
  readonly warned: number
  readonly precision: number
  readonly recall: number
  readonly medianLead: number
}

const score = (warns: (m: Member) => boolean): Score => {
  const warned = members.filter(warns)
  const hits = warned.filter((m) => m.positive)
  return {
    warned: warned.length,
    precision: warned.length === 0 ? Number.NaN : hits.length / warned.length,
    recall: positives === 0 ? Number.NaN : hits.length / positives,
    medianLead: median(hits.map((m) => m.lead).sort((a, b) => a - b)) ?? Number.NaN
  }
}

const baseline = Array.from({ length: 89 }, (_, i) => ({ days: i + 1, ...score((m) => m.gap > i + 1) }))
const thresholds = [...new Set([0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, policy.earlyWarningSuspicion])].sort((a, b) => a - b)
const model = thresholds.map((phi) => ({ phi, ...score((m) => m.phi >= phi) }))

/** The baseline with the best recall among those at least as precise; undefined when none is. */
const atPrecision = (precision: number) => {
  let best: (typeof baseline)[number] | undefined
  for (const b of baseline) if (b.precision >= precision && (best === undefined || b.recall > best.recall)) best = b
  return best
}

const f = (x: number, digits = 3) => (Number.isNaN(x) ? "—" : x.toFixed(digits))

header("early warning: forward evaluation")
line("machine", machine())
line("simulation", `${int(options.members)} members, seed ${options.seed}, to ${new Date(end).toISOString().slice(0, 10)}; T = ${new Date(T).toISOString().slice(0, 10)} (T + ${options.horizon} days is the end)`)
line("generate and scan", seconds(ms))
line("watched at T", `${int(members.length)} (active, floating or in transit)`)
line(
  "positives",
  `${int(positives)} lost or floating-unregistered at T + ${options.horizon} (${f(positives / members.length, 4)} of the watched): ` +
    `${int(members.filter((m) => m.outcome === "lost").length)} lost, ${int(members.filter((m) => m.outcome === "floating-unregistered").length)} floating-unregistered`
)
line("policy", `earlyWarningSuspicion ${policy.earlyWarningSuspicion}, earlyWarningMinGaps ${policy.earlyWarningMinGaps}, earlyWarningSpreadFloor ${policy.earlyWarningSpreadFloor}`)

console.log("\nmodel φ ≥ θ at T                      | best baseline at ≥ that precision")
console.log("θ     warned  precision  recall  lead  | N days  warned  precision  recall  lead  | recall ratio")
for (const m of model) {
  const b = atPrecision(m.precision)
  const ratio = m.warned === 0 ? "—" : b === undefined ? "∞ (no baseline that precise)" : f(m.recall / b.recall, 2)
  console.log(
    `${m.phi.toFixed(1).padEnd(5)} ${String(m.warned).padStart(6)}  ${f(m.precision).padStart(9)}  ${f(m.recall).padStart(6)}  ${f(m.medianLead, 0).padStart(4)}  | ` +
      (b === undefined
        ? "—".padEnd(46)
        : `${String(b.days).padStart(6)}  ${String(b.warned).padStart(6)}  ${f(b.precision).padStart(9)}  ${f(b.recall).padStart(6)}  ${f(b.medianLead, 0).padStart(4)}  `) +
      `| ${ratio}`
  )
}

console.log("\nbaseline silent > N days at T (every 5th N)")
console.log("N     warned  precision  recall  lead")
for (const b of baseline.filter((b) => b.days % 5 === 0)) {
  console.log(`${String(b.days).padEnd(5)} ${String(b.warned).padStart(6)}  ${f(b.precision).padStart(9)}  ${f(b.recall).padStart(6)}  ${f(b.medianLead, 0).padStart(4)}`)
}

const chosen = model.find((m) => m.phi === policy.earlyWarningSuspicion) ?? score((m) => m.phi >= policy.earlyWarningSuspicion)
// No baseline as precise as the model: compare with the most precise one, which the model beats on both counts.
const mostPrecise = baseline.reduce((a, b) => (b.precision > a.precision ? b : a))
const against = atPrecision(chosen.precision) ?? mostPrecise
console.log("\ngoal (at the policy's threshold): recall ≥ 1.5× the best baseline at equal precision, median lead ≥ 30 days")
line("model", `φ ≥ ${policy.earlyWarningSuspicion}: precision ${f(chosen.precision)}, recall ${f(chosen.recall)}, median lead ${f(chosen.medianLead, 0)} days`)
line(
  against === mostPrecise && against.precision < chosen.precision ? "baseline (none as precise; the most precise)" : "baseline (best recall at ≥ that precision)",
  `silent > ${against.days} days: ${int(against.warned)} warned, precision ${f(against.precision)}, recall ${f(against.recall)}, median lead ${f(against.medianLead, 0)} days`
)
line("recall ratio", f(chosen.recall / against.recall, 2))

/** Recall among the positives of one outcome. */
const recallOf = (warns: (m: Member) => boolean, outcome: Status.Status) => {
  const of = members.filter((m) => m.outcome === outcome)
  return of.length === 0 ? Number.NaN : of.filter(warns).length / of.length
}
const modelWarns = (m: Member) => m.phi >= policy.earlyWarningSuspicion
const baselineWarns = (m: Member) => m.gap > against.days
for (const outcome of positive) {
  line(`recall among the ${outcome}`, `model ${f(recallOf(modelWarns, outcome))}, baseline ${f(recallOf(baselineWarns, outcome))}`)
}
