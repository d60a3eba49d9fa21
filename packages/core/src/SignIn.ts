/**
 * 组织生活签到表 as events: each meeting an `OrgActivityRecorded` of its organisation, its
 * attendees the registered members the sheet names. A sheet lists a meeting a row, its 参会人员 in
 * one cell (names separated by 、，,;；/ or spaces), or a person a row (姓名 beside the meeting's
 * 所在党支部, 会议类型 and 会议日期): the rows of one meeting — one organisation, activity and day —
 * are one event, in either layout. A name is the only registered member of that name in the
 * organisation, never one of several.
 */
import { Result } from "effect"
import type * as Event from "./Event.ts"
import * as Roster from "./Roster.ts"
import * as SheetCell from "./SheetCell.ts"
import type * as SheetHeader from "./SheetHeader.ts"
import * as SheetContext from "./SheetContext.ts"
import * as SheetRows from "./internal/SheetRows.ts"

/** What separates the names of a 参会人员 cell, after NFKC (which makes ，；／ and the ideographic space ASCII). */
const SEPARATORS = /[、,;/\s]+/u

/**
 * The names a 参会人员 cell lists. Split before `SheetCell.text`, which would close the space
 * between two names (`张伟 李娜`) as it closes one padding a name.
 */
export const namesIn = (cell: SheetHeader.Cell): ReadonlyArray<string> =>
  cell === undefined ? [] : String(cell).normalize("NFKC").split(SEPARATORS).flatMap((part) => SheetCell.text(part) ?? [])

interface Meeting {
  readonly orgId: string
  readonly activity: Event.OrgActivity
  readonly date: string
  readonly rows: Array<number>
  readonly attendees: Set<string>
}

/**
 * The meetings a sign-in sheet's rows give against `context`. A row is rejected when its
 * 所在党支部, 会议类型 (blank too: which meeting it was is not guessed, as each kind has its own
 * rhythm) or 会议日期 cannot be read, or when none of its names is a member; a name that is no
 * member, or names several, is a finding and the meeting is imported with the others. A meeting
 * already imported gives no event; one imported with other attendees is a finding.
 */
export const read = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, mapping: SheetHeader.Mapping, context: SheetContext.Context): SheetContext.Read => {
  const data = SheetRows.dataRows(rows, mapping)
  const findings: Array<Roster.Finding> = [...data.findings]
  const names = SheetContext.namesOf(context.known)
  const byIdNumber = Roster.memberIdsByIdNumber(context.known)
  const asOf = new Date(`${context.asOf}T23:59:59+08:00`)
  const meetings = new Map<string, Meeting>()
  const listed = mapping.columns.some((c) => c.field === "attendees")
  for (const r of data.rows) {
    const rejected: Array<Roster.Finding> = []
    const reject = (f: SheetHeader.Field, failure: SheetRows.Failure): undefined => {
      rejected.push(r.finding(f, failure, true))
      return undefined
    }
    const org = context.orgOf(r.text("branch"))
    const orgId = Result.isSuccess(org) ? org.success : reject("branch", { _tag: "UnknownBranch", reason: org.failure })
    const activity =
      r.text("activity") === undefined
        ? reject("activity", SheetRows.blank("which meeting it was is not guessed"))
        : Result.getOrElse(SheetCell.activity(r.cell("activity")), (f) => reject("activity", f))
    const date = Result.getOrElse(SheetCell.day(r.cell("meetingDate")), (f) => reject("meetingDate", f))
    // A person a row: the member by 党员编号, ID number or name, as a dues row finds them.
    const person = listed || orgId === undefined ? undefined : SheetContext.memberOfRow(r, context, names, byIdNumber, asOf, reject)
    if (rejected.length > 0 || orgId === undefined || activity === undefined || date === undefined) {
      findings.push(...rejected)
      continue
    }
    const attendees: Array<string> = person === undefined ? [] : [person]
    if (listed) {
      const written = namesIn(r.cell("attendees"))
      const unknown: Array<SheetRows.Failure> = []
      for (const name of written) Result.match(SheetContext.memberNamed(names, orgId, name), { onSuccess: (id) => attendees.push(id), onFailure: (f) => unknown.push(f) })
      // Names of which none is a member are no record of who came (import the roster first); some are, and the others are for a person to look at.
      for (const f of unknown) findings.push(r.finding("attendees", f, attendees.length === 0))
      if (written.length > 0 && attendees.length === 0) continue
      // A meeting with no one listed is still a meeting held (a 支委会's minutes): its organisation's record, no one's contact.
      if (written.length === 0) findings.push(r.finding("attendees", { _tag: "NoAttendeesListed", reason: "blank: the meeting is imported without attendees" }, false))
    }
    const key = JSON.stringify([orgId, activity, date])
    const meeting = meetings.get(key) ?? { orgId, activity, date, rows: [], attendees: new Set() }
    meetings.set(key, meeting)
    meeting.rows.push(r.row)
    for (const id of attendees) meeting.attendees.add(id)
  }
  const options = SheetContext.optionsOf(context, "attendance")
  const events: Array<Event.OrgActivityRecorded> = []
  const counted: Array<{ readonly row: number; readonly events: number }> = []
  for (const m of meetings.values()) {
    const event: Event.OrgActivityRecorded = {
      type: "OrgActivityRecorded",
      ...Roster.stamp(options, { memberId: m.orgId, field: m.activity, value: "", date: m.date }, m.orgId),
      activity: m.activity,
      ...(m.attendees.size > 0 && { attendees: [...m.attendees].sort() })
    }
    const novelty = SheetContext.novelty(context, event)
    if (novelty === "differs") {
      const [first = 0] = m.rows
      findings.push({ tag: "ImportedDiffers", row: first, reason: `the ${m.activity} of ${m.orgId} on ${m.date} was imported with other attendees: a correction is decided, not imported`, rejected: false })
    }
    if (novelty === "new") events.push(event)
    // Every row of a meeting gave its event: a person's row of a sign-in sheet is imported with the meeting.
    for (const row of m.rows) counted.push({ row, events: novelty === "new" ? 1 : 0 })
  }
  return {
    events: events.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1)),
    findings: findings.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)),
    rows: counted.sort((a, b) => a.row - b.row)
  }
}
