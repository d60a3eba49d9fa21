/**
 * A department's sheet imported: its rows, under the mapping `SheetHeader.map` chose, become the
 * events their kind gives, and every row is accounted for — imported (it gave events), unchanged
 * (the events already say what it does) or rejected (why, and in which cell) — with the notes on
 * cells left out, and, apart, what a person must decide that no row says (a member missing from a
 * roster). What the per-row report shows is this, and nothing else.
 */
import type { Result } from "effect"
import type * as Event from "./Event.ts"
import * as Roster from "./Roster.ts"
import type * as SheetHeader from "./SheetHeader.ts"
import * as SheetCell from "./SheetCell.ts"

/** What an import reads the sheet against. */
export interface Context {
  /** The sheet's day, `YYYY-MM-DD`: what a roster shows is as of it. */
  readonly asOf: string
  /** The key of the member ids and event ids derived (the worker's personal-data key). */
  readonly key: string
  /** The events' `source`. */
  readonly source?: string
  /** The members as the events so far say (`Roster.known`). */
  readonly known: ReadonlyMap<string, Roster.Known>
  /** The organisation a 所在党支部 cell names, or why none. */
  readonly orgOf: (branch: string | undefined) => Result.Result<string, string>
  /** Rows hidden in the workbook: read like the others, and said so. */
  readonly hiddenRows?: ReadonlySet<number>
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
  readonly decisions: ReadonlyArray<Roster.Finding>
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

/** The hidden-row note a row carries. */
const hiddenNote = (row: number): Roster.Finding => ({ tag: "HiddenRow", row, reason: "a hidden row in the workbook: read like the others", rejected: false })

/**
 * The rows of the sheet as the report lists them: each non-blank row below the header with its
 * outcome, from what the kind read (`read`: rows read with the events each gave) and its findings.
 */
const accounted = (
  rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>,
  mapping: SheetHeader.Mapping,
  read: ReadonlyArray<Roster.RowEvents & { readonly name?: string; readonly memberId?: string }>,
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

/** A roster's rows as the events that explain them (`Roster.read`, `Roster.diff`). */
const roster = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: Context): Imported => {
  const byIdNumber = Roster.memberIdsByIdNumber(context.known)
  const { snapshot, findings } = Roster.read(rows, mapping, { asOf: context.asOf, key: context.key, orgOf: context.orgOf, memberOf: (id) => byIdNumber.get(id) })
  const diff = Roster.diff(context.known, snapshot, {
    kind: mapping.kind,
    asOf: context.asOf,
    key: context.key,
    ...(context.source !== undefined && { source: context.source })
  })
  const people = new Map(snapshot.people.map((e) => [e.row, e.person]))
  const read = diff.rows.map((r) => {
    const person = people.get(r.row)
    return { ...r, ...(person !== undefined && { name: person.name, memberId: person.memberId }) }
  })
  const all = [...findings, ...diff.findings]
  return { kind: mapping.kind, events: diff.events, decisions: all.filter((f) => f.row === undefined), ...accounted(rows, mapping, read, all, context) }
}

/** The sheet's rows under the mapping, imported as its kind says. */
export const run = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: Context): Imported => {
  switch (mapping.kind) {
    case "roster":
      return roster(rows, mapping, context)
    default:
      return roster(rows, mapping, context)
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
