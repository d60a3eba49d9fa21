/**
 * A seeded generator of numbers in [0, 1) (mulberry32): what training samples member pairs with,
 * so that one seed gives one trained rule on every platform.
 *
 * @internal
 */
export const seededRandom = (seed: number): (() => number) => {
  let state = Math.trunc(seed) >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
