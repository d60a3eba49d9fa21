/**
 * The organisations an import knows — registered by `OrgRegistered` events, or listed on an `orgs`
 * sheet (党组织) — and the organisation a 所在党支部 cell names. A cell names an organisation by its
 * id; by its full name, when no other organisation has it; or by its name qualified with its
 * parent's (`城关镇党委/第一党支部`, `城关镇党委 第一党支部`, `城关镇党委第一党支部`). Names are
 * compared as `SheetCell.text` reads them, without spaces. An ambiguous name (two 第一党支部 under
 * different committees) or an unknown one is a reason, never a guess.
 */
import { Result } from "effect"
import type * as Event from "./Event.ts"
import * as OrgTree from "./OrgTree.ts"
import * as RegionCode from "./RegionCode.ts"
import * as Roster from "./Roster.ts"
import * as SheetCell from "./SheetCell.ts"
import type * as SheetHeader from "./SheetHeader.ts"
import * as SheetContext from "./SheetContext.ts"
import { hmacSha256Hex } from "./internal/Sha256.ts"
import * as SheetRows from "./internal/SheetRows.ts"

/** An organisation as an import knows it. */
export type Org = Pick<OrgTree.Org, "orgId" | "name" | "parentId" | "kind" | "region">

export interface Directory {
  readonly orgs: ReadonlyMap<string, Org>
  /** Organisation ids by full name, and by parent name and name together, each without spaces. */
  readonly byName: ReadonlyMap<string, ReadonlyArray<string>>
}

/** A name as compared: `SheetCell.text`, without spaces and without the `/` of a qualified name. */
const compact = (name: string): string => (SheetCell.text(name) ?? "").replace(/[\s/]/gu, "")

/** The directory of these organisations. */
export const make = (orgs: Iterable<Org>): Directory => {
  const byId = new Map<string, Org>()
  for (const org of orgs) byId.set(org.orgId, org)
  const byName = new Map<string, Set<string>>()
  const index = (key: string, orgId: string) => byName.set(key, (byName.get(key) ?? new Set()).add(orgId))
  for (const org of byId.values()) {
    index(compact(org.name), org.orgId)
    const parent = org.parentId === undefined ? undefined : byId.get(org.parentId)
    if (parent !== undefined) index(compact(parent.name) + compact(org.name), org.orgId)
  }
  return { orgs: byId, byName: new Map([...byName].map(([key, ids]) => [key, [...ids].sort()])) }
}

/** The directory of the organisations the events register, the last registration of each winning. */
export const fromEvents = (events: Iterable<Event.Event>): Directory => {
  const byId = new Map<string, OrgTree.Org>()
  for (const e of events) if (e.type === "OrgRegistered") byId.set(e.orgId, OrgTree.mergeOrg(byId.get(e.orgId), OrgTree.fromEvent(e)))
  return make(byId.values())
}

const describeOrg = (directory: Directory, orgId: string): string => {
  const org = directory.orgs.get(orgId)
  const parent = org?.parentId === undefined ? undefined : directory.orgs.get(org.parentId)
  return `${org?.name ?? orgId} (${orgId}) under ${parent?.name ?? "no parent"}`
}

/** The organisation a cell names, or why none: blank, unknown, or naming several (and how to qualify it). */
export const resolve = (directory: Directory, written: string | undefined): Result.Result<string, string> => {
  const name = SheetCell.text(written)
  if (name === undefined) return Result.fail("blank: which organisation is not guessed")
  if (directory.orgs.has(name)) return Result.succeed(name)
  const ids = directory.byName.get(compact(name)) ?? []
  const [only, ...others] = ids
  if (only === undefined) return Result.fail(`no organisation is named ${JSON.stringify(name)}: register it (an orgs sheet) or write its id`)
  if (others.length === 0) return Result.succeed(only)
  const example = ids.map((id) => directory.orgs.get(id)).find((org) => org?.parentId !== undefined && directory.orgs.has(org.parentId))
  const parent = example?.parentId === undefined ? undefined : directory.orgs.get(example.parentId)
  return Result.fail(
    `${JSON.stringify(name)} names ${ids.length} organisations: ${ids.map((id) => describeOrg(directory, id)).join("; ")}. ` +
      (example !== undefined && parent !== undefined ? `Write it with its parent, as ${parent.name}/${example.name}, or write its id` : "Write its id")
  )
}

/** The id of an organisation an `orgs` sheet lists without a 组织编号: a keyed digest of its parent's id and its name. */
export const orgIdOf = (name: string, parentId: string | undefined, key: string): string =>
  `o-${hmacSha256Hex(key, JSON.stringify(["relink-org/1", parentId ?? "", compact(name)])).slice(0, 24)}`

// ---------------------------------------------------------------------------------------------
// The orgs sheet

/** A row of an `orgs` sheet read, its parent not yet resolved. */
interface Listed {
  readonly sheetRow: SheetRows.Row
  readonly row: number
  readonly id?: string
  readonly name: string
  readonly parent?: string
  readonly kind: Event.OrgKind
  readonly region: string
}

const sameOrg = (a: Org, b: Org): boolean => a.name === b.name && a.parentId === b.parentId && a.kind === b.kind && a.region === b.region

/**
 * The `OrgRegistered` events an `orgs` sheet (组织编号? 组织名称 上级党组织 组织类别 行政区划代码)
 * adds to the organisations of `directory` (the events'). An organisation's id is its 组织编号, else
 * {@link orgIdOf}; one the directory has, or one of the same name under the same parent, gives no
 * event. A 上级党组织 cell names an organisation of the directory or of the sheet, in any row order:
 * parents are resolved in rounds, each organisation once every organisation its cell could name is
 * resolved. A row whose name, 组织类别, 行政区划代码 or parent cannot be read or resolved is rejected.
 * Parents' events come before their children's.
 */
export const read = (
  rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>,
  mapping: SheetHeader.Mapping,
  directory: Directory,
  context: Pick<SheetContext.Context, "key" | "asOf" | "source">
): SheetContext.Read => {
  const data = SheetRows.dataRows(rows, mapping)
  const findings: Array<Roster.Finding> = [...data.findings]
  const listed: Array<Listed> = []
  for (const r of data.rows) {
    const rejected: Array<Roster.Finding> = []
    const reject = (field: SheetHeader.Field, failure: SheetRows.Failure): undefined => {
      rejected.push(r.finding(field, failure, true))
      return undefined
    }
    const name = r.text("orgName") ?? reject("orgName", SheetRows.blank())
    const id = r.has("orgId") ? (r.text("orgId") ?? reject("orgId", SheetRows.blank())) : undefined
    const kind = r.text("orgKind") === undefined ? reject("orgKind", SheetRows.blank("党委, 党总支, 党支部 or 流动党支部")) : Result.getOrElse(SheetCell.orgKind(r.cell("orgKind")), (f) => reject("orgKind", f))
    const regionText = r.text("region")
    const region = regionText === undefined ? reject("region", SheetRows.blank("a 6-digit code")) : Result.getOrElse(RegionCode.parse(regionText), (f) => reject("region", f))
    if (rejected.length > 0 || name === undefined || kind === undefined || region === undefined) {
      findings.push(...rejected)
      continue
    }
    const parent = r.text("parentOrg")
    listed.push({ sheetRow: r, row: r.row, name, kind, region, ...(id !== undefined && { id }), ...(parent !== undefined && { parent }) })
  }

  // Parents in rounds: an entry waits while its 上级党组织 could name an entry not yet resolved, so that the order of rows never decides.
  const resolved = new Map<Listed, Org>()
  let known = directory
  let waiting = listed
  const parentFailures = new Map<Listed, string>()
  for (;;) {
    const names = new Set(waiting.flatMap((l) => (l.id === undefined ? [compact(l.name)] : [l.id, compact(l.name)])))
    const ready: Array<[Listed, Org]> = []
    const still: Array<Listed> = []
    for (const l of waiting) {
      if (l.parent !== undefined && couldName(l.parent, names)) {
        still.push(l)
        continue
      }
      const parentId = l.parent === undefined ? Result.succeed(undefined) : resolve(known, l.parent)
      if (Result.isFailure(parentId)) parentFailures.set(l, parentId.failure)
      else {
        const orgId = l.id ?? existing(known, l.name, parentId.success) ?? orgIdOf(l.name, parentId.success, context.key)
        ready.push([l, { orgId, name: l.name, kind: l.kind, region: l.region, ...(parentId.success !== undefined && { parentId: parentId.success }) }])
      }
    }
    if (ready.length === 0) {
      for (const l of still) parentFailures.set(l, `names a row of this sheet that is not imported (rejected, or a cycle of parents)`)
      break
    }
    for (const [l, org] of ready) resolved.set(l, org)
    known = make([...known.orgs.values(), ...ready.map(([, org]) => org)])
    waiting = still
  }

  const options = SheetContext.optionsOf(context, "orgs")
  const byId = new Map<string, Array<readonly [Listed, Org]>>()
  for (const l of listed) {
    const org = resolved.get(l)
    if (org === undefined) findings.push(l.sheetRow.finding("parentOrg", { _tag: "UnknownParent", reason: `${JSON.stringify(l.parent ?? "")}: ${parentFailures.get(l) ?? ""}` }, true))
    else byId.set(org.orgId, [...(byId.get(org.orgId) ?? []), [l, org]])
  }
  const events: Array<Event.OrgRegistered> = []
  const counted: Array<{ readonly row: number; readonly events: number }> = []
  for (const [orgId, entries] of byId) {
    const [[firstRow, first] = []] = entries
    if (firstRow === undefined || first === undefined) continue
    if (!entries.every(([, org]) => sameOrg(org, first))) {
      // The same organisation listed twice, differently: which row is right is for a person to say, not the rows' order.
      const rowsOf = entries.map(([l]) => l.row).join(", ")
      for (const [l] of entries) findings.push({ tag: "DuplicateOrg", row: l.row, reason: `rows ${rowsOf} list ${orgId} differently: correct them`, rejected: true })
      continue
    }
    const before = directory.orgs.get(orgId)
    const isNew = before === undefined
    entries.forEach(([l], i) => counted.push({ row: l.row, events: isNew && i === 0 ? 1 : 0 }))
    if (before !== undefined && !sameOrg(before, first)) {
      findings.push({ tag: "OrgDiffers", row: firstRow.row, reason: `${orgId} is registered with another name, parent, 组织类别 or 行政区划代码: a change is decided, not imported`, rejected: false })
    }
    if (isNew) {
      events.push({
        type: "OrgRegistered",
        ...Roster.stamp(options, { memberId: orgId, field: "registered", value: "", date: context.asOf }, orgId),
        name: first.name,
        ...(first.parentId !== undefined && { parentId: first.parentId }),
        kind: first.kind,
        region: first.region
      })
    }
  }
  return { events: parentsFirst(events), findings: findings.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)), rows: counted.sort((a, b) => a.row - b.row) }
}

/** Whether a cell could name one of these ids or names, qualified by any parent's (a name ends the cell). */
const couldName = (written: string, names: ReadonlySet<string>): boolean => {
  const cell = compact(written)
  return names.has(SheetCell.text(written) ?? "") || Array.from({ length: cell.length }, (_, i) => cell.slice(i)).some((suffix) => names.has(suffix))
}

/** The organisation of that name under that parent the directory already has (listed without a 组织编号, it is that one). */
const existing = (directory: Directory, name: string, parentId: string | undefined): string | undefined =>
  (directory.byName.get(compact(name)) ?? []).find((id) => directory.orgs.get(id)?.parentId === parentId)

/** Events ordered so that a parent's registration comes before its children's, else by id. */
const parentsFirst = (events: ReadonlyArray<Event.OrgRegistered>): ReadonlyArray<Event.OrgRegistered> => {
  const byId = new Map(events.map((e) => [e.orgId, e]))
  const depth = (e: Event.OrgRegistered, seen: number): number => {
    const parent = e.parentId === undefined ? undefined : byId.get(e.parentId)
    return parent === undefined || seen > byId.size ? 0 : 1 + depth(parent, seen + 1)
  }
  return [...events].map((e) => [depth(e, 0), e] as const).sort(([da, a], [db, b]) => da - db || (a.orgId < b.orgId ? -1 : 1)).map(([, e]) => e)
}
