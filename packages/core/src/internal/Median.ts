/**
 * The median of numbers sorted ascending (the mean of the middle two for an even count); undefined
 * for none.
 *
 * @internal
 */
export const median = (sorted: ReadonlyArray<number>): number | undefined => {
  if (sorted.length === 0) return undefined
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
