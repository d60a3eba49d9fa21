/**
 * Reading instants at the command line. `--as-of` takes a calendar date (the end of that day in
 * China Standard Time, so events recorded during the day count) or an ISO-8601 instant with an
 * offset; output instants are written with core's `Instant.formatCst`, as the contract writes them.
 */
import { Effect, Option } from "effect"
import { Instant } from "@relink/core"
import { BadAsOf } from "./Errors.ts"

/** Epoch milliseconds of `2026-11-27` (end of day, +08:00) or of an ISO instant; undefined otherwise. */
export const parseAsOf = (text: string): number | undefined => {
  const trimmed = text.trim()
  return Instant.isCalendarDate(trimmed) ? Date.parse(`${trimmed}T23:59:59+08:00`) : Instant.parseInstant(trimmed)
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
