/**
 * Deep equality of decoded values: a field holding `undefined` is the same as no field (in memory a
 * projection has every field, decoded from storage it has only those present), `Redacted` values
 * compare by what they hide, and key order is no part of it.
 *
 * @internal
 */
import { Redacted } from "effect"

const isPlain = (u: object): u is Record<string, unknown> => !Array.isArray(u)

export const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Redacted.isRedacted(a) || Redacted.isRedacted(b)) {
    return Redacted.isRedacted(a) && Redacted.isRedacted(b) && Redacted.value(a) === Redacted.value(b)
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false
    const left: ReadonlyArray<unknown> = a
    const right: ReadonlyArray<unknown> = b
    return left.length === right.length && left.every((item, i) => same(item, right[i]))
  }
  if (!isPlain(a) || !isPlain(b)) return false
  // Own fields only: records are keyed by ids, and an id may be "toString".
  const field = (o: Record<string, unknown>, key: string) => (Object.hasOwn(o, key) ? o[key] : undefined)
  for (const key of Object.keys(a)) if (!same(a[key], field(b, key))) return false
  for (const key of Object.keys(b)) if (field(a, key) === undefined && b[key] !== undefined) return false
  return true
}
