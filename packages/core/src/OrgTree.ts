/**
 * Party organisations and their parent links: subtree membership (reports for an organisation cover
 * its whole subtree) and ancestors (escalation to the parent organisation). Broken data — a parent
 * that was never registered, a cycle — is reported as a problem and never makes a walk loop.
 */
import { Data, Result } from "effect"
import type * as Event from "./Event.ts"
import { damerauLevenshtein } from "./internal/Similarity.ts"
import { later } from "./Projection.ts"

export interface Org {
  readonly orgId: string
  readonly name: string
  readonly parentId?: string
  readonly kind: Event.OrgKind
  readonly region: string
  readonly at: number
  readonly eventId: string
}

export class UnknownParent extends Data.TaggedError("UnknownParent")<{ readonly orgId: string; readonly parentId: string }> {
  override get message() {
    return `organisation ${this.orgId} names parent ${this.parentId}, which is not registered`
  }
}
export class OrgCycle extends Data.TaggedError("OrgCycle")<{ readonly path: ReadonlyArray<string> }> {
  override get message() {
    return `organisations form a cycle: ${this.path.join(" → ")}`
  }
}
export type Problem = UnknownParent | OrgCycle

export interface OrgTree {
  readonly orgs: ReadonlyMap<string, Org>
  /** Parent links that survived validation: unknown parents and cycle-closing links are cut. */
  readonly parents: ReadonlyMap<string, string>
  /** Each organisation's children by the links that survived, in id order. */
  readonly children: ReadonlyMap<string, ReadonlyArray<string>>
  readonly problems: ReadonlyArray<Problem>
}

export const fromEvent = (event: Event.OrgRegistered): Org => {
  const org = { orgId: event.orgId, name: event.name, kind: event.kind, region: event.region, at: event.occurredAt, eventId: event.eventId }
  return event.parentId === undefined ? org : { ...org, parentId: event.parentId }
}

/** Last registration of an organisation wins (a re-registration renames or re-parents it). */
export const mergeOrg = (a: Org | undefined, b: Org): Org => later(a, b) ?? b

const byOrgId = (a: Org, b: Org): number => (a.orgId < b.orgId ? -1 : 1)

/**
 * The cycles of the parent links, given as each organisation's parent's position (-1: none or not
 * registered). Each organisation names at most one parent, so every walk up ends at a root, at an
 * organisation an earlier walk reached, or back on its own path: a cycle. Each organisation is
 * walked once, so this is linear in the number of organisations, whatever their depth. Returns the
 * cycles keyed by their greatest position, each as the path from there round back to it.
 */
const cycles = (parent: Int32Array): ReadonlyMap<number, ReadonlyArray<number>> => {
  const out = new Map<number, ReadonlyArray<number>>()
  /** The walk that reached each organisation first (0: none yet). */
  const walkOf = new Int32Array(parent.length)
  const path: Array<number> = []
  for (let start = 0, walk = 1; start < parent.length; start++, walk++) {
    path.length = 0
    let cursor = start
    while (cursor !== -1 && walkOf[cursor] === 0) {
      walkOf[cursor] = walk
      path.push(cursor)
      cursor = parent[cursor] as number
    }
    if (cursor === -1 || walkOf[cursor] !== walk) continue
    const cycle = path.slice(path.lastIndexOf(cursor))
    const greatest = cycle.reduce((a, b) => Math.max(a, b))
    const from = cycle.indexOf(greatest)
    out.set(greatest, [...cycle.slice(from), ...cycle.slice(0, from), greatest])
  }
  return out
}

/**
 * Builds the tree; problems are collected, never thrown, and never make a walk loop. Of each cycle,
 * the link of the organisation with the greatest id is cut (the link that closes the cycle when
 * the links are added in id order), and the cycle is reported from that organisation round.
 * Linear in the number of organisations after sorting their ids, whatever the depth of the tree.
 */
export const make = (orgs: Iterable<Org>): OrgTree => {
  const byId = new Map<string, Org>()
  for (const org of orgs) byId.set(org.orgId, mergeOrg(byId.get(org.orgId), org))
  const sorted = [...byId.values()].sort(byOrgId)
  const position = new Map<string, number>()
  sorted.forEach((org, i) => position.set(org.orgId, i))
  const parent = Int32Array.from(sorted, (org) => (org.parentId === undefined ? -1 : position.get(org.parentId) ?? -1))
  const closing = cycles(parent)
  const problems: Array<Problem> = []
  const parents = new Map<string, string>()
  sorted.forEach((org, i) => {
    if (org.parentId === undefined) return
    const cycle = closing.get(i)
    if (parent[i] === -1) problems.push(new UnknownParent({ orgId: org.orgId, parentId: org.parentId }))
    else if (cycle !== undefined) problems.push(new OrgCycle({ path: cycle.map((j) => (sorted[j] as Org).orgId) }))
    else parents.set(org.orgId, org.parentId)
  })
  const children = new Map<string, Array<string>>()
  for (const [child, parentId] of parents) {
    const list = children.get(parentId)
    if (list === undefined) children.set(parentId, [child])
    else list.push(child)
  }
  return { orgs: byId, parents, children, problems }
}

/** Like `make`, but fails on the first problem — for callers that must not work on broken data. */
export const validate = (orgs: Iterable<Org>): Result.Result<OrgTree, Problem> => {
  const tree = make(orgs)
  const [first] = tree.problems
  return first === undefined ? Result.succeed(tree) : Result.fail(first)
}

export const parentOf = (tree: OrgTree, orgId: string): string | undefined => tree.parents.get(orgId)

/** Ancestors from the parent up to the root. */
export const ancestors = (tree: OrgTree, orgId: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let cursor = tree.parents.get(orgId); cursor !== undefined; cursor = tree.parents.get(cursor)) out.push(cursor)
  return out
}

/** The organisation itself and everything below it. */
export const subtree = (tree: OrgTree, rootId: string): ReadonlySet<string> => {
  const out = new Set<string>([rootId])
  const queue = [rootId]
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const child of tree.children.get(next) ?? []) {
      if (!out.has(child)) {
        out.add(child)
        queue.push(child)
      }
    }
  }
  return out
}

/**
 * The organisations below and including each root, depth first: each before its children, the
 * children in id order, each with its depth (a root's is 0). Iterative, so a chain of any depth is
 * walked without recursion, each organisation once.
 */
export function* walk(tree: OrgTree, roots: Iterable<string>): Generator<{ readonly orgId: string; readonly depth: number }> {
  for (const root of roots) {
    const stack = [{ orgId: root, depth: 0 }]
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      yield next
      const children = tree.children.get(next.orgId) ?? []
      for (let i = children.length - 1; i >= 0; i--) stack.push({ orgId: children[i] as string, depth: next.depth + 1 })
    }
  }
}

export const isInSubtree = (tree: OrgTree, orgId: string, rootId: string): boolean =>
  orgId === rootId || ancestors(tree, orgId).includes(rootId)

export const nameOf = (tree: OrgTree, orgId: string): string => tree.orgs.get(orgId)?.name ?? orgId

/**
 * The registered ids a mistyped `orgId` was probably meant to be, closest first, at most `limit`:
 * those a typo or two away (Damerau–Levenshtein, case ignored: one edit per six characters, at
 * least one), and those it is more than half of, or that are more than half of it (`5101-0002` for
 * `org-5101-0002`). Empty when nothing is that close: ids that merely share a prefix such as `org-`
 * with it are no suggestion.
 */
export const similarIds = (tree: OrgTree, orgId: string, limit = 3): ReadonlyArray<string> => {
  const wanted = orgId.toLowerCase()
  const allowed = Math.max(1, Math.floor(wanted.length / 6))
  const close: Array<{ readonly id: string; readonly distance: number }> = []
  for (const id of tree.orgs.keys()) {
    const candidate = id.toLowerCase()
    const [shorter, longer] = candidate.length < wanted.length ? [candidate, wanted] : [wanted, candidate]
    const part = shorter.length > 0 && longer.includes(shorter) && 2 * shorter.length > longer.length
    // The distance is at least the difference in length: skip the table when that alone is too far.
    if (!part && Math.abs(candidate.length - wanted.length) > allowed) continue
    const distance = damerauLevenshtein(wanted, candidate)
    if (part || distance <= allowed) close.push({ id, distance })
  }
  return close
    .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit)
    .map((c) => c.id)
}
