/**
 * The event ids a scan has seen, each with its first copy's content digest and position, in typed
 * arrays: 20 bytes a slot (~30 an event), where a `Map` of the id strings takes ~100 bytes an event
 * on the heap and stops at 2^24 entries — an export of a million members has 15 million events.
 *
 * An id is known by a 96-bit hash of it, not its text: two ids of one export sharing all 96 bits
 * (odds ~n²/2^97, 10^-15 for 15 million ids) would make the later a repeat. The content digest has
 * 32 bits: a conflict whose digests collide (odds 2^-32) is counted as a duplicate — either way the
 * later copy is not applied. The table is split into shards that grow one at a time, so growing
 * never holds two copies of the whole table.
 *
 * @internal
 */
import { Redacted } from "effect"

const SHARD_BITS = 8
const SHARDS = 1 << SHARD_BITS
const WORDS = 5
const INITIAL = 64
const MAX_LOAD = 0.8
const GROWTH = 1.5
const TWO_32 = 2 ** 32

interface Shard {
  /** Per slot: three hash words of the id (the third never 0 in a used slot), the digest, the position. */
  words: Uint32Array
  capacity: number
  size: number
}

export interface Seen {
  readonly shards: ReadonlyArray<Shard>
}

export const make = (): Seen => ({
  shards: Array.from({ length: SHARDS }, () => ({ words: new Uint32Array(INITIAL * WORDS), capacity: INITIAL, size: 0 }))
})

const fmix = (x: number): number => {
  let h = x ^ (x >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

const mix = (h: number, x: number): number => {
  const m = Math.imul(h ^ x, 0x5bd1e995)
  return m ^ (m >>> 15)
}

const hashText = (seed: number, text: string): number => {
  let h = seed
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i))
  return fmix(h ^ text.length)
}

const isRecord = (u: object): u is Record<string, unknown> => !Array.isArray(u)

/**
 * A 32-bit digest of a decoded value: personal data by its value, instants as the epoch
 * milliseconds they decode to, an object's fields summed so that key order is no part of it, and
 * no string built on the way — the scan digests every event it reads (`Event.canonical` costs
 * several times the decoding).
 */
export const digest = (value: unknown): number => {
  switch (typeof value) {
    case "string":
      return hashText(0x1b873593, value)
    case "number":
      return Number.isSafeInteger(value) ? fmix(mix(mix(0x2f3a9c15, value >>> 0), Math.floor(value / TWO_32) | 0)) : hashText(0x3c6ef372, String(value))
    case "boolean":
      return value ? 0x5f356495 : 0x2a1f8b3d
    case "object": {
      if (value === null) return 0x7b3c1d2e
      if (Redacted.isRedacted(value)) return digest(Redacted.value(value))
      if (Array.isArray(value)) {
        const items: ReadonlyArray<unknown> = value
        let h = 0x4d2a71c3
        for (const item of items) h = mix(h, digest(item))
        return fmix(h ^ items.length)
      }
      if (!isRecord(value)) return 0
      let sum = 0x6a09e667
      for (const key of Object.keys(value)) {
        const field = value[key]
        if (field !== undefined) sum = (sum + fmix(hashText(0x510e527f, key) + Math.imul(digest(field), 0x9e3779b1))) | 0
      }
      return fmix(sum)
    }
    default:
      return 0
  }
}

/** Where the first slot of `h0` is, in a shard of `capacity` slots (any capacity, not only powers of two). */
const home = (h0: number, capacity: number): number => Math.floor((h0 * capacity) / TWO_32)

const insertAt = (shard: Shard, h0: number, h1: number, h2: number, digest: number, position: number): void => {
  const { words, capacity } = shard
  let slot = home(h0, capacity)
  while (words[slot * WORDS + 2] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1
  const at = slot * WORDS
  words[at] = h0
  words[at + 1] = h1
  words[at + 2] = h2
  words[at + 3] = digest
  words[at + 4] = position
  shard.size++
}

const grow = (shard: Shard): void => {
  const old = shard.words
  const oldCapacity = shard.capacity
  shard.capacity = Math.ceil(oldCapacity * GROWTH)
  shard.words = new Uint32Array(shard.capacity * WORDS)
  shard.size = 0
  for (let slot = 0; slot < oldCapacity; slot++) {
    const at = slot * WORDS
    const h2 = old[at + 2] as number
    if (h2 !== 0) insertAt(shard, old[at] as number, old[at + 1] as number, h2, old[at + 3] as number, old[at + 4] as number)
  }
}

/** The first copy of an id: its content digest and its position (0: unknown). */
export interface First {
  readonly digest: number
  readonly position: number
}

/**
 * The first copy of `id` when there was one; otherwise records this copy (its digest and its
 * position, 0 when past 2^32 − 1 or unknown) as the first and returns undefined.
 */
export const admit = (seen: Seen, id: string, digest: number, position: number): First | undefined => {
  let a = 0x811c9dc5
  let b = 0x2545f491
  let c = 0x6c8e9cf5
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i)
    a = Math.imul(a ^ unit, 0x5bd1e995)
    a ^= a >>> 15
    b = Math.imul(b ^ unit, 0x27d4eb2f)
    b ^= b >>> 13
    c = Math.imul(c ^ unit, 0x165667b1)
    c ^= c >>> 16
  }
  const h0 = fmix(a ^ id.length)
  const h1 = fmix(b + h0)
  // Never 0: 0 marks an empty slot.
  const h2 = (fmix(c ^ h1) | 1) >>> 0
  const shard = seen.shards[h1 & (SHARDS - 1)] as Shard
  const { words, capacity } = shard
  for (let slot = home(h0, capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
    const at = slot * WORDS
    const stored = words[at + 2] as number
    if (stored === 0) break
    if (stored === h2 && words[at] === h0 && words[at + 1] === h1) return { digest: words[at + 3] as number, position: words[at + 4] as number }
  }
  if (shard.size + 1 > shard.capacity * MAX_LOAD) grow(shard)
  insertAt(shard, h0, h1, h2, digest >>> 0, Number.isInteger(position) && position > 0 && position < TWO_32 ? position : 0)
  return undefined
}
