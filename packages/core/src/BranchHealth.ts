/**
 * The health of a floating party organisation (驻外流动党组织) at an instant: whether it holds its
 * 组织生活 at the required cadence, how its members stand, whom in its region it should invite to
 * register, and whether its 流出地 committee guides it and it reports back to its members' home
 * organisations (docs/rules.md#floating-party-organisations). Pure: it reads the organisation's
 * record (`OrgRecord`), the organisation tree and members' projections with their evaluations as
 * of the same instant. Each finding names its rule, with the source and the grade it weighs in
 * `rules`, and `since`, the instant its condition began, as a status's reasons do.
 */
import { Schema } from "effect"
import * as Event from "./Event.ts"
import { addMonths, daysBetween } from "./Instant.ts"
import { same } from "./internal/Same.ts"
import * as OrgRecord from "./OrgRecord.ts"
import * as OrgTree from "./OrgTree.ts"
import type * as Policy from "./Policy.ts"
import type * as Projection from "./Projection.ts"
import * as RegionCode from "./RegionCode.ts"
import * as Status from "./Status.ts"

/** 正常 · 需关注 · 失管, from the best to the worst. */
export const grades = ["normal", "attention", "lapsed"] as const
export type Grade = (typeof grades)[number]
export const GradeSchema = Schema.Literals(grades)

export const gradeLabels: Record<Grade, { readonly zh: string; readonly en: string }> = {
  normal: { zh: "正常", en: "normal" },
  attention: { zh: "需关注", en: "needs attention" },
  lapsed: { zh: "失管", en: "lapsed" }
}

/**
 * The rules a finding rests on, in the order findings are listed, each with the grade it makes
 * the organisation at least (`info`: listed, grading nothing) and its source (shown as 依据).
 */
export const rules = {
  "branch-dormant": { zh: "连续3个月未开展任何组织生活", en: "no activity of any kind for 3 months", source: "地方工作惯例（通报批评）", grade: "lapsed" },
  "committee-meeting-overdue": { zh: "支部委员会会议未按月召开", en: "no committee meeting within a month", source: "《中国共产党支部工作条例（试行）》第十二条", grade: "attention" },
  "members-meeting-overdue": { zh: "党员大会未按季度召开", en: "no members' meeting within a quarter", source: "《中国共产党支部工作条例（试行）》第十一条", grade: "attention" },
  "group-meeting-overdue": { zh: "党小组会未按月召开", en: "no group meeting within a month", source: "《中国共产党支部工作条例（试行）》第十三条", grade: "attention" },
  "theme-day-overdue": { zh: "主题党日未按月开展", en: "no theme day within a month", source: "工作惯例（每月相对固定1天）", grade: "attention" },
  "life-meeting-overdue": { zh: "组织生活会未按年召开", en: "no organisational life meeting within a year", source: "工作惯例（每年至少1次）", grade: "attention" },
  "democratic-review-overdue": { zh: "民主评议党员未按年开展", en: "no democratic review within a year", source: "工作惯例（每年1次）", grade: "attention" },
  "guidance-overdue": { zh: "上级党组织逾期未联系指导", en: "no guidance from its guiding organisation within a quarter", source: "地方工作惯例（每季度联系指导）", grade: "attention" },
  "report-overdue": { zh: "逾期未向党员组织关系所在党组织通报情况", en: "a home organisation not informed within a year", source: "中办《关于进一步加强和改进流动党员管理工作的意见》(2024)", grade: "attention" },
  "member-no-meeting": { zh: "党员连续6个月未参加组织生活", en: "a member without organisational life for 6 months", source: "《中国共产党章程》第九条", grade: "attention" },
  "member-lost": { zh: "党员失联", en: "a member lost", source: "《党员教育管理工作条例》第二十四条", grade: "attention" },
  "member-at-risk": { zh: "党员联系预警", en: "a member at risk", source: "地方工作惯例（每季度至少联系一次）", grade: "info" },
  "member-early-warning": { zh: "党员超出本人联系节律未联系", en: "a member silent beyond their rhythm", source: "联系节律预警（本系统，不改变状态）", grade: "info" },
  "member-to-invite": { zh: "流入本地区的党员逾期未报到，应主动联系（党员找组织）", en: "a member come to the region and not registered: to invite", source: "中办《关于进一步加强和改进流动党员管理工作的意见》(2024)", grade: "info" }
} as const satisfies Record<string, { readonly zh: string; readonly en: string; readonly source: string; readonly grade: Grade | "info" }>

export type RuleId = keyof typeof rules
const ruleOrder = Object.keys(rules) as ReadonlyArray<RuleId>
export const RuleIdSchema = Schema.Literals(ruleOrder)

/** The cadence rule of each kind of activity that has one, and its policy field. 党课 has none (the sources we found disagree). */
export const cadences = [
  { activity: "committee-meeting", rule: "committee-meeting-overdue", months: "committeeMeetingMonths" },
  { activity: "members-meeting", rule: "members-meeting-overdue", months: "membersMeetingMonths" },
  { activity: "group-meeting", rule: "group-meeting-overdue", months: "groupMeetingMonths" },
  { activity: "theme-day", rule: "theme-day-overdue", months: "themeDayMonths" },
  { activity: "life-meeting", rule: "life-meeting-overdue", months: "lifeMeetingMonths" },
  { activity: "democratic-review", rule: "democratic-review-overdue", months: "democraticReviewMonths" }
] as const satisfies ReadonlyArray<{ readonly activity: Event.OrgActivity; readonly rule: RuleId; readonly months: keyof Policy.Policy }>

export interface Finding {
  readonly rule: RuleId
  /** The instant the condition began: the last activity, guidance or report, or the member's. */
  readonly since: number
  /** A cadence finding: the kind of activity. */
  readonly activity?: Event.OrgActivity
  /** `report-overdue`: the home organisation not informed. */
  readonly homeOrgId?: string
  /** A member's finding: the member. */
  readonly memberId?: string
}

/**
 * A finding as plain data, `instant` its `since`: epoch milliseconds, or another stored form of
 * them (a document store's dates, a message's ISO text).
 */
export const FindingWith = <I extends Schema.Codec<number, unknown>>(instant: I) =>
  Schema.Struct({
    rule: RuleIdSchema,
    since: instant,
    activity: Schema.optionalKey(Event.OrgActivity),
    homeOrgId: Schema.optionalKey(Schema.String),
    memberId: Schema.optionalKey(Schema.String)
  })

/** What a change of an organisation's health is judged by: its grade and its findings. */
export interface Verdict {
  readonly grade: Grade
  readonly findings: ReadonlyArray<Finding>
}

/** Whether the grade or any finding differs; any verdict differs from none. */
export const changed = (before: Verdict | undefined, after: Verdict): boolean =>
  before === undefined || before.grade !== after.grade || !same(before.findings, after.findings)

/** A member who registered here during their current period away: from the start of the period to the registration. */
export interface RegistrationLag {
  readonly memberId: string
  readonly days: number
}

export interface Health {
  readonly orgId: string
  /** The organisation that set it up and guides it: its parent, when it has one. */
  readonly guidingOrgId?: string
  readonly grade: Grade
  /** The rules that decided the grade (its findings of that grade); empty for `normal`. */
  readonly gradedBy: ReadonlyArray<RuleId>
  /** In the order of `rules`, then by activity, home organisation and member. */
  readonly findings: ReadonlyArray<Finding>
  /** The members it holds: its own (home branch) and those registered with it while away, in id order. */
  readonly members: ReadonlyArray<string>
  /** In member id order. */
  readonly registrationLags: ReadonlyArray<RegistrationLag>
  readonly lastActivityAt?: number
  /** The latest guidance from its parent or another ancestor. */
  readonly lastGuidanceAt?: number
  /** The latest report to any organisation. */
  readonly lastReportAt?: number
  /**
   * The earliest instant a finding of its own could come with no new event (a cadence, the
   * guidance, a report, a member's six months). Members' findings follow their evaluations,
   * which have their own `nextReviewAt`.
   */
  readonly nextReviewAt?: number
}

/** A member as of the instant: their projection and its evaluation. */
export interface Member {
  readonly projection: Projection.Projection
  readonly evaluation: Status.Evaluation
}

export interface Input {
  readonly org: OrgTree.Org
  /** Its record; undefined when no event of its own was folded but the registration the tree holds. */
  readonly record: OrgRecord.OrgRecord | undefined
  readonly orgs: OrgTree.OrgTree
  /** Any members: those it holds and those away in its region are picked. */
  readonly members: Iterable<Member>
  readonly asOf: number
  readonly policy: Policy.Policy
}

const reasonSince = (evaluation: Status.Evaluation, rule: Policy.RuleId): number | undefined => evaluation.reasons.find((r) => r.rule === rule)?.since

const max = (values: Iterable<number | undefined>): number | undefined => {
  let out: number | undefined
  for (const v of values) if (v !== undefined && (out === undefined || v > out)) out = v
  return out
}

const compare = (a: string | undefined, b: string | undefined): number => ((a ?? "") < (b ?? "") ? -1 : (a ?? "") > (b ?? "") ? 1 : 0)

const byFinding = (a: Finding, b: Finding): number =>
  ruleOrder.indexOf(a.rule) - ruleOrder.indexOf(b.rule) ||
  compare(a.activity, b.activity) ||
  compare(a.homeOrgId, b.homeOrgId) ||
  compare(a.memberId, b.memberId)

/** Whether a member is held: at home here, or registered here while away; records closed (ended, removed) are not. */
const holds = (orgId: string, evaluation: Status.Evaluation): boolean =>
  !Status.closed.has(evaluation.status) && (evaluation.homeOrgId === orgId || evaluation.assistingOrgId === orgId)

const isFloating = (orgs: OrgTree.OrgTree, orgId: string | undefined): boolean => orgId !== undefined && orgs.orgs.get(orgId)?.kind === "floating-branch"

/**
 * Whether some floating organisation may read the member: one holds them (at home there, or
 * registered there while away), or they are floating unregistered and may be in one's region.
 * What `evaluateAll` reads of members' projections, and what a scan keeps of them for it.
 */
export const concerns = (evaluation: Status.Evaluation, orgs: OrgTree.OrgTree): boolean =>
  !Status.closed.has(evaluation.status) &&
  (evaluation.status === "floating-unregistered" || isFloating(orgs, evaluation.homeOrgId) || isFloating(orgs, evaluation.assistingOrgId))

/** The destination of the member's current period away (its latest outflow report's), if any. */
const destinationOf = (projection: Projection.Projection): string | undefined => Status.awayPeriod(projection)?.outflow?.destinationRegion

/** Evaluates one floating organisation as of `asOf`. */
export const evaluate = (input: Input): Health => {
  const { org, orgs, asOf, policy } = input
  const record = input.record ?? OrgRecord.empty(org.orgId)
  const orgId = org.orgId
  const registeredAt = record.registeredAt ?? org.at
  const findings: Array<Finding> = []
  let nextReviewAt: number | undefined
  /** Whether `months` after `since` is reached; if not, the instant is a review. */
  const reached = (since: number, months: number): boolean => {
    const at = addMonths(since, months)
    if (asOf >= at) return true
    nextReviewAt = nextReviewAt === undefined ? at : Math.min(nextReviewAt, at)
    return false
  }
  const lastActivityAt = OrgRecord.lastActivityAt(record)
  const activitySince = lastActivityAt ?? registeredAt
  if (reached(activitySince, policy.branchDormantMonths)) findings.push({ rule: "branch-dormant", since: activitySince })
  for (const { activity, rule, months } of cadences) {
    const since = record.activities[activity] ?? registeredAt
    if (reached(since, policy[months])) findings.push({ rule, since, activity })
  }
  const ancestors = new Set(OrgTree.ancestors(orgs, orgId))
  const lastGuidanceAt = max(Object.entries(record.guidedBy).map(([guide, at]) => (ancestors.has(guide) ? at : undefined)))
  const guidanceSince = lastGuidanceAt ?? registeredAt
  if (reached(guidanceSince, policy.guidanceMonths)) findings.push({ rule: "guidance-overdue", since: guidanceSince })

  const members: Array<string> = []
  const registrationLags: Array<RegistrationLag> = []
  /** Of each home organisation elsewhere, the earliest registration here of a member it holds now. */
  const arrivals = new Map<string, number>()
  for (const { projection, evaluation } of input.members) {
    const memberId = evaluation.memberId
    if (holds(orgId, evaluation)) {
      members.push(memberId)
      const assistedSince = evaluation.assistingOrgId === orgId ? reasonSince(evaluation, "assisting") : undefined
      if (assistedSince !== undefined && evaluation.homeOrgId !== orgId) {
        const known = arrivals.get(evaluation.homeOrgId)
        if (known === undefined || assistedSince < known) arrivals.set(evaluation.homeOrgId, assistedSince)
        const away = Status.awayPeriod(projection)
        if (away?.outflow !== undefined) registrationLags.push({ memberId, days: daysBetween(away.since, assistedSince) })
      }
      const joinedAt = assistedSince ?? projection.homeStamp?.at ?? projection.registrationStamp?.at ?? registeredAt
      const meetingSince = Math.max(projection.contacts.meeting ?? joinedAt, joinedAt)
      if (reached(meetingSince, policy.article9Months)) findings.push({ rule: "member-no-meeting", since: meetingSince, memberId })
      const lost = evaluation.status === "lost" ? reasonSince(evaluation, "lost-contact") : undefined
      if (lost !== undefined) findings.push({ rule: "member-lost", since: lost, memberId })
      const atRisk = evaluation.status === "at-risk" ? reasonSince(evaluation, "contact-warning") : undefined
      if (atRisk !== undefined) findings.push({ rule: "member-at-risk", since: atRisk, memberId })
      const early = reasonSince(evaluation, "early-warning")
      if (early !== undefined) findings.push({ rule: "member-early-warning", since: early, memberId })
    } else if (evaluation.status === "floating-unregistered") {
      const destination = destinationOf(projection)
      const since = reasonSince(evaluation, "floating-unregistered")
      if (destination !== undefined && since !== undefined && RegionCode.contains(org.region, destination)) {
        findings.push({ rule: "member-to-invite", since, memberId })
      }
    }
  }
  for (const [homeOrgId, arrivedAt] of arrivals) {
    const reportedAt = Object.hasOwn(record.reportedTo, homeOrgId) ? record.reportedTo[homeOrgId] : undefined
    const since = Math.max(reportedAt ?? arrivedAt, arrivedAt)
    if (reached(since, policy.branchReportMonths)) findings.push({ rule: "report-overdue", since, homeOrgId })
  }

  findings.sort(byFinding)
  const grade = gradeOf(findings)
  const guidingOrgId = OrgTree.parentOf(orgs, orgId)
  const lastReportAt = max(Object.values(record.reportedTo))
  return {
    orgId,
    ...(guidingOrgId !== undefined && { guidingOrgId }),
    grade,
    gradedBy: [...new Set(findings.filter((f) => rules[f.rule].grade === grade).map((f) => f.rule))],
    findings,
    members: members.sort(),
    registrationLags: registrationLags.sort((a, b) => compare(a.memberId, b.memberId)),
    ...(lastActivityAt !== undefined && { lastActivityAt }),
    ...(lastGuidanceAt !== undefined && { lastGuidanceAt }),
    ...(lastReportAt !== undefined && { lastReportAt }),
    ...(nextReviewAt !== undefined && { nextReviewAt })
  }
}

/** The worst grade a finding makes; `info` findings make none. */
export const gradeOf = (findings: ReadonlyArray<Finding>): Grade => {
  let grade: Grade = "normal"
  for (const finding of findings) {
    const weight = rules[finding.rule].grade
    if (weight !== "info" && grades.indexOf(weight) > grades.indexOf(grade)) grade = weight
  }
  return grade
}

/**
 * The keys a member is filed under, for the organisations whose health can read them: `org:<id>`
 * for its home and assisting organisations, `region:<code>` for each area (province, prefecture,
 * its own code) of a floating-unregistered member's destination. None for a closed record. An
 * organisation reads the members under `keysOfOrg`.
 */
export const keysOf = ({ evaluation, projection }: Member): ReadonlyArray<string> => {
  if (Status.closed.has(evaluation.status)) return []
  const keys = new Set([`org:${evaluation.homeOrgId}`])
  if (evaluation.assistingOrgId !== undefined) keys.add(`org:${evaluation.assistingOrgId}`)
  const destination = evaluation.status === "floating-unregistered" ? destinationOf(projection) : undefined
  if (destination !== undefined) for (const area of [`${destination.slice(0, 2)}0000`, `${destination.slice(0, 4)}00`, destination]) keys.add(`region:${area}`)
  return [...keys]
}

/** The keys of the members an organisation's health reads: those it holds, and those away in its region. */
export const keysOfOrg = (org: OrgTree.Org): readonly [string, string] => [`org:${org.orgId}`, `region:${org.region}`]

/**
 * Every floating organisation (kind `floating-branch`) of the tree, in id order, each evaluated
 * with the members it holds and those away in its region, as `evaluate` picks them from all:
 * members are indexed once by home, assisting organisation and destination, so that a million
 * members cost one pass, not one per organisation.
 */
export const evaluateAll = (input: Omit<Input, "org" | "record"> & { readonly records: ReadonlyMap<string, OrgRecord.OrgRecord> }): ReadonlyArray<Health> => {
  const byKey = new Map<string, Array<Member>>()
  const file = (key: string, member: Member) => {
    const list = byKey.get(key)
    if (list === undefined) byKey.set(key, [member])
    else list.push(member)
  }
  for (const member of input.members) for (const key of keysOf(member)) file(key, member)
  const out: Array<Health> = []
  for (const org of [...input.orgs.orgs.values()].sort((a, b) => compare(a.orgId, b.orgId))) {
    if (org.kind !== "floating-branch") continue
    const [ownKey, regionKey] = keysOfOrg(org)
    const own = byKey.get(ownKey) ?? []
    const region = byKey.get(regionKey) ?? []
    out.push(evaluate({ ...input, org, record: input.records.get(org.orgId), members: own.length === 0 ? region : region.length === 0 ? own : new Set([...own, ...region]) }))
  }
  return out
}
