/**
 * 流动党员登记表 as events: the register lists the members away, each with a period away (外出时间,
 * 外出地点, 外出原因). For a registered member it gives an `OutflowReported` when the period differs
 * from the events' (`Roster.outflowChange`, as a roster's floating columns do), nothing when it is
 * the same. It registers no one, and ends no period away: a member the events have away whom the
 * register does not list is a finding for a person to decide, never a `ReturnReported`.
 */
import { Result } from "effect"
import type * as Event from "./Event.ts"
import * as Roster from "./Roster.ts"
import type * as SheetHeader from "./SheetHeader.ts"
import * as SheetContext from "./SheetContext.ts"

/**
 * The outflows a floating register's rows give against `context`. A row is read as a roster's
 * (`Roster.read`: 姓名, 公民身份号码 or 党员编号, the floating columns); it is rejected when it gives
 * no period away, names a member the events do not know or a decision ended, or names a member
 * another row names too (every such row is rejected, whatever their order). The members away
 * of the branches the register covers whom it does not list are findings.
 */
export const read = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: SheetContext.Context): SheetContext.Read => {
  // The register's 所在党支部 is read only to compare: a blank one is no reason to reject the row.
  const orgOf = (branch: string | undefined) => (branch === undefined ? Result.succeed("") : context.orgOf(branch))
  const byIdNumber = Roster.memberIdsByIdNumber(context.known)
  const { snapshot, findings: read } = Roster.read(rows, mapping, { asOf: context.asOf, key: context.key, orgOf, memberOf: (id) => byIdNumber.get(id) })
  const findings: Array<Roster.Finding> = [...read]
  const options = SheetContext.optionsOf(context, "floating")
  const events: Array<Event.OutflowReported> = []
  const counted: Array<{ readonly row: number; readonly events: number }> = []
  const listed = new Set<string>()
  const branches = new Set<string>()
  // Of a member listed twice Roster.read keeps the first row; which period is right is for a person to say, not the rows' order.
  const again = new Map(read.filter((f) => f.tag === "DuplicateMember" && f.memberId !== undefined).map((f) => [f.memberId, f.row]))
  for (const { row, person } of snapshot.people) {
    const k = context.known.get(person.memberId)
    // On the register, imported or not: a member listed is not missing from it.
    if (k !== undefined) {
      listed.add(k.memberId)
      branches.add(k.orgId)
    }
    const other = again.get(person.memberId)
    if (other !== undefined) {
      findings.push({ tag: "DuplicateMember", row, memberId: person.memberId, reason: `listed again on row ${other}: neither row is imported`, rejected: true })
      continue
    }
    if (k === undefined || k.ended) {
      const reason = k === undefined ? "not on the roster: import it first" : "a decision ended this member's membership: nothing imported"
      findings.push({ tag: k === undefined ? "NotRegistered" : "EndedMemberListed", row, memberId: person.memberId, reason, rejected: true })
      continue
    }
    if (person.outflow === undefined) {
      findings.push({ tag: "NoPeriodAway", row, memberId: k.memberId, reason: "外出时间 and 外出地点 give no period away: a register's row is one", rejected: true })
      continue
    }
    if (person.orgId !== "" && person.orgId !== k.orgId) {
      findings.push({ tag: "BranchChanged", row, memberId: k.memberId, reason: `the register's branch ${person.orgId} is not the member's ${k.orgId}: a transfer is decided, not imported`, rejected: false })
    }
    const change = Roster.outflowChange(k, person.outflow, row, options)
    if (change !== undefined && "event" in change) events.push(change.event)
    else if (change !== undefined) findings.push(change.finding)
    counted.push({ row, events: change !== undefined && "event" in change ? 1 : 0 })
  }
  const away = [...context.known.values()].filter((k) => k.outflow !== undefined && !k.ended && branches.has(k.orgId) && !listed.has(k.memberId))
  for (const k of away.sort((a, b) => (a.memberId < b.memberId ? -1 : 1))) {
    findings.push({
      tag: "AwayNotListed",
      memberId: k.memberId,
      reason: `away since ${k.outflow?.at ?? ""} by the events, but not on the register: returned? A person decides; no return is imported`,
      rejected: false
    })
  }
  return {
    events: events.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)),
    findings: findings.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)),
    rows: counted.sort((a, b) => a.row - b.row)
  }
}
