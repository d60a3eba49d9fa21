/**
 * `relink train`: estimates the match rule's m and u probabilities and its prior from an export of
 * events (`Training.train`), fits the early-warning model on the same export's history by a
 * rolling-origin backtest (`Backtest`), and writes both as one rule file: what `--rule` and
 * `RELINK_MATCH_RULE` take. The members are the people to find, the registrations, leads and
 * records the observations that look for them, and the history says who was lost. Clerks'
 * decisions (`MatchResolved`: the export's own and `--labels`) are labels: EM takes the clerks'
 * answer for the pairs they decided (`Training.TrainOptions.decided`), and the starting rule is evaluated
 * against them (`Labels.evaluate`), on standard error and drawn with `--evaluation`. The rule written
 * says what it was trained on (`MatchRule.Provenance`).
 */
import { Console, Effect, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { Backtest, Event, Instant, Labels, MatchRule, Policy, Training } from "@relink/core"
import * as Bounded from "../Bounded.ts"
import { BadArgument, CannotTrain, type CommandError, type InputTooLarge } from "../Errors.ts"
import * as Progress from "../Progress.ts"
import * as Evaluation from "../render/Evaluation.ts"
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

const labels = Flag.String("labels").pipe(
  Flag.withMetavar("FILE"),
  Flag.withDescription(
    "Clerks' decisions to learn from besides the export's own: NDJSON of MatchResolved events, as relink resolve writes them. The pairs confirmed count as matches in EM; every decision evaluates the starting rule. A later decision on a pair replaces an earlier one"
  ),
  Flag.optional
)

const evaluation = Flag.String("evaluation").pipe(
  Flag.withMetavar("FILE.html|FILE.svg"),
  Flag.withDescription("Where the labelled evaluation of the starting rule is drawn: an HTML page with the chart and the whole table, or the chart alone as SVG"),
  Flag.optional
)

/** The evaluation's picture: its file, and what it is by the file's extension. */
const drawingOf = (path: string): Effect.Effect<{ readonly path: string; readonly kind: "html" | "svg" }, BadArgument> => {
  const lower = path.toLowerCase()
  if (lower.endsWith(".html") || lower.endsWith(".htm")) return Effect.succeed({ path, kind: "html" })
  if (lower.endsWith(".svg")) return Effect.succeed({ path, kind: "svg" })
  return Effect.fail(new BadArgument({ flag: "--evaluation", reason: `${path}: the evaluation is drawn as .html or .svg` }))
}

/** The decisions of a labels file, each line a `MatchResolved` event; the first line that is none is refused, by its number. */
const readLabels = (path: string, maxBytes: number): Effect.Effect<ReadonlyArray<Labels.Decision>, BadArgument | InputTooLarge> =>
  Effect.gen(function* () {
    const bad = (reason: string) => new BadArgument({ flag: "--labels", reason: `${path}: ${reason}` })
    const bytes = yield* Bounded.readFile(path, { bytes: maxBytes, input: `--labels ${path}`, what: "the most --max-input-bytes lets a run read from one input" }).pipe(
      Effect.catchTag("ReadFailed", (failed) => Effect.fail(bad(failed.reason)))
    )
    const invalid = Event.invalidUtf8At(bytes)
    if (invalid !== undefined) return yield* bad(Event.invalidUtf8(invalid).reason)
    const decisions: Array<Labels.Decision> = []
    const lines = bytes.toString("utf8").split("\n")
    for (const [i, line] of lines.entries()) {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line
      if (text.trim().length === 0) continue
      const decoded = Labels.decodeLine(text, i + 1)
      if (Result.isFailure(decoded)) return yield* bad(decoded.failure.message)
      decisions.push(decoded.success)
    }
    return decisions
  })

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
  readonly labels: Option.Option<string>
  readonly evaluation: Option.Option<string>
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
      const drawing = Option.isSome(flags.evaluation) ? yield* drawingOf(flags.evaluation.value) : undefined
      const labelled = Option.isSome(flags.labels) ? yield* readLabels(flags.labels.value, flags.maxInputBytes) : []
      const read = yield* Shared.readEvents({ ...flags, out: outPath, history: true })
      yield* Shared.note(flags.quiet, Shared.readSummary(read.ingested))
      const options: Backtest.Options = { ...Backtest.defaults, horizonDays: flags.horizon, targetPrecision: flags.warningPrecision }
      read.progress.status(`backtesting the early warning on ${Progress.count(read.ingested.state.history?.members.size ?? 0, "member")} …`)
      const backtestStarted = performance.now()
      // The backtest leaves each member's projection as of --as-of in the state: what the match rule is trained on.
      const backtest = yield* Turns.drive(Backtest.runInSteps(read.ingested.state, read.asOf, Policy.defaults, options))
      const backtestSeconds = (performance.now() - backtestStarted) / 1000
      const { members: candidates, observations: observed } = yield* Turns.drive(Training.peopleOfInSteps(read.ingested.state))
      const decided = Labels.pairsOf(read.ingested.state, Labels.merge(Labels.ofState(read.ingested.state), labelled))
      const confirmed = Labels.confirmed(decided.pairs, start)
      const evaluated = Labels.evaluate(start, decided.pairs)
      read.progress.status(`training on ${Progress.count(candidates.length, "member")} and ${Progress.count(observed.length, "observation")} …`)
      const started = performance.now()
      const result = yield* Turns.drive(Training.trainInSteps(candidates, observed, { ...start, ...thresholds }, {
            seed: flags.seed,
            uPairs: flags.pairs,
            decided: decided.pairs.map((p) => ({ observation: p.observation, member: p.member, confirmed: p.decision.resolution === "confirmed" }))
          }))
      read.progress.done()
      if (Result.isFailure(result)) return yield* new CannotTrain({ events: flags.events === "-" ? "standard input" : flags.events, reason: result.failure.reason })
      const trained = result.success
      const earlyWarning = Result.isSuccess(backtest) ? backtest.success.model : start.earlyWarning
      const at = yield* Effect.sync(() => new Date().toISOString())
      const provenance: MatchRule.Provenance = {
        events: flags.events,
        at,
        members: candidates.length,
        observations: observed.length,
        ...(decided.pairs.length > 0 && { labels: decided.pairs.length })
      }
      const rule: MatchRule.MatchRule = { ...trained.rule, ...(earlyWarning !== undefined && { earlyWarning }), trained: provenance }
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
      yield* labelLines(flags, decided, confirmed.pairs, evaluated)
      if (drawing !== undefined) {
        const source = `relink train --events ${flags.events}${Option.isSome(flags.labels) ? ` --labels ${flags.labels.value}` : ""}`
        const file = yield* Sink.open(drawing.path)
        yield* Sink.run(file, async (s) => {
          s.write(drawing.kind === "html" ? Evaluation.html(evaluated, source) : Evaluation.svg(evaluated, source))
          await s.close()
        })
        yield* Shared.note(flags.quiet, `  drew the evaluation: ${drawing.path}`)
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

/** What the labels were and did: how many, how many trained m, and the starting rule's evaluation against them. */
const labelLines = (flags: TrainFlags, decided: Labels.Paired, confirmed: number, evaluated: Labels.Evaluation): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (decided.unknown > 0) {
      // Said even with --quiet: decisions were given and not used.
      yield* Console.error(`relink: warning: ${Progress.count(decided.unknown, "decision")} name an observation or a member the export does not hold (or one without an identity to compare): left out`)
    }
    if (decided.pairs.length === 0) {
      yield* Shared.note(flags.quiet, "labels: no clerk's decision (MatchResolved) in the export or --labels: m is EM's alone")
      return
    }
    yield* Shared.note(
      flags.quiet,
      `labels: ${Progress.count(decided.pairs.length, "decided pair")}, ${Progress.number(confirmed)} confirmed (each EM session takes the clerks' answer for them), ${Progress.number(decided.pairs.length - confirmed)} rejected; ` +
        "the starting rule against them, per pattern of agreeing fields (each pair as the rule decides it alone):"
    )
    for (const text of Evaluation.table(evaluated)) yield* Shared.note(flags.quiet, text)
  })

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
    labels,
    evaluation,
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
    "Estimate the match rule's m and u probabilities and its prior from an export of events: u from random member pairs, m by expectation-maximisation over the pairs blocking compares, with the pairs clerks confirmed (MatchResolved, in the export and --labels) counted as matches; the starting rule is evaluated against the clerks' decisions per pattern of agreeing fields (--evaluation draws it). Fit the early warning on the export's own history: a rolling-origin backtest (monthly origins from 12 months in, each labelled by what the events say --horizon days later) chooses among a fixed gap, the rhythm detector and a logistic hazard model out of sample, at --warning-precision. Writes both as one rule file (JSON), for --rule and RELINK_MATCH_RULE."
  ),
  Command.withShortDescription("Train the match rule and the early warning on an export")
)
