/**
 * Every member evaluated at a series of instants from one fold of the events: the fold keeps each
 * member's facts with their instants (`Scan.make({ history: true })`), and each member is then
 * replayed once, in time order, evaluated at each instant as `Scan` would evaluate them alone as of
 * it. An evaluation that still holds (`Status.holdsAt`: no new fact, no review due, the same
 * organisations) is carried to the next instant without evaluating again.
 */
import type * as Event from "./Event.ts"
import * as History from "./internal/History.ts"
import * as OrgTree from "./OrgTree.ts"
import type * as Policy from "./Policy.ts"
import * as Projection from "./Projection.ts"
import type * as Scan from "./Scan.ts"
import * as Status from "./Status.ts"

/** The event that relinked an unlinked member: the first after which they were no longer unlinked. */
export interface Relink {
  readonly at: number
  readonly type: Event.EventType
  /** `ContactRecorded`: how contact was made; `OrgActivityRecorded` (attending an activity): `meeting`. */
  readonly channel?: Event.ContactChannel
}

/** One member at every instant of the series. */
export interface MemberSeries {
  readonly memberId: string
  /** At each instant, in order; undefined while the member is not registered. */
  readonly evaluations: ReadonlyArray<Status.Evaluation | undefined>
  /**
   * At each instant i > 0: what relinked a member unlinked at instant i − 1 who is not unlinked at
   * i (and not ended or removed); undefined otherwise.
   */
  readonly relinks: ReadonlyArray<Relink | undefined>
  /** At each instant at which the member is unlinked: since when, without a break. */
  readonly unlinkedSince: ReadonlyArray<number | undefined>
  /** The member's resolutions of observations (confirmed or rejected), each with its instant. */
  readonly resolutions: ReadonlyArray<{ readonly at: number; readonly resolution: Event.Resolution }>
  /**
   * The instants i at which the member was relinked but `relinks[i]` is undefined: the search for
   * the event read `maxRelinkSearch` facts in the period before finding it, and stopped.
   */
  readonly untraced: ReadonlyArray<number>
}

/**
 * How many facts the search for the event that relinked a member may read in one period. The
 * member is evaluated after each instant with a fact that may change their status
 * (`Status.keepsStatus`), and each evaluation reads every fact of theirs so far: a member with a
 * hundred thousand transfers in one period would otherwise cost the square of that. Past the
 * limit, a member relinked in the period is found without the event (`untraced`); a member with a
 * few hundred facts is evaluated after every instant of any period.
 */
export const maxRelinkSearch = 100_000

const byInstant = (a: History.Entry, b: History.Entry): number => History.atOf(a) - History.atOf(b)

/** The organisation trees as of each instant, and whether each differs from the one before. */
const treesAt = (history: History.History, instants: ReadonlyArray<number>) => {
  const orgs = [...history.orgs].sort((a, b) => a.at - b.at)
  const trees: Array<OrgTree.OrgTree> = []
  const changed: Array<boolean> = []
  let next = 0
  for (const instant of instants) {
    const before = next
    while (next < orgs.length && (orgs[next]?.at as number) <= instant) next++
    changed.push(trees.length === 0 || next > before)
    trees.push(next > before || trees.length === 0 ? OrgTree.make(orgs.slice(0, next).map((o) => o.org)) : (trees[trees.length - 1] as OrgTree.OrgTree))
  }
  return { trees, changed }
}

const absorbEntry = (projection: Projection.Owned, entry: History.Entry): void => {
  if (typeof entry === "number") Projection.absorbContact(projection, History.channelOf(entry), History.atOf(entry))
  else Projection.absorb(projection, entry.fragment)
}

/** A member's projection with every one of their facts, as a fold without history makes it: the series' last state, without a series. */
export const projectionOf = (memberId: string, entries: ReadonlyArray<History.Entry>): Projection.Owned => {
  const projection = Projection.own(memberId)
  for (const entry of [...entries].sort(byInstant)) absorbEntry(projection, entry)
  return projection
}

const relinkOf = (entry: History.Entry): Relink =>
  typeof entry === "number" ? { at: History.atOf(entry), type: History.typeOf(entry), channel: History.channelOf(entry) } : { at: entry.at, type: entry.type }

/** Called with the member's projection as of the instant at `index` and their evaluation there: what a caller reads beside the evaluations. */
export type Observe = (projection: Projection.Owned, evaluation: Status.Evaluation | undefined, index: number) => void

/**
 * Each member of a state folded with `history: true`, in member id order, at each of the instants
 * (ascending). A member's facts are released once their series is made.
 *
 * @throws TypeError when the state keeps no history, or the instants are not ascending.
 */
export function* series(state: Scan.State, instants: ReadonlyArray<number>, policy: Policy.Policy, observe?: Observe): Generator<MemberSeries> {
  const { history } = state
  if (history === undefined) throw new TypeError("Timeline.series needs a state made with Scan.make({ history: true })")
  for (let i = 1; i < instants.length; i++) {
    if (!((instants[i] as number) > (instants[i - 1] as number))) throw new TypeError("Timeline.series needs ascending instants")
  }
  const { trees, changed } = treesAt(history, instants)
  for (const memberId of [...history.members.keys()].sort()) {
    const entries = (history.members.get(memberId) as Array<History.Entry>).sort(byInstant)
    history.members.delete(memberId)
    yield memberSeries(memberId, entries, instants, trees, changed, policy, observe)
  }
}

const memberSeries = (
  memberId: string,
  entries: ReadonlyArray<History.Entry>,
  instants: ReadonlyArray<number>,
  trees: ReadonlyArray<OrgTree.OrgTree>,
  treeChanged: ReadonlyArray<boolean>,
  policy: Policy.Policy,
  observe: Observe | undefined
): MemberSeries => {
  const projection = Projection.own(memberId)
  const evaluations: Array<Status.Evaluation | undefined> = []
  const relinks: Array<Relink | undefined> = []
  const unlinkedSince: Array<number | undefined> = []
  const untraced: Array<number> = []
  /** Facts other than contacts absorbed so far: what an evaluation reads (contacts are kept per channel). */
  let facts = 0
  let next = 0
  let previous: Status.Evaluation | undefined
  for (let i = 0; i < instants.length; i++) {
    const instant = instants[i] as number
    const tree = trees[i] as OrgTree.OrgTree
    const wasUnlinked = previous !== undefined && Status.unlinked.has(previous.status)
    const first = next
    let relink: Relink | undefined
    let searched = 0
    while (next < entries.length && History.atOf(entries[next] as History.Entry) <= instant) {
      const at = History.atOf(entries[next] as History.Entry)
      const group = next
      const looking = wasUnlinked && relink === undefined && searched < maxRelinkSearch
      // Facts that change no status (Status.keepsStatus) cannot relink: the member is not evaluated after them.
      let mayRelink = false
      // Facts of one instant are one step: the member is evaluated after all of them.
      while (next < entries.length && History.atOf(entries[next] as History.Entry) === at) {
        const entry = entries[next++] as History.Entry
        if (looking && !mayRelink) mayRelink = typeof entry === "number" || !Status.keepsStatus(projection, entry.fragment)
        if (typeof entry !== "number") facts++
        absorbEntry(projection, entry)
      }
      if (mayRelink) {
        searched += facts + 1
        const now = Status.evaluate(projection, at, policy, tree)
        if (now !== undefined && !Status.unlinked.has(now.status) && !Status.closed.has(now.status)) relink = relinkOf(entries[group] as History.Entry)
      }
    }
    const holds = previous !== undefined && next === first && !(treeChanged[i] ?? true) && Status.holdsAt(previous, instants[i - 1] as number, instant)
    const evaluation = holds ? previous : Status.evaluate(projection, instant, policy, tree)
    evaluations.push(evaluation)
    observe?.(projection, evaluation, i)
    const unlinked = evaluation !== undefined && Status.unlinked.has(evaluation.status)
    const relinked = wasUnlinked && evaluation !== undefined && !unlinked && !Status.closed.has(evaluation.status)
    relinks.push(relinked ? relink : undefined)
    if (relinked && relink === undefined) untraced.push(i)
    unlinkedSince.push(unlinked ? ((wasUnlinked ? unlinkedSince[i - 1] : undefined) ?? Status.unlinkedSince(evaluation, policy)) : undefined)
    previous = evaluation
  }
  const resolutions = Object.values(projection.resolutions).map((r) => ({ at: r.at, resolution: r.value }))
  return { memberId, evaluations, relinks, unlinkedSince, resolutions, untraced }
}
