/**
 * Which floating organisations a batch of changes sends back for review. A floating organisation's
 * health (`BranchHealth.evaluate`) reads its registration, its record and the members filed under
 * its keys (`BranchHealth.keysOfOrg`); it is evaluated again when any of these changed: when its
 * registration or record changed, or when a member it reads, before or after a change, changed.
 * The organisations whose review is due by time are reviewed too.
 */
import * as BranchHealth from "./BranchHealth.ts"
import type * as OrgTree from "./OrgTree.ts"

/** The keys under which the tree's floating organisations read members. */
export const floatingKeys = (orgs: OrgTree.OrgTree): ReadonlySet<string> => {
  const keys = new Set<string>()
  for (const org of orgs.orgs.values()) if (org.kind === "floating-branch") for (const key of BranchHealth.keysOfOrg(org)) keys.add(key)
  return keys
}

/**
 * The keys under which some floating organisation reads the member, before or after a change
 * (`floating` from `floatingKeys`), each once: the organisations reading any of them are reviewed
 * (`reviewed`), whether the member's evaluation changed or not. An unevaluated side is read by none.
 */
export const readBy = (floating: ReadonlySet<string>, before: BranchHealth.Member | undefined, after: BranchHealth.Member | undefined): ReadonlyArray<string> => {
  const keys = new Set<string>()
  for (const member of [before, after]) {
    if (member !== undefined) for (const key of BranchHealth.keysOf(member)) if (floating.has(key)) keys.add(key)
  }
  return [...keys]
}

/** What a batch changed, as review sees it. */
export interface Changes {
  /** Organisations whose registration or record changed (an organisation that is not floating is reviewed only when due). */
  readonly orgs: ReadonlySet<string>
  /** Keys under which a changed member is read, before or after (`readBy`). */
  readonly keys: ReadonlySet<string>
  /** Organisations whose review is due by time, floating or no longer: each is reviewed. */
  readonly due: Iterable<string>
}

/**
 * The organisations to review, in id order: every due one, and every floating organisation of the
 * tree whose registration or record changed or that reads members under a key a change touched.
 */
export const reviewed = (orgs: OrgTree.OrgTree, changes: Changes): ReadonlyArray<string> => {
  const ids = new Set(changes.due)
  for (const org of orgs.orgs.values()) {
    if (org.kind !== "floating-branch") continue
    if (changes.orgs.has(org.orgId) || BranchHealth.keysOfOrg(org).some((key) => changes.keys.has(key))) ids.add(org.orgId)
  }
  return [...ids].sort()
}
