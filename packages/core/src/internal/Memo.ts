/**
 * A pure function of a string, memoised in a bounded cache: once `limit` distinct inputs are held,
 * the oldest is dropped. Name keys cost tens of microseconds each (pinyin, segmentation) and a scan
 * computes them for every candidate and observation, most of them common names seen before.
 */
export const memo = <A>(limit: number, f: (input: string) => A): ((input: string) => A) => {
  const cache = new Map<string, A>()
  return (input) => {
    if (cache.has(input)) return cache.get(input) as A
    const value = f(input)
    if (cache.size >= limit) {
      const oldest = cache.keys().next()
      if (oldest.done !== true) cache.delete(oldest.value)
    }
    cache.set(input, value)
    return value
  }
}
