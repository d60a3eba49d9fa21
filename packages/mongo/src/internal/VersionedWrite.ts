/**
 * Writing versioned documents safely from several processes, on servers with and without atomic
 * conditional updates.
 *
 * MongoDB applies `updateOne({ _id, version }, …)` atomically: of two writers holding the same
 * version, one matches. FerretDB 1.x does not: it queries, then writes by `_id`, so both can match
 * and the second write silently replaces the first (a lost update). Unique `_id`s hold on both, so
 * on such a server a writer first claims the version it read by inserting a claim document
 * `<id>@<version>#<generation>`: one writer wins the claim, the others re-read and try again.
 *
 * A claim is never deleted by its writer, only pruned once old (`pruneBefore`): deleting it would let
 * a slow writer that read the old version claim it again after the write (ABA). A writer that dies
 * holding a claim leaves it stale; after `leaseMs` another writer takes over with the next
 * generation, after checking the document is still at the claimed version. A writer never writes
 * more than half a lease after its read or its claim, so a taken-over claim has no live writer.
 */
import { Effect } from "effect"

export interface Versioned {
  readonly _id: string
  readonly version: number
}

export interface Write<D extends Versioned> {
  /** The new document, at the version after `expectedVersion`. */
  readonly doc: D
  /** The version read before the change; undefined for a document not stored yet. */
  readonly expectedVersion: number | undefined
}

export interface Claim {
  readonly _id: string
  /** When it was claimed (wall-clock milliseconds). */
  readonly at: number
}

/** How a server applies a conditional update. */
export type ConditionalWrites = "atomic" | "claims"

/** What the protocol needs of a collection and its claims; every operation is one round trip. */
export interface Backend<D extends Versioned, E> {
  /** Inserts; returns the indexes of the documents whose `_id` was taken. */
  readonly insert: (docs: ReadonlyArray<D>) => Effect.Effect<ReadonlySet<number>, E>
  /** Sets each document by `_id`, whatever is stored. */
  readonly replace: (docs: ReadonlyArray<D>) => Effect.Effect<void, E>
  /** Sets each document only where it is stored at its expected version (atomic servers only); returns how many matched. */
  readonly replaceIfVersion: (writes: ReadonlyArray<Write<D>>) => Effect.Effect<number, E>
  /** The stored version and a fingerprint of the content of each document that exists. */
  readonly stored: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, { readonly version: number; readonly fingerprint: string }>, E>
  readonly insertClaims: (claims: ReadonlyArray<Claim>) => Effect.Effect<ReadonlySet<number>, E>
  readonly findClaims: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Claim>, E>
}

export interface Settings {
  readonly mode: ConditionalWrites
  /** After this long a claim is taken to be abandoned by a writer that died. */
  readonly leaseMs: number
  /** Wall-clock milliseconds: leases are real time, whatever instant the evaluation uses. */
  readonly now: () => number
}

/** Generations tried for one version before giving up for this attempt (each one a dead writer). */
const MAX_GENERATIONS = 16

export const claimId = (id: string, version: number, generation: number) => `${id}@${version}#${generation}`

/** Claims older than this can no longer be contended: prune them. */
export const pruneBefore = (settings: Settings) => settings.now() - 10 * settings.leaseMs

/**
 * Writes documents read at `readAt` (wall clock). Returns the ids that lost to another writer
 * (or whose write could not be made safely in time): the caller re-reads, re-merges and writes them
 * again.
 */
export const write = <D extends Versioned & { readonly fingerprint: string }, E>(
  backend: Backend<D, E>,
  settings: Settings,
  writes: ReadonlyArray<Write<D>>,
  readAt: number
): Effect.Effect<ReadonlyArray<string>, E> =>
  settings.mode === "atomic" ? writeAtomic(backend, writes) : writeWithClaims(backend, settings, writes, readAt)

const writeAtomic = <D extends Versioned & { readonly fingerprint: string }, E>(backend: Backend<D, E>, writes: ReadonlyArray<Write<D>>) =>
  Effect.gen(function* () {
    const fresh = writes.filter((w) => w.expectedVersion === undefined)
    const updates = writes.filter((w) => w.expectedVersion !== undefined)
    const taken = yield* backend.insert(fresh.map((w) => w.doc))
    const matched = yield* backend.replaceIfVersion(updates)
    const lostNew = fresh.filter((_, i) => taken.has(i)).map((w) => w.doc._id)
    if (matched === updates.length) return lostNew
    // Some updates matched nothing: a document stored with other content lost to another writer.
    const stored = yield* backend.stored(updates.map((w) => w.doc._id))
    return [...lostNew, ...updates.filter((w) => stored.get(w.doc._id)?.fingerprint !== w.doc.fingerprint).map((w) => w.doc._id)]
  })

const writeWithClaims = <D extends Versioned, E>(backend: Backend<D, E>, settings: Settings, writes: ReadonlyArray<Write<D>>, readAt: number) =>
  Effect.gen(function* () {
    const all = writes.map((w) => w.doc._id)
    const half = settings.leaseMs / 2
    if (settings.now() - readAt > half) return all
    const fresh = writes.filter((w) => w.expectedVersion === undefined)
    const stored = writes.filter((w) => w.expectedVersion !== undefined)
    const lost: Array<string> = []
    // A new document is its own claim: the insert of its `_id` is atomic everywhere.
    const taken = yield* backend.insert(fresh.map((w) => w.doc))
    fresh.forEach((w, i) => {
      if (taken.has(i)) lost.push(w.doc._id)
    })
    const claimedAt = settings.now()
    const contested = yield* backend.insertClaims(stored.map((w) => ({ _id: claimId(w.doc._id, w.expectedVersion ?? 0, 0), at: claimedAt })))
    const won: Array<Write<D>> = stored.filter((_, i) => !contested.has(i))
    let earliest = claimedAt
    const takenOver: Array<Write<D>> = []
    for (const w of stored.filter((_, i) => contested.has(i))) {
      const at = yield* takeOver(backend, settings, w)
      if (at === undefined) lost.push(w.doc._id)
      else takenOver.push(w)
      if (at !== undefined && won.length === 0 && takenOver.length === 1) earliest = at
    }
    // A taken-over claim's dead writer may have written before it died: write only on the claimed version.
    if (takenOver.length > 0) {
      const versions = yield* backend.stored(takenOver.map((w) => w.doc._id))
      for (const w of takenOver) {
        if (versions.get(w.doc._id)?.version === w.expectedVersion) won.push(w)
        else lost.push(w.doc._id)
      }
    }
    if (won.length === 0) return lost
    if (settings.now() - earliest > half) return all
    yield* backend.replace(won.map((w) => w.doc))
    return lost
  })

/**
 * Claims the next generation of a version whose claims are all stale: when it was claimed, or
 * undefined while a claim is live.
 */
const takeOver = <D extends Versioned, E>(backend: Backend<D, E>, settings: Settings, w: Write<D>) =>
  Effect.gen(function* () {
    const version = w.expectedVersion ?? 0
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      const id = claimId(w.doc._id, version, generation)
      const claim = (yield* backend.findClaims([id])).get(id)
      if (claim !== undefined && settings.now() - claim.at < settings.leaseMs) return undefined
      if (claim !== undefined) continue
      // Another writer taking over at the same moment may win this generation.
      const at = settings.now()
      const refused = yield* backend.insertClaims([{ _id: id, at }])
      return refused.size === 0 ? at : undefined
    }
    return undefined
  })
