/**
 * Party organisations and their parent links: subtree membership (reports for an organisation cover
 * its whole subtree) and ancestors (escalation to the parent organisation). Broken data — a parent
 * that was never registered, a cycle — is reported as a problem and never makes a walk loop.
 */
import { Data, Result } from "effect"
import type * as Event from "./Event.ts"
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
  readonly children: ReadonlyMap<string, ReadonlyArray<string>>
  readonly problems: ReadonlyArray<Problem>
}

export const fromEvent = (event: Event.OrgRegistered): Org => {
  const org = { orgId: event.orgId, name: event.name, kind: event.kind, region: event.region, at: event.occurredAt, eventId: event.eventId }
  return event.parentId === undefined ? org : { ...org, parentId: event.parentId }
}

/** Last registration of an organisation wins (a re-registration renames or re-parents it). */
export const mergeOrg = (a: Org | undefined, b: Org): Org => later(a, b) ?? b

/** Builds the tree; problems are collected, never thrown, and never make a walk loop. */
export const make = (orgs: Iterable<Org>): OrgTree => {
  const byId = new Map<string, Org>()
  for (const org of orgs) byId.set(org.orgId, mergeOrg(byId.get(org.orgId), org))
  const problems: Array<Problem> = []
  const parents = new Map<string, string>()
  for (const org of [...byId.values()].sort((a, b) => (a.orgId < b.orgId ? -1 : 1))) {
    if (org.parentId === undefined) continue
    if (!byId.has(org.parentId)) {
      problems.push(new UnknownParent({ orgId: org.orgId, parentId: org.parentId }))
      continue
    }
    // Adding this link closes a cycle exactly when the org is already an ancestor of its parent.
    const path = [org.orgId]
    let cursor: string | undefined = org.parentId
    while (cursor !== undefined && cursor !== org.orgId) {
      path.push(cursor)
      cursor = parents.get(cursor)
    }
    if (cursor === org.orgId) {
      problems.push(new OrgCycle({ path: [...path, org.orgId] }))
      continue
    }
    parents.set(org.orgId, org.parentId)
  }
  const children = new Map<string, Array<string>>()
  for (const [child, parent] of parents) {
    const list = children.get(parent)
    if (list === undefined) children.set(parent, [child])
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

export const isInSubtree = (tree: OrgTree, orgId: string, rootId: string): boolean =>
  orgId === rootId || ancestors(tree, orgId).includes(rootId)

export const nameOf = (tree: OrgTree, orgId: string): string => tree.orgs.get(orgId)?.name ?? orgId
