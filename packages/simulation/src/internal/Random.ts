/**
 * A small seeded pseudo-random generator for the simulation: sfc32 (Chris Doty-Humphrey's Small
 * Fast Chaotic PRNG, 128-bit state, passes PractRand) seeded through splitmix32. The same seed
 * always gives the same sequence, on every platform; nothing here reads `Math.random` or a clock.
 *
 * @internal
 */

const TWO_32 = 4_294_967_296

/** splitmix32: spreads a 32-bit seed over the whole state, so seeds 1 and 2 are unrelated. */
const splitmix32 = (state: number): { readonly state: number; readonly value: number } => {
  const next = (state + 0x9e3779b9) | 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return { state: next, value: (z ^ (z >>> 15)) >>> 0 }
}

export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  /**
   * Any finite number is a seed: it is truncated to an integer and both 32-bit halves are used
   * (so seeds up to ±2^53 are distinct). `stream` (a whole number, default 0) picks another
   * sequence of the same seed: a part of the simulation drawing on a stream of its own shifts none
   * of the draws of the others.
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isFinite(seed)) throw new RangeError("a seed must be a finite number")
    const whole = Math.trunc(seed)
    const low = whole >>> 0
    const high = Math.floor(whole / TWO_32) >>> 0
    let s = low ^ Math.imul(high, 0x85ebca6b) ^ Math.imul(stream, 0x27d4eb2f)
    const words: Array<number> = []
    for (let i = 0; i < 4; i++) {
      const r = splitmix32(s)
      s = r.state
      words.push(r.value)
    }
    this.a = words[0] ?? 0
    this.b = words[1] ?? 0
    this.c = words[2] ?? 0
    this.d = (words[3] ?? 0) | 1
    for (let i = 0; i < 12; i++) this.next()
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const t0 = (this.a + this.b) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.d = (this.d + 1) | 0
    const t = (t0 + this.d) | 0
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / TWO_32
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float()
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p
  }

  /** A standard normal draw (Box–Muller, two uniform draws). */
  normal(): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.float()))
    return radius * Math.cos(2 * Math.PI * this.float())
  }

  /**
   * A gamma draw of shape `k` > 0 and scale 1: mean and variance `k` (Marsaglia & Tsang 2000, a
   * few draws on average; below shape 1 a draw of shape `k` + 1 times a uniform to the power 1/`k`).
   */
  gamma(k: number): number {
    if (k < 1) return this.gamma(k + 1) * Math.pow(this.float(), 1 / k)
    const d = k - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      const x = this.normal()
      const cube = 1 + c * x
      if (cube <= 0) continue
      const v = cube * cube * cube
      const u = this.float()
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
    }
  }

  /** A uniformly chosen element. @throws RangeError on an empty list (a programming error). */
  pick<A>(items: ReadonlyArray<A>): A {
    if (items.length === 0) throw new RangeError("pick from an empty list")
    return items[Math.floor(this.float() * items.length)] as A
  }

  /** An independent generator seeded from this one (for a sub-stream that must not shift others). */
  fork(): Random {
    return new Random(this.next() * TWO_32 + this.next())
  }
}

/** A weighted choice, precomputed once: `table.pick(random)` costs a binary search. */
export class Table<A> {
  private readonly values: ReadonlyArray<A>
  private readonly cumulative: Float64Array
  private readonly total: number

  constructor(entries: ReadonlyArray<readonly [A, number]>) {
    const kept = entries.filter(([, w]) => w > 0)
    if (kept.length === 0) throw new RangeError("a weighted table needs a positive weight")
    this.values = kept.map(([v]) => v)
    this.cumulative = new Float64Array(kept.length)
    let sum = 0
    kept.forEach(([, w], i) => {
      sum += w
      this.cumulative[i] = sum
    })
    this.total = sum
  }

  pick(random: Random): A {
    const x = random.float() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.cumulative[mid] ?? 0) > x) hi = mid
      else lo = mid + 1
    }
    return this.values[lo] as A
  }
}

/** Weights that fall with rank (Zipf, exponent `s`): the first entries of a list repeat most. */
export const byRank = <A>(items: ReadonlyArray<A>, s = 0.8): Table<A> =>
  new Table(items.map((item, i) => [item, 1 / Math.pow(i + 1, s)] as const))
