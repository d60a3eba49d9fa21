/**
 * A member's own contact rhythm, and how suspicious their current silence is against it: an accrual
 * detector in the manner of the φ accrual failure detector (Hayashibara et al.), over the days a
 * member was in contact. docs/early-warning.md.
 *
 * - The rhythm is the median and the spread of the logarithms of the member's recent gaps between
 *   contact days: robust statistics, so that a fading member's lengthening last gaps do not become
 *   their rhythm, and a multiplicative scale, so that a week late means much for a weekly member and
 *   little for a quarterly one.
 * - Suspicion φ = −log10 P(a gap at least this long), the gap's logarithm taken as normal with the
 *   rhythm's median and spread; the spread never falls below a floor. A member who fades is
 *   suspected sooner: the last gaps and the current silence are also judged together.
 * - A member with fewer gaps on record than the settings ask for has no rhythm.
 *
 * The early-warning model (`EarlyWarning`) reads the rhythm; this module only measures it.
 */
import { DAY, HOUR } from "./Instant.ts"
import { median } from "./internal/Median.ts"

/** How many distinct contact days a projection keeps: the latest ones, enough for a robust median. */
export const KEPT_DAYS = 12

const CST_OFFSET = 8 * HOUR

/** The contact day (China Standard Time) of an instant, as days since 1970-01-01. */
export const dayOf = (at: number): number => Math.floor((at + CST_OFFSET) / DAY)

/** No contact days: shared by every projection without any. */
export const none: ReadonlyArray<number> = Object.freeze([])

/** The contact days of one contact. */
export const single = (at: number): ReadonlyArray<number> => [dayOf(at)]

/**
 * The latest `KEPT_DAYS` distinct days of both, latest first: union and truncation commute, so the
 * merge stays commutative, associative and idempotent. `a` itself when nothing changes.
 */
export const mergeDays = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): ReadonlyArray<number> => {
  if (a === b || b.length === 0) return a
  if (a.length === 0) return b
  let changed = false
  for (const day of b) {
    if (!a.includes(day) && (a.length < KEPT_DAYS || day > (a[a.length - 1] as number))) {
      changed = true
      break
    }
  }
  if (!changed) return a
  const union = [...new Set([...a, ...b])].sort((x, y) => y - x)
  return union.length > KEPT_DAYS ? union.slice(0, KEPT_DAYS) : union
}

/** `mergeDays(days, single(at))`, in place when `days` is the caller's own array (a fold's), else a new one. */
export const addDay = (days: ReadonlyArray<number>, at: number, own: boolean): ReadonlyArray<number> => {
  const day = dayOf(at)
  if (days.includes(day)) return days
  if (days.length >= KEPT_DAYS && day < (days[days.length - 1] as number)) return days
  const out = own && days !== none ? (days as Array<number>) : days.slice()
  let i = out.length
  out.push(day)
  while (i > 0 && (out[i - 1] as number) < day) {
    out[i] = out[i - 1] as number
    i--
  }
  out[i] = day
  if (out.length > KEPT_DAYS) out.length = KEPT_DAYS
  return out
}

/** A member's rhythm: their typical gap between contacts, how much it varies (on a log scale), and how late their last gaps ran. */
export interface Rhythm {
  /** The median gap, in days. */
  readonly gapDays: number
  /** The robust standard deviation of the gaps' natural logarithms, at least the floor it was made with. */
  readonly spread: number
  /** The sum of the z-scores of the last `RECENT_GAPS` gaps against the rhythm: well above 0 when the member fades. */
  readonly lateness: number
}

/** How many of the latest gaps a fade is read from (with the current silence, a window of four). */
export const RECENT_GAPS = 3

/** The normal distribution's MAD-to-standard-deviation factor. */
const MAD_TO_SD = 1.4826

/** The gaps of a member's contact days, summarised before any floor: what every rhythm of them is made from. */
export interface Shape {
  /** The natural logarithm of the median gap. */
  readonly center: number
  /** 1.4826 × the median absolute deviation of the gaps' logarithms, unfloored. */
  readonly spread: number
  /** The sum of the last `RECENT_GAPS` gaps' logarithms less the center. */
  readonly deviation: number
  readonly gaps: number
}

/** The shape of the contact days (latest first); undefined without a gap. */
export const shapeOf = (days: ReadonlyArray<number>): Shape | undefined => {
  if (days.length < 2) return undefined
  // Latest gap first.
  const gaps: Array<number> = []
  for (let i = 1; i < days.length; i++) gaps.push(Math.log((days[i - 1] as number) - (days[i] as number)))
  const sorted = [...gaps].sort((x, y) => x - y)
  const center = median(sorted) as number
  const deviations = sorted.map((l) => Math.abs(l - center)).sort((x, y) => x - y)
  let deviation = 0
  for (const gap of gaps.slice(0, RECENT_GAPS)) deviation += gap - center
  return { center, spread: MAD_TO_SD * (median(deviations) as number), deviation, gaps: gaps.length }
}

/** What a rhythm needs: enough gaps, and the least spread it takes (so that a clockwork member is not suspected a day late). */
export interface Settings {
  readonly minGaps: number
  readonly spreadFloor: number
}

/** The rhythm of a shape; undefined with fewer gaps than the settings need. */
export const ofShape = (shape: Shape | undefined, settings: Settings): Rhythm | undefined => {
  if (shape === undefined || shape.gaps < settings.minGaps) return undefined
  const spread = Math.max(settings.spreadFloor, shape.spread)
  return { gapDays: Math.exp(shape.center), spread, lateness: shape.deviation / spread }
}

/** The rhythm of the contact days (latest first); undefined with fewer gaps than the settings need. */
export const of = (days: ReadonlyArray<number>, settings: Settings): Rhythm | undefined => ofShape(shapeOf(days), settings)

/**
 * ln Q(z), Q the standard normal upper tail, without underflow far out: Q(z) = erfc(z/√2)/2 with
 * erfc's Chebyshev fit (fractional error below 1.2e-7), whose exponent is kept as a logarithm.
 */
const logUpperTail = (z: number): number => {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.5 * x)
  const exponent =
    -x * x -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  const logHalfErfc = Math.log(0.5 * t) + exponent
  return z >= 0 ? logHalfErfc : Math.log1p(-Math.exp(logHalfErfc))
}

const zOfGap = (rhythm: Rhythm, days: number): number => (Math.log(days) - Math.log(rhythm.gapDays)) / rhythm.spread

/** The window's z-score: the current silence with the last gaps, as one sum of independent z-scores. */
const windowZ = (rhythm: Rhythm, z: number): number => (rhythm.lateness + z) / Math.sqrt(RECENT_GAPS + 1)

const phiOf = (z: number): number => Math.max(0, -logUpperTail(z) / Math.LN10)

/**
 * φ of a silence of `days` for the rhythm: −log10 of the probability that a gap is at least this
 * long, or that the last gaps and this silence together run this late, whichever is less likely.
 * The second catches a member who fades before the silence itself is long.
 */
export const suspicionOfGap = (rhythm: Rhythm, days: number, fadeWindow = true): number => {
  if (days <= 0) return 0
  const z = zOfGap(rhythm, days)
  return fadeWindow ? Math.max(phiOf(z), phiOf(windowZ(rhythm, z))) : phiOf(z)
}

/** φ at `asOf` of a member whose last contact was at `lastContactAt`. */
export const suspicion = (rhythm: Rhythm, lastContactAt: number, asOf: number, fadeWindow = true): number =>
  suspicionOfGap(rhythm, (asOf - lastContactAt) / DAY, fadeWindow)

const zAt = new Map<number, number>()

/** The z-score at which φ reaches `phi` (Q(z) = 10^−phi), by bisection; one per threshold, kept. */
const zOf = (phi: number): number => {
  const known = zAt.get(phi)
  if (known !== undefined) return known
  const target = -phi * Math.LN10
  let low = -10
  let high = 40
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2
    if (logUpperTail(mid) > target) low = mid
    else high = mid
  }
  zAt.set(phi, high)
  return high
}

/** The silence, in days, at which φ reaches `suspicion` for this rhythm (either way of reaching it, with the fade window). */
export const warningGapDays = (rhythm: Rhythm, suspicion: number, fadeWindow = true): number => {
  const z = zOf(suspicion)
  // The silence's own z-score at which either test reaches the threshold, whichever comes first.
  const inWindow = fadeWindow ? z * Math.sqrt(RECENT_GAPS + 1) - rhythm.lateness : z
  return rhythm.gapDays * Math.exp(rhythm.spread * Math.min(z, inWindow))
}
