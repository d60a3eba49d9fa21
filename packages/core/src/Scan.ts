/**
 * The embedded engine: folds any sequence of events into member projections, organisations and
 * observations in memory, then evaluates every member as of an instant. It is the reference the
 * worker is tested against, so it only ever combines events through `Projection.absorb` — the
 * in-place form of the merge the worker performs against MongoDB (one implementation).
 */
import { Effect, Stream } from "effect"
import * as Event from "./Event.ts"
import * as History from "./internal/History.ts"
import * as Seen from "./internal/Seen.ts"
import * as Matching from "./Matching.ts"
import * as MatchRule from "./MatchRule.ts"
import * as OrgRecord from "./OrgRecord.ts"
import * as OrgTree from "./OrgTree.ts"
import * as Policy from "./Policy.ts"
import * as Projection from "./Projection.ts"
import * as Proposal from "./Proposal.ts"
import * as Status from "./Status.ts"
import * as Steps from "./Steps.ts"

/** An observation still looking for its member: 党员找组织 / 党员找党员 / 组织找党员. */
export type Observation = Matching.Observation

/** True for events that carry a person to be matched rather than a member id. */
export const isObservation = (event: Event.Event): event is Observation =>
  (event.type === "InflowRegistered" && event.memberId === undefined) ||
  (event.type === "LeadReported" && !("memberId" in event.subject)) ||
  event.type === "RecordObserved"

export interface State {
  readonly members: Map<string, Projection.Owned>
  readonly orgs: Map<string, OrgTree.Org>
  /** Organisations' records (activities held, guidance received, reports made), by organisation id. */
  readonly records: Map<string, OrgRecord.OrgRecord>
  readonly observations: Map<string, Observation>
  /** Members that a `MatchResolved` pairs with each observation, so either may arrive first. */
  readonly resolvedMembers: Map<string, Set<string>>
  /** One copy of the strings members share (organisations, names, regions, dates). */
  readonly intern: Projection.Intern
  /** Every eventId offered, with its first copy's content digest and position: the first copy wins. */
  readonly seen: Seen.Seen
  /** Events folded: first copies, not after the as-of instant. */
  events: number
  /** Events after the as-of instant, left out of the fold. */
  skippedFuture: number
  /** Later copies of an eventId with the first copy's content: left out. */
  duplicates: number
  /** Later copies of an eventId with other content than the first copy's: left out, to be reported. */
  conflicts: number
  /** Events offered so far: the position of the last, when the caller gives none. */
  offered: number
  /**
   * With `make({ history: true })`, each member's facts with their instants, for `Timeline`, and
   * no projections in `members`.
   */
  readonly history: History.History | undefined
}

const interner = (): Projection.Intern => {
  const strings = new Map<string, string>()
  return <S extends string>(text: S): S => {
    const known = strings.get(text)
    if (known !== undefined) return known as S
    strings.set(text, text)
    return text
  }
}

export interface MakeOptions {
  /** Keep each member's facts with their instants (for `Timeline`) instead of folding them. */
  readonly history?: boolean
}

export const make = (options: MakeOptions = {}): State => ({
  members: new Map(),
  orgs: new Map(),
  records: new Map(),
  observations: new Map(),
  resolvedMembers: new Map(),
  intern: interner(),
  seen: Seen.make(),
  events: 0,
  skippedFuture: 0,
  duplicates: 0,
  conflicts: 0,
  offered: 0,
  history: options.history === true ? History.make() : undefined
})

/** The member's projection, empty until the first event about them. */
const memberOf = (state: State, memberId: string): Projection.Owned => {
  const current = state.members.get(memberId)
  if (current !== undefined) return current
  const member = Projection.own(memberId)
  state.members.set(memberId, member)
  return member
}

/** Folds the fragment into its member, or, keeping history, keeps it as a fact of the instant. */
const mergeInto = (state: State, fragment: Projection.Projection, type: Event.EventType, at: number): void => {
  if (state.history === undefined) Projection.absorb(memberOf(state, fragment.memberId), fragment)
  else History.addFact(state.history, type, fragment, at)
}

/** A later copy of an eventId already offered: left out of the fold. */
export interface Repeat {
  /** Same content as the first copy (`duplicate`), or other content (`conflict`, to be reported). */
  readonly copy: "duplicate" | "conflict"
  /** Where the first copy was, as the caller numbered the events (0: unknown). */
  readonly first: number
}

/**
 * The rule for repeated eventIds (`Event.copyOf`, docs/events.md#repeated-event-ids): undefined
 * for the first copy of an eventId, a `Repeat` for a later one.
 */
const admit = (state: State, event: Event.Event, position: number | undefined): Repeat | undefined => {
  state.offered++
  const digest = Seen.digest(event)
  const first = Seen.admit(state.seen, event.eventId, digest, position ?? state.offered)
  if (first === undefined) return undefined
  const copy = Event.copyOf(first.digest, digest) === "conflict" ? "conflict" : "duplicate"
  if (copy === "conflict") state.conflicts++
  else state.duplicates++
  return { copy, first: first.position }
}

/**
 * Folds the first copy of an event into the state; a later copy of its eventId is left out and
 * returned as a `Repeat`. `position` numbers the event for the `Repeat`s of its later copies (by
 * default, how many events were offered before it, plus one). Apart from repeated eventIds, order
 * does not matter.
 */
export const add = (state: State, event: Event.Event, position?: number): Repeat | undefined => {
  const repeat = admit(state, event, position)
  if (repeat === undefined) fold(state, event)
  return repeat
}

/** Folds one event into the state, whatever came before: merging is commutative and idempotent. */
const fold = (state: State, event: Event.Event): void => {
  state.events++
  const { history } = state
  if (event.type === "ContactRecorded") {
    if (history === undefined) Projection.absorbContact(memberOf(state, event.memberId), event.channel, event.occurredAt)
    else History.addContact(history, event.memberId, event.channel, event.occurredAt)
    return
  }
  // After the contacts, nearly nine events in ten, which no organisation's record reads.
  OrgRecord.add(state.records, event)
  if (event.type === "OrgRegistered") {
    const org = OrgTree.fromEvent(event)
    state.orgs.set(org.orgId, OrgTree.mergeOrg(state.orgs.get(org.orgId), org))
    history?.orgs.push({ at: event.occurredAt, org })
    return
  }
  if (event.type === "OrgActivityRecorded") {
    // Each attendee, as a ContactRecorded with channel meeting would (`Projection.fragmentsOf`).
    for (const memberId of Projection.attendeesOf(event)) {
      if (history === undefined) Projection.absorbContact(memberOf(state, memberId), "meeting", event.occurredAt)
      else History.addAttendance(history, memberId, event.occurredAt)
    }
    return
  }
  const fragment = Projection.fromEvent(event, state.intern)
  if (fragment !== undefined) mergeInto(state, fragment, event.type, event.occurredAt)
  // A lead attaches once both the observation and a resolution naming the member are there.
  if (isObservation(event)) {
    state.observations.set(event.eventId, event)
    for (const memberId of state.resolvedMembers.get(event.eventId) ?? []) {
      const resolvedAt = history === undefined ? event.occurredAt : (History.resolvedAt(history, event.eventId, memberId) as number)
      mergeInto(state, Projection.attach(memberId, Projection.leadOf(event)), "MatchResolved", Math.max(event.occurredAt, resolvedAt))
    }
  } else if (event.type === "MatchResolved") {
    const members = state.resolvedMembers.get(event.observationEventId)
    if (members === undefined) state.resolvedMembers.set(event.observationEventId, new Set([event.memberId]))
    else members.add(event.memberId)
    if (history !== undefined) History.resolved(history, event.observationEventId, event.memberId, event.occurredAt)
    const observation = state.observations.get(event.observationEventId)
    if (observation !== undefined) {
      mergeInto(state, Projection.attach(event.memberId, Projection.leadOf(observation)), "MatchResolved", Math.max(event.occurredAt, observation.occurredAt))
    }
  }
}

export interface Result {
  readonly asOf: number
  readonly orgs: OrgTree.OrgTree
  /** Organisations' records, by organisation id (`OrgRecord`). */
  readonly records: ReadonlyMap<string, OrgRecord.OrgRecord>
  /**
   * Members' projections, by member id: every member's, or with `members: "matchable"` only those
   * of the members lists and proposals are about (unlinked or at risk).
   */
  readonly members: ReadonlyMap<string, Projection.Projection>
  /** Every registered member, in member id order. */
  readonly evaluations: ReadonlyArray<Status.Evaluation>
  /** Match proposals for open observations, in `Proposal.Order`. */
  readonly proposals: ReadonlyArray<Matching.Proposal>
  /** Every observation read, by event id: what the proposals' observations said. */
  readonly observations: ReadonlyMap<string, Observation>
  /** Open observations with a blocking key too common to block on (`Proposed.crowded`). */
  readonly crowded: number
  /** Members that events mention but whose registration never arrived. */
  readonly unregisteredMembers: number
  readonly events: number
  readonly skippedFuture: number
}

export interface Options {
  readonly asOf: number
  readonly policy: Policy.Policy
  /** The matching rule; the default rule for Chinese identities when absent. */
  readonly rule?: MatchRule.MatchRule
  /**
   * Which projections the result keeps: every member's (the default), or only the matchable
   * members'. With "matchable" the others are released as they are evaluated, so that a scan of a
   * million members never holds every projection and every evaluation at once; the state is spent.
   */
  readonly members?: "all" | "matchable"
}

/** The matchable members as candidates, each person made as the index takes it. */
function* candidates(state: State, matchable: ReadonlyArray<string>): Generator<Matching.Candidate> {
  for (const memberId of matchable) {
    const person = Matching.personOfMember(state.members.get(memberId) as Projection.Projection)
    if (person !== undefined) yield { memberId, person }
  }
}

/** What evaluating leaves for matching: the observations still open and the members they may be. */
export interface Evaluated extends Omit<Result, "evaluations" | "proposals" | "observations" | "crowded"> {
  /** Open observations' event ids, in order. */
  readonly open: ReadonlyArray<string>
  /** The members that are unlinked or at risk, in member id order. */
  readonly matchable: ReadonlyArray<string>
}

/**
 * Evaluates every member of the state as of the instant, one at a time in member id order: the
 * generator yields each evaluation as it is made and returns what `propose` needs. A writer can let
 * its output drain between members, and with `members: "matchable"` nothing holds a million
 * projections or a million evaluations — the others are garbage before matching starts.
 */
export function* evaluations(state: State, options: Options): Generator<Status.Evaluation, Evaluated, undefined> {
  const { asOf } = options
  const policy = Policy.withModel(options.policy, options.rule?.earlyWarning)
  const release = options.members === "matchable"
  const orgs = OrgTree.make(state.orgs.values())
  // Before any projection is released: the member who confirmed an observation may be active.
  const open = [...state.observations.keys()]
    .sort()
    .filter((id) => !Proposal.isSettled(id, state.resolvedMembers.get(id) ?? [], (memberId) => state.members.get(memberId)))
  const matchable: Array<string> = []
  let unregisteredMembers = 0
  for (const id of [...state.members.keys()].sort()) {
    const evaluation = Status.evaluate(state.members.get(id) as Projection.Projection, asOf, policy, orgs)
    const kept = Proposal.isMatchable(evaluation)
    if (kept) matchable.push(id)
    // The data-quality and early-warning lists show their members' names and ID numbers too, the branches report the names of those floating organisations hold.
    else if (release && !Proposal.isListed(evaluation, orgs)) state.members.delete(id)
    if (evaluation === undefined) unregisteredMembers++
    else yield evaluation
  }
  return { asOf, orgs, records: state.records, members: state.members, open, matchable, unregisteredMembers, events: state.events, skippedFuture: state.skippedFuture }
}

/** What matching the open observations gives. */
export interface Proposed {
  /** In `Proposal.Order`. */
  readonly proposals: ReadonlyArray<Matching.Proposal>
  /**
   * Open observations with a blocking key that more than `Matching.maxBucket` matchable members
   * share (one phone, one name and birth date for a crowd): the key is not used to find their
   * candidates, so that an observation costs at most the buckets of its other keys.
   */
  readonly crowded: number
}

/**
 * Proposals for the open observations against the members that are unlinked or at risk as of the
 * scan's instant. A pair someone rejected is never proposed again. The observations are read
 * first, so that the members' index holds only the keys some observation looks up.
 */
export const propose = (state: State, evaluated: Evaluated, rule: MatchRule.MatchRule = MatchRule.chinese): Proposed => Steps.run(proposeInSteps(state, evaluated, rule))

/** `propose` in steps: one per open observation read, per candidate indexed and per observation matched. */
export function* proposeInSteps(state: State, evaluated: Evaluated, rule: MatchRule.MatchRule = MatchRule.chinese): Steps.Steps<Proposed> {
  const observed: Array<readonly [string, Matching.Person]> = []
  const wanted = new Set<string>()
  for (const observationEventId of evaluated.open) {
    const person = Matching.personOfObservation(state.observations.get(observationEventId) as Observation)
    if (person !== undefined) {
      observed.push([observationEventId, person])
      for (const key of Matching.blockingKeys(person, rule)) wanted.add(key)
    }
    yield
  }
  const index = yield* Matching.indexInSteps(candidates(state, evaluated.matchable), rule, wanted)
  const proposals: Array<Matching.Proposal> = []
  let crowded = 0
  for (const [observationEventId, person] of observed) {
    const selection = Matching.selectFor(index, person)
    if (selection.crowded > 0) crowded++
    const unrejected = selection.candidates.filter((c) => !Proposal.isRejected(state.members.get(c.memberId), observationEventId))
    proposals.push(...Matching.match(observationEventId, person, unrejected, rule))
    yield
  }
  return { proposals, crowded }
}

/** Evaluates every member of the state as of the instant, and proposes matches for open observations. */
export const evaluate = (state: State, options: Options): Result => Steps.run(evaluateInSteps(state, options))

/** `evaluate` in steps: one per member evaluated, then `proposeInSteps`'s. */
export function* evaluateInSteps(state: State, options: Options): Steps.Steps<Result> {
  const all: Array<Status.Evaluation> = []
  const evaluated = yield* Steps.collect(evaluations(state, options), all)
  const { asOf, orgs, records, members, unregisteredMembers, events, skippedFuture } = evaluated
  const { proposals, crowded } = yield* proposeInSteps(state, evaluated, options.rule)
  return { asOf, orgs, records, members, evaluations: all, proposals, observations: state.observations, crowded, unregisteredMembers, events, skippedFuture }
}

/**
 * `add`, except that an event after the as-of instant is left out (a scan "as of" ignores the
 * future). It still counts as its eventId's first copy: the rule for repeats does not depend on
 * the instant.
 */
export const addAsOf = (state: State, event: Event.Event, asOf: number, position?: number): Repeat | undefined => {
  const repeat = admit(state, event, position)
  if (repeat !== undefined) return repeat
  if (event.occurredAt > asOf) state.skippedFuture++
  else fold(state, event)
  return undefined
}

/** Scans an in-memory sequence of events. */
export const run = (events: Iterable<Event.Event>, options: Options): Result => {
  const state = make()
  for (const event of events) addAsOf(state, event, options.asOf)
  return evaluate(state, options)
}

/** Scans a stream of events (a file, a topic replay) without holding the events themselves. */
export const runStream = <E, R>(events: Stream.Stream<Event.Event, E, R>, options: Options): Effect.Effect<Result, E, R> =>
  Effect.suspend(() => {
    const state = make()
    return Stream.runForEach(events, (event) => Effect.sync(() => addAsOf(state, event, options.asOf))).pipe(
      Effect.map(() => evaluate(state, options))
    )
  })
