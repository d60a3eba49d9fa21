// The worker's store against the setup's MongoDB-wire server: bulk writes large enough to trip
// FerretDB's limits finish, and their outcomes are reported per document.
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { MongoClient } from "mongodb"
import { afterAll, describe, expect, it } from "vitest"
import { Store } from "@relink/worker"
import { serviceEnv } from "../setup/context.ts"

const database = `relink_store_${randomUUID().replaceAll("-", "")}`

const withStore = <A, E>(f: (store: Store.StoreShape) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(Store.make({ uri: serviceEnv().MONGODB_URI, database }), f)))

const member = (id: string, version: number): Store.MemberDoc => ({
  _id: id,
  version,
  writeId: `write ${version}`,
  state: `state ${version}`,
  evaluation: null,
  status: null,
  homeOrgId: null,
  responsibleOrgId: null,
  orgIds: [],
  nextReviewAt: null,
  blockingKeys: [],
  evaluatedAt: new Date(0)
})

describe("the store against the setup's server", () => {
  afterAll(async () => {
    const client = await MongoClient.connect(serviceEnv().MONGODB_URI)
    await client.db(database).dropDatabase().catch(() => undefined)
    await client.close()
  })

  it("updates 150 stored members in one call (FerretDB 1.24 hangs on 100 matched updates in one command)", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `m-${i}`)
    const conflicts = await withStore((store) =>
      Effect.gen(function* () {
        yield* store.writeMembers(ids.map((id) => ({ doc: member(id, 1), expectedVersion: undefined })), store.wallClock())
        return yield* store.writeMembers(ids.map((id) => ({ doc: member(id, 2), expectedVersion: 1 })), store.wallClock())
      })
    )
    expect(conflicts).toEqual([])
    const stored = await withStore((store) => store.loadMembers(ids))
    expect([...stored.values()].map((d) => d.version)).toEqual(ids.map(() => 2))
  })

  it("lets one of ten writers holding the same version write it, on claims it detects the server needs", async () => {
    const writers = Array.from({ length: 10 }, (_, i) => i)
    const { mode, outcomes, stored } = await withStore((store) =>
      Effect.gen(function* () {
        yield* store.writeMembers([{ doc: member("race", 1), expectedVersion: undefined }], store.wallClock())
        const readAt = store.wallClock()
        const outcomes = yield* Effect.forEach(
          writers,
          (w) => store.writeMembers([{ doc: { ...member("race", 2), writeId: `writer ${w}` }, expectedVersion: 1 }], readAt),
          { concurrency: "unbounded" }
        )
        return { mode: store.conditionalWrites, outcomes, stored: yield* store.loadMembers(["race"]) }
      })
    )
    expect(mode).toBe("claims")
    const winners = writers.filter((w) => outcomes[w]?.length === 0)
    expect(winners).toHaveLength(1)
    expect(stored.get("race")?.writeId).toBe(`writer ${winners[0]}`)
  })

  it("keeps every resolution of one observation added at once by ten writers, and the observation stored beside them", async () => {
    const members = Array.from({ length: 10 }, (_, i) => `resolved-${i}`)
    const observation = { _id: "obs-race", payload: "encrypted", occurredAt: new Date(0), blockingKeys: ["k"] }
    const loaded = await withStore((store) =>
      Effect.gen(function* () {
        yield* Effect.all(
          [
            ...members.map((memberId) => store.addResolutions([{ observationEventId: "obs-race", memberId }])),
            store.storeObservations([observation])
          ],
          { concurrency: "unbounded" }
        )
        return yield* store.loadObservations(["obs-race"])
      })
    )
    expect([...(loaded.get("obs-race")?.resolvedBy ?? [])].sort()).toEqual(members)
    expect(loaded.get("obs-race")?.payload).toBe("encrypted")
  })

  it("prunes published outputs staged before the cut-off, and keeps the unsent and the recent", async () => {
    const output = (id: string, createdAt: number, published: boolean): Store.OutboxDoc => ({
      _id: id,
      topic: "flags",
      key: "m",
      value: "{}",
      published,
      createdAt: new Date(createdAt)
    })
    const kept = await withStore((store) =>
      Effect.gen(function* () {
        yield* store.stageOutputs([output("old-sent", 1_000, true), output("old-unsent", 1_000, false), output("new-sent", 9_000, true)])
        const pruned = yield* store.prunePublished(5_000)
        const unsent = yield* store.unpublishedOutputs(10)
        // What the first cut-off kept of the sent outputs goes with a later one.
        const later = yield* store.prunePublished(10_000)
        return { pruned, unsent: unsent.map((o) => o._id), later }
      })
    )
    expect(kept).toEqual({ pruned: 1, unsent: ["old-unsent"], later: 1 })
  })

  it("clears the pending changes of 150 members in one call, except where another writer moved the version on", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `p-${i}`)
    const change = (version: number): Store.PendingChange => ({ version, before: null, after: null, rematchKeys: [`key-${version}`] })
    const withPending = (id: string, version: number): Store.MemberDoc => ({ ...member(id, version), pending: [change(version)] })
    const stored = await withStore((store) =>
      Effect.gen(function* () {
        yield* store.writeMembers(ids.map((id) => ({ doc: withPending(id, 1), expectedVersion: undefined })), store.wallClock())
        // Another writer wrote p-7 again (carrying its pending change) before the clear.
        yield* store.writeMembers([{ doc: { ...withPending("p-7", 2), pending: [change(1), change(2)] }, expectedVersion: 1 }], store.wallClock())
        yield* store.clearPending(ids.map((_id) => ({ _id, version: 1 })), store.wallClock())
        return yield* store.loadMembers(ids)
      })
    )
    const stillPending = [...stored.values()].filter((d) => (d.pending ?? []).length > 0)
    expect(stillPending.map((d) => [d._id, d.pending?.map((c) => c.version)])).toEqual([["p-7", [1, 2]]])
  })

  it("records a status change once, however often it is recorded, and says which calls recorded it", async () => {
    const change = (memberId: string): Store.StatusChangeDoc => ({
      _id: `status|${memberId}|1`,
      memberId,
      from: null,
      to: "active",
      at: new Date(0),
      responsibleOrgId: "org-1",
      reasons: []
    })
    const [first, second] = await withStore((store) =>
      Effect.all([store.recordStatusChanges([change("a"), change("b")]), store.recordStatusChanges([change("b"), change("c")])])
    )
    expect(first.map((c) => c.memberId)).toEqual(["a", "b"])
    expect(second.map((c) => c.memberId)).toEqual(["c"])
  })
  it("writes an organisation on the version read and refuses a writer holding a version another moved on", async () => {
    const org = (version: number, name: string): Store.OrgDoc => ({
      _id: "org-versioned",
      version,
      writeId: randomUUID(),
      name,
      parentId: null,
      kind: "branch",
      region: "110000",
      at: new Date(version),
      eventId: `e-${version}`
    })
    const [created, createdAgain, moved, stale, stored] = await withStore((store) =>
      Effect.gen(function* () {
        const created = yield* store.writeOrgs([{ doc: org(1, "first"), expectedVersion: undefined }], store.wallClock())
        // A second writer that read no organisation either loses to the insert.
        const createdAgain = yield* store.writeOrgs([{ doc: org(1, "other first"), expectedVersion: undefined }], store.wallClock())
        const moved = yield* store.writeOrgs([{ doc: org(2, "second"), expectedVersion: 1 }], store.wallClock())
        const stale = yield* store.writeOrgs([{ doc: org(2, "stale second"), expectedVersion: 1 }], store.wallClock())
        return [created, createdAgain, moved, stale, yield* store.orgsByIds(["org-versioned"])] as const
      })
    )
    expect([created, createdAgain, moved, stale]).toEqual([[], ["org-versioned"], [], ["org-versioned"]])
    expect(stored.map((o) => [o.version, o.name])).toEqual([[2, "second"]])
  })
})
