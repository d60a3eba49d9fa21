/**
 * 组织找党员 / 党员找组织 / 党员找党员: which member an observation (an inflow registration without
 * a member id, a lead, a record from 公安/人社/民政/社区 data) probably is, how sure we are, and why.
 *
 * People are compared under a `MatchRule` (see MatchRule.ts): blocking keys pick the candidates,
 * comparison levels add log2 weights, and each proposal carries its explanation (the waterfall).
 * A false link is worse than a missed one: `auto-link` needs overwhelming, unambiguous evidence;
 * everything else above the review weight is `review`.
 */
import { Redacted, Schema } from "effect"
import type * as Event from "./Event.ts"
import * as IdNumber from "./IdNumber.ts"
import * as MatchRule from "./MatchRule.ts"
import * as PersonName from "./PersonName.ts"
import * as Phone from "./Phone.ts"
import type * as Projection from "./Projection.ts"
import { ByWeight } from "./Proposal.ts"
import * as Steps from "./Steps.ts"
import { isCalendarDate } from "./Instant.ts"
import { same } from "./internal/Same.ts"
import { jaroWinkler } from "./internal/Similarity.ts"

/** A person as matching sees them: normalised, with derived keys. Holds personal data: never log it. */
export interface Person {
  /** The name as written (trimmed, NFKC), before traditional→simplified. */
  readonly writtenName?: string
  readonly name?: string
  readonly namePinyin?: string
  readonly surnamePinyin?: string
  readonly givenPinyin?: string
  /** 18 characters after cleaning and legacy upgrade; the check character may be wrong. */
  readonly idNumber?: string
  readonly idWasLegacy: boolean
  readonly birthDate?: string
  readonly gender?: Event.Gender
  /**
   * Whether the birth date and the gender were read from the ID number, not given: two read from
   * one number are no evidence beside the number's own comparison.
   */
  readonly birthFromId: boolean
  readonly genderFromId: boolean
  readonly phone?: string
  /**
   * Where the person lives or was seen: hukou, observed or destination region. The ID's address
   * code is left out: it would count the ID number's evidence twice.
   */
  readonly regions: ReadonlyArray<string>
}

const ID_BIRTH = /^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dX]$/

export interface PersonInput {
  readonly name?: string | undefined
  readonly idNumber?: Redacted.Redacted<string> | undefined
  readonly birthDate?: string | undefined
  readonly gender?: Event.Gender | undefined
  readonly phone?: Redacted.Redacted<string> | undefined
  readonly regions: ReadonlyArray<string | undefined>
}

/**
 * The longest name compared, in code points. A person's name is a few characters (a transliterated
 * minority name a few dozen); the name comparisons cost the product of the two lengths, so a longer
 * "name" — a pasted paragraph, or an attack — is left out, as if absent: it gives no blocking key
 * and weighs nothing.
 */
export const maxNameLength = 100

const compared = (name: string | undefined): string | undefined => {
  const trimmed = name?.normalize("NFKC").trim()
  // Code points, not UTF-16 units: the similarity functions count code points.
  return trimmed === undefined || trimmed.length === 0 || trimmed.length > 2 * maxNameLength || Array.from(trimmed).length > maxNameLength ? undefined : trimmed
}

/** Builds the comparable form of a person from whatever identity data is at hand. */
export const person = (input: PersonInput): Person => {
  const rawId = input.idNumber === undefined ? undefined : Redacted.value(input.idNumber)
  const idNumber = rawId === undefined ? undefined : IdNumber.normalizeLoose(rawId)
  const idBirth = idNumber === undefined ? undefined : ID_BIRTH.exec(idNumber)
  const idBirthDate = idBirth ? `${idBirth[1]}-${idBirth[2]}-${idBirth[3]}` : undefined
  const birthDate = input.birthDate ?? (idBirthDate !== undefined && isCalendarDate(idBirthDate) ? idBirthDate : undefined)
  const genderDigit = idNumber === undefined ? Number.NaN : Number(idNumber[16])
  const gender = input.gender ?? (Number.isNaN(genderDigit) ? undefined : genderDigit % 2 === 1 ? "M" : "F")
  const phone = input.phone === undefined ? undefined : Phone.normalizeLoose(Redacted.value(input.phone))
  const regions = new Set<string>()
  for (const region of input.regions) if (region !== undefined && /^\d{6}$/.test(region)) regions.add(region)
  const trimmed = compared(input.name)
  const base: Person = {
    idWasLegacy: rawId !== undefined && rawId.trim().length === 15,
    birthFromId: input.birthDate === undefined && birthDate !== undefined,
    genderFromId: input.gender === undefined && gender !== undefined,
    regions: [...regions]
  }
  const withName: Person =
    trimmed === undefined
      ? base
      : (() => {
          const namePinyin = PersonName.pinyinKey(trimmed)
          const surnamePinyin = PersonName.surnamePinyin(trimmed)
          return {
            ...base,
            writtenName: trimmed,
            name: PersonName.normalize(trimmed),
            namePinyin,
            surnamePinyin,
            givenPinyin: namePinyin.startsWith(`${surnamePinyin} `) ? namePinyin.slice(surnamePinyin.length + 1) : namePinyin
          }
        })()
  return {
    ...withName,
    ...(idNumber !== undefined && { idNumber }),
    ...(birthDate !== undefined && { birthDate }),
    ...(gender !== undefined && { gender }),
    ...(phone !== undefined && { phone })
  }
}

/** Whether two people (or their absence) are compared the same way: an identity change re-matches a member. */
export const samePerson = (a: Person | undefined, b: Person | undefined): boolean => same(a, b)

/** A member as a candidate: registered identity, latest name and phone, home, hukou and destinations. */
export const personOfMember = (projection: Projection.Projection): Person | undefined => {
  const registration = projection.registration
  if (registration === undefined) return undefined
  return person({
    name: projection.name,
    idNumber: registration.idNumber,
    birthDate: registration.birthDate,
    gender: registration.gender,
    phone: projection.phone,
    regions: [
      projection.hukouRegion,
      ...Object.values(projection.outflows).map((o) => o.destinationRegion),
      ...Object.values(projection.inflows).map((i) => i.region)
    ]
  })
}

/** The observation kinds that look for a member. */
export type Observation = Event.InflowRegistered | Event.LeadReported | Event.RecordObserved

/** The person an observation describes; undefined when it names a member directly. */
export const personOfObservation = (observation: Observation): Person | undefined => {
  switch (observation.type) {
    case "InflowRegistered":
      return observation.identity === undefined ? undefined : person({ ...observation.identity, regions: [observation.identity.hukouRegion, observation.region] })
    case "RecordObserved":
      return person({ ...observation.identity, regions: [observation.identity.hukouRegion, observation.region] })
    case "LeadReported": {
      const subject = observation.subject
      if ("memberId" in subject) return undefined
      return person({ ...subject, phone: subject.phone ?? observation.phone, regions: [subject.hukouRegion, observation.region] })
    }
  }
}

const sameRegionPrefix = (a: Person, b: Person, length: number): boolean =>
  a.regions.some((x) => b.regions.some((y) => x.slice(0, length) === y.slice(0, length)))

const oneDigitApart = (a: string, b: string): boolean => {
  let first = -1
  let differences = 0
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      if (++differences > 2) return false
      if (first < 0) first = i
    }
  }
  if (differences === 1) return true
  // Two differences: only as two adjacent characters swapped.
  return differences === 2 && a[first] === b[first + 1] && a[first + 1] === b[first]
}

const validId = (p: Person): boolean => p.idNumber !== undefined && IdNumber.isIdNumber(p.idNumber)

/** The predicates levels name; each is a pure function of the two people. */
const predicate: Record<MatchRule.Predicate, (a: Person, b: Person) => boolean> = {
  "id.missing": (a, b) => a.idNumber === undefined || b.idNumber === undefined,
  // Equal numbers agree exactly only when the number is valid: a malformed one may be a placeholder or a copying error.
  "id.exact": (a, b) => a.idNumber === b.idNumber && !a.idWasLegacy && !b.idWasLegacy && validId(a),
  "id.exact-after-upgrade": (a, b) => a.idNumber === b.idNumber && validId(a),
  "id.same-malformed": (a, b) => a.idNumber === b.idNumber,
  "id.one-digit": (a, b) => oneDigitApart(a.idNumber ?? "", b.idNumber ?? ""),
  "id.birth-part": (a, b) => a.idNumber?.slice(6, 14) === b.idNumber?.slice(6, 14),
  "name.missing": (a, b) => a.name === undefined || b.name === undefined,
  "name.exact": (a, b) => a.writtenName === b.writtenName,
  "name.simplified": (a, b) => a.name === b.name,
  "name.pinyin": (a, b) => a.namePinyin === b.namePinyin,
  "name.surname-given-similar": (a, b) =>
    a.surnamePinyin === b.surnamePinyin && jaroWinkler(a.givenPinyin ?? "", b.givenPinyin ?? "") >= 0.88,
  "birth.missing": (a, b) => a.birthDate === undefined || b.birthDate === undefined || (a.birthFromId && b.birthFromId && a.idNumber === b.idNumber),
  "birth.exact": (a, b) => a.birthDate === b.birthDate,
  "birth.year-month": (a, b) => a.birthDate?.slice(0, 7) === b.birthDate?.slice(0, 7),
  "birth.year": (a, b) => a.birthDate?.slice(0, 4) === b.birthDate?.slice(0, 4),
  "gender.missing": (a, b) => a.gender === undefined || b.gender === undefined || (a.genderFromId && b.genderFromId && a.idNumber === b.idNumber),
  "gender.same": (a, b) => a.gender === b.gender,
  "phone.missing": (a, b) => a.phone === undefined || b.phone === undefined,
  "phone.exact": (a, b) => a.phone === b.phone,
  "phone.last8": (a, b) => (a.phone ?? "").slice(-8) === (b.phone ?? "").slice(-8),
  "region.missing": (a, b) => a.regions.length === 0 || b.regions.length === 0,
  "region.county": (a, b) => sameRegionPrefix(a, b, 6),
  "region.prefecture": (a, b) => sameRegionPrefix(a, b, 4),
  "region.province": (a, b) => sameRegionPrefix(a, b, 2),
  always: () => true
}

const keyValues = (p: Person, field: MatchRule.KeyField): ReadonlyArray<string> => {
  switch (field) {
    case "idNumber":
      return p.idNumber === undefined ? [] : [p.idNumber]
    case "idOutsideBirthDate":
      return p.idNumber === undefined || p.idNumber.length !== 18 ? [] : [p.idNumber.slice(0, 6) + p.idNumber.slice(14)]
    case "phone":
      return p.phone !== undefined && Phone.isPhone(p.phone) ? [p.phone] : []
    case "namePinyin":
      return p.namePinyin === undefined || p.namePinyin === "" ? [] : [p.namePinyin]
    case "surnamePinyin":
      return p.surnamePinyin === undefined || p.surnamePinyin === "" ? [] : [p.surnamePinyin]
    case "birthDate":
      return p.birthDate === undefined ? [] : [p.birthDate]
    case "birthYear":
      return p.birthDate === undefined ? [] : [p.birthDate.slice(0, 4)]
    case "region":
      return p.regions
    case "province": {
      // The ID's address code is where the person was first registered: a province worth blocking on.
      const provinces = new Set(p.regions.map((r) => r.slice(0, 2)))
      if (p.idNumber !== undefined) provinces.add(p.idNumber.slice(0, 2))
      return [...provinces]
    }
  }
}

/**
 * The blocking keys of a person under a rule: one per blocking rule and combination of field
 * values, prefixed by the rule's position. Two people are compared when they share a key. The keys
 * contain personal data: a store keeps them only as a keyed hash (blind index).
 */
export const blockingKeys = (p: Person, rule: MatchRule.MatchRule): ReadonlyArray<string> => {
  const keys: Array<string> = []
  rule.blocking.forEach((fields, position) => {
    let partial: Array<ReadonlyArray<string>> = [[`${position}`]]
    for (const field of fields) {
      const values = keyValues(p, field)
      partial = partial.flatMap((parts) => values.map((v) => [...parts, v]))
    }
    // Joined once: a key built by concatenation is a chain of string pieces, flattened into a
    // second copy the first time it is hashed (a scan indexes a million of them).
    for (const parts of partial) keys.push(parts.join("|"))
  })
  return keys
}

export interface ComparisonOutcome {
  readonly comparison: string
  readonly level: string
  /** The level's weight, the term-frequency adjustment included. */
  readonly weight: number
  /** What agreeing on a common name took off the level's weight (`MatchRule.nameFrequencies`). */
  readonly termFrequency?: number
}

export interface Explanation {
  readonly prior: number
  readonly comparisons: ReadonlyArray<ComparisonOutcome>
  readonly total: number
  /** Posterior probability that the pair is the same person. */
  readonly probability: number
}

export type Decision = "auto-link" | "review"

export interface Proposal {
  readonly observationEventId: string
  readonly memberId: string
  readonly weight: number
  /** The match probability of the weight: what the thresholds are set in. */
  readonly probability: number
  readonly decision: Decision
  readonly explanation: Explanation
}

export const Decision = Schema.Literals(["auto-link", "review"])

/** A proposal as stored (no personal data), its fields in the order `match` writes them. */
export const Proposal = Schema.Struct({
  observationEventId: Schema.String,
  memberId: Schema.String,
  weight: Schema.Number,
  probability: Schema.Number,
  decision: Decision,
  explanation: Schema.Struct({
    prior: Schema.Number,
    comparisons: Schema.Array(
      Schema.Struct({ comparison: Schema.String, level: Schema.String, weight: Schema.Number, termFrequency: Schema.optionalKey(Schema.Number) })
    ),
    total: Schema.Number,
    probability: Schema.Number
  })
})

/** The index of the first level of a comparison whose predicate holds for the two people (-1 when none does). */
const levelIndex = (comparison: MatchRule.Comparison, a: Person, b: Person): number => {
  let index = 0
  for (const level of comparison.levels) {
    if (predicate[level.when](a, b)) return index
    index++
  }
  return -1
}

const levelOf = (comparison: MatchRule.Comparison, a: Person, b: Person): MatchRule.Level | undefined => comparison.levels[levelIndex(comparison, a, b)]

/**
 * The comparison vector of a pair: for each comparison of the rule, the index of the level the
 * pair falls in (-1 when no level holds). What training counts and estimates m and u from.
 */
export const levels = (a: Person, b: Person, rule: MatchRule.MatchRule): ReadonlyArray<number> =>
  rule.comparisons.map((comparison) => levelIndex(comparison, a, b))

/** The levels at which both people bear one normalised name: where its frequency tells. */
const sharedName: ReadonlySet<MatchRule.Predicate> = new Set(["name.exact", "name.simplified"])

/**
 * What agreeing on this name takes off the level's weight: log2(u / frequency) when more people
 * bear it than u supposes (0 for a rare name, and without `nameFrequencies`). Splink's
 * term-frequency adjustment, applied downwards only.
 */
const termFrequency = (rule: MatchRule.MatchRule, level: MatchRule.Level, a: Person, b: Person): number => {
  if (rule.nameFrequencies === undefined || level.u === undefined || !sharedName.has(level.when)) return 0
  const frequency = rule.nameFrequencies[b.name ?? a.name ?? ""]
  return frequency === undefined || frequency <= level.u ? 0 : Math.log2(level.u / frequency)
}

/** Compares two people level by level: the first level whose predicate holds wins. */
export const compare = (a: Person, b: Person, rule: MatchRule.MatchRule): Explanation => {
  const prior = MatchRule.priorWeight(rule)
  let total = prior
  const comparisons: Array<ComparisonOutcome> = []
  for (const comparison of rule.comparisons) {
    const level = levelOf(comparison, a, b)
    if (level === undefined) continue
    const adjustment = termFrequency(rule, level, a, b)
    const weight = MatchRule.levelWeight(level) + adjustment
    total += weight
    comparisons.push({ comparison: comparison.name, level: level.label, weight, ...(adjustment !== 0 && { termFrequency: adjustment }) })
  }
  return { prior, comparisons, total, probability: MatchRule.probabilityOfWeight(total) }
}

/**
 * The total weight of `compare`, summed in the same order (so equal to the last bit), without
 * building the explanation: `match` scores every candidate and explains only the proposals.
 */
const score = (a: Person, b: Person, rule: MatchRule.MatchRule): number => {
  let total = MatchRule.priorWeight(rule)
  for (const comparison of rule.comparisons) {
    const level = levelOf(comparison, a, b)
    if (level !== undefined) total += MatchRule.levelWeight(level) + termFrequency(rule, level, a, b)
  }
  return total
}

export interface Candidate {
  readonly memberId: string
  readonly person: Person
}

/**
 * The probability that the observation is the candidate of weight `weight` rather than any other or
 * nobody, when it is at most one person: the candidate's odds over one plus every candidate's odds,
 * 2^w / (1 + Σ 2^wᵢ). Alone, it is the pair's probability; a second plausible candidate takes its
 * share, so the best stands clear of the second only when its odds dwarf the second's. Summed
 * relative to the largest weight, so that no power of two overflows.
 */
const exclusiveProbability = (weight: number, weights: ReadonlyArray<number>): number => {
  const largest = Math.max(0, ...weights)
  let odds = 2 ** -largest
  for (const w of weights) odds += 2 ** (w - largest)
  return 2 ** (weight - largest) / odds
}

/**
 * Scores an observation against candidates; proposals at or above the review probability, best
 * first. `auto-link` only for the best proposal, when the probability that the observation is that
 * member rather than any other candidate (or nobody) reaches the auto-link probability: two
 * plausible members for one observation mean that a person decides.
 */
export const match = (
  observationEventId: string,
  observed: Person,
  candidates: Iterable<Candidate>,
  rule: MatchRule.MatchRule
): ReadonlyArray<Proposal> => {
  const thresholds = MatchRule.thresholds(rule)
  const scored: Array<{ memberId: string; weight: number; explanation: Explanation }> = []
  const weights: Array<number> = []
  for (const candidate of candidates) {
    const weight = score(observed, candidate.person, rule)
    weights.push(weight)
    if (weight < thresholds.review) continue
    const explanation = compare(observed, candidate.person, rule)
    scored.push({ memberId: candidate.memberId, weight: explanation.total, explanation })
  }
  scored.sort(ByWeight)
  return scored.map(({ memberId, explanation }, rank) => ({
    observationEventId,
    memberId,
    weight: explanation.total,
    probability: explanation.probability,
    decision: rank === 0 && explanation.total >= thresholds.autoLink && exclusiveProbability(explanation.total, weights) >= rule.autoLinkProbability ? "auto-link" : "review",
    explanation
  }))
}

/** An in-memory candidate index for the embedded scan: blocking key → members. */
export interface CandidateIndex {
  readonly rule: MatchRule.MatchRule
  readonly members: ReadonlyMap<string, Candidate>
  readonly byKey: ReadonlyMap<string, ReadonlyArray<string>>
}

/**
 * Keys shared by more than this many members are too common to block on (a surname and birth year
 * in a large city): they would make one observation cost O(members) and add little evidence.
 * Measured (packages/core/bench): at 1,000,000 members a cap of 100 lets ~22 candidates per
 * observation through (75 µs), 30 lets ~7.5 through (30 µs; ~4.5 at 10,000 members). The cap of 30
 * costs 0.13 points of any-proposal recall at 1,000,000 members and none at 50,000, and with fewer
 * namesakes competing more observations auto-link.
 */
export const maxBucket = 30

/**
 * Indexes candidates by their blocking keys. With `wanted` (the keys the observations carry), only
 * those keys are indexed and only candidates with one of them kept: a key nobody looks up costs
 * memory and nothing else. A wanted key's bucket still holds every candidate with that key, so the
 * selection for an observation, cap included, is the same.
 */
export const index = (candidates: Iterable<Candidate>, rule: MatchRule.MatchRule, wanted?: ReadonlySet<string>): CandidateIndex =>
  Steps.run(indexInSteps(candidates, rule, wanted))

/** `index` in steps: one per candidate. */
export function* indexInSteps(candidates: Iterable<Candidate>, rule: MatchRule.MatchRule, wanted?: ReadonlySet<string>): Steps.Steps<CandidateIndex> {
  const members = new Map<string, Candidate>()
  const byKey = new Map<string, Array<string>>()
  for (const candidate of candidates) {
    let kept = wanted === undefined
    for (const key of blockingKeys(candidate.person, rule)) {
      if (wanted !== undefined && !wanted.has(key)) continue
      kept = true
      const bucket = byKey.get(key)
      if (bucket === undefined) byKey.set(key, [candidate.memberId])
      else bucket.push(candidate.memberId)
    }
    if (kept) members.set(candidate.memberId, candidate)
    yield
  }
  return { rule, members, byKey }
}

/** Which members to compare with an observation, and whether a key of it was too common to block on. */
export interface Selection {
  readonly ids: ReadonlyArray<string>
  /** The observation's keys shared by more than `maxBucket` members: they found it no candidate. */
  readonly crowded: number
}

/**
 * Which members to compare with an observation, given its blocking keys and each key's bucket
 * (members sharing it): the union of the buckets small enough to block on, each member once, and
 * how many keys were too common. The same selection serves the in-memory index and a store that
 * keeps keys as blind-index hashes.
 */
export const selectCandidates = (
  observedKeys: ReadonlyArray<string>,
  bucket: (key: string) => ReadonlyArray<string> | undefined
): Selection => {
  const ids = new Set<string>()
  let crowded = 0
  for (const key of observedKeys) {
    const members = bucket(key)
    if (members === undefined) continue
    if (members.length > maxBucket) crowded++
    else for (const id of members) ids.add(id)
  }
  return { ids: [...ids], crowded }
}

/** `selectCandidates`' members alone. */
export const selectCandidateIds = (
  observedKeys: ReadonlyArray<string>,
  bucket: (key: string) => ReadonlyArray<string> | undefined
): ReadonlyArray<string> => selectCandidates(observedKeys, bucket).ids

/** The candidates sharing at least one usable blocking key with the person, each once, and how many of the person's keys were too common. */
export const selectFor = (idx: CandidateIndex, observed: Person): { readonly candidates: ReadonlyArray<Candidate>; readonly crowded: number } => {
  const selection = selectCandidates(blockingKeys(observed, idx.rule), (key) => idx.byKey.get(key))
  return { candidates: selection.ids.map((id) => idx.members.get(id) as Candidate), crowded: selection.crowded }
}

/** The candidates sharing at least one usable blocking key with the person, each once. */
export const candidatesFor = (idx: CandidateIndex, observed: Person): ReadonlyArray<Candidate> => selectFor(idx, observed).candidates

/**
 * A match probability as people compare them: 0.873 below 0.999, `1−2.4e-7` above, where three
 * decimals all read 1. The complement comes from the weight, 1 / (1 + 2^weight), which keeps its
 * digits where 1 − p would round to 0.
 */
export const formatProbability = (weight: number): string => {
  const p = MatchRule.probabilityOfWeight(weight)
  return p < 0.999 ? p.toFixed(3) : `1−${(1 / (1 + 2 ** weight)).toExponential(1)}`
}

const signed = (n: number) => `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(1)}`

/** The waterfall as one line of text: prior, each comparison's level and weight, the total. */
export const explain = (explanation: Explanation, rule: MatchRule.MatchRule, lang: "zh" | "en" = "zh"): string => {
  const labels = new Map(rule.comparisons.map((c) => [c.name, c.label[lang]]))
  const common = lang === "zh" ? "常见姓名" : "common name"
  const parts = explanation.comparisons
    .filter((c) => c.weight !== 0)
    .map((c) => `${labels.get(c.comparison) ?? c.comparison} ${c.level} ${signed(c.weight)}${c.termFrequency === undefined ? "" : ` (${common} ${signed(c.termFrequency)})`}`)
  const prior = lang === "zh" ? "先验" : "prior"
  const total = lang === "zh" ? "合计" : "total"
  return `${prior} ${signed(explanation.prior)}; ${parts.join("; ")}; ${total} ${signed(explanation.total)} (p=${formatProbability(explanation.total)})`
}
