/**
 * 流动党组织联系指导情况: every floating party organisation in scope, under the 流出地 committee that
 * guides it, with its grade (正常 / 需关注 / 失管), its findings (each with its rule, 依据 and since
 * when), its members by status, the 报到 lag of those who registered with it, whom it should
 * invite, and the days since its last activity, guidance and report home. Built from
 * `BranchHealth.evaluateAll` over the scan's evaluations (or the worker's), so the embedded scan
 * and MongoDB give the same report; the CLI only renders it, as a list of one row per organisation
 * (`rows`) and as its structured `groups` (JSON). Names members as the other lists do: by name and
 * member id, with no ID number or phone.
 */
import * as BranchHealth from "./BranchHealth.ts"
import { addMonths, daysBetween, formatCstDate } from "./Instant.ts"
import { median } from "./internal/Median.ts"
import type * as OrgRecord from "./OrgRecord.ts"
import * as OrgTree from "./OrgTree.ts"
import * as Policy from "./Policy.ts"
import * as Report from "./Report.ts"
import type * as Steps from "./Steps.ts"

export interface Input extends Report.Input {
  /** Organisations' records, by organisation id (`Scan.Result.records`). */
  readonly records: ReadonlyMap<string, OrgRecord.OrgRecord>
}

export const columns = [
  { id: "guide", zh: "指导党组织", en: "Guiding organisation", width: 18 },
  { id: "branch", zh: "流动党组织", en: "Floating organisation", width: 24 },
  { id: "branchId", zh: "组织编号", en: "Organisation id", width: 16 },
  { id: "grade", zh: "等级", en: "Grade", width: 10 },
  { id: "members", zh: "党员数", en: "Members", width: 8 },
  { id: "lost", zh: "失联", en: "Lost", width: 7 },
  { id: "atRisk", zh: "联系预警", en: "At risk", width: 8 },
  { id: "earlyWarned", zh: "节律预警", en: "Early-warned", width: 9 },
  { id: "toInvite", zh: "应主动联系（流入未报到）", en: "To invite (come, not registered)", width: 12 },
  { id: "lagMedian", zh: "报到用时中位数（天）", en: "Registration lag, median (days)", width: 11 },
  { id: "lagMax", zh: "报到用时最长（天）", en: "Registration lag, longest (days)", width: 11 },
  { id: "daysSinceActivity", zh: "距上次组织生活（天）", en: "Days since last activity", width: 11 },
  { id: "daysSinceGuidance", zh: "距上次联系指导（天）", en: "Days since last guidance", width: 11 },
  { id: "daysSinceReport", zh: "距上次通报（天）", en: "Days since last report home", width: 11 },
  { id: "findings", zh: "发现的问题", en: "Findings", width: 48 },
  { id: "basis", zh: "依据", en: "Basis", width: 36 }
] as const satisfies ReadonlyArray<Report.Column>

/** The grades as the list counts them, the worst first. */
export const categories: ReadonlyArray<Report.Category> = [...BranchHealth.grades].reverse().map((id) => ({ id, ...BranchHealth.gradeLabels[id] }))

/** A finding as the report shows it. */
export interface Finding extends BranchHealth.Finding {
  /** The rule in words, in the report's language. */
  readonly text: string
  /** 依据. */
  readonly source: string
  /** The member's name, for a member's finding. */
  readonly member?: string
  /** The home organisation's name, for `report-overdue`. */
  readonly homeOrg?: string
}

/** One floating organisation. Days are whole days to the report's instant; undefined when it never happened. */
export interface Branch {
  readonly orgId: string
  readonly name: string
  readonly guidingOrgId?: string
  readonly grade: BranchHealth.Grade
  readonly gradedBy: ReadonlyArray<BranchHealth.RuleId>
  readonly findings: ReadonlyArray<Finding>
  /** The members it holds, in id order. */
  readonly members: ReadonlyArray<string>
  readonly lost: number
  readonly atRisk: number
  readonly earlyWarned: number
  readonly toInvite: number
  /** Days from leaving to registering here, of those who did during their current period away. */
  readonly registrationLag?: { readonly median: number; readonly max: number; readonly members: number }
  readonly daysSinceActivity?: number
  readonly daysSinceGuidance?: number
  readonly daysSinceReport?: number
}

/** A guiding committee and the floating organisations it guides; `orgId` undefined for those with none. */
export interface Group {
  readonly orgId?: string
  readonly name: string
  readonly branches: ReadonlyArray<Branch>
}

export interface Row extends Report.ListRow {
  readonly branchId: string
  readonly gradeId: BranchHealth.Grade
}

export interface BranchReport extends Report.List {
  readonly kind: "branches"
  readonly rows: ReadonlyArray<Row>
  /** The same organisations as `rows`, in the same order, structured. */
  readonly groups: ReadonlyArray<Group>
  /** Days without any activity after which an organisation is dormant (`Policy.branchDormantMonths`), as of the report's instant. */
  readonly dormantDays: number
}

const noGuide = { zh: "（无上级党组织）", en: "(no guiding organisation)" } as const

const count = (findings: ReadonlyArray<BranchHealth.Finding>, rule: BranchHealth.RuleId): number => findings.filter((f) => f.rule === rule).length

const worstFirst = (grade: BranchHealth.Grade): number => -BranchHealth.grades.indexOf(grade)

/** What a finding is about, in words: a member by name and id, a home organisation by name. */
const about = (finding: Finding): string =>
  finding.member !== undefined ? `${finding.member} ${finding.memberId ?? ""}`.trim() : finding.homeOrg ?? finding.memberId ?? ""

/** `支部委员会会议未按月召开（2025-01-01起）`, `党员失联：张伟 m-c（2025-12-01起）`. */
export const findingText = (finding: Finding, lang: Report.Lang): string => {
  const what = about(finding)
  const date = formatCstDate(finding.since)
  return lang === "zh" ? `${finding.text}${what === "" ? "" : `：${what}`}（${date}起）` : `${finding.text}${what === "" ? "" : `: ${what}`} (since ${date})`
}

/** Builds the report. */
export function* branchesInSteps(input: Input, options: Report.Options): Steps.Steps<BranchReport> {
  const { lang } = options
  const { orgs, asOf } = input
  const policy = options.policy ?? Policy.defaults
  const members: Array<BranchHealth.Member> = []
  for (const evaluation of input.evaluations) {
    yield
    if (!BranchHealth.concerns(evaluation, orgs)) continue
    const projection = input.member(evaluation.memberId)
    if (projection !== undefined) members.push({ projection, evaluation })
  }
  const inScope = Report.scopeOf(orgs, options)
  const healths = BranchHealth.evaluateAll({ records: input.records, orgs, members, asOf, policy }).filter(
    (h) => inScope(h.orgId) || (h.guidingOrgId !== undefined && inScope(h.guidingOrgId))
  )
  const nameOfMember = new Map(members.map((m) => [m.evaluation.memberId, m.projection.name]))
  const days = (at: number | undefined) => (at === undefined ? undefined : daysBetween(at, asOf))
  const branches = healths.map((health): Branch => {
    const findings = health.findings.map((f): Finding => {
      const rule = BranchHealth.rules[f.rule]
      const member = f.memberId === undefined ? undefined : nameOfMember.get(f.memberId)
      return {
        ...f,
        text: rule[lang],
        source: rule.source,
        ...(member !== undefined && { member }),
        ...(f.homeOrgId !== undefined && { homeOrg: OrgTree.nameOf(orgs, f.homeOrgId) })
      }
    })
    const lags = health.registrationLags.map((l) => l.days).sort((a, b) => a - b)
    const lagMedian = median(lags)
    const daysSinceActivity = days(health.lastActivityAt)
    const daysSinceGuidance = days(health.lastGuidanceAt)
    const daysSinceReport = days(health.lastReportAt)
    return {
      orgId: health.orgId,
      name: OrgTree.nameOf(orgs, health.orgId),
      ...(health.guidingOrgId !== undefined && { guidingOrgId: health.guidingOrgId }),
      grade: health.grade,
      gradedBy: health.gradedBy,
      findings,
      members: health.members,
      lost: count(findings, "member-lost"),
      atRisk: count(findings, "member-at-risk"),
      earlyWarned: count(findings, "member-early-warning"),
      toInvite: count(findings, "member-to-invite"),
      ...(lagMedian !== undefined && { registrationLag: { median: Math.round(lagMedian * 10) / 10, max: lags[lags.length - 1] as number, members: lags.length } }),
      ...(daysSinceActivity !== undefined && { daysSinceActivity }),
      ...(daysSinceGuidance !== undefined && { daysSinceGuidance }),
      ...(daysSinceReport !== undefined && { daysSinceReport })
    }
  })
  const guideName = (b: Branch) => (b.guidingOrgId === undefined ? noGuide[lang] : OrgTree.nameOf(orgs, b.guidingOrgId))
  // By guiding committee (its name in Chinese collation, then its id; those with none last), the worst first, then by name and id.
  branches.sort(
    (a, b) =>
      Number(a.guidingOrgId === undefined) - Number(b.guidingOrgId === undefined) ||
      guideName(a).localeCompare(guideName(b), "zh") ||
      (a.guidingOrgId ?? "").localeCompare(b.guidingOrgId ?? "") ||
      worstFirst(a.grade) - worstFirst(b.grade) ||
      a.name.localeCompare(b.name, "zh") ||
      a.orgId.localeCompare(b.orgId)
  )
  const groups: Array<Group & { readonly branches: Array<Branch> }> = []
  for (const branch of branches) {
    const last = groups.at(-1)
    if (last !== undefined && last.orgId === branch.guidingOrgId) last.branches.push(branch)
    else groups.push({ ...(branch.guidingOrgId !== undefined && { orgId: branch.guidingOrgId }), name: guideName(branch), branches: [branch] })
  }
  const separator = lang === "zh" ? "；" : "; "
  const rows = branches.map(
    (b): Row => ({
      responsibleOrgId: b.guidingOrgId ?? "",
      responsibleOrg: guideName(b),
      branchId: b.orgId,
      gradeId: b.grade,
      guide: guideName(b),
      branch: b.name,
      grade: BranchHealth.gradeLabels[b.grade][lang],
      members: b.members.length,
      lost: b.lost,
      atRisk: b.atRisk,
      earlyWarned: b.earlyWarned,
      toInvite: b.toInvite,
      lagMedian: b.registrationLag?.median ?? "",
      lagMax: b.registrationLag?.max ?? "",
      daysSinceActivity: b.daysSinceActivity ?? "",
      daysSinceGuidance: b.daysSinceGuidance ?? "",
      daysSinceReport: b.daysSinceReport ?? "",
      findings: b.findings.map((f) => findingText(f, lang)).join(separator),
      basis: [...new Set(b.findings.map((f) => f.source))].join(separator)
    })
  )
  return {
    kind: "branches",
    asOf,
    ...(options.orgId !== undefined && { orgId: options.orgId }),
    columns,
    categories,
    categoryKey: "gradeId",
    rows,
    groups,
    dormantDays: daysBetween(addMonths(asOf, -policy.branchDormantMonths), asOf)
  }
}
