/**
 * The lists organisation-department staff act on: the unlinked members of an organisation, and the
 * members whose registration has a data-quality problem, by the organisation that must correct it.
 * Rows are built here, from evaluations, projections and proposals, so the embedded scan and the
 * MongoDB-backed worker produce the same lists; the CLI only renders them (CSV, XLSX, JSON, HTML).
 * Personal data is masked unless the caller explicitly reveals it.
 */
import { Redacted } from "effect"
import * as DataQuality from "./DataQuality.ts"
import * as EarlyWarning from "./EarlyWarning.ts"
import type * as Matching from "./Matching.ts"
import * as OrgTree from "./OrgTree.ts"
import * as Policy from "./Policy.ts"
import * as Projection from "./Projection.ts"
import * as Rhythm from "./Rhythm.ts"
import * as Shown from "./internal/Shown.ts"
import type * as Scan from "./Scan.ts"
import * as Status from "./Status.ts"
import * as Steps from "./Steps.ts"
import { addMonths, DAY, daysBetween, formatCst, formatCstDate } from "./Instant.ts"

export type Lang = "zh" | "en"

/** A column of a list: its id in the rows, its headers, its width in characters (XLSX). */
export interface Column {
  readonly id: string
  readonly zh: string
  readonly en: string
  readonly width: number
  /** The cells are whole percents (23 for 23 %): a renderer says so in the header, or formats them as percents. */
  readonly percent?: boolean
}

/** What a list counts per organisation in its summary: statuses, or the fields with problems. */
export interface Category {
  readonly id: string
  readonly zh: string
  readonly en: string
}

export const columns = [
  { id: "name", zh: "姓名", en: "Name", width: 10 },
  { id: "idNumber", zh: "身份证号", en: "ID number", width: 21 },
  { id: "phone", zh: "联系电话", en: "Phone", width: 14 },
  { id: "homeOrg", zh: "组织关系所在党支部", en: "Home branch", width: 24 },
  { id: "responsibleOrg", zh: "责任党组织", en: "Responsible organisation", width: 24 },
  { id: "assistingOrg", zh: "协助党组织", en: "Assisting organisation", width: 24 },
  { id: "status", zh: "状态", en: "Status", width: 12 },
  { id: "daysWithoutContact", zh: "失联天数", en: "Days without contact", width: 10 },
  { id: "lastContact", zh: "最后联系时间及方式", en: "Last contact", width: 22 },
  { id: "awayAt", zh: "外出地点", en: "Away at", width: 22 },
  { id: "leads", zh: "线索", en: "Leads", width: 40 },
  { id: "suggestedAction", zh: "建议处置", en: "Suggested action", width: 36 },
  { id: "basis", zh: "依据", en: "Basis", width: 36 }
] as const satisfies ReadonlyArray<Column>
export type ColumnId = (typeof columns)[number]["id"]

/** What the renderers read of any row: the cells by column id, the organisation it is listed under. */
export interface ListRow {
  readonly responsibleOrgId: string
  readonly responsibleOrg: string
  readonly [column: string]: string | number
}

/** A row of a list of members: the member and their status too. */
export interface MemberRow extends ListRow {
  readonly memberId: string
  readonly statusId: Status.Status
}

/** A list as the renderers lay it out: rows sorted by the organisation they are listed under, counted per category. */
export interface List {
  readonly kind: "unlinked" | "data-quality" | "early-warning" | "review" | "branches"
  readonly asOf: number
  readonly orgId?: string
  readonly columns: ReadonlyArray<Column>
  readonly categories: ReadonlyArray<Category>
  /** The row field holding each row's category (`statusId`, `fieldId`). */
  readonly categoryKey: string
  readonly rows: ReadonlyArray<ListRow>
  /** What the whole list rests on, one sentence for its header (the early-warning list: the model). */
  readonly basis?: string
  /** The rows were cut to at most `perOrg` per organisation; `leftOut` were not listed. */
  readonly cap?: { readonly perOrg: number; readonly leftOut: number }
}

export type Row = { readonly [K in ColumnId]: K extends "daysWithoutContact" ? number : string } & {
  readonly memberId: string
  readonly responsibleOrgId: string
  readonly statusId: Status.Status
}

export interface Input {
  readonly asOf: number
  readonly orgs: OrgTree.OrgTree
  readonly evaluations: Iterable<Status.Evaluation>
  readonly member: (memberId: string) => Projection.Projection | undefined
  readonly proposals: ReadonlyArray<Matching.Proposal>
  /** The observation a proposal is for, by its event id. */
  readonly observation: (eventId: string) => Matching.Observation | undefined
}

export interface Options {
  /** The organisation the list is for; every organisation when absent. */
  readonly orgId?: string
  /** Cover the organisation's whole subtree (docs/rules.md), not just the organisation itself. */
  readonly includeSubtree: boolean
  readonly lang: Lang
  /** Show full ID numbers and phones. Off by default: lists travel by e-mail and on paper. */
  readonly reveal: boolean
  /** The policy the evaluations were made under (the early-warning list's model and fixed warning date); the defaults when absent. */
  readonly policy?: Policy.Policy
  /** The early-warning list: at most this many members (a whole number ≥ 1) per responsible organisation, the most probable first. */
  readonly perOrg?: number
}

export interface Report extends List {
  readonly kind: "unlinked"
  readonly rows: ReadonlyArray<Row>
  /** Counts per responsible organisation and status, for the summary sheet and chart. */
  readonly summary: ReadonlyArray<{ readonly responsibleOrg: string; readonly counts: Readonly<Partial<Record<Status.Status, number>>> }>
}

/** How contact was made, in words. */
export const contactLabels: Record<Projection.ContactKind, { readonly zh: string; readonly en: string }> = {
  meeting: { zh: "组织生活", en: "meeting" },
  dues: { zh: "交纳党费", en: "dues" },
  phone: { zh: "电话", en: "phone" },
  visit: { zh: "走访", en: "visit" },
  online: { zh: "线上", en: "online" },
  message: { zh: "短信/消息", en: "message" },
  other: { zh: "其他", en: "other" },
  registration: { zh: "登记", en: "registration" },
  outflow: { zh: "外出报告", en: "outflow report" },
  return: { zh: "返回报告", en: "return report" },
  inflow: { zh: "流入地报到", en: "inflow registration" },
  transfer: { zh: "转入报到", en: "transfer received" },
  restore: { zh: "恢复党籍", en: "restored" }
}

/** Observations by the kind of lead they become: 流入地登记, 党员线索, 数据比对. */
export const leadLabels = {
  inflow: { zh: "流入地登记", en: "inflow registration" },
  lead: { zh: "党员线索", en: "lead from a member" },
  record: { zh: "数据比对", en: "data record" }
} as const

const decisionLabels = { "auto-link": { zh: "高度吻合", en: "strong match" }, review: { zh: "待核实", en: "to verify" } } as const

/** What to do next, by status and flags (docs/outputs.md). */
const suggestedAction = (evaluation: Status.Evaluation, hasProposals: boolean, lang: Lang): string => {
  const zh = lang === "zh"
  const actions: Array<string> = []
  const flags = new Set(evaluation.flags)
  if (hasProposals) actions.push(zh ? "核实比对线索" : "verify the proposed matches")
  switch (evaluation.status) {
    case "suspended":
      actions.push(
        flags.has("removal-due")
          ? zh ? "满两年可除名（按自行脱党处理）" : "removal is due (treated as leaving the Party)"
          : zh ? "继续查找，恢复联系后可恢复党籍" : "keep searching; restore once reached"
      )
      break
    case "lost":
      if (flags.has("suspension-eligible")) actions.push(zh ? "可按规定停止党籍" : "suspension may be decided")
      else if (flags.has("cancel-probation-eligible")) actions.push(zh ? "可取消预备党员资格" : "probation may be cancelled")
      else actions.push(zh ? "多方查找（电话、走访、亲属、单位、数据比对）并记录" : "search through several channels and record each attempt")
      if (flags.has("escalated")) actions.push(zh ? "上级党组织督促查找" : "the parent organisation follows up")
      break
    case "transfer-overdue":
      actions.push(zh ? "联系党员及接收党组织，督促报到或重开介绍信" : "contact the member and the receiving organisation; reissue the letter if needed")
      break
    case "floating-unregistered":
      actions.push(zh ? "督促到流入地党组织报到，请流入地协助" : "urge registration at the destination; ask it to assist")
      break
    default:
      break
  }
  return actions.join(zh ? "；" : "; ")
}

/** Rows by the organisation they are listed under: its name in Chinese collation, then its id. */
export const byOrganisation = (a: ListRow, b: ListRow): number =>
  a.responsibleOrg.localeCompare(b.responsibleOrg, "zh") || a.responsibleOrgId.localeCompare(b.responsibleOrgId)

/** The organisations of the list's scope: every one, the one asked for, or its subtree. */
export const scopeOf = (tree: OrgTree.OrgTree, options: Pick<Options, "orgId" | "includeSubtree">): ((orgId: string) => boolean) => {
  const orgId = options.orgId
  if (orgId === undefined) return () => true
  const scope = options.includeSubtree ? OrgTree.subtree(tree, orgId) : new Set([orgId])
  return (id) => scope.has(id)
}

/** A member's ID number as a list shows it (`Shown.idNumber`), marked when the registration's fails GB 11643. */
const showId = (value: Redacted.Redacted<string> | undefined, evaluation: Status.Evaluation, reveal: boolean, lang: Lang): string =>
  Shown.idNumber(value, reveal, lang, evaluation.dataQuality?.some((p) => p.field === "idNumber") === true)

/** An instant to the minute, China Standard Time: `2026-03-01 09:30`. */
const minute = (at: number): string => formatCst(at).slice(0, 16).replace("T", " ")

const unlinkedCategories: ReadonlyArray<Category> = Status.statuses.filter((s) => Status.unlinked.has(s)).map((id) => ({ id, ...Status.labels[id] }))

const showPhone = Shown.phone
const region = Shown.region

/** Who confirmed a lead and what they noted, when the resolution says: `（李明核实：电话核实）`. */
const checkedBy = (resolved: Projection.Resolved | undefined, lang: Lang): string => {
  if (resolved === undefined || (resolved.resolvedBy === undefined && resolved.note === undefined)) return ""
  const who = resolved.resolvedBy ?? ""
  if (lang === "en") return ` (checked${who === "" ? "" : ` by ${who}`}${resolved.note === undefined ? "" : `: ${resolved.note}`})`
  return `（${who === "" ? "已" : who}核实${resolved.note === undefined ? "" : `：${resolved.note}`}）`
}

/** Builds the unlinked list: rows sorted by responsible organisation, then longest without contact first. */
export const unlinked = (input: Input, options: Options): Report => Steps.run(unlinkedInSteps(input, options))

/** `unlinked` in steps: one per member, then the sort's. */
export function* unlinkedInSteps(input: Input, options: Options): Steps.Steps<Report> {
  const { lang, reveal } = options
  const name = (orgId: string | undefined) => (orgId === undefined ? "" : OrgTree.nameOf(input.orgs, orgId))
  const proposalsByMember = new Map<string, Array<Matching.Proposal>>()
  for (const proposal of input.proposals) {
    const list = proposalsByMember.get(proposal.memberId)
    if (list === undefined) proposalsByMember.set(proposal.memberId, [proposal])
    else list.push(proposal)
  }
  const inScope = scopeOf(input.orgs, options)
  const rows: Array<Row> = []
  for (const evaluation of input.evaluations) {
    yield
    if (!Status.unlinked.has(evaluation.status) || !(inScope(evaluation.homeOrgId) || inScope(evaluation.responsibleOrgId))) continue
    const member = input.member(evaluation.memberId)
    const proposals = proposalsByMember.get(evaluation.memberId) ?? []
    const last = evaluation.lastContact
    const away = member === undefined ? undefined : latestOutflow(member)
    const leads = [
      ...proposals.map(
        (p) => `${decisionLabels[p.decision][lang]} ${p.observationEventId} ${lang === "zh" ? "权重" : "weight"} ${p.weight.toFixed(1)}`
      ),
      ...Object.values(member?.leads ?? {})
        .filter((l) => member?.resolutions[l.eventId]?.value !== "rejected")
        // Latest first; a tie by event id, so that the list does not follow the order of arrival.
        .sort((a, b) => b.at - a.at || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0))
        .map(
          (l) =>
            `${leadLabels[l.kind][lang]} ${formatCstDate(l.at)}${l.region === undefined ? "" : ` ${region(l.region)}`}${l.note === undefined ? "" : ` ${l.note}`}` +
            checkedBy(member?.resolutions[l.eventId], lang)
        )
    ]
    rows.push({
      memberId: evaluation.memberId,
      responsibleOrgId: evaluation.responsibleOrgId,
      statusId: evaluation.status,
      name: member?.name ?? "",
      idNumber: showId(member?.registration?.idNumber, evaluation, reveal, lang),
      phone: showPhone(member?.phone, reveal),
      homeOrg: name(evaluation.homeOrgId),
      responsibleOrg: name(evaluation.responsibleOrgId),
      assistingOrg: name(evaluation.assistingOrgId),
      status: Status.labels[evaluation.status][lang],
      daysWithoutContact: last === undefined ? 0 : daysBetween(last.at, input.asOf),
      lastContact: last === undefined ? "" : `${minute(last.at)} ${contactLabels[last.kind][lang]}`,
      awayAt: away === undefined ? "" : [region(away.destinationRegion), away.destinationDetail].filter((s) => s !== undefined).join(" "),
      leads: leads.join(lang === "zh" ? "；" : "; "),
      suggestedAction: suggestedAction(evaluation, proposals.length > 0, lang),
      basis: [...new Set(evaluation.reasons.map((r) => Policy.rules[r.rule].source))].join(lang === "zh" ? "；" : "; ")
    })
  }
  yield* Steps.sort(rows, (a, b) => byOrganisation(a, b) || b.daysWithoutContact - a.daysWithoutContact || a.memberId.localeCompare(b.memberId))
  const summary = new Map<string, Partial<Record<Status.Status, number>>>()
  for (const row of rows) {
    const counts = summary.get(row.responsibleOrg) ?? {}
    counts[row.statusId] = (counts[row.statusId] ?? 0) + 1
    summary.set(row.responsibleOrg, counts)
  }
  return {
    kind: "unlinked",
    asOf: input.asOf,
    ...(options.orgId !== undefined && { orgId: options.orgId }),
    columns,
    categories: unlinkedCategories,
    categoryKey: "statusId",
    rows,
    summary: [...summary].map(([responsibleOrg, counts]) => ({ responsibleOrg, counts }))
  }
}

const columnOf = (id: ColumnId): Column => columns.find((c) => c.id === id) as Column

/** The columns of the data-quality list. */
export const dataQualityColumns: ReadonlyArray<Column> = [
  columnOf("name"),
  { ...columnOf("idNumber"), width: 25 },
  columnOf("homeOrg"),
  columnOf("status"),
  { id: "field", zh: "问题字段", en: "Field", width: 12 },
  { id: "problem", zh: "问题说明", en: "Problem", width: 36 },
  { id: "registeredAt", zh: "登记时间", en: "Registered", width: 18 },
  columnOf("suggestedAction")
]

export interface DataQualityRow extends MemberRow {
  /** The home branch, which keeps the member's records and corrects them. */
  readonly responsibleOrgId: string
  readonly fieldId: DataQuality.Field
  readonly codeId: DataQuality.Code
  readonly name: string
  readonly idNumber: string
  readonly homeOrg: string
  readonly status: string
  readonly field: string
  readonly problem: string
  readonly registeredAt: string
  readonly suggestedAction: string
}

export interface DataQualityReport extends List {
  readonly kind: "data-quality"
  readonly rows: ReadonlyArray<DataQualityRow>
}

const dataQualityCategories: ReadonlyArray<Category> = DataQuality.fields.map((id) => ({ id, ...DataQuality.fieldLabels[id] }))

const correction = {
  idNumber: { zh: "核对居民身份证，更正身份证号后重新登记", en: "check the identity card and register the corrected number" },
  other: { zh: "核对党员档案，更正后重新登记", en: "check the member's file and register the corrected details" }
} as const

/**
 * The data-quality list: one row per problem of a member's registration (docs/rules.md#data-quality),
 * whatever the member's status, under the home branch, which keeps the member's records and must
 * correct them; sorted by that organisation (its name in Chinese collation, then its id), then by
 * member id, then by field. With `orgId`, the members whose home branch is in scope.
 */
export const dataQuality = (input: Input, options: Options): DataQualityReport => Steps.run(dataQualityInSteps(input, options))

/** `dataQuality` in steps: one per member, then the sort's. */
export function* dataQualityInSteps(input: Input, options: Options): Steps.Steps<DataQualityReport> {
  const { lang, reveal } = options
  const inScope = scopeOf(input.orgs, options)
  const rows: Array<DataQualityRow> = []
  for (const evaluation of input.evaluations) {
    yield
    const problems = evaluation.dataQuality
    if (problems === undefined || !inScope(evaluation.homeOrgId)) continue
    const member = input.member(evaluation.memberId)
    const homeOrg = OrgTree.nameOf(input.orgs, evaluation.homeOrgId)
    const registeredAt = member?.registrationStamp?.at
    for (const problem of problems) {
      rows.push({
        memberId: evaluation.memberId,
        responsibleOrgId: evaluation.homeOrgId,
        responsibleOrg: homeOrg,
        statusId: evaluation.status,
        fieldId: problem.field,
        codeId: problem.code,
        name: member?.name ?? "",
        idNumber: showId(member?.registration?.idNumber, evaluation, reveal, lang),
        homeOrg,
        status: Status.labels[evaluation.status][lang],
        field: DataQuality.fieldLabels[problem.field][lang],
        problem: DataQuality.codeLabels[problem.code][lang],
        registeredAt: registeredAt === undefined ? "" : minute(registeredAt),
        suggestedAction: correction[problem.field === "idNumber" ? "idNumber" : "other"][lang]
      })
    }
  }
  const order = (field: DataQuality.Field) => DataQuality.fields.indexOf(field)
  yield* Steps.sort(rows, (a, b) => byOrganisation(a, b) || a.memberId.localeCompare(b.memberId) || order(a.fieldId) - order(b.fieldId))
  return {
    kind: "data-quality",
    asOf: input.asOf,
    ...(options.orgId !== undefined && { orgId: options.orgId }),
    columns: dataQualityColumns,
    categories: dataQualityCategories,
    categoryKey: "fieldId",
    rows
  }
}

/** The columns of the early-warning list: the probability is of loss within the model's horizon. */
export const earlyWarningColumns = (model: EarlyWarning.Model): ReadonlyArray<Column> => [
  columnOf("name"),
  columnOf("idNumber"),
  columnOf("phone"),
  columnOf("homeOrg"),
  columnOf("responsibleOrg"),
  columnOf("status"),
  columnOf("lastContact"),
  { id: "probability", zh: `预计${model.horizonDays}天内失联概率`, en: `Probability of loss within ${model.horizonDays} days`, width: 12, percent: true },
  { id: "suspicion", zh: "预警分值φ", en: "Suspicion φ", width: 10 },
  { id: "rhythm", zh: "本人联系节律", en: "Own rhythm", width: 14 },
  { id: "expectedAt", zh: "按节律应联系日期", en: "Contact expected", width: 14 },
  { id: "daysToWarning", zh: "距3个月预警（天）", en: "Days to the 3-month warning", width: 12 },
  columnOf("suggestedAction"),
  columnOf("basis")
]

export interface EarlyWarningRow extends MemberRow {
  readonly name: string
  readonly idNumber: string
  readonly phone: string
  readonly homeOrg: string
  readonly status: string
  readonly lastContact: string
  /** The probability of loss within the model's horizon as of the list's instant, a whole percent from 1 to 99. */
  readonly probability: number
  /** φ as of the list's instant, one decimal; blank without a rhythm. */
  readonly suspicion: number | ""
  /** The member's typical gap in words; "—" without a rhythm. */
  readonly rhythm: string
  /** The last contact plus the typical gap, a date; blank without a rhythm. */
  readonly expectedAt: string
  /** Whole days until the fixed contact warning (at-risk) would start. */
  readonly daysToWarning: number
  readonly suggestedAction: string
  readonly basis: string
}

export interface EarlyWarningReport extends List {
  readonly kind: "early-warning"
  readonly rows: ReadonlyArray<EarlyWarningRow>
  readonly basis: string
}

const earlyWarningCategories: ReadonlyArray<Category> = EarlyWarning.watched.map((id) => ({ id, ...Status.labels[id] }))

const isWatched = (status: Status.Status): status is EarlyWarning.Watched => (EarlyWarning.watched as ReadonlyArray<Status.Status>).includes(status)

const contactNow = { zh: "尽快主动联系，了解近况并记录", en: "reach out soon, ask how they are and record it" } as const

/** A probability as a whole percent a reader takes at its word: never 0 or 100, which a model never knows. */
const percentOf = (p: number): number => Math.min(99, Math.max(1, Math.round(p * 100)))

/** A share as a whole percent (precision, recall). */
const percent = (x: number): number => Math.round(x * 100)

const modelNames = {
  rhythm: { zh: "本人联系节律模型（φ）", en: "a model of each member's own contact rhythm (φ)" },
  hazard: { zh: "失联风险模型（逻辑回归）", en: "a logistic model of the risk of loss" }
} as const

/**
 * What the early warning rests on, one sentence for the list's header: the model, and how it did on
 * the backtest of the history it was fitted on (`EarlyWarning.Fitted`), when it was fitted.
 */
export const earlyWarningBasis = (policy: Policy.Policy, lang: Lang): string => {
  const model = policy.earlyWarning
  const months = policy.contactWarningMonths
  const fitted = model.fitted
  const zh = lang === "zh"
  if (model.kind === "fixed-gap") {
    if (fitted === undefined) {
      return zh
        ? `预警依据：未联系满${model.days}天即预警（固定间隔，未经历史数据回测）。`
        : `Basis of the warning: a fixed gap of ${model.days} days without contact, not backtested on any history.`
    }
    return zh
      ? `预警依据：未联系满${model.days}天即预警（固定间隔），因为在历史数据回测中没有模型优于它（精确率${percent(fitted.precision)}%，召回率${percent(fitted.recall)}%）。`
      : `Basis of the warning: a fixed gap of ${model.days} days without contact, because no model did better on the backtest of the history it was fitted on (precision ${percent(fitted.precision)}%, recall ${percent(fitted.recall)}%).`
  }
  const name = modelNames[model.kind][lang]
  if (fitted === undefined) return zh ? `预警依据：${name}，未经历史数据回测。` : `Basis of the warning: ${name}, not backtested on any history.`
  const { fixedGap } = fitted
  const lead = Math.round(fitted.medianLeadDays)
  // A fixed gap of 0 days is none: no gap was as precise.
  const against = zh
    ? fixedGap.days === 0
      ? "没有固定间隔能达到这一精确率"
      : `精确率不低于此的最佳固定间隔（未联系超过${fixedGap.days}天）精确率${percent(fixedGap.precision)}%，召回率${percent(fixedGap.recall)}%`
    : fixedGap.days === 0
      ? "no fixed gap was as precise"
      : `the best fixed gap at no less precision (silent more than ${fixedGap.days} days): precision ${percent(fixedGap.precision)}%, recall ${percent(fixedGap.recall)}%`
  return zh
    ? `预警依据：${name}；历史数据回测（${fitted.origins}个时点）中精确率${percent(fitted.precision)}%，召回率${percent(fitted.recall)}%，中位比${months}个月预警提前${lead}天；${against}。`
    : `Basis of the warning: ${name}; on the backtest of the history it was fitted on (${fitted.origins} origins) precision ${percent(fitted.precision)}%, recall ${percent(fitted.recall)}%, median lead ${lead} days before the ${months}-month warning; ${against}.`
}

/**
 * The early-warning list (联系节律预警): the members with the flag `early-warning`, before the fixed
 * contact warning (docs/early-warning.md), under the organisation responsible for them, the most
 * probably lost within the model's horizon first; with `perOrg`, only that many per organisation.
 * Same scope and masking as the unlinked list.
 */
export const earlyWarning = (input: Input, options: Options): EarlyWarningReport => Steps.run(earlyWarningInSteps(input, options))

/** `earlyWarning` in steps: one per member, then the sort's. */
export function* earlyWarningInSteps(input: Input, options: Options): Steps.Steps<EarlyWarningReport> {
  const { lang, reveal } = options
  const policy = options.policy ?? Policy.defaults
  const model = policy.earlyWarning
  const fadeWindow = model.kind === "rhythm" ? model.fadeWindow : true
  const inScope = scopeOf(input.orgs, options)
  const name = (orgId: string) => OrgTree.nameOf(input.orgs, orgId)
  // The exact probability orders the rows; the row shows it rounded.
  const warned: Array<{ readonly row: EarlyWarningRow; readonly probability: number }> = []
  for (const evaluation of input.evaluations) {
    yield
    const reason = evaluation.reasons.find((r) => r.rule === "early-warning")
    const last = evaluation.lastContact
    const status = evaluation.status
    if (reason === undefined || last === undefined || !isWatched(status) || !(inScope(evaluation.homeOrgId) || inScope(evaluation.responsibleOrgId))) continue
    const member = input.member(evaluation.memberId)
    const rhythm = reason.rhythm
    const probability = EarlyWarning.probability(model, rhythm, status, Math.max(0, (input.asOf - last.at) / DAY))
    const gap = rhythm === undefined ? undefined : Math.round(rhythm.gapDays)
    warned.push({
      probability,
      row: {
        memberId: evaluation.memberId,
        responsibleOrgId: evaluation.responsibleOrgId,
        responsibleOrg: name(evaluation.responsibleOrgId),
        statusId: status,
        name: member?.name ?? "",
        idNumber: showId(member?.registration?.idNumber, evaluation, reveal, lang),
        phone: showPhone(member?.phone, reveal),
        homeOrg: name(evaluation.homeOrgId),
        status: Status.labels[status][lang],
        lastContact: `${minute(last.at)} ${contactLabels[last.kind][lang]}`,
        probability: percentOf(probability),
        suspicion: rhythm === undefined ? "" : Math.round(Rhythm.suspicion(rhythm, last.at, input.asOf, fadeWindow) * 10) / 10,
        rhythm: gap === undefined ? "—" : lang === "zh" ? `约每${gap}天` : `about every ${gap} days`,
        expectedAt: reason.expectedAt === undefined ? "" : formatCstDate(reason.expectedAt),
        daysToWarning: Math.max(0, Math.ceil((addMonths(last.at, policy.contactWarningMonths) - input.asOf) / DAY)),
        suggestedAction: contactNow[lang],
        basis: Policy.rules["early-warning"].source
      }
    })
  }
  yield* Steps.sort(warned, (a, b) => byOrganisation(a.row, b.row) || b.probability - a.probability || a.row.memberId.localeCompare(b.row.memberId))
  const rows: Array<EarlyWarningRow> = []
  const listed = new Map<string, number>()
  const perOrg = options.perOrg ?? Number.POSITIVE_INFINITY
  for (const { row } of warned) {
    const n = listed.get(row.responsibleOrgId) ?? 0
    if (n >= perOrg) continue
    listed.set(row.responsibleOrgId, n + 1)
    rows.push(row)
  }
  return {
    kind: "early-warning",
    asOf: input.asOf,
    ...(options.orgId !== undefined && { orgId: options.orgId }),
    columns: earlyWarningColumns(model),
    categories: earlyWarningCategories,
    categoryKey: "statusId",
    rows,
    basis: earlyWarningBasis(policy, lang),
    ...(options.perOrg !== undefined && { cap: { perOrg: options.perOrg, leftOut: warned.length - rows.length } })
  }
}

const latestOutflow = (member: Projection.Projection): Projection.Outflow | undefined => {
  let latest: Projection.Outflow | undefined
  for (const outflow of Object.values(member.outflows)) {
    // `later` breaks a tie by event id: outflows at one instant must not be read in arrival order.
    if ((member.lastReturnAt ?? Number.NEGATIVE_INFINITY) < outflow.at) latest = Projection.later(latest, outflow)
  }
  return latest
}

/** The header of a column in a language. */
export const header = (id: ColumnId, lang: Lang): string => columnOf(id)[lang]

/** The report input of an embedded scan. */
export const fromScan = (result: Scan.Result): Input => ({
  asOf: result.asOf,
  orgs: result.orgs,
  evaluations: result.evaluations,
  member: (memberId) => result.members.get(memberId),
  proposals: result.proposals,
  observation: (eventId) => result.observations.get(eventId)
})
