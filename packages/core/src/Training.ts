/**
 * Estimating a match rule's m and u probabilities and its prior from unlabelled data, as
 * Fellegi–Sunter training does (and Splink): u by comparing random pairs of members (members are
 * distinct people, so a random pair is almost surely two people), m and the prior by
 * expectation–maximisation over the comparison vectors of the pairs blocking brings together, with
 * u held fixed. The rule's comparisons, levels and blocking stay as they are; training replaces
 * their numbers.
 *
 * Pairs are counted by comparison vector (`Matching.levels`): EM then runs over the distinct
 * vectors, a few hundred, however many pairs there are.
 */
import { Data, Result } from "effect"
import * as Matching from "./Matching.ts"
import * as MatchRule from "./MatchRule.ts"
import type * as Scan from "./Scan.ts"
import * as Steps from "./Steps.ts"
import { seededRandom } from "./internal/Random.ts"

/** Comparison vectors and how many pairs have each. */
export interface Patterns {
  readonly counts: ReadonlyMap<string, { readonly levels: ReadonlyArray<number>; count: number }>
  readonly pairs: number
}

/** Counts comparison vectors. */
export const ofVectors = (vectors: Iterable<ReadonlyArray<number>>): Patterns => Steps.run(countInSteps(vectors))

/** `ofVectors` in steps: one per vector. */
function* countInSteps(vectors: Iterable<ReadonlyArray<number>>): Steps.Steps<Patterns> {
  const counts = new Map<string, { readonly levels: ReadonlyArray<number>; count: number }>()
  let total = 0
  for (const levels of vectors) {
    const key = levels.join(",")
    const entry = counts.get(key)
    if (entry === undefined) counts.set(key, { levels, count: 1 })
    else entry.count++
    total++
    yield
  }
  return { counts, pairs: total }
}

/** Counts pairs by comparison vector. */
export const patterns = (pairs: Iterable<readonly [Matching.Person, Matching.Person]>, rule: MatchRule.MatchRule): Patterns =>
  Steps.run(patternsInSteps(pairs, rule))

/** `patterns` in steps: one per pair compared. */
const patternsInSteps = (pairs: Iterable<readonly [Matching.Person, Matching.Person]>, rule: MatchRule.MatchRule): Steps.Steps<Patterns> =>
  countInSteps(
    (function* () {
      for (const [a, b] of pairs) yield Matching.levels(a, b, rule)
    })()
  )

/** A level carries evidence when it has m and u; the null level (missing data) has neither. */
const isNull = (level: MatchRule.Level | undefined): boolean => level === undefined || (level.m === undefined && level.u === undefined)

/** Per comparison, per level: the weighted count of pairs in it. */
const levelCounts = (rule: MatchRule.MatchRule, found: Patterns, weightOf: (levels: ReadonlyArray<number>) => number) => {
  const sums = rule.comparisons.map((c) => c.levels.map(() => 0))
  for (const { levels, count } of found.counts.values()) {
    const weight = weightOf(levels) * count
    levels.forEach((level, k) => {
      const row = sums[k]
      if (row !== undefined && level >= 0 && row[level] !== undefined) row[level] += weight
    })
  }
  return sums
}

/**
 * Probabilities from counts over a comparison's non-null levels. A level no pair fell in gets half
 * a pair's share, not zero: a weight of ±∞ would settle every comparison on its own.
 */
const proportions = (comparison: MatchRule.Comparison, counts: ReadonlyArray<number>): ReadonlyArray<number | undefined> => {
  let total = 0
  comparison.levels.forEach((level, i) => {
    if (!isNull(level)) total += counts[i] ?? 0
  })
  const floor = total > 0 ? 0.5 / total : 0
  return comparison.levels.map((level, i) => (isNull(level) || total === 0 ? undefined : Math.max((counts[i] ?? 0) / total, floor)))
}

/** The rule with each comparison's levels given new m (or u) where an estimate exists. */
const withLevels = (rule: MatchRule.MatchRule, field: "m" | "u", estimates: ReadonlyArray<ReadonlyArray<number | undefined>>): MatchRule.MatchRule => ({
  ...rule,
  comparisons: rule.comparisons.map((comparison, k) => ({
    ...comparison,
    levels: comparison.levels.map((level, i) => {
      const estimate = estimates[k]?.[i]
      return isNull(level) || level.fixed === true || estimate === undefined ? level : { ...level, [field]: Math.min(1, estimate) }
    })
  }))
})

/**
 * m for every level from pairs a clerk confirmed: the share of them in it, over the comparison's
 * non-null levels (Splink's `estimate_m_from_pairwise_labels`, which counts each labelled pair as
 * a match with probability 1). A comparison no confirmed pair has data on keeps its m.
 */
export const estimateMFromLabels = (rule: MatchRule.MatchRule, confirmed: Patterns): MatchRule.MatchRule => {
  const counts = levelCounts(rule, confirmed, () => 1)
  return withLevels(rule, "m", rule.comparisons.map((comparison, k) => proportions(comparison, counts[k] ?? [])))
}

/** u for every level: the share of random member pairs in it. */
export const estimateU = (rule: MatchRule.MatchRule, sampled: Patterns): MatchRule.MatchRule => {
  const counts = levelCounts(rule, sampled, () => 1)
  return withLevels(rule, "u", rule.comparisons.map((comparison, k) => proportions(comparison, counts[k] ?? [])))
}

/** Random pairs of distinct members, `count` of them (with replacement), from a seed. */
export function* randomPairs<A>(members: ReadonlyArray<A>, count: number, seed: number): Generator<readonly [A, A]> {
  if (members.length < 2) return
  const random = seededRandom(seed)
  for (let n = 0; n < count; n++) {
    const i = Math.floor(random() * members.length)
    // Any member but the i-th, each as likely.
    const a = members[i]
    const b = members[(i + 1 + Math.floor(random() * (members.length - 1))) % members.length]
    if (a !== undefined && b !== undefined) yield [a, b]
  }
}

/** The match weight of a comparison vector under the rule: the prior's and every active comparison's level's. */
const weightOf = (rule: MatchRule.MatchRule, levels: ReadonlyArray<number>, active: (k: number) => boolean): number => {
  let total = MatchRule.priorWeight(rule)
  levels.forEach((index, k) => {
    const level = rule.comparisons[k]?.levels[index]
    if (level !== undefined && active(k)) total += MatchRule.levelWeight(level)
  })
  return total
}

export interface EmOptions {
  readonly maxIterations?: number
  /** Stop when no m and not the prior moves by more than this between iterations. */
  readonly tolerance?: number
  /**
   * The comparisons (by index) that take part: the others are left out of the likelihood and keep
   * their m. A comparison on a field the pairs were blocked on says nothing about who matches
   * among them. All by default.
   */
  readonly active?: ReadonlySet<number>
  /** Estimate the prior alone, m held at the rule's. */
  readonly priorOnly?: boolean
  /**
   * Pairs clerks decided, as comparison vectors. `confirmed` and `rejected`: pairs among the
   * blocked ones, whose E-step is the clerk's answer (1 confirmed, 0 rejected) instead of the
   * model's probability. `beside`: confirmed pairs the blocking does not bring together, counted
   * as matches in each M-step.
   */
  readonly labelled?: { readonly confirmed: Patterns; readonly rejected: Patterns; readonly beside: Patterns }
}

export interface EmResult {
  readonly rule: MatchRule.MatchRule
  readonly iterations: number
  readonly converged: boolean
}

const PRIOR_FLOOR = 1e-12

/**
 * Expectation–maximisation of m and the prior over the comparison vectors of blocked pairs, u
 * fixed at the rule's. The rule's m and prior are the starting point. Each iteration: the
 * probability that each vector is a match under the current numbers (E), then m as the
 * match-weighted share of pairs in each level and the prior as the mean probability (M).
 */
export const expectationMaximisation = (rule: MatchRule.MatchRule, blocked: Patterns, options: EmOptions = {}): EmResult => {
  const maxIterations = options.maxIterations ?? 100
  const tolerance = options.tolerance ?? 1e-6
  const active = (k: number) => options.active === undefined || options.active.has(k)
  let current = rule
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const probability = (levels: ReadonlyArray<number>) => 1 / (1 + 2 ** -weightOf(current, levels, active))
    const labelled = options.labelled
    // A vector's match weight per pair: its decided pairs as the clerks said, the rest as the model says.
    const weightOfVector = (levels: ReadonlyArray<number>, count: number): number => {
      const key = levels.join(",")
      const yes = labelled?.confirmed.counts.get(key)?.count ?? 0
      const no = labelled?.rejected.counts.get(key)?.count ?? 0
      const open = Math.max(0, count - yes - no)
      return count === 0 ? 0 : (yes + open * probability(levels)) / count
    }
    const weights = new Map<string, number>()
    let expected = 0
    for (const { levels, count } of blocked.counts.values()) {
      const w = weightOfVector(levels, count)
      weights.set(levels.join(","), w)
      expected += w * count
    }
    const beside = labelled === undefined ? [] : levelCounts(current, labelled.beside, () => 1)
    const counts = levelCounts(current, blocked, (levels) => weights.get(levels.join(",")) ?? 0).map((row, k) => row.map((n, i) => n + (beside[k]?.[i] ?? 0)))
    const prior = Math.min(1 - PRIOR_FLOOR, Math.max(PRIOR_FLOOR, blocked.pairs === 0 ? current.prior : expected / blocked.pairs))
    const estimates = current.comparisons.map((comparison, k) => (active(k) && options.priorOnly !== true ? proportions(comparison, counts[k] ?? []) : []))
    const next = { ...withLevels(current, "m", estimates), prior }
    const moved = Math.max(Math.abs(next.prior - current.prior), ...next.comparisons.flatMap((c, k) => c.levels.map((level, i) => Math.abs((level.m ?? 0) - (current.comparisons[k]?.levels[i]?.m ?? 0)))))
    current = next
    if (moved < tolerance) return { rule: current, iterations: iteration, converged: true }
  }
  return { rule: current, iterations: maxIterations, converged: false }
}

export interface TrainOptions {
  /** Random member pairs u is estimated from. */
  readonly uPairs?: number
  /** Members who must bear a name for its frequency to be kept (`MatchRule.nameFrequencies`): no rarer name is listed. */
  readonly minNameCount?: number
  readonly seed?: number
  readonly em?: Omit<EmOptions, "active" | "priorOnly" | "labelled">
  /**
   * Pairs clerks decided (`Labels`): in each EM session, those its blocking brings together take
   * the clerk's answer in the E-step, and confirmed ones it does not are counted as matches
   * (`EmOptions.labelled`). docs/matching.md#labels says why so, and what it changes.
   */
  readonly decided?: ReadonlyArray<Decided>
}

/** A pair a clerk decided: the two people, and whether they are one. */
export interface Decided {
  readonly observation: Matching.Person
  readonly member: Matching.Person
  readonly confirmed: boolean
}

/** The decided pairs as one EM session sees them: those its blocking brings together, by answer, and the confirmed ones it does not. */
const labelledFor = (decided: ReadonlyArray<Decided>, rule: MatchRule.MatchRule): NonNullable<EmOptions["labelled"]> => {
  const blocks = (d: Decided): boolean => {
    const keys = new Set(Matching.blockingKeys(d.observation, rule))
    return Matching.blockingKeys(d.member, rule).some((key) => keys.has(key))
  }
  const vectors = (pairs: ReadonlyArray<Decided>) => ofVectors(pairs.map((d) => Matching.levels(d.observation, d.member, rule)))
  return {
    confirmed: vectors(decided.filter((d) => d.confirmed && blocks(d))),
    rejected: vectors(decided.filter((d) => !d.confirmed && blocks(d))),
    beside: vectors(decided.filter((d) => d.confirmed && !blocks(d)))
  }
}

/** One level of a trained rule, with the pairs it was estimated from. */
export interface TrainedLevel {
  readonly comparison: string
  readonly level: string
  readonly m: number | undefined
  readonly u: number | undefined
  /** log2(m/u): what the level adds to a pair's weight. */
  readonly weight: number
  /** Random member pairs in this level (what u counts). */
  readonly sampledPairs: number
  /** Pairs the whole blocking compares, in this level. */
  readonly blockedPairs: number
}

/**
 * One EM session: the pairs one blocking rule brings together, and the comparisons estimated on
 * them. A session over fewer than `minimum.sessionPairs` pairs estimates nothing (no iterations).
 */
export interface Session {
  readonly blocking: MatchRule.BlockingRule
  readonly pairs: number
  /** The comparisons whose m this session estimated: those on no field of its blocking rule; none when it had too few pairs. */
  readonly estimated: ReadonlyArray<string>
  readonly iterations: number
  readonly converged: boolean
}

export interface Trained {
  readonly rule: MatchRule.MatchRule
  readonly levels: ReadonlyArray<TrainedLevel>
  readonly sampledPairs: number
  readonly blockedPairs: number
  readonly sessions: ReadonlyArray<Session>
  /** Comparisons whose m no session estimated: they keep the starting rule's. */
  readonly kept: ReadonlyArray<string>
  /** Iterations of the last step, the prior's estimate over every blocked pair. */
  readonly priorIterations: number
  /** Confirmed pairs the EM sessions took as matches (`TrainOptions.decided`). */
  readonly labels: number
}

/** What training needs to estimate anything (docs/matching.md#training). */
export const minimum = {
  /**
   * Members u is estimated from. Random pairs of fewer members are fewer than 500,000 distinct
   * pairs, and the u of a rare agreement (two people sharing a name: about one pair in 3,000) would
   * be a count of a handful of pairs, or of none, however many pairs are drawn.
   */
  members: 1_000,
  /**
   * Blocked pairs an EM session estimates m from. m of a level is the share of the session's
   * matches in it: among fewer pairs one pair moves it by more than three points, and EM may
   * settle on any split of the pairs into matches and non-matches.
   */
  sessionPairs: 30
} as const

/** The data holds too little to estimate a rule from: training refuses rather than write guesses. */
export class TooLittleData extends Data.TaggedError("TooLittleData")<{ readonly reason: string }> {}

const DEFAULT_U_PAIRS = 1_000_000
const DEFAULT_MIN_NAME_COUNT = 5

/**
 * The share of members bearing each name borne by at least `minCount` of them: what agreeing on a
 * common name is discounted by. A rarer name is not listed, so the table names no one in particular.
 */
export const nameFrequencies = (members: ReadonlyArray<Matching.Person>, minCount: number = DEFAULT_MIN_NAME_COUNT): Record<string, number> => {
  const counts = new Map<string, number>()
  let named = 0
  for (const member of members) {
    if (member.name === undefined) continue
    named++
    counts.set(member.name, (counts.get(member.name) ?? 0) + 1)
  }
  const frequencies: Record<string, number> = {}
  for (const [name, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (count >= minCount) frequencies[name] = count / named
  return frequencies
}

/** The comparison of the default rule that a blocking key field makes pairs agree on. */
const comparisonOfField: Record<MatchRule.KeyField, string> = {
  idNumber: "idNumber",
  idOutsideBirthDate: "idNumber",
  phone: "phone",
  namePinyin: "name",
  surnamePinyin: "name",
  birthDate: "birthDate",
  birthYear: "birthDate",
  province: "region",
  region: "region"
}

/** The observation–member pairs the rule's blocking compares, counted by comparison vector: a step per member indexed and per pair. */
function* blockedPairs(members: ReadonlyArray<Matching.Candidate>, observations: ReadonlyArray<Matching.Person>, rule: MatchRule.MatchRule): Steps.Steps<Patterns> {
  const index = yield* Matching.indexInSteps(members, rule)
  return yield* patternsInSteps(
    (function* () {
      for (const observed of observations) for (const candidate of Matching.candidatesFor(index, observed)) yield [observed, candidate.person] as const
    })(),
    rule
  )
}

const mean = (values: ReadonlyArray<number>): number | undefined => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length)

/**
 * Trains the rule's numbers on members and the observations that look for them, as Splink does:
 * u from random member pairs; then one EM session per blocking rule over the observation–member
 * pairs that rule alone compares, estimating m for the comparisons on none of its fields (pairs
 * blocked on a name all agree on the name, matches or not), each m the mean of the sessions that
 * estimated it; last the prior, by EM over every pair the whole blocking compares with m and u
 * fixed; and the frequencies of common names among the members (`nameFrequencies`). Starts from
 * the rule's own m and prior and keeps its thresholds: they are probabilities, and the trained
 * prior makes the probabilities calibrated. Deterministic for a seed.
 *
 * On too little data it estimates nothing that the data cannot tell (`minimum`): fewer members
 * than `minimum.members`, or no session with `minimum.sessionPairs` pairs, is `TooLittleData`; a
 * session with fewer pairs estimates nothing, and a comparison no session estimated keeps the
 * starting rule's m (`Trained.kept`).
 */
export const train = (
  members: ReadonlyArray<Matching.Candidate>,
  observations: ReadonlyArray<Matching.Person>,
  rule: MatchRule.MatchRule,
  options: TrainOptions = {}
): Result.Result<Trained, TooLittleData> => Steps.run(trainInSteps(members, observations, rule, options))

/** `train` in steps: one per pair compared (random, then blocked), per member indexed and per EM session. */
export function* trainInSteps(
  members: ReadonlyArray<Matching.Candidate>,
  observations: ReadonlyArray<Matching.Person>,
  rule: MatchRule.MatchRule,
  options: TrainOptions = {}
): Steps.Steps<Result.Result<Trained, TooLittleData>> {
  if (members.length < minimum.members) {
    return Result.fail(
      new TooLittleData({
        reason: `${members.length.toLocaleString("en-US")} members: u is estimated from random pairs of members, which takes at least ${minimum.members.toLocaleString("en-US")}`
      })
    )
  }
  const people = members.map((m) => m.person)
  const sampled = yield* patternsInSteps(randomPairs(people, options.uPairs ?? DEFAULT_U_PAIRS, options.seed ?? 1), rule)
  const withU = estimateU(rule, sampled)
  const sessions: Array<{ readonly blocking: MatchRule.BlockingRule; readonly pairs: number; readonly active: ReadonlySet<number>; readonly result: EmResult }> = []
  for (const blocking of withU.blocking) {
    const pairs = yield* blockedPairs(members, observations, { ...withU, blocking: [blocking] })
    const blockedOn = new Set(blocking.map((field) => comparisonOfField[field]))
    const active = new Set(pairs.pairs < minimum.sessionPairs ? [] : withU.comparisons.flatMap((c, k) => (blockedOn.has(c.name) ? [] : [k])))
    const result = active.size === 0 ? { rule: withU, iterations: 0, converged: true } : expectationMaximisation(withU, pairs, {
            ...options.em,
            active,
            ...(options.decided !== undefined && options.decided.length > 0 && { labelled: labelledFor(options.decided, { ...withU, blocking: [blocking] }) })
          })
    sessions.push({ blocking, pairs: pairs.pairs, active, result })
    yield
  }
  if (sessions.every((session) => session.active.size === 0)) {
    const most = Math.max(0, ...sessions.map((session) => session.pairs))
    return Result.fail(
      new TooLittleData({
        reason:
          observations.length === 0
            ? "no observations (registrations at a destination, leads, records): m and the prior are estimated from the pairs of observations and members blocking brings together"
            : `no blocking rule brings together ${minimum.sessionPairs} observation–member pairs (the most is ${most}, from ${observations.length.toLocaleString("en-US")} observations): m and the prior are estimated from them`
      })
    )
  }
  const withM = withLevels(
    withU,
    "m",
    withU.comparisons.map((comparison, k) =>
      comparison.levels.map((_, i) =>
        mean(sessions.flatMap((session) => (session.active.has(k) ? [session.result.rule.comparisons[k]?.levels[i]?.m ?? Number.NaN] : [])))
      )
    )
  )
  const all = yield* blockedPairs(members, observations, withM)
  const estimated = expectationMaximisation(withM, all, { ...options.em, priorOnly: true })
  const trained = { ...estimated.rule, nameFrequencies: nameFrequencies(people, options.minNameCount) }
  const iterations = estimated.iterations
  const sampledCounts = levelCounts(rule, sampled, () => 1)
  const blockedCounts = levelCounts(rule, all, () => 1)
  const levels = trained.comparisons.flatMap((comparison, k) =>
    comparison.levels.map((level, i) => ({
      comparison: comparison.name,
      level: level.label,
      m: level.m,
      u: level.u,
      weight: MatchRule.levelWeight(level),
      sampledPairs: sampledCounts[k]?.[i] ?? 0,
      blockedPairs: blockedCounts[k]?.[i] ?? 0
    }))
  )
  return Result.succeed({
    rule: trained,
    levels,
    sampledPairs: sampled.pairs,
    blockedPairs: all.pairs,
    sessions: sessions.map(({ blocking, pairs, active, result }) => ({
      blocking,
      pairs,
      estimated: withU.comparisons.filter((_, k) => active.has(k)).map((c) => c.name),
      iterations: result.iterations,
      converged: result.converged
    })),
    kept: withU.comparisons.filter((_, k) => sessions.every((session) => !session.active.has(k))).map((c) => c.name),
    priorIterations: iterations,
    labels: options.decided?.filter((d) => d.confirmed).length ?? 0
  })
}

/** The people a fold of events trains on: its members as candidates, and every observation that looks for one. */
export interface People {
  readonly members: ReadonlyArray<Matching.Candidate>
  readonly observations: ReadonlyArray<Matching.Person>
}

export const peopleOf = (state: Scan.State): People => Steps.run(peopleOfInSteps(state))

/** `peopleOf` in steps: one per member and per observation. */
export function* peopleOfInSteps(state: Scan.State): Steps.Steps<People> {
  const members: Array<Matching.Candidate> = []
  for (const [memberId, projection] of state.members) {
    const person = Matching.personOfMember(projection)
    if (person !== undefined) members.push({ memberId, person })
    yield
  }
  const observations: Array<Matching.Person> = []
  for (const observation of state.observations.values()) {
    const person = Matching.personOfObservation(observation)
    if (person !== undefined) observations.push(person)
    yield
  }
  return { members, observations }
}
