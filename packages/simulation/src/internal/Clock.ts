/**
 * Simulated time: spans of days, the time of day an event of each kind is recorded at, and the
 * instants of the stream written fast.
 *
 * @internal
 */
import { Instant } from "@relink/core"
import type { Random } from "./Random.ts"

export const MINUTE = 60_000

/** `n` days in milliseconds. */
export const days = (n: number): number => n * Instant.DAY

/** An instant in [from, to), or `from` when the span is empty (and then nothing is drawn). */
export const during = (rng: Random, from: number, to: number): number => (to <= from ? from : rng.between(from, to))

/** The kind of time of day an event is recorded at. */
export type Moment = "office" | "meeting" | "dues" | "app"

/**
 * An event time on the day of `t`, at a time of day typical of `moment`; never after `asOf` (on
 * the last day an event that would fall later happens at `t` itself).
 */
export const timeOfDay = (rng: Random, asOf: number, t: number, moment: Moment): number => {
  let offset: number
  switch (moment) {
    case "office":
      offset = (8 * 60 + 30) * MINUTE + rng.int(0, 9 * 3600) * 1000
      break
    case "meeting":
      offset = rng.pick([9 * 60, 14 * 60 + 30, 19 * 60 + 30]) * MINUTE
      break
    case "dues":
      offset = rng.int(8 * 60, 22 * 60 + 59) * MINUTE
      break
    case "app":
      offset = rng.int(7 * 3600 + 1800, 22 * 3600 + 1800) * 1000
      break
  }
  const at = Instant.startOfDay(t) + offset
  return at <= asOf ? at : Math.floor(Math.min(t, asOf) / 1000) * 1000
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/**
 * `Instant.formatCst` for whole seconds, with the date part cached per day: formatting every
 * instant through `Date#toISOString` would be the simulation's largest single cost.
 */
export const cstFormatter = (): ((at: number) => string) => {
  const dates = new Map<number, string>()
  return (at: number): string => {
    const midnight = Instant.startOfDay(at)
    let date = dates.get(midnight)
    if (date === undefined) {
      date = Instant.formatCstDate(midnight)
      dates.set(midnight, date)
    }
    const second = Math.floor((at - midnight) / 1000)
    return `${date}T${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}+08:00`
  }
}
