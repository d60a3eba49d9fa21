/**
 * 党费收缴明细 as events: each payment a `ContactRecorded` of channel `dues` for the member who
 * paid. A payment is dated by its 缴费日期 when the sheet has one, else by the first day of its
 * 缴费月份. The member is found by the row's 党员编号, else its 公民身份号码 (the member the
 * events know by it, else as `Roster.memberIdOf` derives ids), else its name among the registered members of its 所在党支部 — the only one of that
 * name, never one of several. A row is never a registration: a member the events do not know is
 * rejected, to import with the roster first.
 */
import { Result } from "effect"
import type * as Event from "./Event.ts"
import * as Roster from "./Roster.ts"
import * as SheetCell from "./SheetCell.ts"
import type * as SheetHeader from "./SheetHeader.ts"
import * as SheetContext from "./SheetContext.ts"
import * as SheetRows from "./internal/SheetRows.ts"

/**
 * The contacts a dues sheet's rows give against `context`. A row is rejected when its 缴费月份,
 * 金额, 缴费日期 (when written) or member cannot be read or found. A row gives no event, with a
 * finding, when its amount is 0 (nothing paid is no contact) or its day is after the sheet's as-of
 * day (a payment in advance is dated when it is paid: give its 缴费日期). A payment already
 * imported, or on an earlier row of the sheet, gives none again.
 */
export const read = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: SheetContext.Context): SheetContext.Read => {
  const data = SheetRows.dataRows(rows, mapping)
  const findings: Array<Roster.Finding> = [...data.findings]
  const counted: Array<{ readonly row: number; readonly events: number }> = []
  const events = new Map<string, { readonly event: Event.ContactRecorded; readonly row: number }>()
  const names = SheetContext.namesOf(context.known)
  const byIdNumber = Roster.memberIdsByIdNumber(context.known)
  const options = SheetContext.optionsOf(context, "dues")
  const asOf = new Date(`${context.asOf}T23:59:59+08:00`)
  for (const r of data.rows) {
    const rejected: Array<Roster.Finding> = []
    const reject = (field: SheetHeader.Field, failure: SheetRows.Failure): undefined => {
      rejected.push(r.finding(field, failure, true))
      return undefined
    }
    const month = Result.getOrElse(SheetCell.month(r.cell("duesMonth")), (f) => reject("duesMonth", f))
    const amount = Result.getOrElse(SheetCell.amount(r.cell("amount")), (f) => reject("amount", f))
    const paidAt = r.text("paidAt") === undefined ? undefined : Result.getOrElse(SheetCell.day(r.cell("paidAt")), (f) => reject("paidAt", f))
    const memberId = SheetContext.memberOfRow(r, context, names, byIdNumber, asOf, reject)
    const member = memberId === undefined ? undefined : context.known.get(memberId)
    if (rejected.length > 0 || month === undefined || amount === undefined || member === undefined) {
      findings.push(...rejected)
      continue
    }
    const date = paidAt ?? `${month}-01`
    const note = (field: SheetHeader.Field, tag: string, reason: string) => {
      findings.push(r.finding(field, { _tag: tag, reason }, false))
      counted.push({ row: r.row, events: 0 })
    }
    if (amount === 0) {
      note("amount", "NothingPaid", "0: nothing paid, so no contact")
      continue
    }
    if (date > context.asOf) {
      note(paidAt === undefined ? "duesMonth" : "paidAt", "AfterAsOf", `${date} is after the sheet's day ${context.asOf}: a payment in advance is dated by its 缴费日期`)
      continue
    }
    const event: Event.ContactRecorded = {
      type: "ContactRecorded",
      ...Roster.stamp(options, { memberId: member.memberId, field: "dues", value: month, date }, member.orgId),
      memberId: member.memberId,
      channel: "dues"
    }
    const earlier = events.get(event.eventId)
    const novelty = SheetContext.novelty(context, event)
    if (earlier !== undefined) findings.push({ tag: "DuplicatePayment", row: r.row, memberId: member.memberId, reason: `the payment of row ${earlier.row} again: one contact`, rejected: false })
    else if (novelty === "differs") findings.push({ tag: "ImportedDiffers", row: r.row, memberId: member.memberId, reason: "imported before with another organisation: a correction is decided, not imported", rejected: false })
    else if (novelty === "new") events.set(event.eventId, { event, row: r.row })
    counted.push({ row: r.row, events: earlier === undefined && novelty === "new" ? 1 : 0 })
  }
  return {
    events: [...events.values()].map((e) => e.event).sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1)),
    findings: findings.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)),
    rows: counted
  }
}
