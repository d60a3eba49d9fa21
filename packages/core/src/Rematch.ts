/**
 * When a change of a member sends stored observations back to matching, and which. A member's
 * matches depend on who they are (`Matching.personOfMember`) and on whether they may be proposed
 * at all (`Proposal.isMatchable`); a change of neither leaves every observation's proposals as
 * they are, and a change of either may change the proposals of every observation sharing a
 * blocking key with the member, before or after: those are matched again from scratch.
 */
import * as Matching from "./Matching.ts"
import * as Proposal from "./Proposal.ts"
import type * as Status from "./Status.ts"

/**
 * A member as matching sees them at one moment: who they are, how they are evaluated, and the
 * blocking keys they are filed under. The keys are opaque here (a store keeps them blind-indexed).
 */
export interface Member {
  readonly person: Matching.Person | undefined
  readonly evaluation: Status.Evaluation | undefined
  readonly keys: ReadonlyArray<string>
}

/** A member before their first event: nobody, not evaluated, filed under no key. */
export const unknown: Member = { person: undefined, evaluation: undefined, keys: [] }

/** Whether the change can change the member's matches: who they are changed, or whether they may be proposed. */
export const isNeeded = (before: Member, after: Member): boolean =>
  !Matching.samePerson(before.person, after.person) || Proposal.isMatchable(before.evaluation) !== Proposal.isMatchable(after.evaluation)

/**
 * The blocking keys whose observations are matched again after the change: every key the member
 * is filed under before or after (an observation sharing an old key may lose them, one sharing a
 * new key may gain them), each once, when the change can change their matches; none otherwise.
 */
export const keys = (before: Member, after: Member): ReadonlyArray<string> =>
  isNeeded(before, after) ? [...new Set([...before.keys, ...after.keys])] : []
