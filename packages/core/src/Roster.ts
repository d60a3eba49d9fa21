/**
 * 党员花名册 as events. A roster is a picture of the members at one date (its as-of); importing it
 * gives the events that explain the difference between what the events already say and the
 * picture: `MemberRegistered` for a person the events do not know, `MemberUpdated` for a changed
 * name, phone, 户籍 or category, `OutflowReported` / `ReturnReported` when the floating columns
 * (外出时间, 外出地点, 外出原因) change. Nothing is ended: a member missing from the roster, a
 * branch that changed (a transfer) and a registration detail that differs are findings for a
 * person to decide.
 *
 * Every event is deterministic: its id is a keyed digest of the file's kind, the member, the field,
 * the value and the date, so the same roster gives the same events whatever its row order, and
 * importing it again gives none. A member id comes from the roster's 党员编号 column when it has
 * one, else from a keyed digest of the ID number, so no ID number becomes an id.
 */
import { Redacted, Result } from "effect"
import type * as Event from "./Event.ts"
import { parseIsoInstant } from "./Instant.ts"
import * as IdNumber from "./IdNumber.ts"
import * as PersonName from "./PersonName.ts"
import * as Phone from "./Phone.ts"
import * as SheetCell from "./SheetCell.ts"
import * as SheetHeader from "./SheetHeader.ts"
import { hmacSha256Hex } from "./internal/Sha256.ts"
import * as SheetRows from "./internal/SheetRows.ts"

/** A period away as a roster's floating columns give it. */
export interface Outflow {
  /** 外出时间, `YYYY-MM-DD`; a month alone is its first day. */
  readonly at: string
  readonly destinationRegion: string
  readonly destinationDetail?: string
  readonly reason: Event.OutflowReason
}

/** A member as a roster row gives them, or as the events say (`known`). ID number and phone normalised. */
export interface Person {
  readonly memberId: string
  /** The home branch. */
  readonly orgId: string
  readonly name: string
  readonly idNumber: string
  readonly gender?: Event.Gender
  readonly birthDate?: string
  readonly phone?: string
  readonly hukouRegion?: string
  /** 人员类别; blank on a roster says nothing (a new member is then registered full). */
  readonly category?: Event.Category
  readonly joinedAt?: string
  readonly outflow?: Outflow
}

/** A person on a roster, and the row they came from. */
export interface Entry {
  readonly row: number
  readonly person: Person
  /** Their floating cells are not all blank but give no period away (unreadable, or 外出时间 without 外出地点): they say nothing of being away. */
  readonly floatingUnread?: boolean
}

/** A roster read: its people, and whether it has floating columns at all. */
export interface Snapshot {
  readonly people: ReadonlyArray<Entry>
  /** The roster has a 外出时间 column: a blank one then says the member is not away. */
  readonly floating: boolean
}

/** Why a row, a cell or a member needs a person's eye. Never holds an ID number or a phone. */
export interface Finding {
  /** A cell reader's tag (`UnreadableDate`, `IdNumberAsNumber`…) or the roster's own. */
  readonly tag: string
  /** The spreadsheet's row, from 1. */
  readonly row?: number
  /** The cell, `C7`. */
  readonly cell?: string
  readonly memberId?: string
  readonly reason: string
  /** The row was not imported (a required value is missing or unreadable); otherwise only that cell's value was left out. */
  readonly rejected: boolean
}

/** How a roster is read. */
export interface ReadOptions {
  /** The day the roster shows (`YYYY-MM-DD`): an ID number's birth date after it is invalid. */
  readonly asOf: string
  /** The key of the member ids derived from ID numbers: the same key always gives the same ids. */
  readonly key: string
  /** The organisation id a 所在党支部 cell names (blank: undefined), or why none. */
  readonly orgOf: (branch: string | undefined) => Result.Result<string, string>
  /**
   * The member the events know by an ID number (`memberIdsByIdNumber`): on a sheet without a 党员编号
   * column a known person keeps the id the events give them, whichever sheet registered them.
   */
  readonly memberOf?: (idNumber: string) => string | undefined
}

/** Each known member's id by their ID number (normalised), for `ReadOptions.memberOf`. */
export const memberIdsByIdNumber = (known: ReadonlyMap<string, Known>): ReadonlyMap<string, string> =>
  new Map([...known.values()].map((k) => [k.idNumber, k.memberId]))

/** The member id derived from an ID number: a keyed digest, so that the id reveals nothing of the number. */
export const memberIdOf = (idNumber: string, key: string): string => `m-${hmacSha256Hex(key, `relink-member/1|${idNumber}`).slice(0, 24)}`

/**
 * The people of a roster's rows under a mapping (`SheetHeader.map`), and a finding for every row
 * or cell not read as written. A blank row is no one; a totals row (合计) is a finding. A row whose
 * name, ID number, member id or branch cannot be read is rejected; an unreadable optional cell is
 * left out of the person. The first row of a member id wins; a later one is rejected.
 */
export const read = (
  rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>,
  mapping: SheetHeader.Mapping,
  options: ReadOptions
): { readonly snapshot: Snapshot; readonly findings: ReadonlyArray<Finding> } => {
  const at = SheetHeader.indexes(mapping)
  const people: Array<Entry> = []
  const findings: Array<Finding> = []
  const firstRow = new Map<string, number>()
  const asOf = new Date(`${options.asOf}T23:59:59+08:00`)
  for (let r = mapping.row; r < rows.length; r++) {
    const cells = rows[r] ?? []
    const row = r + 1
    const cellOf = (field: SheetHeader.Field): SheetHeader.Cell => {
      const index = at[field]
      return index === undefined ? undefined : cells[index]
    }
    const ref = (field: SheetHeader.Field): string => `${SheetHeader.columnLetters(at[field] ?? 0)}${row}`
    const texts = mapping.columns.map((c) => SheetCell.text(cells[c.index]))
    if (texts.every((t) => t === undefined)) continue
    if (SheetRows.isTotals(texts)) {
      findings.push({ tag: "TotalsRow", row, reason: "a totals row (合计), not a member", rejected: true })
      continue
    }
    const rejected: Array<Finding> = []
    const reject = (field: SheetHeader.Field, failure: SheetRows.Failure): undefined => {
      rejected.push({ tag: failure._tag, row, cell: ref(field), reason: `${SheetHeader.variants[field][0]}: ${failure.reason}`, rejected: true })
      return undefined
    }
    const note = (field: SheetHeader.Field, failure: SheetRows.Failure): undefined => {
      findings.push({ tag: failure._tag, row, cell: ref(field), reason: `${SheetHeader.variants[field][0]}: ${failure.reason}`, rejected: false })
      return undefined
    }
    /** An optional cell's value: blank is absent, unreadable is absent and a finding. */
    const optional = <A>(field: SheetHeader.Field, parse: (cell: SheetHeader.Cell) => Result.Result<A, SheetRows.Failure>): A | undefined => {
      if (SheetCell.text(cellOf(field)) === undefined) return undefined
      const parsed = parse(cellOf(field))
      return Result.isSuccess(parsed) ? parsed.success : note(field, parsed.failure)
    }
    const written = SheetCell.text(cellOf("name"))
    // As matching compares names: one "·" in an ethnic name, simplified characters, so that spacing is no change of name.
    const name = written === undefined ? reject("name", { _tag: "MissingValue", reason: "blank" }) : PersonName.normalize(written)
    const id = SheetCell.idNumber(cellOf("idNumber"), { asOf })
    const idNumber = Result.isSuccess(id) ? id.success : reject("idNumber", id.failure)
    const memberIdText = SheetCell.text(cellOf("memberId"))
    const memberId =
      at.memberId === undefined ? (idNumber === undefined ? undefined : (options.memberOf?.(idNumber) ?? memberIdOf(idNumber, options.key))) : (memberIdText ?? reject("memberId", { _tag: "MissingValue", reason: "blank" }))
    const owner = idNumber === undefined ? undefined : options.memberOf?.(idNumber)
    // Two ids for one person would make them two members: which one is right is for a person to say.
    if (at.memberId !== undefined && memberIdText !== undefined && owner !== undefined && owner !== memberIdText) {
      reject("memberId", { _tag: "IdNumberOfAnotherMember", reason: `the ID number is member ${owner}'s in the events, not this 党员编号's: correct whichever is wrong` })
    }
    const org = options.orgOf(SheetCell.text(cellOf("branch")))
    const orgId = Result.isSuccess(org) ? org.success : reject("branch", { _tag: "UnknownBranch", reason: org.failure })
    const categoryBlank = SheetCell.text(cellOf("category")) === undefined
    const category = categoryBlank ? undefined : Result.getOrElse(SheetCell.category(cellOf("category")), (f) => reject("category", f))
    if (rejected.length > 0 || name === undefined || idNumber === undefined || memberId === undefined || orgId === undefined) {
      findings.push(...rejected)
      continue
    }
    const earlier = firstRow.get(memberId)
    if (earlier !== undefined) {
      findings.push({ tag: "DuplicateMember", row, memberId, reason: `the member of row ${earlier} again: this row is not read`, rejected: true })
      continue
    }
    firstRow.set(memberId, row)
    const gender = optional("gender", SheetCell.gender)
    // 出生年月 holds a month: no day to register (the ID number holds it), and nothing wrong.
    const birth = SheetCell.calendar(cellOf("birthDate"))
    const birthDate = Result.isSuccess(birth) && birth.success.day === undefined ? undefined : optional("birthDate", SheetCell.day)
    const phone = optional("phone", SheetCell.phone)
    const hukouRegion = optional("hukou", SheetCell.place)?.region
    const joinedAt = optional("joinedAt", SheetCell.day)
    const outflowAt = optional("outflowAt", SheetCell.calendar)
    const destination = optional("destination", SheetCell.place)
    const reason = optional("outflowReason", SheetCell.outflowReason)
    const outflow = outflowAt === undefined || destination === undefined ? undefined : outflowOf(outflowAt, destination, reason)
    const floatingBlank = SheetCell.text(cellOf("outflowAt")) === undefined && SheetCell.text(cellOf("destination")) === undefined
    if (outflow === undefined && !floatingBlank) {
      const [blank, other] = SheetCell.text(cellOf("outflowAt")) === undefined ? (["outflowAt", "外出地点"] as const) : (["destination", "外出时间"] as const)
      if (SheetCell.text(cellOf(blank)) === undefined) note(blank, { _tag: "MissingValue", reason: `blank, but ${other} is not: whether the member is away is left as the events say` })
    }
    people.push({
      row,
      // Floating cells not all blank that give no period away say nothing of it: no return is read into them.
      ...(outflow === undefined && !floatingBlank && { floatingUnread: true }),
      person: {
        memberId,
        orgId,
        name,
        idNumber,
        ...(gender !== undefined && { gender }),
        ...(birthDate !== undefined && { birthDate }),
        ...(phone !== undefined && { phone }),
        ...(hukouRegion !== undefined && { hukouRegion }),
        ...(category !== undefined && { category }),
        ...(joinedAt !== undefined && { joinedAt }),
        ...(outflow !== undefined && { outflow })
      }
    })
  }
  return { snapshot: { people, floating: at.outflowAt !== undefined }, findings: findings.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)) }
}

const pad = (n: number): string => String(n).padStart(2, "0")

/** A period away from the floating cells, the reason `other` when blank. */
const outflowOf = (when: SheetCell.Calendar, place: SheetCell.Place, reason: Event.OutflowReason | undefined): Outflow => ({
  at: `${when.year}-${pad(when.month)}-${pad(when.day ?? 1)}`,
  destinationRegion: place.region,
  ...(place.detail !== "" && { destinationDetail: place.detail }),
  reason: reason ?? "other"
})

// ---------------------------------------------------------------------------------------------
// What the events say

/** A member as the events say, with whether a decision ended their membership (no longer on a roster). */
export interface Known extends Person {
  readonly category: Event.Category
  /** The day of the last return (or transfer received), which a later outflow must follow. */
  readonly returnedAt?: string
  readonly ended: boolean
}

const endings: ReadonlySet<Event.Decision> = new Set(["remove", "deceased", "left", "cancel-probation"])

/** The event types that say who a member is, where and whether still one: what `known` folds. */
export const registerTypes: ReadonlySet<Event.EventType> = new Set(["MemberRegistered", "MemberUpdated", "OutflowReported", "ReturnReported", "TransferReceived", "StatusDecided"])

const cstDate = (at: number): string => new Date(at + 8 * 3_600_000).toISOString().slice(0, 10)

/**
 * The members as the events say, by member id: registrations, updates, outflows and returns,
 * transfers received and decisions applied in (`occurredAt`, `eventId`) order, the later writing
 * over the earlier, as the projection's last-writer-wins does. Members without a registration are
 * not known.
 */
export const known = (events: Iterable<Event.Event>): ReadonlyMap<string, Known> => {
  const relevant: Array<Event.Event> = []
  for (const e of events) if (registerTypes.has(e.type)) relevant.push(e)
  relevant.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0))
  const members = new Map<string, Partial<Known>>()
  const write = (memberId: string, change: (k: Partial<Known>) => Partial<Known>) => members.set(memberId, change(members.get(memberId) ?? {}))
  for (const e of relevant) {
    switch (e.type) {
      case "MemberRegistered":
        write(e.memberId, (k) => ({
          ...k,
          memberId: e.memberId,
          orgId: e.orgId,
          name: e.name,
          idNumber: IdNumber.normalizeLoose(Redacted.value(e.idNumber)) ?? Redacted.value(e.idNumber),
          category: e.category,
          ...(e.gender !== undefined && { gender: e.gender }),
          ...(e.birthDate !== undefined && { birthDate: e.birthDate }),
          ...(e.phone !== undefined && { phone: Phone.normalizeLoose(Redacted.value(e.phone)) ?? Redacted.value(e.phone) }),
          ...(e.hukouRegion !== undefined && { hukouRegion: e.hukouRegion }),
          ...(e.joinedAt !== undefined && { joinedAt: e.joinedAt })
        }))
        break
      case "MemberUpdated":
        write(e.memberId, (k) => ({
          ...k,
          ...(e.name !== undefined && { name: e.name }),
          ...(e.phone !== undefined && { phone: Phone.normalizeLoose(Redacted.value(e.phone)) ?? Redacted.value(e.phone) }),
          ...(e.hukouRegion !== undefined && { hukouRegion: e.hukouRegion }),
          ...(e.category !== undefined && { category: e.category })
        }))
        break
      case "OutflowReported":
        write(e.memberId, (k) => ({
          ...k,
          outflow: {
            at: cstDate(e.occurredAt),
            destinationRegion: e.destinationRegion,
            ...(e.destinationDetail !== undefined && e.destinationDetail !== "" && { destinationDetail: e.destinationDetail }),
            reason: e.reason
          }
        }))
        break
      case "ReturnReported":
        write(e.memberId, ({ outflow: _away, ...k }) => ({ ...k, returnedAt: cstDate(e.occurredAt) }))
        break
      case "TransferReceived":
        write(e.memberId, ({ outflow: _away, ...k }) => ({ ...k, orgId: e.orgId, returnedAt: cstDate(e.occurredAt) }))
        break
      case "StatusDecided":
        write(e.memberId, (k) => ({ ...k, ended: endings.has(e.decision) }))
        break
      default:
        break
    }
  }
  const out = new Map<string, Known>()
  for (const [memberId, k] of members) {
    if (k.idNumber !== undefined && k.name !== undefined && k.orgId !== undefined && k.category !== undefined) out.set(memberId, { ...k, memberId, ended: k.ended ?? false } as Known)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The difference as events

/** How the difference is written. */
export interface DiffOptions {
  /** The file's kind, part of every event id. */
  readonly kind: SheetHeader.Kind
  /** The roster's day, `YYYY-MM-DD`: the events it alone dates happen at its start (China Standard Time). */
  readonly asOf: string
  /** The key of the event ids' digest (the same as `ReadOptions.key`). */
  readonly key: string
  /** The events' `source`. */
  readonly source?: string
}

export interface Diff {
  /** In member id order, each member's in the order registration, updates, outflow or return. */
  readonly events: ReadonlyArray<Event.Event>
  /** What a person must decide: members missing from the roster, a branch or a registration detail that differs. */
  readonly findings: ReadonlyArray<Finding>
  /** Every person read (not rejected) by row, with the events written for them: 0 when the events already say what the roster does. */
  readonly rows: ReadonlyArray<RowEvents>
}

/** A row read, and how many events it gave. */
export interface RowEvents {
  readonly row: number
  readonly events: number
}

/**
 * An import's event id: a keyed digest of the file's kind, the member, the field, the value and the
 * date. An organisation's event (`OrgRegistered`, `OrgActivityRecorded`) gives the organisation's id
 * as `memberId`: the kind keeps it apart from a member's.
 */
export const eventIdOf = (key: string, parts: { readonly kind: SheetHeader.Kind; readonly memberId: string; readonly field: string; readonly value: string; readonly date: string }): string =>
  `import-${hmacSha256Hex(key, JSON.stringify(["relink-import/1", parts.kind, parts.memberId, parts.field, parts.value, parts.date])).slice(0, 32)}`

const startOf = (date: string): number => parseIsoInstant(`${date}T00:00:00+08:00`) ?? Number.NaN

/** What every event an import writes carries: its id ({@link eventIdOf}), the start of its day (China Standard Time), its organisation and source. */
export const stamp = (
  options: DiffOptions,
  parts: { readonly memberId: string; readonly field: string; readonly value: string; readonly date: string },
  orgId: string
): { readonly eventId: string; readonly occurredAt: number; readonly orgId: string; readonly source?: string } => ({
  eventId: eventIdOf(options.key, { kind: options.kind, ...parts }),
  occurredAt: startOf(parts.date),
  orgId,
  ...(options.source !== undefined && { source: options.source })
})

const sameOutflow = (a: Outflow, b: Outflow): boolean =>
  a.at === b.at && a.destinationRegion === b.destinationRegion && a.destinationDetail === b.destinationDetail && a.reason === b.reason

const outflowEvent = (options: DiffOptions, memberId: string, orgId: string, o: Outflow): Event.OutflowReported => ({
  type: "OutflowReported",
  ...stamp(options, { memberId, field: "outflow", value: JSON.stringify([o.destinationRegion, o.destinationDetail ?? "", o.reason]), date: o.at }, orgId),
  memberId,
  destinationRegion: o.destinationRegion,
  ...(o.destinationDetail !== undefined && { destinationDetail: o.destinationDetail }),
  reason: o.reason
})

/**
 * What a sheet's period away (a roster's floating columns, a floating register's row) changes for
 * a known member: nothing when the events say the same; an `OutflowReported` when it follows the
 * events' last outflow or return; else a finding, since a period away that does not follow them
 * would not be the latest: a correction, for a person to decide.
 */
export const outflowChange = (
  k: Known,
  outflow: Outflow,
  row: number,
  options: DiffOptions
): { readonly event: Event.OutflowReported } | { readonly finding: Finding } | undefined => {
  if (k.outflow !== undefined && sameOutflow(outflow, k.outflow)) return undefined
  const since = [k.outflow?.at ?? "", k.returnedAt ?? ""].reduce((a, b) => (a > b ? a : b))
  if (outflow.at > since) return { event: outflowEvent(options, k.memberId, k.orgId, outflow) }
  return {
    finding: {
      tag: "OutflowDiffers",
      row,
      memberId: k.memberId,
      reason: `外出时间 ${outflow.at} is not after the events' last outflow or return (${since}): a correction is decided, not imported`,
      rejected: false
    }
  }
}

/** What `MemberUpdated` changes. */
type Updatable = Pick<Event.MemberUpdated, "name" | "phone" | "hukouRegion" | "category">

/** The registration details a roster can show but `MemberUpdated` cannot change, with their headers. */
const registrationDetails = [
  ["idNumber", "公民身份号码"],
  ["gender", "性别"],
  ["birthDate", "出生日期"],
  ["joinedAt", "入党时间"]
] as const

/**
 * The events that take the members `before` (`known`) to the roster's picture, and what a person
 * must decide. A blank cell changes nothing; a blank 外出时间 ends a period away only on a roster
 * with floating columns. The members of the roster's branches that it does not list are findings,
 * never ended.
 */
export const diff = (before: ReadonlyMap<string, Known>, snapshot: Snapshot, options: DiffOptions): Diff => {
  const { asOf } = options
  const events: Array<Event.Event> = []
  const findings: Array<Finding> = []
  const rows: Array<RowEvents> = []
  const common = (memberId: string, orgId: string, field: string, value: string, date: string) => stamp(options, { memberId, field, value, date }, orgId)
  const people = [...snapshot.people].sort((a, b) => (a.person.memberId < b.person.memberId ? -1 : a.person.memberId > b.person.memberId ? 1 : 0))
  for (const { row, person: p, floatingUnread } of people) {
    const k = before.get(p.memberId)
    if (k === undefined) {
      events.push({
        type: "MemberRegistered",
        ...common(p.memberId, p.orgId, "registered", "", asOf),
        memberId: p.memberId,
        name: p.name,
        idNumber: Redacted.make(p.idNumber),
        ...(p.gender !== undefined && { gender: p.gender }),
        ...(p.birthDate !== undefined && { birthDate: p.birthDate }),
        ...(p.phone !== undefined && { phone: Redacted.make(p.phone) }),
        ...(p.hukouRegion !== undefined && { hukouRegion: p.hukouRegion }),
        category: p.category ?? "full",
        ...(p.joinedAt !== undefined && { joinedAt: p.joinedAt })
      })
      if (p.outflow !== undefined) events.push(outflowEvent(options, p.memberId, p.orgId, p.outflow))
      rows.push({ row, events: p.outflow === undefined ? 1 : 2 })
      continue
    }
    if (k.ended) {
      findings.push({ tag: "EndedMemberListed", row, memberId: p.memberId, reason: "a decision ended this member's membership, yet the roster lists them: nothing imported for them", rejected: true })
      continue
    }
    const count = events.length
    const update = (field: keyof Updatable, value: string, change: Updatable) =>
      events.push({ type: "MemberUpdated", ...common(p.memberId, k.orgId, field, value, asOf), memberId: p.memberId, ...change })
    if (p.name !== k.name) update("name", p.name, { name: p.name })
    if (p.phone !== undefined && p.phone !== k.phone) update("phone", p.phone, { phone: Redacted.make(p.phone) })
    if (p.hukouRegion !== undefined && p.hukouRegion !== k.hukouRegion) update("hukouRegion", p.hukouRegion, { hukouRegion: p.hukouRegion })
    if (p.category !== undefined && p.category !== k.category) update("category", p.category, { category: p.category })
    if (snapshot.floating && p.outflow !== undefined) {
      const change = outflowChange(k, p.outflow, row, options)
      if (change !== undefined && "event" in change) events.push(change.event)
      else if (change !== undefined) findings.push(change.finding)
    }
    if (snapshot.floating && p.outflow === undefined && floatingUnread !== true && k.outflow !== undefined) {
      if (k.outflow.at <= asOf) events.push({ type: "ReturnReported", ...common(p.memberId, k.orgId, "return", k.outflow.at, asOf), memberId: p.memberId })
      else findings.push({ tag: "LaterOutflow", row, memberId: p.memberId, reason: `the events hold an outflow on ${k.outflow.at}, after the roster's day ${asOf}: no return imported`, rejected: false })
    }
    const differing = registrationDetails.filter(([field]) => p[field] !== undefined && p[field] !== k[field]).map(([, header]) => header)
    if (differing.length > 0) {
      findings.push({ tag: "RegistrationDiffers", row, memberId: p.memberId, reason: `${differing.join(", ")} differ from the registration: correct whichever is wrong (not imported)`, rejected: false })
    }
    if (p.orgId !== k.orgId) {
      findings.push({ tag: "BranchChanged", row, memberId: p.memberId, reason: `the roster's branch ${p.orgId} is not the member's ${k.orgId}: a transfer (组织关系转接) is decided, not imported`, rejected: false })
    }
    rows.push({ row, events: events.length - count })
  }
  const listed = new Set(snapshot.people.map((p) => p.person.memberId))
  const branches = new Set(snapshot.people.map((p) => p.person.orgId))
  const missing = [...before.values()].filter((k) => !k.ended && branches.has(k.orgId) && !listed.has(k.memberId))
  missing.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
  for (const k of missing) {
    findings.push({
      tag: "MissingFromRoster",
      memberId: k.memberId,
      reason: `a member of ${k.orgId} the roster does not list: transferred, deceased, left? A person decides; nothing is ended`,
      rejected: false
    })
  }
  return { events, findings, rows: rows.sort((a, b) => a.row - b.row) }
}
