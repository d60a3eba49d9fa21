/**
 * Fits the early-warning model (`EarlyWarning`) on a deployment's own history, by a rolling-origin
 * backtest: at a series of past origins T the members are seen only as the events up to T show
 * them, and labelled by what the same events say at T + horizon — lost or away unregistered, or
 * not. docs/early-warning.md.
 *
 * - **Rows.** One per member and origin at which the member is watched (active, floating or in
 *   transit): the silence, the shape of their contact days, the status, the label and the lead
 *   (days from T to the fixed contact warning). Members are sampled by a hash of their id when the
 *   rows would pass `maxRows`, so a member is kept at every origin or none.
 * - **Candidates.** The best fixed gap; the φ detector (`Rhythm`) at several spread floors, with and
 *   without the fade window; a logistic hazard model. Each is fitted on the origins whose labels are
 *   known by the origin it is tested on (an expanding window), its probability calibrated and its
 *   threshold chosen on those rows for the target precision, and tested on the rows of that origin.
 * - **Choice.** Out of sample, over every test origin together: among the candidates whose warnings
 *   at their own thresholds were right as often as asked, the one that found most; when none was,
 *   the most recall at the target precision over the held-out scores. The fixed gap competes and
 *   wins a tie: the model is never worse than the trivial rule on the history it was fitted to. The
 *   choice is then fitted again on every row.
 */
import { Data, Result } from "effect"
import * as EarlyWarning from "./EarlyWarning.ts"
import { addMonths, DAY } from "./Instant.ts"
import * as Logistic from "./internal/Logistic.ts"
import * as History from "./internal/History.ts"
import { median } from "./internal/Median.ts"
import type * as Policy from "./Policy.ts"
import type * as Projection from "./Projection.ts"
import * as Rhythm from "./Rhythm.ts"
import type * as Scan from "./Scan.ts"
import type * as Status from "./Status.ts"
import * as Steps from "./Steps.ts"
import * as Timeline from "./Timeline.ts"

export interface Options {
  /** Days after an origin at which its rows are labelled. Default 180. */
  readonly horizonDays: number
  /** History before the first origin, in months. Default 12. */
  readonly warmupMonths: number
  /** The precision the operating point is chosen for. */
  readonly targetPrecision: number
  /** At most this many rows are kept (members sampled by their id). Default 1,000,000. */
  readonly maxRows: number
  /** Origins of the last folds tested on: the earlier ones train only. Default 6. */
  readonly folds: number
  /** The kinds of model to choose among. Default all three. */
  readonly kinds: ReadonlyArray<EarlyWarning.Model["kind"]>
}

export const defaults: Options = { horizonDays: 180, warmupMonths: 12, targetPrecision: 0.3, maxRows: 1_000_000, folds: 6, kinds: ["fixed-gap", "rhythm", "hazard"] }

export class TooLittleHistory extends Data.TaggedError("TooLittleHistory")<{ readonly reason: string }> {}

/** Monthly origins from `warmupMonths` after the first instant to `horizonDays` before `asOf`. */
export const originsOf = (firstAt: number, asOf: number, options: Pick<Options, "horizonDays" | "warmupMonths">): ReadonlyArray<number> => {
  const last = asOf - options.horizonDays * DAY
  const out: Array<number> = []
  for (let k = options.warmupMonths; ; k++) {
    const origin = addMonths(firstAt, k)
    if (origin > last) return out
    out.push(origin)
  }
}

/** The rows of a backtest, column by column. */
export interface Rows {
  readonly origins: ReadonlyArray<number>
  /** Index of the row's origin. */
  readonly origin: Array<number>
  readonly silenceDays: Array<number>
  readonly status: Array<EarlyWarning.Watched>
  readonly shape: Array<Rhythm.Shape | undefined>
  /** 1 when lost or away unregistered at the origin + horizon. */
  readonly label: Array<number>
  /** Days from the origin to the fixed contact warning. */
  readonly leadDays: Array<number>
}

const positive: ReadonlySet<Status.Status> = new Set(["lost", "floating-unregistered"])
const isWatched = (status: Status.Status | undefined): status is EarlyWarning.Watched =>
  status === "active" || status === "floating" || status === "in-transit"

/** A number in [0, 1) from a member id (FNV-1a): the same id always lands in the same place. */
const unitHash = (id: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return (h >>> 0) / 2 ** 32
}

/**
 * The rows of every origin, from a state folded with `history: true`, one member at a time. The
 * state's `members` hold each member's projection as of `asOf` afterwards, as a fold without
 * history leaves them: what training the match rule reads.
 */
export function* rowsInSteps(state: Scan.State, asOf: number, origins: ReadonlyArray<number>, policy: Policy.Policy, options: Pick<Options, "horizonDays" | "maxRows">): Steps.Steps<Rows> {
  const labelsAt = origins.map((o) => o + options.horizonDays * DAY)
  const instants = [...new Set([...origins, ...labelsAt, asOf])].sort((a, b) => a - b)
  const indexOf = new Map(instants.map((t, i) => [t, i]))
  const originAt = new Map(origins.map((o, k) => [indexOf.get(o) as number, k]))
  const last = instants.length - 1
  const history = state.history ?? History.make()
  const ids = [...history.members.keys()].sort()
  const keep = Math.min(1, options.maxRows / Math.max(1, ids.length * origins.length * 0.8))
  // Only the sampled members are evaluated at every instant; the others are folded once, for their projection.
  const sampled: History.History = { ...history, members: new Map() }
  const projections = new Map<string, Projection.Owned>()
  for (const id of ids) {
    const entries = history.members.get(id) as Array<History.Entry>
    history.members.delete(id)
    if (unitHash(id) < keep) sampled.members.set(id, entries)
    else projections.set(id, Timeline.projectionOf(id, entries))
    yield
  }
  const rows: Rows = { origins, origin: [], silenceDays: [], status: [], shape: [], label: [], leadDays: [] }
  let seen: Array<{ readonly k: number; readonly lastContactAt: number; readonly shape: Rhythm.Shape | undefined }> = []
  const observe: Timeline.Observe = (projection, evaluation, i) => {
    if (i === last) projections.set(projection.memberId, projection)
    const k = originAt.get(i)
    if (k === undefined || !isWatched(evaluation?.status)) return
    const lastContactAt = evaluation?.lastContact?.at ?? projection.registrationStamp?.at
    if (lastContactAt !== undefined) seen.push({ k, lastContactAt, shape: Rhythm.shapeOf(projection.contactDays) })
  }
  for (const member of Timeline.series({ ...state, history: sampled }, instants, policy, observe)) {
    for (const row of seen) {
      const origin = origins[row.k] as number
      const at = member.evaluations[indexOf.get(origin) as number]
      const later = member.evaluations[indexOf.get(labelsAt[row.k] as number) as number]
      rows.origin.push(row.k)
      rows.silenceDays.push(Math.max(0, (origin - row.lastContactAt) / DAY))
      rows.status.push(at?.status as EarlyWarning.Watched)
      rows.shape.push(row.shape)
      rows.label.push(later !== undefined && positive.has(later.status) ? 1 : 0)
      rows.leadDays.push((addMonths(row.lastContactAt, policy.contactWarningMonths) - origin) / DAY)
    }
    seen = []
    yield
  }
  // In member id order, as the series leaves them.
  state.members.clear()
  for (const id of ids) state.members.set(id, projections.get(id) as Projection.Owned)
  return rows
}

/**
 * A candidate: columns computed once from the rows, a logistic model over them fitted fold by fold
 * (so every candidate's probability is calibrated the same way), and the early-warning model the
 * fitted weights stand for when it warns from the log-odds `threshold` on.
 */
interface Candidate {
  readonly name: string
  readonly kind: EarlyWarning.Model["kind"]
  readonly columns: (rows: Rows) => ReadonlyArray<Float64Array>
  /** Per column: whether its weight must not be negative (it grows with the silence). */
  readonly nonNegative: ReadonlyArray<boolean>
  readonly model: (fitted: Logistic.Fitted, threshold: number, horizonDays: number) => EarlyWarning.Model
}

const lnSilence = (rows: Rows, row: number) => Math.log(Math.max(1, rows.silenceDays[row] as number))

/** The score at which a calibration a + b · score reaches the log-odds `threshold`; `never` when its slope is 0 and it does not. */
const scoreAt = (fitted: Logistic.Fitted, threshold: number, never: number): number => {
  const slope = fitted.weights[0] as number
  if (slope > 0) return (threshold - fitted.intercept) / slope
  return fitted.intercept >= threshold ? 0 : never
}

const calibrationOf = (fitted: Logistic.Fitted): EarlyWarning.Calibration => ({ intercept: fitted.intercept, slope: fitted.weights[0] as number })

const fixedGap: Candidate = {
  name: "fixed gap",
  kind: "fixed-gap",
  columns: (rows) => [Float64Array.from(rows.silenceDays, (_, r) => lnSilence(rows, r))],
  nonNegative: [true],
  // A whole day: the least silence whose logarithm reaches the threshold.
  model: (fitted, threshold, horizonDays) => ({
    kind: "fixed-gap",
    horizonDays,
    days: Math.max(1, Math.min(100_000, Math.ceil(Math.exp(scoreAt(fitted, threshold, Math.log(100_000))) - 1e-9))),
    calibration: calibrationOf(fitted)
  })
}

const MIN_GAPS = 4

const suspicion = (spreadFloor: number, fadeWindow: boolean): Candidate => ({
  name: `φ, spread floor ${spreadFloor}${fadeWindow ? ", fade window" : ""}`,
  kind: "rhythm",
  columns: (rows) => {
    const settings = { minGaps: MIN_GAPS, spreadFloor }
    return [
      Float64Array.from(rows.silenceDays, (days, r) => {
        const rhythm = Rhythm.ofShape(rows.shape[r], settings)
        return rhythm === undefined ? 0 : Rhythm.suspicionOfGap(rhythm, days, fadeWindow)
      })
    ]
  },
  nonNegative: [true],
  model: (fitted, threshold, horizonDays) => ({
    kind: "rhythm",
    horizonDays,
    minGaps: MIN_GAPS,
    spreadFloor,
    // φ of 0 is no suspicion at all: a threshold at or below it would warn of every member with a rhythm the instant they fall silent.
    suspicion: Math.max(1e-3, Math.min(1e6, scoreAt(fitted, threshold, 1e6))),
    fadeWindow,
    calibration: calibrationOf(fitted)
  })
})

const hazard = (spreadFloor: number): Candidate => ({
  name: `hazard, spread floor ${spreadFloor}`,
  kind: "hazard",
  columns: (rows) => {
    const settings = { minGaps: MIN_GAPS, spreadFloor }
    const columns = EarlyWarning.features.map(() => new Float64Array(rows.label.length))
    for (let r = 0; r < rows.label.length; r++) {
      const x = EarlyWarning.featuresOf(Rhythm.ofShape(rows.shape[r], settings), rows.status[r] as EarlyWarning.Watched, lnSilence(rows, r))
      EarlyWarning.features.forEach((f, j) => {
        ;(columns[j] as Float64Array)[r] = x[f]
      })
    }
    return columns
  },
  nonNegative: EarlyWarning.features.map((f) => EarlyWarning.growing.has(f)),
  model: (fitted, threshold, horizonDays) => ({
    kind: "hazard",
    horizonDays,
    minGaps: MIN_GAPS,
    spreadFloor,
    intercept: fitted.intercept,
    weights: Object.fromEntries(EarlyWarning.features.map((f, j) => [f, fitted.weights[j] as number])) as Record<EarlyWarning.Feature, number>,
    threshold: Math.min(1 - 1e-9, Math.max(1e-9, Logistic.sigmoid(threshold)))
  })
})

/** The candidates, the fixed gap first: a tie goes to it. */
const allCandidates: ReadonlyArray<Candidate> = [
  fixedGap,
  ...[0.15, 0.25, 0.35, 0.5].flatMap((floor) => [suspicion(floor, true), suspicion(floor, false)]),
  hazard(0.25),
  hazard(0.5)
]

/** The least negatives a fit keeps, and the least negatives per positive. */
const MIN_NEGATIVES = 20_000
const NEGATIVES_PER_POSITIVE = 20

/** A number in [0, 1) from a row's index: which negatives a fit keeps. */
const rowHash = (row: number): number => (Math.imul(row ^ 0x9e3779b9, 0x85ebca6b) >>> 0) / 2 ** 32

/**
 * Fits a candidate on the training rows: every positive and a share q of the negatives (case–control
 * sampling; rare losses carry the information), the intercept then moved by ln q, which undoes
 * the sampling exactly for a logistic model.
 */
function* fitOn(candidate: Candidate, columns: ReadonlyArray<Float64Array>, rows: Rows, train: ReadonlyArray<number>): Steps.Steps<Logistic.Fitted> {
  const positives = train.reduce((n, r) => n + (rows.label[r] as number), 0)
  const negatives = train.length - positives
  const q = negatives === 0 ? 1 : Math.min(1, Math.max(MIN_NEGATIVES, NEGATIVES_PER_POSITIVE * positives) / negatives)
  const kept = train.filter((r) => rows.label[r] === 1 || rowHash(r) < q)
  const fitted = yield* Logistic.fit(
    columns.map((c) => Float64Array.from(kept, (r) => c[r] as number)),
    Uint8Array.from(kept, (r) => rows.label[r] as number),
    kept.length,
    { nonNegative: candidate.nonNegative, ridge: 1e-4 }
  )
  return { intercept: fitted.intercept + Math.log(q), weights: fitted.weights }
}

/** The log-odds of each of the rows under the fitted weights. */
const logOdds = (fitted: Logistic.Fitted, columns: ReadonlyArray<Float64Array>, rows: ReadonlyArray<number>): Float64Array =>
  Float64Array.from(rows, (r) => {
    let eta = fitted.intercept
    for (let j = 0; j < columns.length; j++) eta += (fitted.weights[j] as number) * ((columns[j] as Float64Array)[r] as number)
    return eta
  })

/**
 * Walks the thresholds of scored rows from the highest score down, calling `visit` at each
 * distinct score with the rows at or above it (warned) and the positives among them (hits).
 */
const sweep = (scores: Float64Array, labels: ArrayLike<number>, visit: (threshold: number, warned: number, hits: number) => void): void => {
  const positive = scores.filter((_, i) => labels[i] === 1).sort()
  const negative = scores.filter((_, i) => labels[i] !== 1).sort()
  let p = positive.length - 1
  let n = negative.length - 1
  while (p >= 0 || n >= 0) {
    const threshold = Math.max(p >= 0 ? (positive[p] as number) : Number.NEGATIVE_INFINITY, n >= 0 ? (negative[n] as number) : Number.NEGATIVE_INFINITY)
    while (p >= 0 && positive[p] === threshold) p--
    while (n >= 0 && negative[n] === threshold) n--
    const hits = positive.length - 1 - p
    visit(threshold, hits + negative.length - 1 - n, hits)
  }
}

/**
 * The threshold of most recall whose warnings reach the precision, the highest of those (no warning
 * that finds no one more); or the most precise with ten warnings or more when none reaches it.
 */
const thresholdFor = (scores: Float64Array, labels: ArrayLike<number>, targetPrecision: number): number => {
  let best: number | undefined
  let bestHits = 0
  let mostPrecise = { precision: -1, threshold: Number.POSITIVE_INFINITY }
  sweep(scores, labels, (threshold, warned, hits) => {
    if (hits / warned >= targetPrecision && (best === undefined || hits > bestHits)) {
      best = threshold
      bestHits = hits
    }
    if (warned >= 10 && hits / warned > mostPrecise.precision) mostPrecise = { precision: hits / warned, threshold }
  })
  return best ?? mostPrecise.threshold
}

/** The best recall among thresholds reaching the precision with ten warnings or more. */
export const recallAtPrecision = (scores: Float64Array, labels: ArrayLike<number>, targetPrecision: number): number => {
  let positives = 0
  for (let i = 0; i < scores.length; i++) positives += labels[i] === 1 ? 1 : 0
  let best = 0
  sweep(scores, labels, (_, warned, hits) => {
    if (warned >= 10 && hits / warned >= targetPrecision) best = Math.max(best, hits / positives)
  })
  return best
}

/** Out-of-sample results of a candidate over every test origin. */
export interface CandidateResult {
  readonly name: string
  /** At the thresholds chosen on the training rows. */
  readonly warned: number
  readonly precision: number
  readonly recall: number
  readonly medianLeadDays: number
  /** The best recall at the target precision, over the test rows' scores. */
  readonly recallAtTarget: number
  /** Mean log-loss of the calibrated probability. */
  readonly logLoss: number
}

export interface Decile {
  readonly count: number
  readonly predicted: number
  readonly observed: number
}

export interface Outcome {
  readonly model: EarlyWarning.Model
  readonly chosen: string
  readonly candidates: ReadonlyArray<CandidateResult>
  /** The chosen candidate's out-of-sample probabilities against what happened, by decile of probability. */
  readonly calibration: ReadonlyArray<Decile>
  /** The best fixed gap at no less precision than the chosen model, out of sample. */
  readonly fixedGap: { readonly days: number; readonly precision: number; readonly recall: number; readonly medianLeadDays: number }
  readonly origins: ReadonlyArray<number>
  /** The origins tested on. */
  readonly tested: ReadonlyArray<number>
  readonly rows: number
  readonly positives: number
  readonly testRows: number
  readonly testPositives: number
}

const decilesOf = (probabilities: ReadonlyArray<number>, labels: ReadonlyArray<number>): ReadonlyArray<Decile> => {
  const order = probabilities.map((_, i) => i).sort((a, b) => (probabilities[a] as number) - (probabilities[b] as number))
  const out: Array<Decile> = []
  for (let d = 0; d < 10; d++) {
    const slice = order.slice(Math.floor((d * order.length) / 10), Math.floor(((d + 1) * order.length) / 10))
    if (slice.length === 0) continue
    out.push({
      count: slice.length,
      predicted: slice.reduce((s, i) => s + (probabilities[i] as number), 0) / slice.length,
      observed: slice.reduce((s, i) => s + (labels[i] as number), 0) / slice.length
    })
  }
  return out
}

const leadOf = (rows: Rows, test: ReadonlyArray<number>, warned: ReadonlyArray<boolean>): number =>
  median(test.filter((r, i) => warned[i] === true && rows.label[r] === 1).map((r) => rows.leadDays[r] as number).sort((a, b) => a - b)) ?? Number.NaN

/** Fits every candidate fold by fold, chooses one out of sample, and fits it again on every row. */
export function* fitInSteps(rows: Rows, options: Options): Steps.Steps<Result.Result<Outcome, TooLittleHistory>> {
  const { origins } = rows
  const horizon = options.horizonDays * DAY
  const byOrigin = origins.map(() => [] as Array<number>)
  rows.origin.forEach((k, r) => byOrigin[k]?.push(r))
  // What is known at origin k: the rows of the origins whose horizon has passed by then.
  const trainFor = (k: number) => origins.flatMap((o, j) => (o + horizon <= (origins[k] as number) ? (byOrigin[j] as Array<number>) : []))
  const testable = origins.map((_, k) => k).filter((k) => trainFor(k).some((r) => rows.label[r] === 1))
  const tested = testable.slice(-options.folds)
  if (tested.length === 0) {
    return Result.fail(
      new TooLittleHistory({
        reason: `no origin has an earlier one with a loss ${options.horizonDays} days later to learn from (${origins.length} monthly origin${origins.length === 1 ? "" : "s"} after ${options.warmupMonths} months of history)`
      })
    )
  }
  const test = tested.flatMap((k) => byOrigin[k] as Array<number>)
  const testLabels = Uint8Array.from(test, (r) => rows.label[r] as number)
  const testPositives = testLabels.reduce((a, b) => a + b, 0)
  // The fixed gap always competes: the choice is never worse than it.
  const candidates = allCandidates.filter((c) => c.kind === "fixed-gap" || options.kinds.includes(c.kind))
  const results: Array<CandidateResult> = []
  const probabilities: Array<ReadonlyArray<number>> = []
  const columnsOf: Array<ReadonlyArray<Float64Array>> = []
  for (const candidate of candidates) {
    const columns = candidate.columns(rows)
    columnsOf.push(columns)
    yield
    const scores = new Float64Array(test.length)
    const warned: Array<boolean> = []
    let at = 0
    for (const k of tested) {
      const train = trainFor(k)
      const fitted = yield* fitOn(candidate, columns, rows, train)
      const threshold = thresholdFor(logOdds(fitted, columns, train), Uint8Array.from(train, (r) => rows.label[r] as number), options.targetPrecision)
      for (const score of logOdds(fitted, columns, byOrigin[k] as Array<number>)) {
        scores[at++] = score
        warned.push(score >= threshold)
      }
      yield
    }
    const count = warned.filter(Boolean).length
    const hits = warned.filter((w, i) => w && testLabels[i] === 1).length
    const probability = Array.from(scores, Logistic.sigmoid)
    probabilities.push(probability)
    results.push({
      name: candidate.name,
      warned: count,
      precision: count === 0 ? 0 : hits / count,
      recall: testPositives === 0 ? 0 : hits / testPositives,
      medianLeadDays: leadOf(rows, test, warned),
      recallAtTarget: recallAtPrecision(scores, testLabels, options.targetPrecision),
      logLoss: probability.reduce((s, p, i) => s - Math.log(Math.min(1 - 1e-12, Math.max(1e-12, testLabels[i] === 1 ? p : 1 - p))), 0) / test.length
    })
  }
  // Among the candidates whose warnings, held out at their own thresholds, were right as often as
  // asked, the one that found most; when none was, the most recall at that precision over the
  // held-out scores; when none reaches it at all, the best log-loss. The fixed gap wins a tie.
  const kept = results.some((r) => r.warned > 0 && r.precision >= options.targetPrecision)
  const merit = (r: CandidateResult): number => (kept ? (r.warned > 0 && r.precision >= options.targetPrecision ? r.recall : -1) : r.recallAtTarget)
  let chosen = 0
  results.forEach((r, c) => {
    const best = results[chosen] as CandidateResult
    if (merit(r) > merit(best) + 1e-9 || (merit(best) <= 0 && merit(r) <= 0 && r.logLoss < best.logLoss - 1e-9)) chosen = c
  })
  const choice = results[chosen] as CandidateResult
  // The best fixed gap at no less precision than the choice, over the same rows.
  let fixed = { days: 0, precision: 0, recall: 0, medianLeadDays: Number.NaN }
  for (let days = 1; days <= 120; days++) {
    const warned = test.map((r) => (rows.silenceDays[r] as number) > days)
    const count = warned.filter(Boolean).length
    const hits = warned.filter((w, i) => w && testLabels[i] === 1).length
    const precision = count === 0 ? 0 : hits / count
    const recall = testPositives === 0 ? 0 : hits / testPositives
    if (count >= 10 && precision >= choice.precision && recall > fixed.recall) fixed = { days, precision, recall, medianLeadDays: leadOf(rows, test, warned) }
  }
  // Every origin is at least the horizon before the end of the history: every row is labelled.
  const every = rows.label.map((_, r) => r)
  const candidate = candidates[chosen] as Candidate
  const columns = columnsOf[chosen] as ReadonlyArray<Float64Array>
  const final = yield* fitOn(candidate, columns, rows, every)
  const threshold = thresholdFor(logOdds(final, columns, every), Uint8Array.from(rows.label), options.targetPrecision)
  const model: EarlyWarning.Model = {
    ...candidate.model(final, threshold, options.horizonDays),
    fitted: {
      origins: origins.length,
      rows: test.length,
      positives: testPositives,
      targetPrecision: options.targetPrecision,
      precision: choice.precision,
      recall: choice.recall,
      medianLeadDays: choice.medianLeadDays,
      fixedGap: { days: fixed.days, precision: fixed.precision, recall: fixed.recall }
    }
  }
  return Result.succeed({
    model,
    chosen: choice.name,
    candidates: results,
    calibration: decilesOf(probabilities[chosen] as ReadonlyArray<number>, Array.from(testLabels)),
    fixedGap: fixed,
    origins,
    tested: tested.map((k) => origins[k] as number),
    rows: rows.label.length,
    positives: rows.label.reduce((a, b) => a + b, 0),
    testRows: test.length,
    testPositives
  })
}

/** The backtest of a state folded with history, as of `asOf`: its rows, then the fit. Each member's projection is left in the state, the backtest fitted or not. */
export function* runInSteps(state: Scan.State, asOf: number, policy: Policy.Policy, options: Options): Steps.Steps<Result.Result<Outcome, TooLittleHistory>> {
  const firstAt = firstInstant(state)
  if (firstAt === undefined) return Result.fail(new TooLittleHistory({ reason: "the export holds no member" }))
  const origins = originsOf(firstAt, asOf, options)
  // Without an origin too: the rows leave each member's projection in the state either way.
  const rows = yield* rowsInSteps(state, asOf, origins, policy, options)
  if (origins.length === 0) {
    return Result.fail(new TooLittleHistory({ reason: `the history runs ${((asOf - firstAt) / DAY / 30.44).toFixed(1)} months; the backtest needs ${options.warmupMonths} months of warm-up and ${options.horizonDays} days of horizon` }))
  }
  return yield* fitInSteps(rows, options)
}

/** The earliest instant of any fact of any member. */
const firstInstant = (state: Scan.State): number | undefined => {
  let first: number | undefined
  for (const entries of state.history?.members.values() ?? []) {
    for (const entry of entries) {
      const at = History.atOf(entry)
      if (first === undefined || at < first) first = at
    }
  }
  return first
}
