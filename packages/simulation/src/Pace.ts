/**
 * How often members are in contact, in the two shapes a simulated world can take
 * (README "World shapes"): a member's pace (how many days lie between two of their contacts), how
 * the gaps lengthen when a member fades, and the Spring Festival lull of the `varied` world.
 *
 * - `rhythms`: every member keeps one of four rhythms, weekly to quarterly (`Lives.Rhythm`), gaps
 *   uniform within its range; six in ten lives that end in silence fade first.
 * - `varied`: every member has a mean gap of their own, 7 to 90 days; three in ten are irregular
 *   (gaps varying about as much as contact at random), the others moderately; contacts are rarer
 *   around the Spring Festival; half the lives that end in silence fade first, half stop abruptly.
 */
import * as Clock from "./internal/Clock.ts"
import * as Data from "./internal/ChineseData.ts"
import type { Random } from "./internal/Random.ts"

/** The shape of a world's contacts. */
export type Shape = "rhythms" | "varied"

/** Every shape; the first is the default. */
export const shapes: ReadonlyArray<Shape> = ["rhythms", "varied"]

/** A member's pace: draws the days from one contact to the next. */
export interface Pace {
  /** Days to the next contact; `away` (no meetings to go to), a fifth more. */
  readonly gap: (rng: Random, away: boolean) => number
}

/** How much longer the gaps of a member who is away are. */
const awaySparser = 1.2

/**
 * No gap of a member in contact, nor of a fade, reaches it (in days): under the six months after
 * which the rules call a member lost (`Policy.lostAfterMonths`) even when the lull lengthens it, so
 * that only the lives that end in silence are lost.
 */
export const longestGap = 150

/** Gaps uniform between `least` and `most` days: a rhythm of the `rhythms` world. */
export const uniform = (least: number, most: number): Pace => {
  const home = [least, most] as const
  const away = [least * awaySparser, most * awaySparser] as const
  return { gap: (rng, isAway) => rng.between(...(isAway ? away : home)) }
}

/** The members' mean gaps in the `varied` world, log-uniform between these days. */
const meanGaps = [7, 90] as const
/** The share of members drawn irregular in the `varied` world, and the CVs of their gaps. */
const irregularShare = 0.3
const irregularCv = [0.8, 1.2] as const
/** The CVs of the other members' gaps. */
const moderateCv = [0.2, 0.4] as const

/**
 * A day plus a gamma-distributed rest: `mean` days on average, with a coefficient of variation
 * `cv` (the rest is what varies: the member is never in contact twice in one day by their pace).
 * A gap that would reach {@link longestGap} is drawn again.
 */
export const gamma = (mean: number, cv: number): Pace => {
  const shape = ((mean - 1) / (cv * mean)) ** 2
  const scale = (mean - 1) / shape
  return {
    gap: (rng, away) => {
      for (;;) {
        const gap = (1 + scale * rng.gamma(shape)) * (away ? awaySparser : 1)
        if (gap < longestGap) return gap
      }
    }
  }
}

/** A member's pace in the `varied` world: a mean gap log-uniform in 7–90 days, irregular or moderate. */
export const varied = (rng: Random): Pace => {
  const mean = meanGaps[0] * Math.pow(meanGaps[1] / meanGaps[0], rng.float())
  const cv = rng.chance(irregularShare) ? rng.between(...irregularCv) : rng.between(...moderateCv)
  return gamma(mean, cv)
}

/** How a member fades: over `steps` gaps, each `growth` times the one before. */
export interface Fade {
  readonly steps: readonly [number, number]
  readonly growth: readonly [number, number]
}

/**
 * When contacts are rarer than a member's pace: a contact at `t` moves out of a lull, or not.
 * `after` moves it past the lull's end (contacts drawn forward); `before`, before its start
 * (contacts drawn back from a last one).
 */
export interface Season {
  readonly after: (rng: Random, t: number) => number
  readonly before: (rng: Random, t: number) => number
}

/** A calendar without lulls. */
const evenYear: Season = { after: (_, t) => t, before: (_, t) => t }

/**
 * 春节: from 7 days before the Spring Festival (小年, when the year's work ends) to 元宵, 14 days
 * after, a contact moves out with probability 0.6, to within a week of the window.
 */
const springFestival = (): Season => {
  const windows = Data.springFestivals.map((date) => {
    const day = Date.parse(`${date}T00:00:00+08:00`)
    return [day - Clock.days(7), day + Clock.days(14)] as const
  })
  const moved = 0.6
  const windowOf = (t: number) => windows.find(([start, end]) => t >= start && t < end)
  return {
    after: (rng, t) => {
      const window = windowOf(t)
      return window !== undefined && rng.chance(moved) ? window[1] + Clock.days(rng.between(0, 7)) : t
    },
    before: (rng, t) => {
      const window = windowOf(t)
      return window !== undefined && rng.chance(moved) ? window[0] - Clock.days(rng.between(0, 7)) : t
    }
  }
}

/** What a shape decides beyond the members' paces. */
export interface Tempo {
  readonly fade: Fade
  /** The share of the lives ending in silence (lost, suspended, removed, irregular) that fade first; the others stop abruptly. */
  readonly fadingShare: number
  readonly season: Season
}

export const tempos: Readonly<Record<Shape, Tempo>> = {
  rhythms: { fade: { steps: [3, 5], growth: [1.3, 1.8] }, fadingShare: 0.6, season: evenYear },
  varied: { fade: { steps: [2, 6], growth: [1.2, 2.5] }, fadingShare: 0.5, season: springFestival() }
}
