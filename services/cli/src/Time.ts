/**
 * Reading and writing instants at the command line. `--as-of` takes a calendar date (the end of
 * that day in China Standard Time, so events recorded during the day count) or an ISO-8601 instant
 * with an offset; output instants are written as the contract writes them (`…+08:00`).
 */
import { Effect, Option, Result, Schema } from "effect"
import { Event } from "@relink/core"
import { BadAsOf } from "./Errors.ts"

const decodeInstant = Schema.decodeUnknownResult(Event.Instant)
const isDate = Schema.is(Event.CalendarDate)
const encodeInstant = Schema.encodeSync(Event.Instant)

/** Epoch milliseconds of `2026-11-27` (end of day, +08:00) or of an ISO instant; undefined otherwise. */
export const parseAsOf = (text: string): number | undefined => {
  const trimmed = text.trim()
  if (isDate(trimmed)) return Date.parse(`${trimmed}T23:59:59+08:00`)
  const decoded = decodeInstant(trimmed)
  return Result.isSuccess(decoded) ? decoded.success : undefined
}

/** The `--as-of` flag's value, or now when it was not given. */
export const asOf = (flag: Option.Option<string>): Effect.Effect<number, BadAsOf> =>
  Option.match(flag, {
    onNone: () => Effect.sync(() => Date.now()),
    onSome: (text) => {
      const at = parseAsOf(text)
      return at === undefined ? Effect.fail(new BadAsOf({ value: text })) : Effect.succeed(at)
    }
  })

const CST = 8 * 3_600_000

/**
 * `2026-03-01T09:30:00+08:00`, as the event contract writes instants (`Event.Instant`'s encoding;
 * the tests hold the two equal). Written out here because scan output formats millions of them and
 * the schema encoder costs about three times as much.
 */
export const formatInstant = (at: number): string => {
  const iso = new Date(at + CST).toISOString()
  return `${at % 1000 === 0 ? iso.slice(0, 19) : iso.slice(0, 23)}+08:00`
}

/** The contract's own encoding of an instant (the reference for `formatInstant`). */
export const encodeContractInstant = (at: number): string => encodeInstant(at)

/** `2026-03-01` in China Standard Time. */
export const formatDate = (at: number): string => formatInstant(at).slice(0, 10)
