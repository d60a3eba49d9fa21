/**
 * `relink train`: estimates the match rule's m and u probabilities and its prior from an export of
 * events (`Training.train`), and writes the trained rule as JSON: what `RELINK_MATCH_RULE` takes.
 * Unlabelled: the members are the people to find, the registrations, leads and records the
 * observations that look for them.
 */
import { Console, Effect, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { MatchRule, Training } from "@relink/core"
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
      const read = yield* Shared.readEvents({ ...flags, out: outPath })
      yield* Shared.note(flags.quiet, Shared.readSummary(read.ingested))
      const { members: candidates, observations: observed } = yield* Turns.drive(Training.peopleOfInSteps(read.ingested.state))
      read.progress.status(`training on ${Progress.number(candidates.length)} members and ${Progress.number(observed.length)} observations …`)
      const started = performance.now()
      const result = yield* Turns.drive(Training.trainInSteps(candidates, observed, { ...start, ...thresholds }, { seed: flags.seed, uPairs: flags.pairs }))
      read.progress.done()
      if (Result.isFailure(result)) return yield* new CannotTrain({ events: flags.events === "-" ? "standard input" : flags.events, reason: result.failure.reason })
      const trained = result.success
      const sink = yield* Sink.open(outPath)
      yield* Sink.run(sink, async (s) => {
        s.write(`${JSON.stringify(trained.rule, null, 2)}\n`)
        await s.close()
      })
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      yield* Shared.note(
        flags.quiet,
        `trained on ${Progress.number(candidates.length)} members and ${Progress.number(observed.length)} observations in ${seconds} s: ` +
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
      // Said even with --quiet: the rule written is only partly trained.
      if (trained.kept.length > 0) {
        yield* Console.error(
          `relink: warning: m of ${trained.kept.join(", ")} is the starting rule's, not trained: no blocking rule brought together ${Training.minimum.sessionPairs} pairs to estimate it from`
        )
      }
    })
  )

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
    "Estimate the match rule's m and u probabilities and its prior from an export of events, unlabelled: u from random member pairs, m by expectation-maximisation over the pairs blocking compares. Writes the rule as JSON, for RELINK_MATCH_RULE."
  ),
  Command.withShortDescription("Train the match rule on an export")
)
