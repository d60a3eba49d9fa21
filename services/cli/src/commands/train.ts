/**
 * `relink train`: estimates the match rule's m and u probabilities and its prior from an export of
 * events (`Training.train`), fits the early-warning model on the same export's history by a
 * rolling-origin backtest (`Backtest`), and writes both as one rule file: what `--rule` and
 * `RELINK_MATCH_RULE` take. Unlabelled: the members are the people to find, the registrations,
 * leads and records the observations that look for them, and the history says who was lost.
 */
import { Console, Effect, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { Backtest, Instant, MatchRule, Policy, Training } from "@relink/core"
import { BadArgument, CannotTrain, type CommandError } from "../Errors.ts"
import * as Progress from "../Progress.ts"
import * as Sink from "../Sink.ts"
import * as Turns from "../Turns.ts"
import * as Shared from "./shared.ts"

const pairs = Flag.Int("pairs").pipe(
  Shared.between(1_000, 100_000_000),
  Flag.withMetavar("N"),
  Flag.withDescription("Random member pairs u is estimated from. Default: 1000000"),
  Flag.withDefault(1_000_000)
)

/** A threshold of the trained rule: a match probability, strictly between 0 and 1 (1 would mean never). */
const threshold = (name: string, description: string) =>
  Flag.Finite(name).pipe(
    Flag.filter((p) => p > 0 && p <= 1, () => "a probability in (0, 1]"),
    Flag.withMetavar("P"),
    Flag.withDescription(description),
    Flag.optional
  )

const horizon = Flag.Int("horizon").pipe(
  Shared.between(30, 730),
  Flag.withMetavar("DAYS"),
  Flag.withDescription(`The early warning's horizon: the probability it gives is of being lost or away unregistered within this many days. Default: ${Backtest.defaults.horizonDays}`),
  Flag.withDefault(Backtest.defaults.horizonDays)
)

const warningPrecision = Flag.Finite("warning-precision").pipe(
  Flag.filter((p) => p > 0 && p < 1, () => "a share strictly between 0 and 1"),
  Flag.withMetavar("P"),
  Flag.withDescription(
    `The share of early warnings that should be right: the backtest sets the warning's threshold for it, most recall first. Default: ${Backtest.defaults.targetPrecision}`
  ),
  Flag.withDefault(Backtest.defaults.targetPrecision)
)

export interface TrainFlags {
  readonly events: string
  readonly orgs: Option.Option<string>
  readonly asOf: Option.Option<string>
  readonly rule: Option.Option<string>
  readonly out: Option.Option<string>
  readonly seed: number
  readonly pairs: number
  readonly autoLink: Option.Option<number>
  readonly review: Option.Option<number>
  readonly horizon: number
  readonly warningPrecision: number
  readonly rejects: Option.Option<string>
  readonly maxLineBytes: number
  readonly maxInputBytes: number
  readonly maxRejects: number
  readonly quiet: boolean
}

const probability = (p: number | undefined) => (p === undefined ? "—" : p.toExponential(2))

/** Trains the rule on the export and writes it. */
export const runTrain = (flags: TrainFlags): Effect.Effect<void, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const outPath = Option.getOrElse(flags.out, () => "-")
      const start = yield* Shared.readRule(flags.rule)
      const thresholds = {
        autoLinkProbability: Option.getOrElse(flags.autoLink, () => start.autoLinkProbability),
        reviewProbability: Option.getOrElse(flags.review, () => start.reviewProbability)
      }
      if (thresholds.reviewProbability > thresholds.autoLinkProbability) {
        return yield* new BadArgument({ flag: "--review", reason: `${thresholds.reviewProbability} is above the auto-link probability ${thresholds.autoLinkProbability}` })
      }
      const read = yield* Shared.readEvents({ ...flags, out: outPath, history: true })
      yield* Shared.note(flags.quiet, Shared.readSummary(read.ingested))
      const options: Backtest.Options = { ...Backtest.defaults, horizonDays: flags.horizon, targetPrecision: flags.warningPrecision }
      read.progress.status(`backtesting the early warning on ${Progress.count(read.ingested.state.history?.members.size ?? 0, "member")} …`)
      const backtestStarted = performance.now()
      // The backtest leaves each member's projection as of --as-of in the state: what the match rule is trained on.
      const backtest = yield* Turns.drive(Backtest.runInSteps(read.ingested.state, read.asOf, Policy.defaults, options))
      const backtestSeconds = (performance.now() - backtestStarted) / 1000
      const { members: candidates, observations: observed } = yield* Turns.drive(Training.peopleOfInSteps(read.ingested.state))
      read.progress.status(`training on ${Progress.count(candidates.length, "member")} and ${Progress.count(observed.length, "observation")} …`)
      const started = performance.now()
      const result = yield* Turns.drive(Training.trainInSteps(candidates, observed, { ...start, ...thresholds }, { seed: flags.seed, uPairs: flags.pairs }))
      read.progress.done()
      if (Result.isFailure(result)) return yield* new CannotTrain({ events: flags.events === "-" ? "standard input" : flags.events, reason: result.failure.reason })
      const trained = result.success
      const earlyWarning = Result.isSuccess(backtest) ? backtest.success.model : start.earlyWarning
      const rule: MatchRule.MatchRule = { ...trained.rule, ...(earlyWarning !== undefined && { earlyWarning }) }
      const sink = yield* Sink.open(outPath)
      yield* Sink.run(sink, async (s) => {
        s.write(`${JSON.stringify(rule, null, 2)}\n`)
        await s.close()
      })
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      yield* Shared.note(
        flags.quiet,
        `trained on ${Progress.count(candidates.length, "member")} and ${Progress.count(observed.length, "observation")} in ${seconds} s: ` +
          `u from ${Progress.number(trained.sampledPairs)} random member pairs, m from ${trained.sessions.length} EM sessions, ` +
          `prior ${probability(trained.rule.prior)} over ${Progress.number(trained.blockedPairs)} blocked pairs` +
          (outPath === "-" ? "" : `; wrote ${outPath}`)
      )
      for (const session of trained.sessions) {
        const state = session.converged ? `${session.iterations} iterations` : `not converged after ${session.iterations} iterations`
        yield* Shared.note(
          flags.quiet,
          `  blocked on ${session.blocking.join(" + ")}: ${Progress.number(session.pairs)} pairs, ` +
            (session.estimated.length === 0 ? `too few to estimate m from (${Training.minimum.sessionPairs} needed)` : `m of ${session.estimated.join(", ")} (${state})`)
        )
      }
      for (const level of trained.levels) {
        if (level.m === undefined) continue
        const kept = trained.kept.includes(level.comparison) ? "; m kept from the starting rule" : ""
        yield* Shared.note(
          flags.quiet,
          `  ${level.comparison} / ${level.level}: m ${probability(level.m)}, u ${probability(level.u)}, weight ${level.weight.toFixed(2)} (${Progress.number(level.sampledPairs)} sampled, ${Progress.number(level.blockedPairs)} blocked pairs${kept})`
        )
      }
      if (Result.isSuccess(backtest)) {
        for (const text of backtestLines(backtest.success, options, backtestSeconds)) yield* Shared.note(flags.quiet, text)
      } else {
        // Said even with --quiet: the rule written carries no early warning of this export's.
        yield* Console.error(
          `relink: warning: the early warning is not fitted: ${backtest.failure.reason}; the rule keeps ${start.earlyWarning === undefined ? "no early-warning model (the policy's default applies)" : "the starting rule's early-warning model"}`
        )
      }
      // Said even with --quiet: the rule written is only partly trained.
      if (trained.kept.length > 0) {
        yield* Console.error(
          `relink: warning: m of ${trained.kept.join(", ")} is the starting rule's, not trained: no blocking rule brought together ${Training.minimum.sessionPairs} pairs to estimate it from`
        )
      }
    })
  )

const share = (x: number) => (Number.isNaN(x) ? "—" : x.toFixed(3))
const date = (at: number) => Instant.formatCstDate(at)

/** What the backtest says: the candidates out of sample, the choice, the operating point and the calibration. */
const backtestLines = (outcome: Backtest.Outcome, options: Backtest.Options, seconds: number): ReadonlyArray<string> => {
  const { model, fixedGap } = outcome
  const first = outcome.tested[0] as number
  const last = outcome.tested[outcome.tested.length - 1] as number
  const chosen = outcome.candidates.find((c) => c.name === outcome.chosen) as Backtest.CandidateResult
  const name = (c: Backtest.CandidateResult) => (c.name === outcome.chosen ? `* ${c.name}` : `  ${c.name}`).padEnd(40)
  return [
    `early warning: backtest in ${seconds.toFixed(1)} s over ${outcome.origins.length} monthly origins (${date(outcome.origins[0] as number)} to ${date(outcome.origins[outcome.origins.length - 1] as number)}), ` +
      `${Progress.number(outcome.rows)} member-origins, ${Progress.number(outcome.positives)} lost or away unregistered ${options.horizonDays} days later; ` +
      `held out: ${outcome.tested.length} origins (${date(first)} to ${date(last)}), ${Progress.number(outcome.testRows)} member-origins, ${Progress.number(outcome.testPositives)} positive`,
    `  candidate (out of sample)                 warned  precision  recall  median lead  recall at precision ≥ ${options.targetPrecision}`,
    ...outcome.candidates.map(
      (c) =>
        `  ${name(c)} ${String(c.warned).padStart(6)}  ${share(c.precision).padStart(9)}  ${share(c.recall).padStart(6)}  ${(Number.isNaN(c.medianLeadDays) ? "—" : `${Math.round(c.medianLeadDays)} d`).padStart(11)}  ${share(c.recallAtTarget)}`
    ),
    `  chosen: ${outcome.chosen}${model.kind === "fixed-gap" ? ` — no model beat the fixed gap: the early warning is a silence of ${model.days} days` : ""}; ` +
      `at its threshold, held out: precision ${share(chosen.precision)}, recall ${share(chosen.recall)}, median lead ${Number.isNaN(chosen.medianLeadDays) ? "—" : Math.round(chosen.medianLeadDays)} days; ` +
      (fixedGap.days === 0
        ? "no fixed gap is as precise"
        : `the best fixed gap as precise, silent > ${fixedGap.days} days: precision ${share(fixedGap.precision)}, recall ${share(fixedGap.recall)}, median lead ${Number.isNaN(fixedGap.medianLeadDays) ? "—" : Math.round(fixedGap.medianLeadDays)} days`),
    `  calibration, held out (decile: members, predicted, observed): ` +
      outcome.calibration.map((d, i) => `${i + 1}: ${Progress.number(d.count)}, ${share(d.predicted)}, ${share(d.observed)}`).join("; ")
  ]
}

export const train = Command.make(
  "train",
  {
    events: Shared.events,
    orgs: Shared.orgs,
    asOf: Shared.asOf,
    rule: Shared.rule.pipe(Flag.withDescription("The rule to start from and keep the comparisons, levels and blocking of (JSON, as RELINK_MATCH_RULE takes it). Default: the built-in rule")),
    out: Shared.out.pipe(Flag.withDescription("Where the trained rule goes, as JSON (- for standard output). Default: standard output")),
    seed: Shared.seed("Seed of the random member pairs: the same seed and events give the same rule"),
    pairs,
    autoLink: threshold("auto-link", `Match probability from which the best proposal is auto-linked, in the trained rule. Default: the starting rule's (the built-in rule's is ${MatchRule.chinese.autoLinkProbability})`),
    horizon,
    warningPrecision,
    review: threshold("review", `Match probability from which a pair is proposed for review, in the trained rule. Default: the starting rule's (the built-in rule's is ${MatchRule.chinese.reviewProbability})`),
    rejects: Shared.rejects,
    maxLineBytes: Shared.maxLineBytes,
    maxInputBytes: Shared.maxInputBytes,
    maxRejects: Shared.maxRejects,
    quiet: Shared.quiet
  },
  runTrain
).pipe(
  Command.withDescription(
    "Estimate the match rule's m and u probabilities and its prior from an export of events, unlabelled: u from random member pairs, m by expectation-maximisation over the pairs blocking compares. Fit the early warning on the export's own history: a rolling-origin backtest (monthly origins from 12 months in, each labelled by what the events say --horizon days later) chooses among a fixed gap, the rhythm detector and a logistic hazard model out of sample, at --warning-precision. Writes both as one rule file (JSON), for --rule and RELINK_MATCH_RULE."
  ),
  Command.withShortDescription("Train the match rule and the early warning on an export")
)
