/** Optional fields built from maybe-undefined values, without the `undefined`s. */
export type Defined<A> = {
  [K in keyof A as undefined extends A[K] ? never : K]: A[K]
} & {
  [K in keyof A as undefined extends A[K] ? K : never]?: Exclude<A[K], undefined>
}

/**
 * Drops undefined fields, as `exactOptionalPropertyTypes` wants, and so that a value built from an
 * event and the same value rebuilt by a merge have the same keys (and compare equal).
 */
export const defined = <A extends object>(value: A): Defined<A> => {
  const out: Record<string, unknown> = {}
  for (const key in value) {
    const v = value[key]
    if (v !== undefined) out[key] = v
  }
  return out as Defined<A>
}
