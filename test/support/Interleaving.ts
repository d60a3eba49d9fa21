/**
 * A seeded scheduler for concurrency tests: actors (fibers standing for workers) park at every
 * round trip to a shared store; once every live actor is parked, the scheduler picks one to go on
 * (or to die there), from a seed, so a schedule replays exactly. Time is virtual: each round trip
 * takes a millisecond, and an actor can sleep or stall for a while.
 */
import { Data, Deferred, Effect, Exit, Fiber } from "effect"

/** What an actor's round trip does: go on, or die there after `applied` documents of a bulk write. */
export type Verdict = { readonly _tag: "Go" } | { readonly _tag: "Die"; readonly applied: number }

/** An actor the schedule killed: the store fails its round trip with this. */
export class Killed extends Data.TaggedError("Killed")<{ readonly actor: number }> {}

/** mulberry32: small, fast, and the same sequence for a seed everywhere. */
export const random = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export interface Options {
  readonly seed: number
  /** How many actors may die over the whole run. */
  readonly deaths: number
  /** Chance that a round trip is where an actor dies, while deaths are left. */
  readonly deathRate?: number
  /** Chance that an actor stalls after a round trip, and for at most how long (ms). */
  readonly stallRate?: number
  readonly maxStallMs?: number
}

export interface Stats {
  readonly steps: number
  readonly died: number
}

export const make = (options: Options) => {
  const next = random(options.seed)
  const waiting = new Map<number, { readonly deferred: Deferred.Deferred<Verdict>; readonly notBefore: number; readonly mortal: boolean }>()
  const notBefore = new Map<number, number>()
  const fibers = new Map<number, { readonly fiber: Fiber.Fiber<unknown, unknown>; readonly onDeath: Effect.Effect<void> }>()
  const killed = new Set<number>()
  let clock = 0
  let steps = 0
  let died = 0
  let deathsLeft = options.deaths
  let ids = 0

  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)] as A

  /** Parks `actor` until the scheduler lets it make its next round trip (where it may die, if `mortal`). */
  const turn = (actor: number, mortal = true) =>
    Effect.gen(function* () {
      const deferred = yield* Deferred.make<Verdict>()
      waiting.set(actor, { deferred, notBefore: notBefore.get(actor) ?? 0, mortal })
      return yield* Deferred.await(deferred)
    })

  /**
   * One round trip of `actor`: `apply(n)` applies its first n documents — all of `size`, or, where
   * the actor dies, the part of a bulk write that landed first — and the actor then fails with
   * `Killed`.
   */
  const roundTrip = <A>(actor: number, size: number, apply: (n: number) => A): Effect.Effect<A, Killed> =>
    Effect.gen(function* () {
      const verdict = yield* turn(actor)
      if (verdict._tag === "Die") {
        apply(Math.min(verdict.applied, size))
        return yield* new Killed({ actor })
      }
      const result = apply(size)
      // Now and then an actor stalls after an answer (a pause, a slow machine) before going on.
      if (next() < (options.stallRate ?? 0.05)) notBefore.set(actor, clock + Math.floor(next() * (options.maxStallMs ?? 100)))
      return result
    })

  /** The actor sleeps `ms` of virtual time, while the others go on. */
  const sleep = (actor: number, ms: number) =>
    Effect.suspend(() => {
      notBefore.set(actor, Math.max(notBefore.get(actor) ?? 0, clock + ms))
      return Effect.asVoid(turn(actor, false))
    })

  /** Starts an actor; `onDeath` runs when the schedule kills it (to deliver its work again). */
  const spawn = (run: (actor: number) => Effect.Effect<unknown, unknown>, onDeath: (actor: number) => Effect.Effect<void> = () => Effect.void) =>
    Effect.gen(function* () {
      const actor = ids++
      fibers.set(actor, { fiber: yield* Effect.forkChild(run(actor)), onDeath: onDeath(actor) })
      return actor
    })

  /** Drives every actor to its end; an actor that fails other than by being killed fails the run. */
  const run = Effect.gen(function* () {
    for (;;) {
      // Every live actor is parked at its next round trip before the scheduler chooses.
      while (waiting.size < fibers.size) {
        yield* Effect.yieldNow
        for (const [actor, { fiber, onDeath }] of fibers) {
          const exit = fiber.pollUnsafe()
          if (exit === undefined) continue
          fibers.delete(actor)
          if (Exit.isSuccess(exit)) continue
          if (!killed.has(actor)) return yield* Effect.die(new Error(`seed ${options.seed}: actor ${actor} failed`, { cause: exit.cause }))
          died++
          yield* onDeath
        }
      }
      if (fibers.size === 0) return { steps, died } satisfies Stats
      const ready = [...waiting].filter(([, w]) => w.notBefore <= clock).sort(([a], [b]) => a - b)
      if (ready.length === 0) {
        clock = Math.min(...[...waiting.values()].map((w) => w.notBefore))
        continue
      }
      const [actor, { deferred, mortal }] = pick(ready)
      waiting.delete(actor)
      clock += 1
      steps++
      const dies = mortal && deathsLeft > 0 && next() < (options.deathRate ?? 0.02)
      if (dies) {
        deathsLeft--
        killed.add(actor)
      }
      const verdict: Verdict = dies ? { _tag: "Die", applied: Math.floor(next() * 3) } : { _tag: "Go" }
      yield* Deferred.succeed(deferred, verdict)
    }
  })

  return { random: next, pick, now: () => clock, roundTrip, sleep, spawn, run }
}

export type Interleaving = ReturnType<typeof make>
