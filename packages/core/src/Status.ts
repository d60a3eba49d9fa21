/**
 * `evaluate(projection, asOf, policy, orgs)`: the one place that decides a member's status, flags,
 * reasons, responsible and assisting organisations, and `nextReviewAt` — the earliest instant the
 * status could change with no new event (what the sweeper waits for). Pure; docs/statuses.md.
 */
import { Schema } from "effect"
import * as DataQuality from "./DataQuality.ts"
import * as Policy from "./Policy.ts"
import * as Projection from "./Projection.ts"
import * as OrgTree from "./OrgTree.ts"
import * as EarlyWarning from "./EarlyWarning.ts"
import type * as Rhythm from "./Rhythm.ts"
import { defined } from "./internal/Defined.ts"
import { same } from "./internal/Same.ts"
import { addDays, addMonths } from "./Instant.ts"

/** Highest priority first. `ended` (deceased, left, probation cancelled) closes the record. */
export const statuses = [
  "ended",
  "removed",
  "suspended",
  "transfer-overdue",
  "lost",
  "floating-unregistered",
  "at-risk",
  "in-transit",
  "floating",
  "active"
] as const
export type Status = (typeof statuses)[number]
export const Status = Schema.Literals(statuses)

export const labels: Record<Status, { readonly zh: string; readonly en: string }> = {
  ended: { zh: "已终止", en: "ended" },
  removed: { zh: "除名", en: "removed" },
  suspended: { zh: "停止党籍", en: "suspended" },
  "transfer-overdue": { zh: "转接逾期", en: "transfer overdue" },
  lost: { zh: "失联", en: "lost contact" },
  "floating-unregistered": { zh: "流出未报到", en: "floating, unregistered" },
  "at-risk": { zh: "联系预警", en: "at risk" },
  "in-transit": { zh: "转接中", en: "in transit" },
  floating: { zh: "流动(已报到)", en: "floating, registered" },
  active: { zh: "正常", en: "active" }
}

/** "Unlinked" members: the ones the lists are for (docs/statuses.md). */
export const unlinked: ReadonlySet<Status> = new Set(["transfer-overdue", "lost", "floating-unregistered", "suspended"])
/** Statuses that close a record: a member leaving the unlinked set for one of them is not found. */
export const closed: ReadonlySet<Status> = new Set(["ended", "removed"])
/** Members a new observation may be matched against: unlinked or at risk. */
export const matchable: ReadonlySet<Status> = new Set([...unlinked, "at-risk"])

export const flags = [
  "suspension-eligible",
  "cancel-probation-eligible",
  "removal-due",
  "article9-review",
  "floating-member",
  "transfer-required",
  "escalated",
  "early-warning",
  "data-quality"
] as const
export type Flag = (typeof flags)[number]
export const Flag = Schema.Literals(flags)

export interface Reason {
  readonly rule: Policy.RuleId
  /** The instant the rule's condition began (e.g. the last contact for `lost-contact`). */
  readonly since?: number
  /** `early-warning`: when contact was expected, by the member's rhythm. */
  readonly expectedAt?: number
  /** `early-warning`: the rhythm the silence is judged by, when the model reads one (`EarlyWarning.probability` gives the probability at any instant). */
  readonly rhythm?: Rhythm.Rhythm
}

export interface Evaluation {
  readonly memberId: string
  readonly status: Status
  readonly flags: ReadonlyArray<Flag>
  readonly reasons: ReadonlyArray<Reason>
  readonly homeOrgId: string
  readonly responsibleOrgId: string
  readonly assistingOrgId?: string
  readonly lastContact?: { readonly at: number; readonly kind: Projection.ContactKind }
  /** Earliest instant the evaluation could change with no new event; absent when it never will. */
  readonly nextReviewAt?: number
  /** What is wrong with the registration (flag `data-quality`); absent when nothing is. */
  readonly dataQuality?: ReadonlyArray<DataQuality.Problem>
}

/**
 * The schema of an evaluation as plain data (no personal data in it), its instants through
 * `instant`: epoch milliseconds as they are (`Evaluation`), or another stored form of them (a
 * document store's dates).
 */
export const EvaluationWith = <I extends Schema.Codec<number, unknown>>(instant: I) =>
  Schema.Struct({
    memberId: Schema.String,
    homeOrgId: Schema.String,
    responsibleOrgId: Schema.String,
    lastContact: Schema.optionalKey(Schema.Struct({ at: instant, kind: Projection.ContactKind })),
    status: Status,
    flags: Schema.Array(Flag),
    reasons: Schema.Array(
      Schema.Struct({
        rule: Policy.RuleId,
        since: Schema.optionalKey(instant),
        expectedAt: Schema.optionalKey(instant),
        rhythm: Schema.optionalKey(Schema.Struct({ gapDays: Schema.Number, spread: Schema.Number, lateness: Schema.Number }))
      })
    ),
    assistingOrgId: Schema.optionalKey(Schema.String),
    nextReviewAt: Schema.optionalKey(instant),
    dataQuality: Schema.optionalKey(Schema.Array(DataQuality.Problem))
  })

export const Evaluation = EvaluationWith(Schema.Number)

/** Whether two evaluations (or their absence) say the same. */
export const equals = (a: Evaluation | undefined, b: Evaluation | undefined): boolean => same(a, b)

const openTransferOf = (projection: Projection.Projection) => {
  let open: Projection.Transfer["issued"]
  for (const transfer of Object.values(projection.transfers)) {
    if (transfer.issued !== undefined && transfer.received === undefined && transfer.cancelled === undefined) {
      open = Projection.later(open, transfer.issued)
    }
  }
  return open
}

/**
 * The current period away from home: since the first outflow or inflow after the last return or
 * received transfer, with the period's latest outflow report and latest destination registration.
 */
export const awayPeriod = (
  projection: Projection.Projection
): { readonly since: number; readonly outflow: Projection.Outflow | undefined; readonly inflow: Projection.Inflow | undefined } | undefined => {
  let resetAt = projection.lastReturnAt ?? Number.NEGATIVE_INFINITY
  for (const transfer of Object.values(projection.transfers)) {
    if (transfer.received !== undefined) resetAt = Math.max(resetAt, transfer.received.at)
  }
  let since: number | undefined
  let outflow: Projection.Outflow | undefined
  for (const o of Object.values(projection.outflows)) {
    if (o.at > resetAt) {
      since = since === undefined ? o.at : Math.min(since, o.at)
      outflow = Projection.later(outflow, o)
    }
  }
  let inflow: Projection.Inflow | undefined
  for (const i of Projection.inflowRegistrations(projection)) {
    if (i.at > resetAt) {
      since = since === undefined ? i.at : Math.min(since, i.at)
      inflow = Projection.later(inflow, i)
    }
  }
  return since === undefined ? undefined : { since, outflow, inflow }
}

const failedSearchesSince = (projection: Projection.Projection, since: number) => {
  let count = 0
  const channels = new Set<string>()
  for (const search of Object.values(projection.searches)) {
    if (search.at >= since) {
      count++
      channels.add(search.channel)
    }
  }
  return { count, channels: channels.size }
}

const nothing: ReadonlyArray<never> = Object.freeze([])

/** The items, in an array of their own length (a growing array keeps room for 17), or the shared empty one: a scan holds a million evaluations. */
const fitted = <A>(items: ReadonlyArray<A>): ReadonlyArray<A> => (items.length === 0 ? nothing : items.slice())

/** The evaluation with its keys in one order and the absent optional ones left out (as stored, and compared as JSON). */
const evaluation = (fields: {
  readonly memberId: string
  readonly homeOrgId: string
  readonly responsibleOrgId: string
  readonly lastContact: Evaluation["lastContact"]
  readonly registeredAt: number
  readonly status: Status
  readonly flags: ReadonlyArray<Flag>
  readonly reasons: ReadonlyArray<Reason>
  readonly assistingOrgId?: string | undefined
  readonly nextReviewAt?: number | undefined
  readonly dataQuality: ReadonlyArray<DataQuality.Problem>
}): Evaluation => {
  const { memberId, homeOrgId, responsibleOrgId, lastContact, status, assistingOrgId, nextReviewAt } = fields
  // The flag goes with every status: a closed record is corrected too, and it never changes the status.
  const problems = fields.dataQuality.length === 0 ? undefined : fields.dataQuality
  const flags: ReadonlyArray<Flag> = problems === undefined ? fitted(fields.flags) : [...fields.flags, "data-quality"]
  const reasons: ReadonlyArray<Reason> =
    problems === undefined ? fitted(fields.reasons) : [...fields.reasons, { rule: "data-quality", since: fields.registeredAt }]
  // The usual shape as one literal, every property inside the object (no separate property array).
  if (lastContact !== undefined && assistingOrgId === undefined && nextReviewAt !== undefined && problems === undefined) {
    return { memberId, homeOrgId, responsibleOrgId, lastContact, status, flags, reasons, nextReviewAt }
  }
  return defined({ memberId, homeOrgId, responsibleOrgId, lastContact, status, flags, reasons, assistingOrgId, nextReviewAt, dataQuality: problems })
}

/**
 * Evaluates a member as of `asOf`. Undefined when the member was never registered (events about
 * them arrived, the registration has not).
 */
export const evaluate = (
  projection: Projection.Projection,
  asOf: number,
  policy: Policy.Policy,
  orgs: OrgTree.OrgTree
): Evaluation | undefined => {
  const { registration, decision } = projection
  const registeredAt = projection.registrationStamp?.at
  if (registration === undefined || registeredAt === undefined) return undefined
  const homeOrgId = projection.home ?? registration.orgId
  const lastContact = Projection.lastContact(projection)
  const lastContactAt = lastContact?.at ?? registeredAt
  const decidedAt = projection.decisionStamp?.at
  const base = {
    memberId: projection.memberId,
    homeOrgId,
    responsibleOrgId: homeOrgId,
    lastContact,
    registeredAt,
    dataQuality: DataQuality.problems(projection)
  }

  if (decision !== undefined && decidedAt !== undefined) {
    switch (decision) {
      case "deceased":
      case "left":
      case "cancel-probation":
        return evaluation({ ...base, status: "ended", flags: [], reasons: [{ rule: "ended", since: decidedAt }] })
      case "remove":
        return evaluation({ ...base, status: "removed", flags: [], reasons: [{ rule: "removed", since: decidedAt }] })
      case "suspend": {
        const removalDueAt = addMonths(decidedAt, policy.removalAfterSuspensionMonths)
        const reachedSince = lastContactAt > decidedAt
        const due = !reachedSince && asOf >= removalDueAt
        return evaluation({
          ...base,
          status: "suspended",
          flags: due ? ["removal-due"] : [],
          reasons: due
            ? [{ rule: "suspended", since: decidedAt }, { rule: "removal-due", since: removalDueAt }]
            : [{ rule: "suspended", since: decidedAt }],
          nextReviewAt: !due && !reachedSince ? removalDueAt : undefined
        })
      }
      case "restore":
        break
    }
  }

  let nextReviewAt: number | undefined
  const reached = (at: number) => {
    if (asOf >= at) return true
    nextReviewAt = nextReviewAt === undefined ? at : Math.min(nextReviewAt, at)
    return false
  }
  const reasons: Array<Reason> = []
  const flags: Array<Flag> = []

  const transfer = openTransferOf(projection)
  const transferExpiresAt =
    transfer &&
    addDays(transfer.at, Math.min(transfer.value.validDays ?? policy.transferValidDays, policy.transferMaxValidDays))
  const transferOverdue = transferExpiresAt !== undefined && reached(transferExpiresAt)
  const lost = reached(addMonths(lastContactAt, policy.lostAfterMonths))
  const away = awayPeriod(projection)
  const registeredAway = away?.inflow !== undefined
  const unregisteredOverdue =
    away !== undefined && !registeredAway && reached(addDays(away.since, policy.inflowRegistrationGraceDays))
  const atRiskAt = addMonths(lastContactAt, policy.contactWarningMonths)
  const atRisk = reached(atRiskAt)

  const status: Status = transferOverdue
    ? "transfer-overdue"
    : lost
      ? "lost"
      : unregisteredOverdue
        ? "floating-unregistered"
        : atRisk
          ? "at-risk"
          : transfer !== undefined
            ? "in-transit"
            : registeredAway
              ? "floating"
              : "active"

  if (transferOverdue) reasons.push({ rule: "transfer-overdue", since: transferExpiresAt })
  else if (transfer !== undefined) reasons.push({ rule: "transfer-open", since: transfer.at })
  if (lost) reasons.push({ rule: "lost-contact", since: lastContactAt })
  else if (atRisk) reasons.push({ rule: "contact-warning", since: lastContactAt })
  if (unregisteredOverdue && away !== undefined) reasons.push({ rule: "floating-unregistered", since: away.since })
  if (registeredAway && away !== undefined) reasons.push({ rule: "floating-registered", since: away.since })

  let responsibleOrgId = homeOrgId
  if (transfer !== undefined) responsibleOrgId = transfer.value.fromOrgId
  else if (lost) {
    const escalateAt = addMonths(lastContactAt, policy.escalationAfterMonths)
    const parent = OrgTree.parentOf(orgs, homeOrgId)
    if (parent !== undefined && reached(escalateAt)) {
      responsibleOrgId = parent
      flags.push("escalated")
      reasons.push({ rule: "escalated", since: escalateAt })
    }
  }

  if (lost) {
    const searches = failedSearchesSince(projection, lastContactAt)
    if (searches.count >= policy.suspensionMinFailedSearches && searches.channels >= policy.suspensionMinSearchChannels) {
      const probationary = projection.category === "probationary"
      flags.push(probationary ? "cancel-probation-eligible" : "suspension-eligible")
      reasons.push({ rule: probationary ? "cancel-probation-eligible" : "suspension-eligible", since: lastContactAt })
    }
  }

  if (away !== undefined && transfer === undefined && reached(addMonths(away.since, policy.floatingAfterMonths))) {
    flags.push("floating-member")
    reasons.push({ rule: "floating-member", since: away.since })
  }
  if (
    away?.outflow?.fixedLocation === true &&
    transfer === undefined &&
    reached(addMonths(away.since, policy.transferRequiredAfterMonths))
  ) {
    flags.push("transfer-required")
    reasons.push({ rule: "transfer-required", since: away.since })
  }

  const meetingSince = Math.max(projection.contacts.meeting ?? registeredAt, registeredAt)
  const duesSince = Math.max(projection.contacts.dues ?? registeredAt, registeredAt)
  const noMeeting = reached(addMonths(meetingSince, policy.article9Months))
  const noDues = reached(addMonths(duesSince, policy.article9Months))
  if (noMeeting || noDues) {
    flags.push("article9-review")
    reasons.push({ rule: "article9-review", since: noMeeting ? meetingSince : duesSince })
  }

  // Before the fixed warning only, and on top of the status: the rhythm never decides one.
  if (status === "active" || status === "floating" || status === "in-transit") {
    const warning = EarlyWarning.warning(policy.earlyWarning, { status, contactDays: projection.contactDays, lastContactAt })
    if (warning !== undefined && warning.at < atRiskAt && reached(warning.at)) {
      flags.push("early-warning")
      reasons.push({ rule: "early-warning", since: warning.at, ...(warning.expectedAt !== undefined && { expectedAt: warning.expectedAt }), ...(warning.rhythm !== undefined && { rhythm: warning.rhythm }) })
    }
  }

  const assistingOrgId = registeredAway ? away?.inflow?.orgId : undefined
  if (assistingOrgId !== undefined) reasons.push({ rule: "assisting", since: away?.inflow?.at ?? lastContactAt })

  return evaluation({ ...base, status, flags, reasons, responsibleOrgId, assistingOrgId, nextReviewAt })
}

const isEmpty = (record: Readonly<Record<string, unknown>>): boolean => Object.keys(record).length === 0

/**
 * Whether merging the fragment into the projection leaves the status `evaluate` gives unchanged at
 * every instant: the fragment writes only what no status is read from — failed searches (flags),
 * personal details and the category (matching, flags), leads other than inflow registrations, and
 * resolutions of observations other than inflow registrations (only a confirmed inflow registration
 * counts as contact). `Timeline` skips evaluating after such facts: a member with a hundred
 * thousand failed searches is not evaluated a hundred thousand times.
 */
export const keepsStatus = (projection: Projection.Projection, fragment: Projection.Projection): boolean => {
  if (
    fragment.registrationStamp !== undefined ||
    fragment.homeStamp !== undefined ||
    fragment.decisionStamp !== undefined ||
    fragment.lastReturnAt !== undefined ||
    !isEmpty(fragment.contacts) ||
    !isEmpty(fragment.outflows) ||
    !isEmpty(fragment.inflows) ||
    !isEmpty(fragment.transfers)
  ) return false
  for (const lead of Object.values(fragment.leads)) if (lead.kind === "inflow") return false
  for (const observationEventId of Object.keys(fragment.resolutions)) {
    const lead = Object.hasOwn(projection.leads, observationEventId) ? projection.leads[observationEventId] : undefined
    if (lead?.kind === "inflow") return false
  }
  return true
}

/**
 * Whether an evaluation made at `evaluatedAt` still holds at `asOf` with no new event: made at or
 * before it, and nothing due to change before it (`nextReviewAt` after it, or none). Under the same
 * policy and organisations, `evaluate` gives it again.
 */
export const holdsAt = (evaluation: Evaluation, evaluatedAt: number, asOf: number): boolean =>
  evaluatedAt <= asOf && (evaluation.nextReviewAt === undefined || asOf < evaluation.nextReviewAt)

/**
 * Every organisation an evaluation of the projection can name as home, responsible or assisting,
 * at any instant: the home, the organisations its transfers leave from, and those the member
 * registered at while away (directly, or by a confirmed inflow lead). Escalation makes the home's parent responsible: a subtree holding the
 * parent holds the home too. What a store indexes members by, so that a list for one branch reads
 * that branch's members alone.
 */
export const orgsOf = (projection: Projection.Projection): ReadonlyArray<string> => {
  const ids = new Set<string>()
  const home = projection.home ?? projection.registration?.orgId
  if (home !== undefined) ids.add(home)
  for (const transfer of Object.values(projection.transfers)) if (transfer.issued !== undefined) ids.add(transfer.issued.value.fromOrgId)
  for (const inflow of Projection.inflowRegistrations(projection)) ids.add(inflow.orgId)
  return [...ids]
}

/**
 * The instant the member entered the unlinked status they have, by the rule that put them there;
 * undefined for a status that is not unlinked.
 */
export const unlinkedSince = (evaluation: Evaluation, policy: Policy.Policy): number | undefined => {
  const since = (rule: Policy.RuleId) => evaluation.reasons.find((r) => r.rule === rule)?.since
  switch (evaluation.status) {
    case "lost": {
      const lastContact = since("lost-contact")
      return lastContact === undefined ? undefined : addMonths(lastContact, policy.lostAfterMonths)
    }
    case "floating-unregistered": {
      const away = since("floating-unregistered")
      return away === undefined ? undefined : addDays(away, policy.inflowRegistrationGraceDays)
    }
    case "transfer-overdue":
      return since("transfer-overdue")
    case "suspended":
      return since("suspended")
    default:
      return undefined
  }
}

/** Whether two evaluations differ in anything a person acts on (what the worker publishes). */
export const changed = (a: Evaluation | undefined, b: Evaluation): boolean =>
  a === undefined ||
  a.status !== b.status ||
  a.responsibleOrgId !== b.responsibleOrgId ||
  a.assistingOrgId !== b.assistingOrgId ||
  a.flags.join() !== b.flags.join()
