/**
 * The events the simulation writes, in the wire format of the contract (docs/events.md): one type
 * by name, the fields every event starts with, and how an event is made once it has an id and a time.
 *
 * @internal
 */
import type { Event } from "@relink/core"
import type { Random } from "./Random.ts"

/** The wire form of one event type. */
export type Wire<T extends Event.EventType> = Extract<Event.Encoded, { readonly type: T }>

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/** An identity as observations carry it, filled in field by field. */
export type Identity = Mutable<Wire<"RecordObserved">["identity"]>

/** The producer's name, when it gives one. */
export interface Source {
  readonly source?: string
}

/** The fields every event starts with, in the order exports write them. */
export interface Head<T extends Event.EventType> extends Source {
  readonly eventId: string
  readonly type: T
  readonly occurredAt: string
  readonly orgId: string
}

/** An event waiting for its id and its formatted time: ids are given once a batch is in time order. */
export type Make = (eventId: string, occurredAt: string) => Event.Encoded

/** An event to come at `at`. */
export interface Timed {
  readonly at: number
  readonly make: Make
}

/** Makes a `type` event of `orgId`: the head, then what `body` adds. */
export const event =
  <T extends Event.EventType>(type: T, orgId: string, source: Source, body: (head: Head<T>) => Wire<T>): Make =>
  (eventId, occurredAt) =>
    body({ eventId, type, occurredAt, orgId, ...source })

/** `{ source: name }`, except for the 3 % of events whose producer leaves it out. */
export const source = (rng: Random, name: string): Source => (rng.chance(0.03) ? {} : { source: name })

/** `n` in `width` digits, zero-padded, as ids and numbers are written. */
export const pad = (n: number, width: number): string => String(n).padStart(width, "0")
