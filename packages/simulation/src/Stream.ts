/**
 * The stream as a Kafka export delivers it: events numbered in time order batch by batch, then a
 * share of them moved a little (a few far), and some delivered twice. Also the broken lines an
 * export may contain, for exercising the rejects path.
 */
import type { Event } from "@relink/core"
import * as Clock from "./internal/Clock.ts"
import type { Random } from "./internal/Random.ts"
import * as Wire from "./internal/Wire.ts"
import type * as Lives from "./Lives.ts"
import type * as Mistakes from "./Mistakes.ts"
import type * as Observations from "./Observations.ts"
import type * as OrgLife from "./OrgLife.ts"
import * as World from "./World.ts"

/** One message of the stream. A redelivered duplicate is the very same item again. */
export interface Item {
  /** The event in the wire format of the contract. */
  readonly event: Event.Encoded
  /** Observations only. */
  readonly label?: Observations.Label
  /** `MemberRegistered` only: the life the member was given. */
  readonly behaviour?: Lives.Behaviour
  /** `MemberRegistered` only: the mistake it was written with, if any (a data-quality problem to find). */
  readonly mistake?: Mistakes.Mistake
  /** A floating organisation's `OrgRegistered` only: how it keeps its 组织生活 and is guided. */
  readonly orgLife?: OrgLife.Life
}

/** Numbers and delivers the events of one simulation. */
export class Stream {
  private readonly rng: Random
  private readonly duplicateRate: number
  private readonly formatInstant = Clock.cstFormatter()
  private eventCounter = 0

  /** `duplicateRate`: the share of events delivered a second time. */
  constructor(rng: Random, duplicateRate: number) {
    this.rng = rng
    this.duplicateRate = duplicateRate
  }

  /** The world's `OrgRegistered` events, in order (parents first), each floating organisation's with its life. */
  organisations(world: World.World, startAt: number, lives: ReadonlyMap<string, OrgLife.Life>): Array<Item> {
    return this.deliver(
      World.registrations(world, startAt).map((r, seq) => {
        const orgLife = lives.get(world.orgs[seq]?.orgId ?? "")
        return { ...r, seq, id: "", ...(orgLife !== undefined && { orgLife }) }
      }),
      0,
      0
    )
  }

  /**
   * A batch's drafts sorted by time, numbered, then delivered: a share `reorderRate` of them
   * moved within `window` places (and a few anywhere in the batch), and `duplicateRate` of them
   * delivered a second time, a little or much later.
   */
  deliver(drafts: Array<Lives.Draft | OrgLife.Draft>, reorderRate: number, window: number): Array<Item> {
    drafts.sort((a, b) => a.at - b.at || a.seq - b.seq)
    for (const draft of drafts) draft.id = `e-${Wire.pad(++this.eventCounter, 8)}`
    const items = drafts.map((d): Item => {
      const event = d.make(d.id, this.formatInstant(d.at))
      return "label" in d && d.label !== undefined
        ? { event, label: d.label }
        : "behaviour" in d && d.behaviour !== undefined
          ? { event, behaviour: d.behaviour, ...(d.mistake !== undefined && { mistake: d.mistake }) }
          : "orgLife" in d && d.orgLife !== undefined
            ? { event, orgLife: d.orgLife }
            : { event }
    })
    const n = items.length
    const keys: Array<number> = []
    const which: Array<number> = []
    for (let i = 0; i < n; i++) {
      const r = this.rng.float()
      const key = r < reorderRate ? i + (this.rng.float() * 2 - 1) * window : r < reorderRate + (reorderRate > 0 ? 0.002 : 0) ? this.rng.float() * n : i
      keys.push(key)
      which.push(i)
      if (this.rng.chance(this.duplicateRate)) {
        keys.push(key + (this.rng.chance(0.8) ? this.rng.between(1, 40) : this.rng.between(1, Math.max(2, n - i))))
        which.push(i)
      }
    }
    const order = Array.from(keys.keys()).sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b)
    return order.map((k) => items[which[k] ?? 0] as Item)
  }
}

/** Kinds of broken line an export may contain; each fails decoding in its own way. */
export const malformedKinds = ["truncated-json", "unknown-type", "invalid-field", "not-json"] as const
export type MalformedKind = (typeof malformedKinds)[number]

/** The `n`th broken line, of `kind`; `previous` is the line before it (a truncated line is cut from it). */
export const malformedLine = (kind: MalformedKind, n: number, previous: string): string => {
  switch (kind) {
    case "truncated-json":
      // An export cut off mid-line.
      return previous.slice(0, Math.max(1, Math.floor(previous.length / 2)))
    case "unknown-type":
      return JSON.stringify({ eventId: `malformed-${n}`, type: "MemberDeleted", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "org-unknown" })
    case "invalid-field":
      return JSON.stringify({ eventId: `malformed-${n}`, type: "ContactRecorded", occurredAt: "2026-01-01 09:00", orgId: "org-unknown", channel: "fax" })
    case "not-json":
      return `-- export interrupted (${n}) --`
  }
}
