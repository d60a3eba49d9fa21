/**
 * 待核实比对清单: the match proposals a person must decide, as rows a clerk works through in a
 * spreadsheet, and the decisions read back as `MatchResolved` events.
 *
 * Each row carries its key — the observation's event id, the member's id, the responsible
 * organisation's id and a digest of the proposal it shows — and a check over the key and every
 * evidence cell as shown. Reading a row back trusts none of the cells a clerk could have edited: a
 * row whose check fails is refused, and with the current proposals at hand a row whose proposal
 * changed or was resolved since is stale. The clerk's cells (结论, 核实人, 备注) are outside the check.
 */
import { Redacted } from "effect"
import * as Event from "./Event.ts"
import { formatCstDate } from "./Instant.ts"
import * as Matching from "./Matching.ts"
import * as MatchRule from "./MatchRule.ts"
import * as OrgTree from "./OrgTree.ts"
import * as Projection from "./Projection.ts"
import * as Report from "./Report.ts"
import * as Status from "./Status.ts"
import * as Steps from "./Steps.ts"
import { sha256Hex } from "./internal/Sha256.ts"
import * as Shown from "./internal/Shown.ts"

/** What a review file is, in its metadata and in every digest: a change of layout changes it. */
export const format = "relink-review/1"

type Lang = Report.Lang

const column = (id: string, zh: string, en: string, width: number): Report.Column => ({ id, zh, en, width })

/** Which proposals a row is: one to verify, or an auto-link drawn for an audit. */
export const queues = [
  { id: "review", zh: "待核实", en: "to verify" },
  { id: "audit", zh: "抽查（已自动关联）", en: "audit (auto-linked)" }
] as const satisfies ReadonlyArray<Report.Category>
export type Queue = (typeof queues)[number]["id"]

/** The evidence a clerk reads: the observation, the candidate member, and (unless blind) what the rule made of them. */
const observationColumns = [
  column("obsKind", "线索类型", "Observation", 10),
  column("obsSource", "线索来源", "Source", 20),
  column("obsDate", "线索日期", "Date", 11),
  column("obsRegion", "线索地区", "Region", 14),
  column("obsName", "线索姓名", "Name", 10),
  column("obsIdNumber", "线索身份证号", "ID number", 21),
  column("obsPhone", "线索联系电话", "Phone", 14),
  column("obsBirthDate", "线索出生日期", "Birth date", 11)
]
const candidateColumns = [
  column("name", "党员姓名", "Member", 10),
  column("idNumber", "党员身份证号", "Member's ID number", 21),
  column("phone", "党员联系电话", "Member's phone", 14),
  column("birthDate", "党员出生日期", "Member's birth date", 11),
  column("status", "党员状态", "Member's status", 12),
  column("homeOrg", "组织关系所在党支部", "Home branch", 24)
]
const ruleColumns = [
  column("queue", "类别", "Kind", 10),
  column("agreement", "逐项比对", "Field by field", 44),
  column("probability", "吻合概率", "Probability", 10)
]
const othersColumn = column("others", "其他候选", "Other candidates", 30)

/** The key: what a row turns back into an event by, and the check over everything shown. */
export const keyColumns = [
  column("observationEventId", "线索编号", "Observation id", 16),
  column("memberId", "党员编号", "Member id", 14),
  column("responsibleOrgId", "责任党组织编号", "Responsible organisation id", 16),
  column("proposalDigest", "比对摘要", "Proposal digest", 18),
  column("rowCheck", "校验码", "Row check", 18)
] as const

/** The clerk's cells: the only ones a clerk writes in. */
export const clerkColumns = [
  column("decision", "结论", "Decision", 8),
  column("reviewer", "核实人", "Reviewer", 10),
  column("remark", "备注", "Remark", 24)
] as const

/** The columns of a queue, in order: evidence, key, the clerk's. Blind, without the rule's verdict. */
export const columns = (blind: boolean): ReadonlyArray<Report.Column> => [
  ...observationColumns,
  ...candidateColumns,
  ...(blind ? [] : ruleColumns),
  othersColumn,
  ...keyColumns,
  ...clerkColumns
]

/** The columns the row check covers, in the order it digests them: every column but the clerk's and the check itself. */
export const checkedColumns = (blind: boolean): ReadonlyArray<string> =>
  columns(blind)
    .map((c) => c.id)
    .filter((id) => id !== "rowCheck" && !clerkColumns.some((c) => c.id === id))

/** A column by its header in either language, or its id: what a file read back names its columns by. */
export const columnOfHeader = (header: string): string | undefined => {
  const text = header.trim()
  return columns(false).find((c) => c.zh === text || c.en === text || c.id === text)?.id
}

/**
 * Text as every writer keeps it, so that the row check digests what the file holds: without control
 * characters, bidi controls, noncharacters and lone surrogates (which a workbook cannot hold and a CSV
 * or a page drops), and at most 1,000 UTF-16 units (far within a spreadsheet cell's limit).
 */
export const cellText = (text: string): string => {
  // eslint-disable-next-line no-control-regex -- dropping controls is the point
  const kept = text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "")
  if (kept.length <= 1000) return kept
  return kept.slice(0, /[\ud800-\udbff]/.test(kept.charAt(998)) ? 998 : 999) + "…"
}

export interface Row extends Report.MemberRow {
  readonly queueId: Queue
  readonly observationEventId: string
  readonly proposalDigest: string
  readonly rowCheck: string
  /** The proposal's weight: the order within an organisation, most probable first. */
  readonly weight: number
}

/** Where the rule came from, one sentence for the queue's header; it warns when no local data trained it. */
export const provenance = (rule: MatchRule.MatchRule, lang: Lang): string => {
  const trained = rule.trained
  if (trained === undefined) {
    return lang === "zh"
      ? "比对规则：内置默认规则。规则未经本地数据训练，请先运行 relink train"
      : "Match rule: the built-in default. The rule was not trained on local data: run relink train first"
  }
  const day = trained.at.slice(0, 10)
  const labels = trained.labels === undefined || trained.labels === 0 ? "" : lang === "zh" ? `，${trained.labels}条核实结论` : `, ${trained.labels} clerks' decisions`
  return lang === "zh"
    ? `比对规则：${day} 由 relink train 在 ${trained.events} 上训练（${trained.members}名党员，${trained.observations}条线索${labels}）`
    : `Match rule: trained by relink train on ${trained.events} on ${day} (${trained.members} members, ${trained.observations} observations${labels})`
}

/** A proposal as digested: the pair, the decision, the weight to a thousandth, the level of each comparison. */
export const proposalDigest = (proposal: Matching.Proposal): string =>
  sha256Hex(
    JSON.stringify([
      format,
      proposal.observationEventId,
      proposal.memberId,
      proposal.decision,
      proposal.weight.toFixed(3),
      proposal.explanation.comparisons.map((c) => [c.comparison, c.level])
    ])
  ).slice(0, 16)

/** The check of a row: its key and evidence cells (`checkedColumns`) as shown, blind or not. */
export const rowCheck = (cells: Readonly<Record<string, string | number | undefined>>, blind: boolean): string =>
  sha256Hex(JSON.stringify([format, blind, checkedColumns(blind).map((id) => String(cells[id] ?? ""))])).slice(0, 16)

const signed = (n: number) => `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(1)}`

/** A level of a rule's comparison in words: what its predicate says. */
export const levelWords = (rule: MatchRule.MatchRule, comparison: string, level: string, lang: Lang): string => {
  const when = rule.comparisons.find((c) => c.name === comparison)?.levels.find((l) => l.label === level)?.when
  return when === undefined ? level : MatchRule.predicateWords[when][lang]
}

/** The waterfall in words, one comparison a part: `姓名 同音 +6.1；身份证号 一致 +29.9；先验 −15.2`. */
export const agreement = (explanation: Matching.Explanation, rule: MatchRule.MatchRule, lang: Lang): string => {
  const labels = new Map(rule.comparisons.map((c) => [c.name, c.label[lang]]))
  const common = lang === "zh" ? "常见姓名" : "common name"
  const parts = explanation.comparisons
    .filter((c) => c.weight !== 0)
    .map(
      (c) =>
        `${labels.get(c.comparison) ?? c.comparison} ${levelWords(rule, c.comparison, c.level, lang)} ${signed(c.weight)}` +
        (c.termFrequency === undefined ? "" : lang === "zh" ? `（${common} ${signed(c.termFrequency)}）` : ` (${common} ${signed(c.termFrequency)})`)
    )
  return [...parts, `${lang === "zh" ? "先验" : "prior"} ${signed(explanation.prior)}`].join(lang === "zh" ? "；" : "; ")
}

const dataSourceLabels: Readonly<Record<Event.DataSource, { readonly zh: string; readonly en: string }>> = {
  "public-security": { zh: "公安", en: "public security" },
  "social-security": { zh: "人社", en: "social security" },
  "civil-affairs": { zh: "民政", en: "civil affairs" },
  community: { zh: "社区", en: "community" },
  other: { zh: "其他", en: "other" }
}

/** Who or what the observation came from: the registering organisation, the reporting member, the other authority. */
const sourceOf = (observation: Matching.Observation, orgName: (orgId: string) => string, lang: Lang): string => {
  const org = orgName(observation.orgId)
  switch (observation.type) {
    case "InflowRegistered":
      return org
    case "LeadReported":
      return observation.reporterMemberId === undefined ? org : `${org} ${lang === "zh" ? "党员" : "member"} ${observation.reporterMemberId}`
    case "RecordObserved":
      return `${dataSourceLabels[observation.dataSource][lang]} ${org}`
  }
}

interface Identity {
  readonly name?: string | undefined
  readonly idNumber?: Redacted.Redacted<string> | undefined
  readonly phone?: Redacted.Redacted<string> | undefined
  readonly birthDate?: string | undefined
}

/** The identity an observation gives, and the region it was seen in. */
const identityOf = (observation: Matching.Observation): { readonly identity: Identity; readonly region?: string | undefined } => {
  switch (observation.type) {
    case "InflowRegistered":
      return { identity: observation.identity ?? {}, region: observation.region }
    case "RecordObserved":
      return { identity: observation.identity, region: observation.region }
    case "LeadReported": {
      const subject = observation.subject
      const identity = "memberId" in subject ? {} : { ...subject, phone: subject.phone ?? observation.phone }
      return { identity, region: observation.region }
    }
  }
}

export interface Options {
  readonly orgId?: string
  readonly includeSubtree: boolean
  readonly lang: Lang
  /** Show full ID numbers, phones and birth dates. */
  readonly reveal: boolean
  /** Leave the rule's verdict out (probability, field-by-field weights, kind): clerks' labels then measure the rule unanchored. */
  readonly blind: boolean
  /** Draw this many auto-links (at most) for an audit, by a hash of the pair and the seed. */
  readonly sampleAutoLinks?: { readonly count: number; readonly seed: number }
  /** The rule the proposals were made under: their words, and the queue's header. */
  readonly rule: MatchRule.MatchRule
}

export interface ReviewQueue extends Report.List {
  readonly kind: "review"
  readonly rows: ReadonlyArray<Row>
  readonly blind: boolean
  readonly format: typeof format
  /** Open review proposals in scope, and auto-links in scope the audit sample was drawn from. */
  readonly counts: { readonly review: number; readonly autoLinks: number }
}

/** The queue: one row per open `review` proposal in scope, plus the audit sample; by responsible organisation, most probable first. */
export const queue = (input: Report.Input, options: Options): ReviewQueue => Steps.run(queueInSteps(input, options))

/** `queue` in steps: one per proposal, then the sort's. */
export function* queueInSteps(input: Report.Input, options: Options): Steps.Steps<ReviewQueue> {
  const { lang, reveal, blind, rule } = options
  const inScope = Report.scopeOf(input.orgs, options)
  const name = (orgId: string | undefined) => (orgId === undefined ? "" : OrgTree.nameOf(input.orgs, orgId))
  const evaluations = new Map<string, Status.Evaluation>()
  const wanted = new Set(input.proposals.map((p) => p.memberId))
  for (const evaluation of input.evaluations) {
    if (wanted.has(evaluation.memberId)) evaluations.set(evaluation.memberId, evaluation)
    yield
  }
  const byObservation = new Map<string, Array<Matching.Proposal>>()
  for (const proposal of input.proposals) byObservation.set(proposal.observationEventId, [...(byObservation.get(proposal.observationEventId) ?? []), proposal])
  const scoped = (proposal: Matching.Proposal): Status.Evaluation | undefined => {
    const evaluation = evaluations.get(proposal.memberId)
    return evaluation !== undefined && (inScope(evaluation.homeOrgId) || inScope(evaluation.responsibleOrgId)) ? evaluation : undefined
  }
  const review = input.proposals.filter((p) => p.decision === "review" && scoped(p) !== undefined)
  const autoLinks = input.proposals.filter((p) => p.decision === "auto-link" && scoped(p) !== undefined)
  const sample = options.sampleAutoLinks
  const audited =
    sample === undefined
      ? []
      : autoLinks
          .map((p) => [sha256Hex(JSON.stringify([sample.seed, p.observationEventId, p.memberId])), p] as const)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .slice(0, sample.count)
          .map(([, p]) => p)
  const rows: Array<Row> = []
  for (const [queueId, proposals] of [["review", review], ["audit", audited]] as const) {
    for (const proposal of proposals) {
      yield
      const evaluation = scoped(proposal) as Status.Evaluation
      const member = input.member(proposal.memberId)
      const observation = input.observation(proposal.observationEventId)
      const seen = observation === undefined ? undefined : identityOf(observation)
      const others = (byObservation.get(proposal.observationEventId) ?? [])
        .filter((p) => p.memberId !== proposal.memberId)
        .map((p) => `${input.member(p.memberId)?.name ?? ""}（${p.memberId}）${blind ? "" : ` ${Matching.formatProbability(p.weight)}`}`)
      const shown: Record<string, string> = {
        obsKind: observation === undefined ? "" : Report.leadLabels[Projection.leadOf(observation).kind][lang],
        obsSource: observation === undefined ? "" : sourceOf(observation, name, lang),
        obsDate: observation === undefined ? "" : formatCstDate(observation.occurredAt),
        obsRegion: seen?.region === undefined ? "" : Shown.region(seen.region),
        obsName: seen?.identity.name ?? "",
        obsIdNumber: Shown.idNumber(seen?.identity.idNumber, reveal, lang, Shown.isMalformedId(seen?.identity.idNumber)),
        obsPhone: Shown.phone(seen?.identity.phone, reveal),
        obsBirthDate: Shown.birthDate(seen?.identity.birthDate, reveal),
        name: member?.name ?? "",
        idNumber: Shown.idNumber(member?.registration?.idNumber, reveal, lang, evaluation.dataQuality?.some((p) => p.field === "idNumber") === true),
        phone: Shown.phone(member?.phone, reveal),
        birthDate: Shown.birthDate(member?.registration?.birthDate, reveal),
        status: Status.labels[evaluation.status][lang],
        homeOrg: name(evaluation.homeOrgId),
        ...(!blind && {
          queue: queues.find((q) => q.id === queueId)?.[lang] ?? "",
          agreement: agreement(proposal.explanation, rule, lang),
          probability: Matching.formatProbability(proposal.weight)
        }),
        others: others.join(lang === "zh" ? "；" : "; "),
        observationEventId: proposal.observationEventId,
        memberId: proposal.memberId,
        responsibleOrgId: evaluation.responsibleOrgId,
        proposalDigest: proposalDigest(proposal),
        decision: "",
        reviewer: "",
        remark: ""
      }
      const cells: Record<string, string> = {}
      // Keys stay exact: one a writer had to change fails its row's check, rather than name another id.
      for (const [id, text] of Object.entries(shown)) cells[id] = keyColumns.some((c) => c.id === id) ? text : cellText(text)
      rows.push({
        ...cells,
        queueId,
        memberId: proposal.memberId,
        observationEventId: proposal.observationEventId,
        responsibleOrgId: evaluation.responsibleOrgId,
        responsibleOrg: name(evaluation.responsibleOrgId),
        statusId: evaluation.status,
        proposalDigest: cells.proposalDigest as string,
        rowCheck: rowCheck(cells, blind),
        weight: proposal.weight
      })
    }
  }
  yield* Steps.sort(
    rows,
    (a, b) =>
      Report.byOrganisation(a, b) ||
      (a.queueId === b.queueId ? 0 : a.queueId === "review" ? -1 : 1) ||
      b.weight - a.weight ||
      a.observationEventId.localeCompare(b.observationEventId) ||
      a.memberId.localeCompare(b.memberId)
  )
  return {
    kind: "review",
    format,
    asOf: input.asOf,
    ...(options.orgId !== undefined && { orgId: options.orgId }),
    columns: columns(blind),
    categories: queues,
    categoryKey: "queueId",
    rows,
    basis: provenance(rule, lang),
    blind,
    counts: { review: review.length, autoLinks: autoLinks.length }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading decisions back

/** The words a clerk may write in 结论, in either language; blank is the same as pending. */
export const decisionWords: Readonly<Record<"confirmed" | "rejected" | "pending", ReadonlyArray<string>>> = {
  confirmed: ["确认", "confirm", "confirmed"],
  rejected: ["否定", "reject", "rejected"],
  pending: ["待定", "pending"]
}

const verdictOf = (word: string): "confirmed" | "rejected" | "pending" | undefined => {
  const text = word.trim().toLowerCase()
  if (text === "") return "pending"
  for (const verdict of ["confirmed", "rejected", "pending"] as const) if (decisionWords[verdict].includes(text)) return verdict
  return undefined
}

/** A row as read back from a file: its cells by column id (`columnOfHeader`), and where it was, for messages. */
export interface Filled {
  /** The row's number as the file's reader counts it: the spreadsheet's row, the CSV's line, the JSON array's index + 1. */
  readonly line: number
  readonly cells: Readonly<Record<string, string>>
}

const clerkIds: ReadonlyArray<string> = clerkColumns.map((c) => c.id)

/**
 * A workbook shows each row twice — on its organisation's sheet and on 全部组织 — and a clerk fills
 * in one. Copies of a row (every key and evidence cell alike) are one row: the copies that say
 * something, one per decision (确认 and confirm are one; another word is itself), else the first.
 * A copy with a cell changed is no copy, and is judged on its own.
 */
export const oneCopyEach = (rows: ReadonlyArray<Filled>): ReadonlyArray<Filled> => {
  const said = (row: Filled): string => {
    const word = row.cells.decision ?? ""
    return verdictOf(word) ?? word.trim().toLowerCase()
  }
  const shown = (row: Filled) => JSON.stringify(Object.entries(row.cells).filter(([id]) => !clerkIds.includes(id)).sort(([a], [b]) => (a < b ? -1 : 1)))
  const copies = new Map<string, Array<Filled>>()
  for (const row of rows) copies.set(shown(row), [...(copies.get(shown(row)) ?? []), row])
  const kept = new Set<Filled>()
  for (const group of copies.values()) {
    const byVerdict = new Map<string, Filled>()
    for (const row of group) if (said(row) !== "pending" && !byVerdict.has(said(row))) byVerdict.set(said(row), row)
    for (const row of byVerdict.size > 0 ? byVerdict.values() : group.slice(0, 1)) kept.add(row)
  }
  return rows.filter((row) => kept.has(row))
}


/** What the sources say now, to tell a stale row from a current one. */
export interface Current {
  /** The open proposal of the pair, if any. */
  readonly proposal: (observationEventId: string, memberId: string) => Matching.Proposal | undefined
  readonly hasObservation: (observationEventId: string) => boolean
  /** The member's projection: its resolutions say whether a pair was resolved since. */
  readonly member: (memberId: string) => Projection.Projection | undefined
}

export interface DecideOptions {
  /** When the decisions were made: the events' `occurredAt`. */
  readonly at: number
  /** Who decided, for rows whose 核实人 is blank. */
  readonly reviewer?: string
  /** The events' `source`. */
  readonly source?: string
  /** The file holds the blind queue (no rule columns): what its rows' checks were made over. */
  readonly blind: boolean
  readonly current?: Current
}

/** A row that cannot be applied, and why, in one line. */
export interface Problem {
  readonly line: number
  readonly reason: string
}

export interface Tally {
  readonly reviewer: string
  confirmed: number
  rejected: number
  pending: number
}

export interface Decided {
  /** One event per decided row that holds, in the file's order, each once. */
  readonly events: ReadonlyArray<Event.MatchResolved>
  /** Rows refused: a key or evidence cell changed, an unknown key or decision word, one observation confirmed for two members. */
  readonly problems: ReadonlyArray<Problem>
  /** Rows skipped because the proposal changed or was resolved since the file was made. */
  readonly stale: ReadonlyArray<Problem>
  /** Decided rows whose event the sources already hold: applied before. */
  readonly applied: number
  /** Per reviewer (`""` for none named), the decisions of the rows read. */
  readonly tallies: ReadonlyArray<Tally>
}

/** The event id of a decision: the same row decided the same way is the same event, however often it is read. */
export const eventIdOf = (cells: { readonly observationEventId: string; readonly memberId: string; readonly proposalDigest: string }, resolution: Event.Resolution): string =>
  `resolved-${sha256Hex(JSON.stringify([format, cells.observationEventId, cells.memberId, cells.proposalDigest, resolution])).slice(0, 24)}`

const keyIds = ["observationEventId", "memberId", "responsibleOrgId", "proposalDigest"] as const

/** Why the sources make a pair's row stale, or undefined while its proposal stands as shown. */
const staleness = (current: Current, cells: Readonly<Record<string, string>>, eventId: string): "applied" | string | undefined => {
  const observationEventId = cells.observationEventId as string
  const memberId = cells.memberId as string
  const resolved = current.member(memberId)?.resolutions[observationEventId]
  if (resolved?.eventId === eventId) return "applied"
  if (resolved !== undefined) return `the pair was ${resolved.value === "confirmed" ? "confirmed" : "rejected"} since (${resolved.eventId})`
  const proposal = current.proposal(observationEventId, memberId)
  if (proposal === undefined) return "the proposal no longer stands (the observation was settled, or the member is linked)"
  if (proposalDigest(proposal) !== cells.proposalDigest) return "the proposal changed since the file was made (its weight or levels differ)"
  return undefined
}

/**
 * The events a filled queue gives, with every row that cannot be applied and why. Nothing here
 * trusts an edited cell: the row check is recomputed from the key and evidence cells, and the
 * decision, reviewer and remark are the only cells read as the clerk wrote them.
 */
export const decide = (rows: ReadonlyArray<Filled>, options: DecideOptions): Decided => {
  const problems: Array<Problem> = []
  const stale: Array<Problem> = []
  const events: Array<Event.MatchResolved> = []
  const seen = new Map<string, { readonly line: number; readonly eventId: string }>()
  const confirmedBy = new Map<string, { readonly memberId: string; readonly line: number }>()
  const contested = new Set<string>()
  const tallies = new Map<string, Tally>()
  let applied = 0
  for (const { line, cells } of rows) {
    const missing = keyIds.filter((id) => (cells[id] ?? "").trim() === "")
    if (missing.length > 0) {
      problems.push({ line, reason: `no key: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} blank` })
      continue
    }
    if (rowCheck(cells, options.blind) !== cells.rowCheck) {
      problems.push({ line, reason: "a key or evidence cell was changed: the row check does not match what the row shows" })
      continue
    }
    const verdict = verdictOf(cells.decision ?? "")
    if (verdict === undefined) {
      problems.push({ line, reason: `结论 "${cells.decision}" is not one of ${[...decisionWords.confirmed, ...decisionWords.rejected, ...decisionWords.pending].join(", ")}` })
      continue
    }
    const reviewer = (cells.reviewer ?? "").trim() || options.reviewer?.trim() || ""
    const tally = tallies.get(reviewer) ?? { reviewer, confirmed: 0, rejected: 0, pending: 0 }
    tallies.set(reviewer, tally)
    tally[verdict]++
    if (verdict === "pending") continue
    const key = { observationEventId: cells.observationEventId as string, memberId: cells.memberId as string, proposalDigest: cells.proposalDigest as string }
    if (options.current !== undefined && !options.current.hasObservation(key.observationEventId)) {
      problems.push({ line, reason: `unknown key: the sources hold no observation ${key.observationEventId}` })
      continue
    }
    if (options.current !== undefined && options.current.member(key.memberId) === undefined) {
      problems.push({ line, reason: `unknown key: the sources hold no member ${key.memberId}` })
      continue
    }
    if (verdict === "confirmed") {
      const other = confirmedBy.get(key.observationEventId)
      if (other !== undefined && other.memberId !== key.memberId) {
        contested.add(key.observationEventId)
        problems.push({ line, reason: `observation ${key.observationEventId} is confirmed for two members: ${other.memberId} (row ${other.line}) and ${key.memberId}` })
        continue
      }
      confirmedBy.set(key.observationEventId, { memberId: key.memberId, line })
    }
    const eventId = eventIdOf(key, verdict)
    const pair = JSON.stringify([key.observationEventId, key.memberId])
    const earlier = seen.get(pair)
    if (earlier !== undefined) {
      // The same row twice (copied) is one decision; the same pair decided two ways is none.
      if (earlier.eventId !== eventId) problems.push({ line, reason: `the pair of row ${earlier.line} is decided again, the other way` })
      continue
    }
    seen.set(pair, { line, eventId })
    const why = options.current === undefined ? undefined : staleness(options.current, cells, eventId)
    if (why === "applied") {
      applied++
      continue
    }
    if (why !== undefined) {
      stale.push({ line, reason: why })
      continue
    }
    const note = (cells.remark ?? "").trim()
    events.push({
      type: "MatchResolved",
      eventId,
      occurredAt: options.at,
      orgId: cells.responsibleOrgId as string,
      ...(options.source !== undefined && { source: options.source }),
      observationEventId: key.observationEventId,
      memberId: key.memberId,
      resolution: verdict,
      ...(reviewer !== "" && { resolvedBy: reviewer }),
      ...(note !== "" && { note })
    })
  }
  // An observation confirmed for two members: the first confirmation is refused too, so neither applies.
  for (const observationEventId of contested) {
    const first = confirmedBy.get(observationEventId) as { readonly memberId: string; readonly line: number }
    problems.push({ line: first.line, reason: `observation ${observationEventId} is confirmed for another member in this file too` })
  }
  problems.sort((a, b) => a.line - b.line)
  return {
    events: events.filter((e) => !(e.resolution === "confirmed" && contested.has(e.observationEventId))),
    problems,
    stale,
    applied,
    tallies: [...tallies.values()].sort((a, b) => a.reviewer.localeCompare(b.reviewer, "zh"))
  }
}
