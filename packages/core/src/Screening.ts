/**
 * 排查进度: how the finding of unlinked members went, per responsible organisation and period, from
 * the members' series of evaluations (`Timeline`). For each period between two instants:
 *
 * - unlinked at the start; newly unlinked (not unlinked at the start, unlinked at the end);
 * - found: unlinked at the start and linked again at the end (any status but the unlinked ones,
 *   `ended` and `removed`), with the event that did it and the days since they became unlinked;
 * - closed: unlinked at the start, ended or removed at the end; still open at the end;
 * - observations confirmed and rejected during the period.
 *
 * A member unlinked at the start of a period counts under the organisation responsible for them
 * then, whatever happens during it (so that per organisation, open = start + new − found − closed);
 * any other member under the one responsible at the end. Counts per status at each instant draw
 * the trend. Pure: the CLI only renders it.
 */
import type * as Event from "./Event.ts"
import { addDays, addMonths, DAY, formatCstDate } from "./Instant.ts"
import { median } from "./internal/Median.ts"
import * as OrgTree from "./OrgTree.ts"
import * as Report from "./Report.ts"
import * as Status from "./Status.ts"
import type * as Timeline from "./Timeline.ts"

export type Every = "month" | "week"

/**
 * The instants bounding the periods from `from` to `to`: `from`, then every calendar month (China
 * Standard Time) or week after it while before `to`, then `to`.
 *
 * @throws RangeError when `to` is not after `from`.
 */
export const instants = (from: number, to: number, every: Every): ReadonlyArray<number> => {
  if (!(to > from)) throw new RangeError("the end of the period must be after its start")
  const bounds: Array<number> = []
  for (let i = 0; ; i++) {
    const at = every === "month" ? addMonths(from, i) : addDays(from, 7 * i)
    if (at >= to) break
    bounds.push(at)
  }
  bounds.push(to)
  return bounds
}

/** What one organisation (or the whole scope) did in one period. */
export interface Cell {
  readonly unlinkedAtStart: number
  readonly newlyUnlinked: number
  readonly found: number
  readonly closed: number
  readonly open: number
  /** The median of found members' days from becoming unlinked to the event that found them. */
  readonly medianDaysToFound: number | undefined
  readonly confirmed: number
  readonly rejected: number
}

/** A member found in a period: who, where, by what, after how long. */
export interface Found {
  readonly memberId: string
  readonly orgId: string
  readonly period: number
  readonly relink: Timeline.Relink
  /** Whole days from becoming unlinked to the event; undefined when the start is not known. */
  readonly days: number | undefined
}

export interface Period {
  readonly from: number
  readonly to: number
  /** `2026-01` for a month, the first day for a week. */
  readonly label: string
}

export interface Progress {
  readonly kind: "progress"
  readonly every: Every
  readonly instants: ReadonlyArray<number>
  readonly periods: ReadonlyArray<Period>
  readonly orgId?: string
  /**
   * Per responsible organisation, in the unlinked list's order (name in Chinese collation, then id),
   * one cell per period and the whole span as one cell.
   */
  readonly rows: ReadonlyArray<{ readonly orgId: string; readonly org: string; readonly cells: ReadonlyArray<Cell>; readonly span: Cell }>
  /** The whole scope, one cell per period. */
  readonly total: ReadonlyArray<Cell>
  /** The whole scope over the whole span: unlinked at the first start, open at the last end, the rest over every period. */
  readonly span: Cell
  /** The scope's registered members by status at each instant. */
  readonly statusCounts: ReadonlyArray<Readonly<Partial<Record<Status.Status, number>>>>
  /** Every member found, by period then organisation then member id. */
  readonly found: ReadonlyArray<Found>
  /**
   * Members counted as found in a period without the event that found them (not in `found`): the
   * search for it read as many of their facts as it may (`Timeline.maxRelinkSearch`).
   */
  readonly untraced: number
}

export interface Options {
  /** The organisation the report is for; every organisation when absent. */
  readonly orgId?: string
  readonly includeSubtree: boolean
  readonly every: Every
}

interface Tally {
  unlinkedAtStart: number
  newlyUnlinked: number
  found: number
  closed: number
  open: number
  days: Array<number>
  confirmed: number
  rejected: number
}

const tally = (): Tally => ({ unlinkedAtStart: 0, newlyUnlinked: 0, found: 0, closed: 0, open: 0, days: [], confirmed: 0, rejected: 0 })

const sum = (tallies: ReadonlyArray<Tally>, f: (t: Tally) => number): number => tallies.reduce((n, t) => n + f(t), 0)

/** Several periods as one: unlinked at the start of the first, open at the end of the last, the rest over all. */
const spanOf = (tallies: ReadonlyArray<Tally>): Tally => ({
  unlinkedAtStart: tallies[0]?.unlinkedAtStart ?? 0,
  newlyUnlinked: sum(tallies, (t) => t.newlyUnlinked),
  found: sum(tallies, (t) => t.found),
  closed: sum(tallies, (t) => t.closed),
  open: tallies[tallies.length - 1]?.open ?? 0,
  days: tallies.flatMap((t) => t.days),
  confirmed: sum(tallies, (t) => t.confirmed),
  rejected: sum(tallies, (t) => t.rejected)
})

const cellOf = (t: Tally): Cell => ({
  unlinkedAtStart: t.unlinkedAtStart,
  newlyUnlinked: t.newlyUnlinked,
  found: t.found,
  closed: t.closed,
  open: t.open,
  medianDaysToFound: median([...t.days].sort((a, b) => a - b)),
  confirmed: t.confirmed,
  rejected: t.rejected
})

/** Accumulates members' series (one at a time, so that a million never sit in memory) into the report. */
export interface Builder {
  readonly add: (series: Timeline.MemberSeries) => void
  readonly done: () => Progress
}

/** A builder over the instants (those the series were made at), scoped within the organisations as of the last one. */
export const builder = (instants: ReadonlyArray<number>, orgs: OrgTree.OrgTree, options: Options): Builder => {
  const periods = instants.length - 1
  const scope = options.orgId === undefined ? undefined : options.includeSubtree ? OrgTree.subtree(orgs, options.orgId) : new Set([options.orgId])
  const inScope = (e: Status.Evaluation) => scope === undefined || scope.has(e.homeOrgId) || scope.has(e.responsibleOrgId)
  const byOrg = new Map<string, Array<Tally>>()
  const totals = Array.from({ length: periods }, tally)
  const statusCounts = instants.map((): Partial<Record<Status.Status, number>> => ({}))
  const found: Array<Found> = []
  let untraced = 0
  const cellsOf = (orgId: string): Array<Tally> => {
    const known = byOrg.get(orgId)
    if (known !== undefined) return known
    const cells = Array.from({ length: periods }, tally)
    byOrg.set(orgId, cells)
    return cells
  }
  const count = (orgId: string, period: number, f: (t: Tally) => void) => {
    f(cellsOf(orgId)[period] as Tally)
    f(totals[period] as Tally)
  }
  const add = (series: Timeline.MemberSeries) => {
    const { evaluations } = series
    evaluations.forEach((e, i) => {
      if (e !== undefined && inScope(e)) {
        const counts = statusCounts[i] as Partial<Record<Status.Status, number>>
        counts[e.status] = (counts[e.status] ?? 0) + 1
      }
    })
    for (let p = 0; p < periods; p++) {
      const start = evaluations[p]
      const end = evaluations[p + 1]
      const startScoped = start !== undefined && inScope(start)
      const wasUnlinked = startScoped && Status.unlinked.has(start.status)
      const isUnlinked = end !== undefined && Status.unlinked.has(end.status)
      const from = instants[p] as number
      const to = instants[p + 1] as number
      if (wasUnlinked) {
        const orgId = start.responsibleOrgId
        count(orgId, p, (t) => t.unlinkedAtStart++)
        if (isUnlinked) count(orgId, p, (t) => t.open++)
        else if (end !== undefined && Status.closed.has(end.status)) count(orgId, p, (t) => t.closed++)
        else {
          const relink = series.relinks[p + 1]
          const since = series.unlinkedSince[p]
          const days = relink === undefined || since === undefined ? undefined : Math.max(0, Math.floor((relink.at - since) / DAY))
          count(orgId, p, (t) => {
            t.found++
            if (days !== undefined) t.days.push(days)
          })
          if (relink !== undefined) found.push({ memberId: series.memberId, orgId, period: p, relink, days })
          else if (series.untraced.includes(p + 1)) untraced++
        }
      } else if (isUnlinked && inScope(end)) {
        count(end.responsibleOrgId, p, (t) => {
          t.newlyUnlinked++
          t.open++
        })
      }
      const owner = wasUnlinked ? start.responsibleOrgId : end !== undefined && inScope(end) ? end.responsibleOrgId : undefined
      if (owner === undefined) continue
      for (const r of series.resolutions) {
        if (r.at > from && r.at <= to) count(owner, p, (t) => (r.resolution === "confirmed" ? t.confirmed++ : t.rejected++))
      }
    }
  }
  const done = (): Progress => {
    const name = (orgId: string) => OrgTree.nameOf(orgs, orgId)
    const rows = [...byOrg]
      .map(([orgId, cells]) => ({ orgId, org: name(orgId), cells: cells.map(cellOf), span: cellOf(spanOf(cells)) }))
      .sort((a, b) => a.org.localeCompare(b.org, "zh") || a.orgId.localeCompare(b.orgId))
    const order = new Map(rows.map((r, i) => [r.orgId, i]))
    found.sort((a, b) => a.period - b.period || (order.get(a.orgId) ?? 0) - (order.get(b.orgId) ?? 0) || a.memberId.localeCompare(b.memberId))
    return {
      kind: "progress",
      every: options.every,
      instants,
      periods: instants.slice(0, -1).map((from, i) => ({ from, to: instants[i + 1] as number, label: labelOf(from, options.every) })),
      ...(options.orgId !== undefined && { orgId: options.orgId }),
      rows,
      total: totals.map(cellOf),
      span: cellOf(spanOf(totals)),
      statusCounts,
      found,
      untraced
    }
  }
  return { add, done }
}

const labelOf = (from: number, every: Every): string => (every === "month" ? formatCstDate(from).slice(0, 7) : formatCstDate(from))

/** The measures of a cell, with their headers, in the order the report shows them. */
export const measures = [
  { id: "unlinkedAtStart", zh: "期初失联", en: "Unlinked at start" },
  { id: "newlyUnlinked", zh: "新增失联", en: "Newly unlinked" },
  { id: "found", zh: "找回", en: "Found" },
  { id: "closed", zh: "除名或终止", en: "Removed or ended" },
  { id: "open", zh: "期末仍失联", en: "Still open" },
  { id: "medianDaysToFound", zh: "找回用时中位数（天）", en: "Median days to find" },
  { id: "confirmed", zh: "确认比对", en: "Matches confirmed" },
  { id: "rejected", zh: "否定比对", en: "Matches rejected" }
] as const satisfies ReadonlyArray<{ readonly id: keyof Cell; readonly zh: string; readonly en: string }>

const relinkTypes: Partial<Record<Event.EventType, { readonly zh: string; readonly en: string }>> = {
  InflowRegistered: { zh: "流入地报到", en: "inflow registration" },
  TransferReceived: { zh: "转入报到", en: "transfer received" },
  TransferCancelled: { zh: "撤销转接", en: "transfer cancelled" },
  OutflowReported: { zh: "外出报告", en: "outflow report" },
  ReturnReported: { zh: "返回报告", en: "return report" },
  StatusDecided: { zh: "恢复党籍", en: "restored" },
  MatchResolved: { zh: "比对确认", en: "match confirmed" },
  MemberRegistered: { zh: "重新登记", en: "registered again" }
}

/** How a member was found, in words: `联系（电话）`, `流入地报到`; attending an activity is `联系（组织生活）`, as a meeting contact. */
export const relinkLabel = (relink: Timeline.Relink, lang: Report.Lang): string => {
  if ((relink.type === "ContactRecorded" || relink.type === "OrgActivityRecorded") && relink.channel !== undefined) {
    const channel = Report.contactLabels[relink.channel]
    return lang === "zh" ? `联系（${channel.zh}）` : `contact (${channel.en})`
  }
  return relinkTypes[relink.type]?.[lang] ?? relink.type
}
