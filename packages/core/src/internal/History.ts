/**
 * What a fold keeps when its members are to be evaluated at a series of instants (`Timeline`):
 * each member's facts with their instants instead of one projection. A contact — nearly nine facts
 * in ten — is one number (its instant and channel); any other fact is the fragment its event
 * contributes. Organisations are kept with their instants too, since escalation names a parent.
 *
 * @internal
 */
import * as Event from "../Event.ts"
import type * as OrgTree from "../OrgTree.ts"
import type * as Projection from "../Projection.ts"

export interface Fact {
  readonly at: number
  readonly type: Event.EventType
  readonly fragment: Projection.Projection
}

/**
 * A contact packed as `at × 8 + code`: exact below 2^50 ms (year 37,000). The code is the
 * channel's index, or `ATTENDED` for attending an activity: a meeting contact that a `Timeline`
 * names by its own event.
 */
export type Entry = number | Fact

export interface History {
  readonly members: Map<string, Array<Entry>>
  readonly orgs: Array<{ readonly at: number; readonly org: OrgTree.Org }>
  /** The earliest resolution of each (observation, member) pair: when its lead attaches. */
  readonly resolvedAt: Map<string, number>
}

export const make = (): History => ({ members: new Map(), orgs: [], resolvedAt: new Map() })

const channels = Event.ContactChannel.literals
const channelIndex = new Map<string, number>(channels.map((c, i) => [c, i]))
/** The code after the channels' (seven of the eight a contact's three bits hold). */
const ATTENDED = channels.length

const entriesOf = (history: History, memberId: string): Array<Entry> => {
  const known = history.members.get(memberId)
  if (known !== undefined) return known
  const entries: Array<Entry> = []
  history.members.set(memberId, entries)
  return entries
}

export const addContact = (history: History, memberId: string, channel: Event.ContactChannel, at: number): void => {
  entriesOf(history, memberId).push(at * 8 + (channelIndex.get(channel) as number))
}

/** An attendee of an activity (`OrgActivityRecorded`): a `meeting` contact. */
export const addAttendance = (history: History, memberId: string, at: number): void => {
  entriesOf(history, memberId).push(at * 8 + ATTENDED)
}

export const addFact = (history: History, type: Event.EventType, fragment: Projection.Projection, at: number): void => {
  entriesOf(history, fragment.memberId).push({ at, type, fragment })
}

export const atOf = (entry: Entry): number => (typeof entry === "number" ? Math.floor(entry / 8) : entry.at)

const codeOf = (entry: number): number => entry - Math.floor(entry / 8) * 8

export const channelOf = (entry: number): Event.ContactChannel => {
  const code = codeOf(entry)
  return code === ATTENDED ? "meeting" : (channels[code] as Event.ContactChannel)
}

/** The event a packed contact came from. */
export const typeOf = (entry: number): "ContactRecorded" | "OrgActivityRecorded" =>
  codeOf(entry) === ATTENDED ? "OrgActivityRecorded" : "ContactRecorded"

const pair = (observationEventId: string, memberId: string) => `${observationEventId}\u0000${memberId}`

/** Notes a resolution of the pair; the earliest one is what counts. */
export const resolved = (history: History, observationEventId: string, memberId: string, at: number): void => {
  const key = pair(observationEventId, memberId)
  const known = history.resolvedAt.get(key)
  if (known === undefined || at < known) history.resolvedAt.set(key, at)
}

export const resolvedAt = (history: History, observationEventId: string, memberId: string): number | undefined =>
  history.resolvedAt.get(pair(observationEventId, memberId))
