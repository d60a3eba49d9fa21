/**
 * What each kind's reader of a department's sheet (`Dues`, `SignIn`, `FloatingRegister`,
 * `OrgDirectory`, `Roster`) takes and gives. A reader reads the sheet's rows against what the events
 * already say (the members, the events earlier imports wrote) and gives the events that are new, a
 * finding for every row or cell a person must look at, and every row it read with the number of
 * events it gave; `SheetImport` accounts for every row from that.
 */
import { Result } from "effect"
import * as SheetCell from "./SheetCell.ts"
import * as SheetRows from "./internal/SheetRows.ts"
import * as Event from "./Event.ts"
import * as PersonName from "./PersonName.ts"
import * as Roster from "./Roster.ts"
import type * as SheetHeader from "./SheetHeader.ts"

/** What a kind's reader gives. */
export interface Read {
  readonly events: ReadonlyArray<Event.Event>
  /** Rejected rows have `rejected: true`. */
  readonly findings: ReadonlyArray<Roster.Finding>
  /** Every data row read and not rejected, with how many events it gave (0: unchanged / already imported). */
  readonly rows: ReadonlyArray<{ readonly row: number; readonly events: number }>
}

/** What an import reads a sheet against. */
export interface Context {
  /** The members as the events say (`Roster.known`). */
  readonly known: ReadonlyMap<string, Roster.Known>
  /** The events earlier imports wrote, by id, as `Event.canonical` gives them: a row's event among them is not written again. */
  readonly written: ReadonlyMap<string, string>
  /** The key of the member ids derived from ID numbers and of the events' ids. */
  readonly key: string
  /** The sheet's day, `YYYY-MM-DD`. */
  readonly asOf: string
  /** The events' `source`. */
  readonly source?: string
  /** The organisation a 所在党支部 cell names (blank: undefined), or why none (`OrgDirectory.resolve`). */
  readonly orgOf: (branch: string | undefined) => Result.Result<string, string>
}

/** Whether an event id is one an import gives (`Roster.eventIdOf`): what `prior` keeps of the events, besides the members'. */
export const isImported = (eventId: string): boolean => eventId.startsWith("import-")

/** Whether `prior` reads an event: an organisation's registration, a member's register, or what an import wrote. */
export const isPrior = (event: Event.Event): boolean => event.type === "OrgRegistered" || Roster.registerTypes.has(event.type) || isImported(event.eventId)

/**
 * What the events say, as a context holds it: the members as of the end of the sheet's day (a sheet
 * is a picture at its day: compared with the members then, an older roster imported after a newer
 * one reverts nothing, and again gives nothing), and every event an import wrote.
 */
export const prior = (events: Iterable<Event.Event>, asOf: string): Pick<Context, "known" | "written"> => {
  const all = [...events]
  const end = Date.parse(`${asOf}T23:59:59.999+08:00`)
  return {
    known: Roster.known(all.filter((e) => e.occurredAt <= end)),
    written: new Map(all.filter((e) => isImported(e.eventId)).map((e) => [e.eventId, Event.canonical(e)]))
  }
}

/** How the events of an import of `kind` are written (`Roster.stamp`). */
export const optionsOf = (context: Pick<Context, "key" | "asOf" | "source">, kind: SheetHeader.Kind): Roster.DiffOptions => ({
  kind,
  asOf: context.asOf,
  key: context.key,
  ...(context.source !== undefined && { source: context.source })
})

/** An event an import would write: new, written already (its id with the same content), or differing from what was written under its id. */
export const novelty = (context: Context, event: Event.Event): "new" | "written" | "differs" => {
  const before = context.written.get(event.eventId)
  return before === undefined ? "new" : before === Event.canonical(event) ? "written" : "differs"
}

/** The members of each organisation by name, as matching compares names; members a decision ended are left out. */
export type Names = ReadonlyMap<string, ReadonlyMap<string, ReadonlyArray<string>>>

/** The members of each organisation by name, from `known`. */
export const namesOf = (known: ReadonlyMap<string, Roster.Known>): Names => {
  const out = new Map<string, Map<string, Array<string>>>()
  for (const k of known.values()) {
    if (k.ended) continue
    const branch = out.get(k.orgId) ?? new Map<string, Array<string>>()
    out.set(k.orgId, branch)
    const name = PersonName.normalize(k.name)
    branch.set(name, [...(branch.get(name) ?? []), k.memberId].sort())
  }
  return out
}

/** Why a name names no one member: none of that name, or several. */
export interface NameFailure {
  readonly _tag: "UnknownMember" | "AmbiguousName"
  readonly reason: string
}

/** The member of an organisation a name names: the only one of that name who is not ended, else why none. Never one of several. */
export const memberNamed = (names: Names, orgId: string, name: string): Result.Result<string, NameFailure> => {
  const written = PersonName.normalize(name)
  const ids = names.get(orgId)?.get(written) ?? []
  const [only, ...others] = ids
  if (only === undefined) return Result.fail({ _tag: "UnknownMember", reason: `no registered member of ${orgId} is named ${written}: import the roster first` })
  return others.length === 0
    ? Result.succeed(only)
    : Result.fail({ _tag: "AmbiguousName", reason: `${ids.length} members of ${orgId} are named ${written}: the name does not tell which` })
}

/**
 * The registered member a row names: by its 党员编号, else its ID number (the member the events
 * know by it), else its name — the only member of that name in its 所在党支部. Undefined, with the
 * row rejected through `reject`, when none is found or the member is not registered.
 */
export const memberOfRow = (
  r: SheetRows.Row,
  context: Context,
  names: Names,
  byIdNumber: ReadonlyMap<string, string>,
  asOf: Date,
  reject: (field: SheetHeader.Field, failure: SheetRows.Failure) => undefined
): string | undefined => {
  const found = ((): { readonly field: SheetHeader.Field; readonly memberId: string | undefined } => {
    if (r.has("memberId")) return { field: "memberId", memberId: r.text("memberId") ?? reject("memberId", SheetRows.blank()) }
    if (r.text("idNumber") !== undefined) {
      const id = SheetCell.idNumber(r.cell("idNumber"), { asOf })
      return { field: "idNumber", memberId: Result.isSuccess(id) ? (byIdNumber.get(id.success) ?? Roster.memberIdOf(id.success, context.key)) : reject("idNumber", id.failure) }
    }
    const name = r.text("name")
    const org = context.orgOf(r.text("branch"))
    if (Result.isFailure(org)) return { field: "branch", memberId: reject("branch", { _tag: "UnknownBranch", reason: org.failure }) }
    if (name === undefined) return { field: "name", memberId: reject("name", SheetRows.blank()) }
    return {
      field: "name",
      memberId: Result.getOrElse(memberNamed(names, org.success, name), (f) => reject("name", { _tag: f._tag, reason: `${f.reason}: write the member's 党员编号 or 公民身份号码` }))
    }
  })()
  if (found.memberId === undefined || context.known.has(found.memberId)) return found.memberId
  return reject(found.field, { _tag: "NotRegistered", reason: "not registered: import the roster first" })
}
