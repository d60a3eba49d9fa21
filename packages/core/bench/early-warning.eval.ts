/**
 * Forward evaluation of the early warning (docs/early-warning.md), the way a deployment meets it:
 * simulate a world to T + horizon + settle; fit the model with the backtest `relink train` runs, on the
 * events up to T alone (`Backtest`); warn at T; score the warnings against what the events say at
 * T + horizon.
 *
 *   pnpm exec node packages/core/bench/early-warning.eval.ts [--shape rhythms|varied] [--members 50000] [--seed 7] [--horizon 180] [--settle 180] [--precision 0.3] [--svg FILE]
 *
 * - Watched: members active, floating or in transit at T. Positive: watched, and lost or away
 *   unregistered at T + horizon.
 * - The model warns at T when its flag is up at T (`early-warning`), and gives each watched member a
 *   probability. The baseline warns when the member has been silent for more than N days, for
 *   every N from 1 to 120; the comparison is with the N of best recall at no less precision.
 * - Lead of a true warning: days from T to the date the fixed rule would put the member at risk.
 * - Calibration: mean probability against the observed rate, per decile of probability.
 */
import { writeFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { Result } from "effect"
import * as Backtest from "../src/Backtest.ts"
import * as EarlyWarning from "../src/EarlyWarning.ts"
import * as Event from "../src/Event.ts"
import { addMonths, DAY } from "../src/Instant.ts"
import { median } from "../src/internal/Median.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import type * as Status from "../src/Status.ts"
import * as Steps from "../src/Steps.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Simulation } from "../../simulation/src/index.ts"
import { asOf as end, header, int, line, machine, seconds, timed } from "./common.ts"
import * as Plot from "./plot.ts"

const { values } = parseArgs({
  options: {
    shape: { type: "string", default: "rhythms" },
    members: { type: "string", default: "50000" },
    seed: { type: "string", default: "7" },
    horizon: { type: "string", default: "180" },
    precision: { type: "string", default: String(Backtest.defaults.targetPrecision) },
    settle: { type: "string", default: "180" },
    svg: { type: "string" }
  },
  strict: true
})
const shape = values.shape === "varied" ? "varied" : "rhythms"
const members = Number(values.members)
const seed = Number(values.seed)
const horizonDays = Number(values.horizon)
const targetPrecision = Number(values.precision)
// The simulation places each life's outcome against its end (a lost member's last contact is 6–28
// months before it), so its last months hold more outcomes than any earlier stretch: the outcomes
// are read `settle` days before the end, where the world is as steady as any history.
const settleDays = Number(values.settle)
const outcomesAt = end - settleDays * DAY
const T = outcomesAt - horizonDays * DAY
const positive: ReadonlySet<Status.Status> = new Set(["lost", "floating-unregistered"])

interface Member {
  /** Whether the shipped model (fitted on another simulation) warns at T. */
  readonly shipped: boolean
  readonly gap: number
  readonly probability: number
  readonly warned: boolean
  readonly lead: number
  readonly positive: boolean
}

const { result: world, ms: simulated } = timed(() => {
  const atT = Scan.make({ history: true })
  const events: Array<Event.Event> = []
  for (const item of Simulation.generate({ members, seed, asOf: end, shape })) {
    const decoded = Event.decodeUnknown(item.event)
    if (Result.isFailure(decoded)) throw new Error(`the simulation wrote an event that does not decode: ${decoded.failure.reason}`)
    events.push(decoded.success)
    Scan.addAsOf(atT, decoded.success, T)
  }
  return { atT, events }
})

const { result: outcome, ms: fitted } = timed(() => {
  const result = Steps.run(Backtest.runInSteps(world.atT, T, Policy.defaults, { ...Backtest.defaults, horizonDays, targetPrecision }))
  if (Result.isFailure(result)) throw new Error(result.failure.reason)
  return result.success
})
const policy: Policy.Policy = { ...Policy.defaults, earlyWarning: outcome.model }

const { result: watched, ms: scored } = timed(() => {
  const later = new Map(Scan.run(world.events, { asOf: outcomesAt, policy }).evaluations.map((e) => [e.memberId, e.status]))
  const now = Scan.run(world.events, { asOf: T, policy })
  const out: Array<Member> = []
  for (const evaluation of now.evaluations) {
    const status = evaluation.status
    if (status !== "active" && status !== "floating" && status !== "in-transit") continue
    const projection = now.members.get(evaluation.memberId)
    const last = evaluation.lastContact?.at ?? projection?.registrationStamp?.at ?? T
    const rhythm = EarlyWarning.rhythmOf(outcome.model, projection?.contactDays ?? [])
    const shipped = EarlyWarning.warning(Policy.defaults.earlyWarning, { status, contactDays: projection?.contactDays ?? [], lastContactAt: last })
    out.push({
      shipped: shipped !== undefined && shipped.at <= T && shipped.at < addMonths(last, policy.contactWarningMonths),
      gap: (T - last) / DAY,
      probability: EarlyWarning.probability(outcome.model, rhythm, status, (T - last) / DAY),
      warned: evaluation.flags.includes("early-warning"),
      lead: (addMonths(last, policy.contactWarningMonths) - T) / DAY,
      positive: positive.has(later.get(evaluation.memberId) ?? "active")
    })
  }
  return out
})

const positives = watched.filter((m) => m.positive).length
const scoreOf = (warns: (m: Member) => boolean) => {
  const warned = watched.filter(warns)
  const hits = warned.filter((m) => m.positive)
  return {
    warned: warned.length,
    precision: warned.length === 0 ? 0 : hits.length / warned.length,
    recall: positives === 0 ? 0 : hits.length / positives,
    lead: median(hits.map((m) => m.lead).sort((a, b) => a - b)) ?? Number.NaN
  }
}
const model = scoreOf((m) => m.warned)
const shippedModel = scoreOf((m) => m.shipped)
const baselines = Array.from({ length: 120 }, (_, i) => ({ days: i + 1, ...scoreOf((m) => m.gap > i + 1) }))
const atPrecision = (precision: number) =>
  baselines.filter((b) => b.precision >= precision && b.warned > 0).reduce<(typeof baselines)[number] | undefined>((a, b) => (a === undefined || b.recall > a.recall ? b : a), undefined)
const mostPrecise = baselines.filter((b) => b.warned >= 10).reduce((a, b) => (b.precision > a.precision ? b : a))
const baseline = atPrecision(model.precision) ?? mostPrecise

const f = (x: number, digits = 3) => (Number.isNaN(x) ? "—" : x.toFixed(digits))

header(`early warning: forward evaluation on the ${shape} world`)
line("machine", machine())
line("simulation", `${int(members)} members, shape ${shape}, seed ${seed}; T = ${new Date(T).toISOString().slice(0, 10)}, outcomes at T + ${horizonDays} days`)
line("simulate", seconds(simulated))
line("backtest (events up to T)", `${seconds(fitted)}: ${outcome.origins.length} origins, ${int(outcome.rows)} rows (${int(outcome.positives)} positive), tested on ${outcome.tested.length} origins (${int(outcome.testRows)} rows, ${int(outcome.testPositives)} positive)`)
console.log("\ncandidate (out of sample in the backtest)          warned  precision  recall  lead  recall@P≥" + f(targetPrecision, 2) + "  log-loss")
for (const c of outcome.candidates) {
  console.log(
    `${(c.name === outcome.chosen ? "* " : "  ") + c.name.padEnd(48)} ${String(c.warned).padStart(6)}  ${f(c.precision).padStart(9)}  ${f(c.recall).padStart(6)}  ${f(c.medianLeadDays, 0).padStart(4)}  ${f(c.recallAtTarget).padStart(11)}  ${f(c.logLoss, 4)}`
  )
}
line("\nmodel chosen", `${outcome.chosen}: ${JSON.stringify({ ...outcome.model, fitted: undefined })}`)
line("scored at T", `${seconds(scored)}: ${int(watched.length)} watched, ${int(positives)} positive (${f(positives / watched.length, 4)})`)
console.log("\nat T, held out                    warned  precision  recall  median lead")
console.log(`model                             ${String(model.warned).padStart(6)}  ${f(model.precision).padStart(9)}  ${f(model.recall).padStart(6)}  ${f(model.lead, 0).padStart(4)} d`)
console.log(
  `best fixed gap (> ${baseline.days} days)${atPrecision(model.precision) === undefined ? ", none as precise: the most precise" : ""}`.padEnd(34) +
    `${String(baseline.warned).padStart(6)}  ${f(baseline.precision).padStart(9)}  ${f(baseline.recall).padStart(6)}  ${f(baseline.lead, 0).padStart(4)} d`
)
line("recall ratio", f(model.recall / baseline.recall, 2))
const shippedBaseline = atPrecision(shippedModel.precision) ?? mostPrecise
line(
  "shipped model, not refitted",
  `${int(shippedModel.warned)} warned, precision ${f(shippedModel.precision)}, recall ${f(shippedModel.recall)}, median lead ${f(shippedModel.lead, 0)} d; ` +
    `best fixed gap at ≥ that precision: > ${shippedBaseline.days} days, precision ${f(shippedBaseline.precision)}, recall ${f(shippedBaseline.recall)}`
)

// Calibration at T: deciles of the probability, every watched member.
const sorted = [...watched].sort((a, b) => a.probability - b.probability)
const deciles = Array.from({ length: 10 }, (_, d) => sorted.slice(Math.floor((d * sorted.length) / 10), Math.floor(((d + 1) * sorted.length) / 10))).map((slice) => ({
  count: slice.length,
  predicted: slice.reduce((s, m) => s + m.probability, 0) / slice.length,
  observed: slice.filter((m) => m.positive).length / slice.length
}))
console.log("\ncalibration at T, by decile of probability")
console.log("decile  members  predicted  observed  |error|")
deciles.forEach((d, i) => console.log(`${String(i + 1).padStart(6)}  ${String(d.count).padStart(7)}  ${f(d.predicted, 4).padStart(9)}  ${f(d.observed, 4).padStart(8)}  ${f(Math.abs(d.predicted - d.observed), 4)}`))
line("largest error (deciles of ≥ 50 members)", f(Math.max(...deciles.filter((d) => d.count >= 50).map((d) => Math.abs(d.predicted - d.observed))), 4))

if (values.svg !== undefined) {
  const top = Math.max(0.05, ...deciles.map((d) => Math.max(d.predicted, d.observed))) * 1.1
  writeFileSync(
    values.svg,
    Plot.svg(
      [
      {
        title: `Calibration at T, ${shape} world (${int(members)} members, seed ${seed})`,
        xLabel: "predicted probability of loss within 180 days (decile mean)",
        yLabel: "observed share lost",
        x: [0, top],
        y: [0, top],
        series: [
          { label: "perfect calibration", colour: "#999999", points: [[0, 0], [top, top]] },
          { label: "deciles", colour: "#c0392b", points: deciles.map((d) => [d.predicted, d.observed] as const) }
        ]
      }
    ],
      `Calibration of the early warning held out at T: the model fitted by the backtest on the events up to T (node packages/core/bench/early-warning.eval.ts --shape ${shape}).`
    )
  )
  line("calibration picture", values.svg)
}
