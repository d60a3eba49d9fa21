/**
 * Long pure computations, in steps. A fold over a million members is written as a generator that
 * yields (nothing) between units of work — a member evaluated, an observation matched — and
 * returns its result. `run` takes it to the end at once; a caller that must stay responsive (the
 * CLI must act on a signal within moments, and no handler runs while JavaScript does) runs it a
 * slice at a time and lets its event loop turn in between. How the steps are run changes nothing:
 * the result is the one `run` gives.
 */

/** A computation that pauses between units of work and returns an `A`. */
export type Steps<A> = Generator<undefined, A, undefined>

/** Runs every step at once: the result, as a plain function call would give it. */
export const run = <A>(steps: Steps<A>): A => {
  for (;;) {
    const next = steps.next()
    if (next.done === true) return next.value
  }
}

/** Calls `f` on each item, a step after each. */
export function* each<A>(items: Iterable<A>, f: (item: A) => void): Steps<void> {
  for (const item of items) {
    f(item)
    yield
  }
}

/** Pushes every value a generator yields into `into`, a step after each; returns what it returns. */
export function* collect<A, R>(values: Generator<A, R, undefined>, into: Array<A>): Steps<R> {
  for (;;) {
    const next = values.next()
    if (next.done === true) return next.value
    into.push(next.value)
    yield
  }
}

/** Elements sorted at once before merging: a run's sort is one step. */
const RUN = 512

/** Merges done between steps. */
const MERGES_PER_STEP = 1024

/**
 * Sorts `items` in place, as `items.sort(compare)` would (stable, so the same order for any
 * consistent `compare`): runs sorted at once, then merged pairwise, a step every so many merges.
 */
export function* sort<A>(items: Array<A>, compare: (a: A, b: A) => number): Steps<void> {
  const n = items.length
  for (let start = 0; start < n; start += RUN) {
    const run = items.slice(start, start + RUN).sort(compare)
    for (let i = 0; i < run.length; i++) items[start + i] = run[i] as A
    yield
  }
  let from = items
  let to = new Array<A>(n)
  for (let width = RUN; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n)
      const right = Math.min(left + 2 * width, n)
      let i = left
      let j = middle
      let k = left
      while (i < middle && j < right) {
        // The left run's element first unless the right one is strictly smaller: stable.
        to[k++] = compare(from[j] as A, from[i] as A) < 0 ? (from[j++] as A) : (from[i++] as A)
        if (k % MERGES_PER_STEP === 0) yield
      }
      while (i < middle) to[k++] = from[i++] as A
      while (j < right) to[k++] = from[j++] as A
    }
    ;[from, to] = [to, from]
    yield
  }
  if (from !== items) for (let i = 0; i < n; i++) items[i] = from[i] as A
}
