/**
 * The early warning (联系节律预警) as a model: the probability that a member not yet at the fixed
 * contact warning is lost (or away unregistered) within a horizon, and the instant that probability
 * reaches the model's threshold. docs/early-warning.md.
 *
 * A model is data: `relink train` fits one on a deployment's own history (`Backtest`), it travels
 * in the rule file and the policy, and the default is fitted on the simulation by a recorded recipe.
 * Three kinds:
 * - `fixed-gap`: warn after a silence of `days`, whoever the member;
 * - `rhythm`: warn when φ, the suspicion of the silence against the member's own rhythm (`Rhythm`),
 *   reaches `suspicion`;
 * - `hazard`: warn when a logistic model of the silence, the rhythm and the status reaches
 *   `threshold`.
 * Each gives a probability: the first two through a calibration of their score (the logarithm of
 * the silence, φ), the third directly. The probability never falls as the silence lengthens (the
 * weights of the features that grow with it are never negative), so the instant of the warning is
 * well defined and the worker's sweeper raises it on time (`nextReviewAt`).
 */
import { Schema } from "effect"
import { DAY } from "./Instant.ts"
import * as Logistic from "./internal/Logistic.ts"
import * as Rhythm from "./Rhythm.ts"

/** The statuses the early warning watches: not yet at risk, nothing unlinked. */
export const watched = ["active", "floating", "in-transit"] as const
export type Watched = (typeof watched)[number]

/** What the hazard model reads of a member at an instant. */
export const features = ["lnSilence", "lnSilenceNoRhythm", "silenceZ", "windowZ", "lnGapDays", "spread", "noRhythm", "floating", "inTransit"] as const
export type Feature = (typeof features)[number]

/** The features that grow with the silence: their weights are never negative. */
export const growing: ReadonlySet<Feature> = new Set(["lnSilence", "lnSilenceNoRhythm", "silenceZ", "windowZ"])

const finite = Schema.Finite
const positive = Schema.Finite.check(Schema.makeFilter<number>((n) => n > 0 || "must be > 0"))
const wholeAtLeastOne = Schema.Finite.check(Schema.makeFilter<number>((n) => (Number.isInteger(n) && n >= 1) || "must be a whole number ≥ 1"))
const nonNegative = Schema.Finite.check(Schema.makeFilter<number>((n) => n >= 0 || "must be ≥ 0"))
const Probability = Schema.Finite.check(Schema.makeFilter<number>((p) => (p > 0 && p < 1) || "a probability must be in (0, 1)"))

/** Probability = sigmoid(intercept + slope × score). */
export const Calibration = Schema.Struct({ intercept: finite, slope: nonNegative })
export type Calibration = typeof Calibration.Type

/** How the model did on the history it was fitted on, out of sample: what the list's header says. */
export const Fitted = Schema.Struct({
  /** Origins of the backtest, and the rows (member × origin) and positives it held out. */
  origins: Schema.Number,
  rows: Schema.Number,
  positives: Schema.Number,
  /** The precision the operating point was chosen for. */
  targetPrecision: Probability,
  precision: Schema.Number,
  recall: Schema.Number,
  /** Median days from the warning to the fixed contact warning, over the members it was right about. */
  medianLeadDays: Schema.Number,
  /** The best fixed gap at no less precision, on the same rows. */
  fixedGap: Schema.Struct({ days: Schema.Number, precision: Schema.Number, recall: Schema.Number })
})
export type Fitted = typeof Fitted.Type

const common = {
  /** The probability is of being lost or away unregistered within this many days. */
  horizonDays: wholeAtLeastOne,
  fitted: Schema.optionalKey(Fitted)
}
const rhythmSettings = { minGaps: wholeAtLeastOne, spreadFloor: positive }

export const FixedGap = Schema.Struct({ kind: Schema.Literal("fixed-gap"), ...common, days: wholeAtLeastOne, calibration: Calibration })
export const Suspicion = Schema.Struct({
  kind: Schema.Literal("rhythm"),
  ...common,
  ...rhythmSettings,
  suspicion: positive,
  /** Whether the last gaps and the silence are also judged together (a fade). */
  fadeWindow: Schema.Boolean,
  calibration: Calibration
})
export const Hazard = Schema.Struct({
  kind: Schema.Literal("hazard"),
  ...common,
  ...rhythmSettings,
  intercept: finite,
  weights: Schema.Struct({
    lnSilence: nonNegative,
    lnSilenceNoRhythm: nonNegative,
    silenceZ: nonNegative,
    windowZ: nonNegative,
    lnGapDays: finite,
    spread: finite,
    noRhythm: finite,
    floating: finite,
    inTransit: finite
  }),
  threshold: Probability
})
export const Model = Schema.Union([FixedGap, Suspicion, Hazard])
export type Model = typeof Model.Type

/** A member as the model sees them at an instant. */
export interface Situation {
  readonly status: Watched
  /** The latest contact days, latest first (`Projection.contactDays`). */
  readonly contactDays: ReadonlyArray<number>
  readonly lastContactAt: number
}

/** The rhythm the model judges a member by; undefined for the fixed gap, or with too few gaps. */
export const rhythmOf = (model: Model, contactDays: ReadonlyArray<number>): Rhythm.Rhythm | undefined =>
  model.kind === "fixed-gap" ? undefined : Rhythm.of(contactDays, model)

/** Whole days of silence, at least one: the logarithm of the silence is read from a day on. */
const lnSilenceOf = (silenceDays: number): number => Math.log(Math.max(1, silenceDays))

/** The hazard model's features for a silence of e^`lnSilence` days. */
export const featuresOf = (rhythm: Rhythm.Rhythm | undefined, status: Watched, lnSilence: number): Record<Feature, number> => {
  const z = rhythm === undefined ? 0 : (lnSilence - Math.log(rhythm.gapDays)) / rhythm.spread
  return {
    lnSilence,
    lnSilenceNoRhythm: rhythm === undefined ? lnSilence : 0,
    silenceZ: z,
    windowZ: rhythm === undefined ? 0 : (rhythm.lateness + z) / Math.sqrt(Rhythm.RECENT_GAPS + 1),
    lnGapDays: rhythm === undefined ? 0 : Math.log(rhythm.gapDays),
    spread: rhythm === undefined ? 0 : rhythm.spread,
    noRhythm: rhythm === undefined ? 1 : 0,
    floating: status === "floating" ? 1 : 0,
    inTransit: status === "in-transit" ? 1 : 0
  }
}

const hazardLogit = (model: typeof Hazard.Type, rhythm: Rhythm.Rhythm | undefined, status: Watched, lnSilence: number): number => {
  const x = featuresOf(rhythm, status, lnSilence)
  let eta = model.intercept
  for (const feature of features) eta += model.weights[feature] * x[feature]
  return eta
}

/** The model's own score of a silence: its logarithm (fixed gap), φ (rhythm), the log-odds (hazard). */
const score = (model: Model, rhythm: Rhythm.Rhythm | undefined, status: Watched, silenceDays: number): number => {
  switch (model.kind) {
    case "fixed-gap":
      return lnSilenceOf(silenceDays)
    case "rhythm":
      return rhythm === undefined ? 0 : Rhythm.suspicionOfGap(rhythm, silenceDays, model.fadeWindow)
    case "hazard":
      return hazardLogit(model, rhythm, status, lnSilenceOf(silenceDays))
  }
}

/** The estimated probability of being lost or away unregistered within the horizon, after a silence of `silenceDays`. */
export const probability = (model: Model, rhythm: Rhythm.Rhythm | undefined, status: Watched, silenceDays: number): number => {
  const s = score(model, rhythm, status, silenceDays)
  return model.kind === "hazard" ? Logistic.sigmoid(s) : Logistic.sigmoid(model.calibration.intercept + model.calibration.slope * s)
}

/** What the early warning of a member says: when it starts, and the rhythm it judged them by. */
export interface Warning {
  /** The instant the warning starts: it holds from then on, until the next contact. */
  readonly at: number
  /** The rhythm, when the model reads one and the member has it. */
  readonly rhythm?: Rhythm.Rhythm
  /** The last contact plus the typical gap, with a rhythm. */
  readonly expectedAt?: number
}

/** The silence in days from which the hazard model's probability reaches its threshold; undefined when it never does. */
const hazardWarningDays = (model: typeof Hazard.Type, rhythm: Rhythm.Rhythm | undefined, status: Watched): number | undefined => {
  // The log-odds are linear in the logarithm of the silence: a + k · ln(days).
  const a = hazardLogit(model, rhythm, status, 0)
  const k = hazardLogit(model, rhythm, status, 1) - a
  const target = Logistic.logit(model.threshold)
  if (a >= target) return 1
  const days = Math.exp((target - a) / k)
  // A slope too small to reach the threshold within any span of time there is: never.
  return k > 0 && Number.isFinite(days) ? Math.max(1, days) : undefined
}

/** When the silence of a member since their last contact becomes worth a call; undefined when it never does. */
export const warning = (model: Model, situation: Situation): Warning | undefined => {
  const rhythm = rhythmOf(model, situation.contactDays)
  const days =
    model.kind === "fixed-gap"
      ? model.days
      : model.kind === "rhythm"
        ? rhythm === undefined ? undefined : Rhythm.warningGapDays(rhythm, model.suspicion, model.fadeWindow)
        : hazardWarningDays(model, rhythm, situation.status)
  if (days === undefined) return undefined
  return {
    at: situation.lastContactAt + Math.ceil(days * DAY),
    ...(rhythm !== undefined && { rhythm, expectedAt: situation.lastContactAt + Math.round(rhythm.gapDays * DAY) })
  }
}

