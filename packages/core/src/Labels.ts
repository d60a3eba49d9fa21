/**
 * Clerks' decisions on proposed pairs (`MatchResolved`) as labels: the pairs they name with both
 * people, whose answers training takes (`Training.TrainOptions.decided`),
 * and a labelled evaluation of a rule: per pattern of agreeing fields, what the rule decides and
 * how often the clerks agreed with it (docs/matching.md#labels).
 */
import { Data, Result } from "effect"
import * as Event from "./Event.ts"
import * as Matching from "./Matching.ts"
import * as MatchRule from "./MatchRule.ts"
import type * as Scan from "./Scan.ts"
import * as Training from "./Training.ts"

/** A clerk's decision: the observation and the member are the same person (confirmed) or not. */
export interface Decision {
  readonly observationEventId: string
  readonly memberId: string
  readonly resolution: Event.Resolution
}

/** The decisions a fold of events holds: each member's resolutions, the last one per pair. */
export const ofState = (state: Scan.State): ReadonlyArray<Decision> => {
  const decisions: Array<Decision> = []
  for (const [memberId, projection] of state.members) {
    for (const [observationEventId, resolution] of Object.entries(projection.resolutions)) decisions.push({ observationEventId, memberId, resolution: resolution.value })
  }
  return decisions
}

/** A line of a labels file that is no `MatchResolved` event. `line` counts from 1. */
export class InvalidLabel extends Data.TaggedError("InvalidLabel")<{ readonly line: number; readonly reason: string }> {
  override get message() {
    return `line ${this.line}: ${this.reason}`
  }
}

/** One line of a labels file (NDJSON of `MatchResolved` events, what `relink resolve` writes), decoded by the contract's schema. */
export const decodeLine = (text: string, line: number): Result.Result<Decision, InvalidLabel> => {
  const decoded = Event.decodeLine(text)
  if (Result.isFailure(decoded)) return Result.fail(new InvalidLabel({ line, reason: decoded.failure.reason }))
  const event = decoded.success
  if (event.type !== "MatchResolved") return Result.fail(new InvalidLabel({ line, reason: `a ${event.type} event, not MatchResolved: a label is a clerk's decision on a pair` }))
  return Result.succeed({ observationEventId: event.observationEventId, memberId: event.memberId, resolution: event.resolution })
}

/** The decisions of every list, one per pair: a later decision on a pair replaces an earlier one. */
export const merge = (...lists: ReadonlyArray<ReadonlyArray<Decision>>): ReadonlyArray<Decision> => {
  const byPair = new Map<string, Decision>()
  for (const list of lists) {
    for (const decision of list) {
      const key = JSON.stringify([decision.observationEventId, decision.memberId])
      byPair.delete(key)
      byPair.set(key, decision)
    }
  }
  return [...byPair.values()]
}

/** A decided pair with both people, as matching compares them. */
export interface Pair {
  readonly decision: Decision
  readonly observation: Matching.Person
  readonly member: Matching.Person
}

export interface Paired {
  readonly pairs: ReadonlyArray<Pair>
  /** Decisions naming an observation or a member the fold does not hold, or one without an identity to compare. */
  readonly unknown: number
}

/** The decided pairs whose observation and member the fold holds, with both people. */
export const pairsOf = (state: Scan.State, decisions: ReadonlyArray<Decision>): Paired => {
  const pairs: Array<Pair> = []
  let unknown = 0
  for (const decision of decisions) {
    const observed = state.observations.get(decision.observationEventId)
    const projection = state.members.get(decision.memberId)
    const observation = observed === undefined ? undefined : Matching.personOfObservation(observed)
    const member = projection === undefined ? undefined : Matching.personOfMember(projection)
    if (observation === undefined || member === undefined) unknown++
    else pairs.push({ decision, observation, member })
  }
  return { pairs, unknown }
}

/** The comparison vectors of the confirmed pairs: what training counts as matches. */
export const confirmed = (pairs: ReadonlyArray<Pair>, rule: MatchRule.MatchRule): Training.Patterns =>
  Training.patterns(
    pairs.filter((p) => p.decision.resolution === "confirmed").map((p) => [p.observation, p.member] as const),
    rule
  )

/**
 * A comparison vector in words, one part per comparison with data on both sides (a level with
 * neither m nor u, missing data, says nothing and is left out): `姓名 精确 · 身份证号 一致 · 出生日期 不同`.
 */
export const patternWords = (rule: MatchRule.MatchRule, levels: ReadonlyArray<number>, lang: "zh" | "en" = "zh"): string =>
  rule.comparisons
    .flatMap((comparison, k) => {
      const level = comparison.levels[levels[k] ?? -1]
      if (level === undefined || level.m === undefined) return []
      return [`${comparison.label[lang]} ${MatchRule.predicateWords[level.when][lang]}`]
    })
    .join(" · ")

/** What the rule does with a pair on its own: `Matching.match`'s decision when it is the only candidate, or nothing. */
export type Outcome = Matching.Decision | "below review"
export const outcomes: ReadonlyArray<Outcome> = ["auto-link", "review", "below review"]

export interface Counts {
  readonly confirmed: number
  readonly rejected: number
}

export type ByOutcome = Readonly<Record<Outcome, Counts>>

/** The decided pairs of one comparison vector, by what the rule does with them and what the clerks said. */
export interface PatternRow {
  readonly levels: ReadonlyArray<number>
  readonly zh: string
  readonly en: string
  /** The vector's weight under the rule, the prior's included (a common name's adjustment aside). */
  readonly weight: number
  readonly outcomes: ByOutcome
}

export interface Evaluation {
  /** Most pairs first. */
  readonly rows: ReadonlyArray<PatternRow>
  readonly overall: ByOutcome
}

const none: ByOutcome = { "auto-link": { confirmed: 0, rejected: 0 }, review: { confirmed: 0, rejected: 0 }, "below review": { confirmed: 0, rejected: 0 } }

const add = (counts: ByOutcome, outcome: Outcome, resolution: Event.Resolution): ByOutcome => ({
  ...counts,
  [outcome]: { ...counts[outcome], [resolution]: counts[outcome][resolution] + 1 }
})

/**
 * The rule against the clerks' decisions: each pair decided as the rule decides it alone (auto-link
 * at or above the auto-link probability, review at or above the review probability; a second
 * candidate can make an auto-link a review), counted per comparison vector and overall.
 */
export const evaluate = (rule: MatchRule.MatchRule, pairs: ReadonlyArray<Pair>): Evaluation => {
  const thresholds = MatchRule.thresholds(rule)
  const rows = new Map<string, PatternRow>()
  let overall = none
  for (const pair of pairs) {
    const total = Matching.compare(pair.observation, pair.member, rule).total
    const outcome: Outcome = total >= thresholds.autoLink ? "auto-link" : total >= thresholds.review ? "review" : "below review"
    const levels = Matching.levels(pair.observation, pair.member, rule)
    const key = levels.join(",")
    const row = rows.get(key) ?? {
      levels,
      zh: patternWords(rule, levels, "zh"),
      en: patternWords(rule, levels, "en"),
      weight: levels.reduce((sum, index, k) => {
        const level = rule.comparisons[k]?.levels[index]
        return level === undefined ? sum : sum + MatchRule.levelWeight(level)
      }, MatchRule.priorWeight(rule)),
      outcomes: none
    }
    rows.set(key, { ...row, outcomes: add(row.outcomes, outcome, pair.decision.resolution) })
    overall = add(overall, outcome, pair.decision.resolution)
  }
  const size = (row: PatternRow) => pairCount(row.outcomes)
  return { rows: [...rows.values()].sort((a, b) => size(b) - size(a) || b.weight - a.weight), overall }
}

/** Every pair counted. */
export const pairCount = (counts: ByOutcome): number => outcomes.reduce((sum, o) => sum + counts[o].confirmed + counts[o].rejected, 0)

/** The pairs the clerks confirmed. */
export const confirmedCount = (counts: ByOutcome): number => outcomes.reduce((sum, o) => sum + counts[o].confirmed, 0)

/** Of the pairs the rule proposes (auto-link or review), the share the clerks confirmed; NaN when it proposes none. */
export const precision = (counts: ByOutcome): number => {
  const proposed = counts["auto-link"].confirmed + counts["auto-link"].rejected + counts.review.confirmed + counts.review.rejected
  return (counts["auto-link"].confirmed + counts.review.confirmed) / proposed
}

/** Of the pairs the clerks confirmed, the share the rule proposes; NaN when they confirmed none. */
export const recall = (counts: ByOutcome): number => (counts["auto-link"].confirmed + counts.review.confirmed) / confirmedCount(counts)

/** Of the pairs the rule auto-links, the share the clerks confirmed; NaN when it auto-links none. */
export const autoLinkPrecision = (counts: ByOutcome): number => counts["auto-link"].confirmed / (counts["auto-link"].confirmed + counts["auto-link"].rejected)
