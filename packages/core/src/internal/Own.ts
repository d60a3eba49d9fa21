/**
 * Records keyed by ids from the wire, which may be `__proto__` or `toString`: only own properties
 * count, and `__proto__` is defined, since assigning it would set the prototype.
 *
 * @internal
 */

export const ownValue = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined => (Object.hasOwn(record, key) ? record[key] : undefined)

export const setOwn = <A>(record: Record<string, A>, key: string, value: A): void => {
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  else record[key] = value
}
