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
 * A claim is never deleted by its writer: that would let a slow writer that read the old version
 * claim it again after the write (ABA). A writer that dies holding a claim leaves it stale; after
 * `leaseMs` another writer takes over with the next generation, after checking the document is
 * still at the claimed version. A writer never writes more than half a lease after its read or its
 * claim, so a taken-over claim has no live writer, and a claim older than a lease on a version the
 * document has moved past can no longer be contended: `prune` deletes those (two leases old).
 */
import { Effect } from "effect"

export interface Versioned {
  readonly _id: string
  readonly version: number
  /** Unique to the write that stored this version. */
  readonly writeId: string
}

export interface Write<D extends Versioned> {
  /** The new document, at the version after `expectedVersion`. */
  readonly doc: D
  /** The version read before the change; undefined for a document not stored yet. */
  readonly expectedVersion: number | undefined
}

/** Fields to set on a stored document: its new version and write, and any others. */
export type Fields<D extends Versioned> = Versioned & Partial<Omit<D, keyof Versioned>>

/** A change to a stored document: the fields to set, at the version after `expectedVersion`. */
export interface Change<D extends Versioned> {
  readonly doc: Fields<D>
  readonly expectedVersion: number
}

export interface Claim {
  readonly _id: string
  /** The document claimed, and the version its writer read. */
  readonly documentId: string
  readonly version: number
  /** When it was claimed (wall-clock milliseconds). */
  readonly at: number
}

/** How a server applies a conditional update. */
export type ConditionalWrites = "atomic" | "claims"

/** What the protocol needs of a collection and its claims; every operation is one round trip. */
export interface Backend<D extends Versioned, E> {
  /** Inserts; returns the indexes of the documents whose `_id` was taken. */
  readonly insert: (docs: ReadonlyArray<D>) => Effect.Effect<ReadonlySet<number>, E>
  /** Sets each document's fields by `_id`, whatever is stored. */
  readonly replace: (docs: ReadonlyArray<Fields<D>>) => Effect.Effect<void, E>
  /** Sets each document's fields only where it is stored at its expected version (atomic servers only); returns how many matched. */
  readonly replaceIfVersion: (changes: ReadonlyArray<Change<D>>) => Effect.Effect<number, E>
  /** The stored version of each document that exists, and the write that stored it. */
  readonly stored: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Pick<Versioned, "version" | "writeId">>, E>
  readonly insertClaims: (claims: ReadonlyArray<Claim>) => Effect.Effect<ReadonlySet<number>, E>
  readonly findClaims: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Claim>, E>
  /** Claims made before `before` (wall clock). */
  readonly claimsBefore: (before: number) => Effect.Effect<ReadonlyArray<Claim>, E>
  readonly deleteClaims: (ids: ReadonlyArray<string>) => Effect.Effect<void, E>
}

export interface Settings {
  readonly mode: ConditionalWrites
  /** After this long a claim is taken to be abandoned by a writer that died. */
  readonly leaseMs: number
  /** Wall-clock milliseconds: leases are real time, whatever instant the evaluation uses. */
  readonly now: () => number
}

/** Generations of one version (each one a writer that died or gave up holding it) before it is refused. */
const MAX_GENERATIONS = 64

export const claimId = (id: string, version: number, generation: number) => `${id}@${version}#${generation}`

/**
 * Deletes the claims that can no longer matter: older than two leases, on a version the document
 * has moved past. A stale claim on the current version stays, or its generation could be claimed
 * again while a later generation's writer is at work.
 */
export const prune = <D extends Versioned, E>(backend: Backend<D, E>, settings: Settings) =>
  Effect.gen(function* () {
    const old = yield* backend.claimsBefore(settings.now() - 2 * settings.leaseMs)
    if (old.length === 0) return 0
    const versions = yield* backend.stored([...new Set(old.map((c) => c.documentId))])
    const past = old.filter((c) => (versions.get(c.documentId)?.version ?? Number.POSITIVE_INFINITY) > c.version)
    yield* backend.deleteClaims(past.map((c) => c._id))
    return past.length
  })

/**
 * Writes documents read at `readAt` (wall clock). Returns the ids that lost to another writer
 * (or whose write could not be made safely in time): the caller re-reads, re-merges and writes them
 * again.
 */
export const write = <D extends Versioned, E>(
  backend: Backend<D, E>,
  settings: Settings,
  writes: ReadonlyArray<Write<D>>,
  readAt: number
): Effect.Effect<ReadonlyArray<string>, E> =>
  Effect.gen(function* () {
    const fresh = writes.filter((w) => w.expectedVersion === undefined).map((w) => w.doc)
    const changes = writes.flatMap(({ doc, expectedVersion }) => (expectedVersion === undefined ? [] : [{ doc, expectedVersion }]))
    // A new document is its own claim: the insert of its `_id` is atomic everywhere.
    const taken = yield* backend.insert(fresh)
    const lostNew = fresh.filter((_, i) => taken.has(i)).map((doc) => doc._id)
    return [...lostNew, ...(yield* update(backend, settings, changes, readAt))]
  })

/**
 * Sets fields of stored documents read at `readAt` (wall clock), each only if it is still at its
 * expected version; every change moves its document to a new version, so a writer holding the old
 * one loses. Returns the ids that lost to another writer, or could not be changed safely in time.
 */
export const update = <D extends Versioned, E>(
  backend: Backend<D, E>,
  settings: Settings,
  changes: ReadonlyArray<Change<D>>,
  readAt: number
): Effect.Effect<ReadonlyArray<string>, E> =>
  changes.length === 0
    ? Effect.succeed([])
    : settings.mode === "atomic"
      ? updateAtomic(backend, changes)
      : updateWithClaims(backend, settings, changes, readAt)

const updateAtomic = <D extends Versioned, E>(backend: Backend<D, E>, changes: ReadonlyArray<Change<D>>) =>
  Effect.gen(function* () {
    const matched = yield* backend.replaceIfVersion(changes)
    if (matched === changes.length) return []
    // Some changes matched nothing: those whose version is stored by another write lost to another writer.
    const stored = yield* backend.stored(changes.map((c) => c.doc._id))
    return changes.filter((c) => stored.get(c.doc._id)?.writeId !== c.doc.writeId).map((c) => c.doc._id)
  })

const updateWithClaims = <D extends Versioned, E>(backend: Backend<D, E>, settings: Settings, changes: ReadonlyArray<Change<D>>, readAt: number) =>
  Effect.gen(function* () {
    const half = settings.leaseMs / 2
    const lost: Array<string> = []
    let current = changes
    // A version read more than half a lease ago is not claimed (its claim may be pruned by now):
    // read again, and a document still at that version still holds what was read (every write moves the version).
    if (settings.now() - readAt > half) {
      readAt = settings.now()
      const versions = yield* backend.stored(changes.map((c) => c.doc._id))
      current = changes.filter((c) => versions.get(c.doc._id)?.version === c.expectedVersion)
      lost.push(...changes.filter((c) => !current.includes(c)).map((c) => c.doc._id))
    }
    const claimedAt = settings.now()
    if (claimedAt - readAt > half) return [...lost, ...current.map((c) => c.doc._id)]
    const contested = yield* backend.insertClaims(current.map((c) => claimOf(c, 0, claimedAt)))
    /** The changes whose claim is held, with when it was made. */
    const held: Array<{ readonly change: Change<D>; readonly at: number }> = current
      .filter((_, i) => !contested.has(i))
      .map((change) => ({ change, at: claimedAt }))
    const takenOver = yield* takeOver(backend, settings, current.filter((_, i) => contested.has(i)))
    lost.push(...takenOver.refused.map((c) => c.doc._id))
    // A taken-over claim's dead writer may have written before it died: write only on the claimed version.
    if (takenOver.held.length > 0) {
      const versions = yield* backend.stored(takenOver.held.map(({ change }) => change.doc._id))
      for (const entry of takenOver.held) {
        if (versions.get(entry.change.doc._id)?.version === entry.change.expectedVersion) held.push(entry)
        else lost.push(entry.change.doc._id)
      }
    }
    // A claim older than half a lease may be taken over any moment: its write is not made.
    const now = settings.now()
    const timely = held.filter(({ at }) => now - at <= half)
    for (const { change, at } of held) if (now - at > half) lost.push(change.doc._id)
    if (timely.length > 0) yield* backend.replace(timely.map(({ change }) => change.doc))
    return lost
  })

const claimOf = <D extends Versioned>(c: Change<D>, generation: number, at: number): Claim => ({
  _id: claimId(c.doc._id, c.expectedVersion, generation),
  documentId: c.doc._id,
  version: c.expectedVersion,
  at
})

/**
 * Claims the next generation of each version whose claims are all stale (its writers died), in two
 * round trips for the lot: the writes whose new claim is held (and when it was made), and those
 * refused because a claim is live or another writer took over first.
 */
const takeOver = <D extends Versioned, E>(backend: Backend<D, E>, settings: Settings, contested: ReadonlyArray<Change<D>>) =>
  Effect.gen(function* () {
    const refused: Array<Change<D>> = []
    const held: Array<{ readonly change: Change<D>; readonly at: number }> = []
    if (contested.length === 0) return { held, refused }
    const generations = Array.from({ length: MAX_GENERATIONS }, (_, g) => g)
    const found = yield* backend.findClaims(contested.flatMap((w) => generations.map((g) => claimOf(w, g, 0)._id)))
    const attempts: Array<{ readonly change: Change<D>; readonly generation: number }> = []
    const now = settings.now()
    for (const change of contested) {
      // Generations are made only once every lower one is stale: the first missing one is next.
      let generation = 0
      let live = false
      for (; generation < MAX_GENERATIONS; generation++) {
        const claim = found.get(claimOf(change, generation, 0)._id)
        if (claim === undefined) break
        if (now - claim.at < settings.leaseMs) live = true
      }
      if (live || generation === MAX_GENERATIONS) refused.push(change)
      else attempts.push({ change, generation })
    }
    if (attempts.length === 0) return { held, refused }
    const at = settings.now()
    // Another writer taking over at the same moment may win a generation.
    const taken = yield* backend.insertClaims(attempts.map(({ change, generation }) => claimOf(change, generation, at)))
    attempts.forEach(({ change }, i) => {
      if (taken.has(i)) refused.push(change)
      else held.push({ change, at })
    })
    return { held, refused }
  })
