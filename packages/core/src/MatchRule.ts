/**
 * The record-linkage rule vocabulary, in the spirit of Splink (Fellegi–Sunter): a `Comparison` per
 * attribute made of ordered levels — the null level first, the first level whose predicate holds
 * wins, the last level is the catch-all — each with m = P(level | same person) and
 * u = P(level | different people), giving the additive weight log2(m/u). Blocking rules (an OR of
 * ANDs of key fields) decide which pairs are compared at all.
 *
 * A `MatchRule` is plain data, decodable with Schema, so a deployment can tune it (or re-estimate
 * m and u from its own resolved matches) without code changes.
 */
import { Data, Result, Schema } from "effect"
import * as EarlyWarning from "./EarlyWarning.ts"
import * as Issues from "./internal/Issues.ts"
import * as Trained from "./internal/TrainedChinese.ts"

/** Predicates a level can name; each is a pure function of two people (see `Matching`). */
export const predicates = [
  "id.missing",
  "id.exact",
  "id.exact-after-upgrade",
  "id.same-malformed",
  "id.one-digit",
  "id.birth-part",
  "name.missing",
  "name.exact",
  "name.simplified",
  "name.pinyin",
  "name.surname-given-similar",
  "birth.missing",
  "birth.exact",
  "birth.year-month",
  "birth.year",
  "gender.missing",
  "gender.same",
  "phone.missing",
  "phone.exact",
  "phone.last8",
  "region.missing",
  "region.county",
  "region.prefecture",
  "region.province",
  "always"
] as const
export const Predicate = Schema.Literals(predicates)
export type Predicate = typeof Predicate.Type

/** What a level says, in a few words, by its predicate: `同音`, `一致`, `后8位一致`. */
export const predicateWords: Readonly<Record<Predicate, { readonly zh: string; readonly en: string }>> = {
  "id.missing": { zh: "缺失", en: "missing" },
  "id.exact": { zh: "一致", en: "same" },
  "id.exact-after-upgrade": { zh: "15位升18位后一致", en: "same after 15→18 upgrade" },
  "id.same-malformed": { zh: "同一错误号码", en: "same malformed number" },
  "id.one-digit": { zh: "相差一位或两位颠倒", en: "one digit wrong or two swapped" },
  "id.birth-part": { zh: "出生日期段一致", en: "same birth-date part" },
  "name.missing": { zh: "缺失", en: "missing" },
  "name.exact": { zh: "一致", en: "same" },
  "name.simplified": { zh: "繁简转换后一致", en: "same after traditional→simplified" },
  "name.pinyin": { zh: "同音", en: "homophone" },
  "name.surname-given-similar": { zh: "同姓名字相近", en: "same surname, similar given name" },
  "birth.missing": { zh: "缺失", en: "missing" },
  "birth.exact": { zh: "一致", en: "same" },
  "birth.year-month": { zh: "年月一致", en: "same year and month" },
  "birth.year": { zh: "同年", en: "same year" },
  "gender.missing": { zh: "缺失", en: "missing" },
  "gender.same": { zh: "一致", en: "same" },
  "phone.missing": { zh: "缺失", en: "missing" },
  "phone.exact": { zh: "一致", en: "same" },
  "phone.last8": { zh: "后8位一致", en: "same last 8 digits" },
  "region.missing": { zh: "缺失", en: "missing" },
  "region.county": { zh: "同县", en: "same county" },
  "region.prefecture": { zh: "同市", en: "same prefecture" },
  "region.province": { zh: "同省", en: "same province" },
  always: { zh: "不同", en: "different" }
}

const Probability = Schema.Number.check(
  Schema.makeFilter<number>((p) => (p > 0 && p <= 1) || "a probability must be in (0, 1]")
)

export const Level = Schema.Struct({
  label: Schema.String,
  when: Predicate,
  /** Absent on the null level: missing data is no evidence either way (weight 0). */
  m: Schema.optionalKey(Probability),
  u: Schema.optionalKey(Probability),
  /**
   * Training keeps this level's m and u: what the data cannot tell, such as how often different
   * people share one malformed number (a placeholder never shows among random member pairs).
   */
  fixed: Schema.optionalKey(Schema.Boolean)
})
export type Level = typeof Level.Type

export const Comparison = Schema.Struct({
  name: Schema.String,
  label: Schema.Struct({ zh: Schema.String, en: Schema.String }),
  levels: Schema.Array(Level)
})
export type Comparison = typeof Comparison.Type

/**
 * Fields a blocking key is made of. A person with several regions yields several keys: `region`
 * is each 6-digit region (county) of the person, `province` each region's first two digits and the
 * ID number's. `idOutsideBirthDate` is the ID number without its eight birth-date digits (address
 * code, sequence and check character): what a typo in those digits leaves.
 */
export const KeyField = Schema.Literals(["idNumber", "idOutsideBirthDate", "phone", "namePinyin", "birthDate", "surnamePinyin", "birthYear", "province", "region"])
export type KeyField = typeof KeyField.Type

/** Pairs that agree on every field of at least one rule are compared (an OR of ANDs). */
export const BlockingRule = Schema.Array(KeyField)
export type BlockingRule = typeof BlockingRule.Type

/**
 * What a rule was trained on: the export (as named to `relink train`), the instant training ran, the
 * members and observations it read, and the clerks' decisions it learnt from.
 */
export const Provenance = Schema.Struct({
  events: Schema.String,
  at: Schema.String,
  members: Schema.Number,
  observations: Schema.Number,
  labels: Schema.optionalKey(Schema.Number)
})
export type Provenance = typeof Provenance.Type

/** A rule's fields and their types, before the checks of `problems`. */
const Fields = Schema.Struct({
  /** Prior probability that a blocked pair is the same person; enters as log2(λ / (1 − λ)). */
  prior: Probability,
  /**
   * Match probability at or above which the best proposal of an observation is `auto-link`, when
   * it stands alone: no other candidate reaches the review probability. 1 auto-links nothing.
   */
  autoLinkProbability: Probability,
  /** Match probability at or above which a pair is proposed for review at all. */
  reviewProbability: Probability,
  comparisons: Schema.Array(Comparison),
  blocking: Schema.Array(BlockingRule),
  /**
   * Common names (normalised, simplified) with the share of members who bear each: agreeing on
   * one of them is weaker evidence than the name levels' u says. `Training.train` computes it;
   * absent, names are weighed by u alone.
   */
  nameFrequencies: Schema.optionalKey(Schema.Record(Schema.String, Probability)),
  /**
   * The early-warning model `relink train` fitted on the same export (`Backtest`): it replaces the
   * policy's wherever the rule is read. Absent, the policy's model stands.
   */
  earlyWarning: Schema.optionalKey(EarlyWarning.Model),
  /** Where the numbers come from: `relink train` says what it was trained on and when. Absent, the rule was never trained on a deployment's data. */
  trained: Schema.optionalKey(Provenance)
})

const where = (comparison: Comparison, k: number, level?: Level) =>
  `comparisons[${k}] (${comparison.name}${level === undefined ? "" : ` / ${level.label}`})`

/**
 * What makes a well-formed rule unusable, each problem naming its field: a weight that is ±∞ (a
 * prior of 1, a level whose m/u overflows), a decision that can never or always be taken (review
 * at a probability of 1, review above auto-link), nothing to weigh or nothing compared. Empty for a
 * usable rule. The CLI's `--rule`, the worker's `RELINK_MATCH_RULE` and the rule it stores are all
 * decoded with the `MatchRule` schema, which runs these checks.
 */
export const problems = (rule: typeof Fields.Type): ReadonlyArray<string> => {
  const found: Array<string> = []
  if (rule.prior >= 1) found.push(`prior is ${rule.prior}: every pair would be a match`)
  if (rule.reviewProbability >= 1) found.push(`reviewProbability is ${rule.reviewProbability}: no pair would ever be proposed`)
  if (rule.reviewProbability > rule.autoLinkProbability) {
    found.push(`reviewProbability ${rule.reviewProbability} is above autoLinkProbability ${rule.autoLinkProbability}: auto-linking must take the higher probability`)
  }
  if (rule.comparisons.length === 0) found.push("comparisons is empty: every pair would weigh the prior alone")
  rule.comparisons.forEach((comparison, k) => {
    if (comparison.levels.length === 0) found.push(`${where(comparison, k)} has no levels`)
    for (const level of comparison.levels) {
      if ((level.m === undefined) !== (level.u === undefined)) {
        found.push(`${where(comparison, k, level)} has ${level.m === undefined ? "u but no m" : "m but no u"}: give both, or neither for the level of missing data`)
      } else if (!Number.isFinite(levelWeight(level))) {
        found.push(`${where(comparison, k, level)}: m ${level.m} and u ${level.u} make an infinite weight`)
      }
    }
  })
  if (rule.blocking.length === 0) found.push("blocking is empty: no pair would ever be compared")
  rule.blocking.forEach((fields, b) => {
    if (fields.length === 0) found.push(`blocking[${b}] names no field: every observation would be compared with every member`)
  })
  return found
}

/** A match rule: its fields, checked by `problems`. */
export const MatchRule = Fields.check(
  Schema.makeFilter<typeof Fields.Type>((rule) => {
    const found = problems(rule)
    return found.length === 0 || found.join("; ")
  })
)
export type MatchRule = typeof MatchRule.Type

/** A value that is no match rule, or one `problems` finds unusable: the reason in one line. */
export class InvalidRule extends Data.TaggedError("InvalidRule")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

const decodeFields = Schema.decodeUnknownResult(Fields)

/**
 * A match rule from parsed JSON: `not a match rule: prior: Missing key` when its fields are not a
 * rule's, the problems (`prior is 1: every pair would be a match`) when it is not usable.
 */
export const decode = (input: unknown): Result.Result<MatchRule, InvalidRule> => {
  const fields = decodeFields(input)
  if (Result.isFailure(fields)) return Result.fail(new InvalidRule({ reason: `not a match rule: ${Issues.describe(fields.failure)}` }))
  const found = problems(fields.success)
  return found.length === 0 ? Result.succeed(fields.success) : Result.fail(new InvalidRule({ reason: found.join("; ") }))
}

/** and(…) of key fields: one blocking rule. */
export const and = (...fields: ReadonlyArray<KeyField>): BlockingRule => fields
/** or(…) of blocking rules. */
export const or = (...rules: ReadonlyArray<BlockingRule>): ReadonlyArray<BlockingRule> => rules

export const levelWeight = (level: Level): number =>
  level.m === undefined || level.u === undefined ? 0 : Math.log2(level.m / level.u)

export const priorWeight = (rule: MatchRule): number => Math.log2(rule.prior / (1 - rule.prior))

/** The total weight a match probability corresponds to, log2(p / (1 − p)): +∞ for 1. */
export const weightOfProbability = (p: number): number => Math.log2(p / (1 - p))

/** The match probability of a total weight (the prior's included): 1 / (1 + 2^−weight). */
export const probabilityOfWeight = (weight: number): number => 1 / (1 + 2 ** -weight)

/** The total weights at or above which a pair is proposed, and auto-linked. */
export const thresholds = (rule: MatchRule): { readonly review: number; readonly autoLink: number } => ({
  review: weightOfProbability(rule.reviewProbability),
  autoLink: weightOfProbability(rule.autoLinkProbability)
})

/**
 * The rule for Chinese identities with reasoned m and u: the comparisons, levels and blocking
 * of the built-in rule, and the numbers training starts from (`Training.train`). The built-in rule,
 * `chinese`, is this one trained on the simulation. The reasoning:
 *
 * - ID number. u for an exact match is the chance two different people share a number: ~0 in
 *   a correct register, so 1e-9 (one in a billion). Typos in observed data are the rest of m:
 *   a legacy 15-digit form (older registrations, 公安 extracts) ~3%, one wrong or swapped digit
 *   ~5% (hand-copied forms). A number that differs in more is another person's: one in a
 *   thousand for a re-issued number or a worse copying error (m 0.1%, u ≈ 1, −10), kept against
 *   training (`fixed`), since the disagreeing pairs EM sees are namesakes, not the member with a
 *   wrong number, and a trained −7.5 auto-links a namesake born the same day. This holds however
 *   many of the digits agree: when only the birth-date digits do, the birth date itself is
 *   already weighed by the birth date comparison (a missing birth date is read from the ID), and a
 *   level of their own would count those eight digits twice (trained, +7.8).
 *   The same number failing GB 11643 on both sides (wrong check character, province or date) is no
 *   exact agreement: such a number is often a placeholder or an error copied from form to form,
 *   shared by people who are not the same. So it weighs little (m 1%, u 1e-4, +6.6), and training
 *   keeps those numbers (`fixed`): with the name, a pair stays a review.
 * - Name. Chinese names repeat: the commonest (张伟) is shared by ~0.02% of people, so an exact
 *   match among blocked pairs is weak alone (u 1e-3). Traditional/simplified and homophone
 *   spellings are common in hand-entered and 公安 data (m 3% and 6%).
 * - Birth date. u = 1/(365·60) for an exact date across adult ages; year+month 1/720; year 1/60.
 * - Gender agrees by chance half of the time; a disagreement is strong evidence against
 *   (m 1% for data-entry errors).
 * - Phone. Numbers are reassigned rarely (u 1e-7); people change numbers (m 60% exact).
 * - Region. Members are found near home or at their outflow destination: m 50% same county;
 *   u reflects how concentrated a deployment's members are (1% same county).
 *
 * Prior 1e-4 (most blocked pairs are different people). Auto-link from a match probability of
 * 0.999999 (a total weight of +19.9, odds of about a million to one) and only when unambiguous;
 * review from 0.5 (even odds, weight 0).
 *
 * Blocking: the ID number; the ID number outside its birth-date digits with the surname (a typo in
 * those digits spoils the birth date read from the number, and with no birth date given nothing
 * else brings the pair together; the surname keeps the key rare where members share a county);
 * the phone; pinyin name + birth date; surname pinyin + birth year + province (a different given
 * name, or a birth date off by days); and pinyin name + region, for observations that carry little
 * more than a name and a place — a lead ("saw 张伟 in 南山区") or a 社区 record. The weights above
 * propose a same-name, same-county pair for review (+9.7 + 5.6 − 13.3 ≈ +2), and only this key
 * makes sure such a pair is compared at all.
 */
export const reasoned: MatchRule = {
  prior: 1e-4,
  autoLinkProbability: 0.999999,
  reviewProbability: 0.5,
  comparisons: [
    {
      name: "idNumber",
      label: { zh: "身份证号", en: "ID number" },
      levels: [
        { label: "missing", when: "id.missing" },
        { label: "exact", when: "id.exact", m: 0.89, u: 1e-9 },
        { label: "exact after 15→18 upgrade", when: "id.exact-after-upgrade", m: 0.03, u: 1e-9 },
        { label: "same malformed number", when: "id.same-malformed", m: 0.01, u: 1e-4, fixed: true },
        { label: "one digit wrong or two swapped", when: "id.one-digit", m: 0.05, u: 1e-7 },
        { label: "different", when: "always", m: 0.001, u: 0.9999, fixed: true }
      ]
    },
    {
      name: "name",
      label: { zh: "姓名", en: "name" },
      levels: [
        { label: "missing", when: "name.missing" },
        { label: "exact", when: "name.exact", m: 0.85, u: 1e-3 },
        { label: "same after traditional→simplified", when: "name.simplified", m: 0.03, u: 1e-3 },
        { label: "same pinyin (homophone)", when: "name.pinyin", m: 0.06, u: 2e-3 },
        { label: "same surname, similar given name", when: "name.surname-given-similar", m: 0.03, u: 1e-2 },
        { label: "different", when: "always", m: 0.03, u: 0.987 }
      ]
    },
    {
      name: "birthDate",
      label: { zh: "出生日期", en: "birth date" },
      levels: [
        { label: "missing", when: "birth.missing" },
        { label: "exact", when: "birth.exact", m: 0.95, u: 1 / (365 * 60) },
        { label: "same year and month", when: "birth.year-month", m: 0.02, u: 1 / 720 },
        { label: "same year", when: "birth.year", m: 0.015, u: 1 / 60 },
        { label: "different", when: "always", m: 0.015, u: 0.98 }
      ]
    },
    {
      name: "gender",
      label: { zh: "性别", en: "gender" },
      levels: [
        { label: "missing", when: "gender.missing" },
        { label: "same", when: "gender.same", m: 0.99, u: 0.5 },
        { label: "different", when: "always", m: 0.01, u: 0.5 }
      ]
    },
    {
      name: "phone",
      label: { zh: "手机号", en: "phone" },
      levels: [
        { label: "missing", when: "phone.missing" },
        { label: "exact", when: "phone.exact", m: 0.6, u: 1e-7 },
        { label: "same last 8 digits", when: "phone.last8", m: 0.02, u: 1e-6 },
        { label: "different", when: "always", m: 0.38, u: 1 }
      ]
    },
    {
      name: "region",
      label: { zh: "地区", en: "region" },
      levels: [
        { label: "missing", when: "region.missing" },
        { label: "same county", when: "region.county", m: 0.5, u: 0.01 },
        { label: "same prefecture", when: "region.prefecture", m: 0.2, u: 0.03 },
        { label: "same province", when: "region.province", m: 0.15, u: 0.06 },
        { label: "different", when: "always", m: 0.15, u: 0.9 }
      ]
    }
  ],
  blocking: or(
    and("idNumber"),
    and("idOutsideBirthDate", "surnamePinyin"),
    and("phone"),
    and("namePinyin", "birthDate"),
    and("surnamePinyin", "birthYear", "province"),
    and("namePinyin", "region")
  )
}

/** A trained rule's numbers: its prior, its thresholds, and m and u by comparison name and level label. */
export interface Numbers {
  readonly prior: number
  readonly autoLinkProbability: number
  readonly reviewProbability: number
  readonly levels: Readonly<Record<string, Readonly<Record<string, readonly [m: number, u: number]>>>>
}

/**
 * The rule with each level's m and u, and the prior, replaced by trained ones where given (by
 * comparison name and level label); the thresholds given replace the rule's.
 */
export const withNumbers = (rule: MatchRule, numbers: Numbers): MatchRule => ({
  ...rule,
  prior: numbers.prior,
  autoLinkProbability: numbers.autoLinkProbability,
  reviewProbability: numbers.reviewProbability,
  comparisons: rule.comparisons.map((comparison) => ({
    ...comparison,
    levels: comparison.levels.map((level) => {
      const mu = numbers.levels[comparison.name]?.[level.label]
      return mu === undefined ? level : { ...level, m: mu[0], u: mu[1] }
    })
  }))
})

/**
 * The built-in rule: `reasoned` trained on the simulation (`packages/core/bench/default-rule.ts`
 * says how, and writes the numbers; a test trains it again and compares). Its probabilities are
 * calibrated on that data: auto-link from 0.99999, review from 0.9999. A deployment trains its own
 * on its export (`relink train`), which also learns the frequencies of its members' names.
 */
export const chinese: MatchRule = withNumbers(reasoned, Trained.chinese)
