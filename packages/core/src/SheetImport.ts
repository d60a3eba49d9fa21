/**
 * A department's sheet imported: its rows, under the mapping `SheetHeader.map` chose, become the
 * events their kind gives, and every row is accounted for — imported (it gave events), unchanged
 * (the events already say what it does) or rejected (why, and in which cell) — with the notes on
 * cells left out, and, apart, what a person must decide that no row says (a member missing from a
 * roster). What the per-row report shows is this, and nothing else.
 */
import type * as Event from "./Event.ts"
import * as Dues from "./Dues.ts"
import * as FloatingRegister from "./FloatingRegister.ts"
import * as OrgDirectory from "./OrgDirectory.ts"
import * as Roster from "./Roster.ts"
import * as SheetCell from "./SheetCell.ts"
import * as SheetContext from "./SheetContext.ts"
import type * as SheetHeader from "./SheetHeader.ts"
import * as SignIn from "./SignIn.ts"

/** What an import reads the sheet against: what every kind's reader does, the organisations, and the rows the workbook hides. */
export interface Context extends SheetContext.Context {
  /** The organisations so far: an orgs sheet adds to them. */
  readonly orgs: OrgDirectory.Directory
  /** Rows hidden in the workbook: read like the others, and said so. */
  readonly hiddenRows?: ReadonlySet<number>
}

/** The context of an import against the events so far: their members, the events imports wrote, the organisations, each 所在党支部 resolved among them. */
export const contextOf = (
  events: Iterable<Event.Event>,
  options: Pick<Context, "key" | "asOf" | "source" | "hiddenRows">
): Context => {
  const all = [...events]
  const orgs = OrgDirectory.fromEvents(all)
  return { ...options, ...SheetContext.prior(all, options.asOf), orgs, orgOf: (branch) => OrgDirectory.resolve(orgs, branch) }
}

export type Outcome = "imported" | "unchanged" | "rejected"

/** One row of the sheet below its header, as the report lists it. */
export interface Row {
  readonly row: number
  readonly outcome: Outcome
  /** The events it gave. */
  readonly events: number
  /** Why it was rejected, or what of it was left out (a cell unreadable, a detail for a decision). */
  readonly findings: ReadonlyArray<Roster.Finding>
  /** The name it gives, for the report: a clerk finds the row by it. */
  readonly name?: string
  readonly memberId?: string
}

export interface Imported {
  readonly kind: SheetHeader.Kind
  readonly events: ReadonlyArray<Event.Event>
  /** Every row below the header that is not blank, in order. */
  readonly rows: ReadonlyArray<Row>
  /** What a person must decide that no row of the sheet says: a member the roster does not list. */
  readonly decisions: ReadonlyArray<Decision>
  /** Blank rows below the header: no one. */
  readonly blank: number
}

export interface Tally {
  readonly imported: number
  readonly unchanged: number
  readonly rejected: number
  /** Rows imported or unchanged with a cell left out or a detail for a decision. */
  readonly noted: number
}

export const tally = (imported: Imported): Tally => ({
  imported: imported.rows.filter((r) => r.outcome === "imported").length,
  unchanged: imported.rows.filter((r) => r.outcome === "unchanged").length,
  rejected: imported.rows.filter((r) => r.outcome === "rejected").length,
  noted: imported.rows.filter((r) => r.outcome !== "rejected" && r.findings.length > 0).length
})

/** A finding no row says, with the member's name and organisation as the events say, so that a clerk knows whom it is about. */
export interface Decision extends Roster.Finding {
  readonly name?: string
  readonly orgName?: string
}

const decisionsOf = (findings: ReadonlyArray<Roster.Finding>, context: Context): ReadonlyArray<Decision> =>
  findings
    .filter((f) => f.row === undefined)
    .map((f) => {
      const member = f.memberId === undefined ? undefined : context.known.get(f.memberId)
      const org = member === undefined ? undefined : context.orgs.orgs.get(member.orgId)
      return { ...f, ...(member !== undefined && { name: member.name }), ...(org !== undefined && { orgName: org.name }) }
    })

/** A row a reader read, with the person it names when the reader says. */
type Named = SheetContext.Read["rows"][number] & { readonly name?: string; readonly memberId?: string }

/** The hidden-row note a row carries. */
const hiddenNote = (row: number): Roster.Finding => ({ tag: "HiddenRow", row, reason: "a hidden row in the workbook: read like the others", rejected: false })

/**
 * The rows of the sheet as the report lists them: each non-blank row below the header with its
 * outcome, from what the kind read (`read`: rows read with the events each gave) and its findings.
 */
const accounted = (
  rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>,
  mapping: SheetHeader.Mapping,
  read: ReadonlyArray<Named>,
  findings: ReadonlyArray<Roster.Finding>,
  context: Context
): { readonly rows: ReadonlyArray<Row>; readonly blank: number } => {
  const byRow = new Map(read.map((r) => [r.row, r]))
  const found = new Map<number, Array<Roster.Finding>>()
  for (const f of findings) if (f.row !== undefined) found.set(f.row, [...(found.get(f.row) ?? []), f])
  const out: Array<Row> = []
  let blank = 0
  for (let r = mapping.row; r < rows.length; r++) {
    const row = r + 1
    const cells = rows[r] ?? []
    const own = [...(found.get(row) ?? []), ...(context.hiddenRows?.has(row) === true ? [hiddenNote(row)] : [])]
    if (own.length === 0 && !byRow.has(row) && mapping.columns.every((c) => SheetCell.text(cells[c.index]) === undefined)) {
      blank++
      continue
    }
    const got = byRow.get(row)
    const rejected = got === undefined || own.some((f) => f.rejected)
    out.push({
      row,
      outcome: rejected ? "rejected" : got.events > 0 ? "imported" : "unchanged",
      events: got?.events ?? 0,
      // A row read with no rejecting finding and no record of it cannot be: still, say why rather than drop it.
      findings: got === undefined && !own.some((f) => f.rejected) ? [...own, { tag: "NotRead", row, reason: "not read", rejected: true }] : own,
      ...(got?.name !== undefined && { name: got.name }),
      ...(got?.memberId !== undefined && { memberId: got.memberId })
    })
  }
  return { rows: out, blank }
}

/** A roster's rows as the events that explain them (`Roster.read`, `Roster.diff`), each row read with the person it names. */
const roster = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: Context): SheetContext.Read & { readonly rows: ReadonlyArray<Named> } => {
  const byIdNumber = Roster.memberIdsByIdNumber(context.known)
  const { snapshot, findings } = Roster.read(rows, mapping, { asOf: context.asOf, key: context.key, orgOf: context.orgOf, memberOf: (id) => byIdNumber.get(id) })
  const diff = Roster.diff(context.known, snapshot, SheetContext.optionsOf(context, mapping.kind))
  const people = new Map(snapshot.people.map((e) => [e.row, e.person]))
  return {
    events: diff.events,
    findings: [...findings, ...diff.findings],
    rows: diff.rows.map((r) => {
      const person = people.get(r.row)
      return { ...r, ...(person !== undefined && { name: person.name, memberId: person.memberId }) }
    })
  }
}

/** What a kind's reader gave, every row accounted for. */
const accountFor = (
  rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>,
  mapping: SheetHeader.Mapping,
  context: Context,
  read: SheetContext.Read & { readonly rows: ReadonlyArray<Named> }
): Imported => ({
  kind: mapping.kind,
  events: read.events,
  decisions: decisionsOf(read.findings, context),
  ...accounted(rows, mapping, read.rows, read.findings, context)
})

/** The sheet's rows under the mapping, imported as its kind says. */
export const run = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: Context): Imported => {
  switch (mapping.kind) {
    case "roster":
      return accountFor(rows, mapping, context, roster(rows, mapping, context))
    case "floating":
      return accountFor(rows, mapping, context, FloatingRegister.read(rows, mapping, context))
    case "dues":
      return accountFor(rows, mapping, context, Dues.read(rows, mapping, context))
    case "attendance":
      return accountFor(rows, mapping, context, SignIn.read(rows, mapping, context))
    case "orgs":
      return accountFor(rows, mapping, context, OrgDirectory.read(rows, mapping, context.orgs, context))
  }
}

/** What each finding is, in the words of the clerk who fixes the sheet; a tag not listed is shown as it is. */
export const findingLabels: Readonly<Record<string, string>> = {
  MissingValue: "空白",
  UnreadableDate: "日期无法识别",
  IdNumberAsNumber: "身份证号被存为数字",
  InvalidIdNumber: "身份证号无效",
  InvalidPhone: "电话号码无效",
  UnknownWord: "取值无法识别",
  UnreadableAmount: "金额无法识别",
  NotARegionCode: "地点无法识别",
  UnknownBranch: "党组织无法确定",
  TotalsRow: "合计行",
  DuplicateMember: "重复人员",
  IdNumberOfAnotherMember: "身份证号属于另一党员",
  EndedMemberListed: "已终止党籍人员",
  OutflowDiffers: "外出信息需更正",
  LaterOutflow: "已有更晚外出记录",
  RegistrationDiffers: "登记信息不一致",
  BranchChanged: "所在支部变化",
  MissingFromRoster: "花名册未列入",
  HiddenRow: "隐藏行",
  NotRead: "未读取"
}

export const labelOf = (finding: Roster.Finding): string => findingLabels[finding.tag] ?? finding.tag

/** Each outcome as the report says it. */
export const outcomeLabels: Readonly<Record<Outcome, string>> = { imported: "已导入", unchanged: "无变化", rejected: "未导入" }
