// The MongoDB features the worker relies on, through the official driver against the MongoDB-wire
// server from the setup (FerretDB locally, a real MongoDB when MONGODB_URI is given).
import { randomUUID } from "node:crypto"
import { MongoBulkWriteError, MongoClient, MongoServerError, type AnyBulkWriteOperation, type Collection, type Db } from "mongodb"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"

const DUPLICATE_KEY = 11000

interface Membership {
  _id: string
  orgId: string
  memberId: string
}

interface MemberState {
  _id: string
  lastSeenSeq: number
  firstSeenSeq: number
  createdBy: string
  orgIds: string[]
}

interface Link {
  _id: string
  orgId: string
  version: number
}

/** Insert, treating "already there" (duplicate key) as an outcome rather than a failure. */
const insertOnce = async (collection: Collection<Membership>, doc: Membership): Promise<"inserted" | "duplicate"> => {
  try {
    await collection.insertOne(doc)
    return "inserted"
  } catch (error) {
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return "duplicate"
    throw error
  }
}

describe("MongoDB driver against the setup's server", () => {
  const client = new MongoClient(serviceEnv().MONGODB_URI)
  let db: Db

  beforeAll(async () => {
    await client.connect()
    db = client.db(`relink_it_${randomUUID().replaceAll("-", "")}`)
  })

  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined)
    await client.close()
  })

  it("enforces a unique index and reports duplicates with code 11000", async () => {
    const memberships = db.collection<Membership>("memberships")
    await memberships.createIndex({ orgId: 1, memberId: 1 }, { unique: true, name: "org_member_unique" })
    const indexes = await memberships.listIndexes().toArray()
    expect(indexes.find((index) => index["name"] === "org_member_unique")?.["unique"]).toBe(true)

    expect(await insertOnce(memberships, { _id: "a", orgId: "o1", memberId: "m1" })).toBe("inserted")
    expect(await insertOnce(memberships, { _id: "b", orgId: "o1", memberId: "m1" })).toBe("duplicate")
    expect(await insertOnce(memberships, { _id: "c", orgId: "o2", memberId: "m1" })).toBe("inserted")

    // Unordered: the duplicate fails alone, the other documents still go in.
    const bulk = memberships.insertMany(
      [
        { _id: "d", orgId: "o3", memberId: "m1" },
        { _id: "e", orgId: "o1", memberId: "m1" },
        { _id: "f", orgId: "o4", memberId: "m1" }
      ],
      { ordered: false }
    )
    const error: unknown = await bulk.then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(MongoBulkWriteError)
    const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : []
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[1, DUPLICATE_KEY]])
    expect((await memberships.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id)).toEqual(["a", "c", "d", "f"])
  })

  it("applies unordered bulk upserts with $max, $setOnInsert and $addToSet", async () => {
    const members = db.collection<MemberState>("members")
    const seen = (memberId: string, seq: number, orgId: string, by: string): AnyBulkWriteOperation<MemberState> => ({
      updateOne: {
        filter: { _id: memberId },
        update: {
          $max: { lastSeenSeq: seq },
          $setOnInsert: { firstSeenSeq: seq, createdBy: by },
          $addToSet: { orgIds: orgId }
        },
        upsert: true
      }
    })

    const first = await members.bulkWrite([seen("m1", 5, "o1", "batch-1"), seen("m2", 7, "o1", "batch-1"), seen("m3", 1, "o2", "batch-1")], {
      ordered: false
    })
    expect(first.upsertedCount).toBe(3)

    // Older and newer events out of order, a repeated org, a new member.
    const second = await members.bulkWrite(
      [seen("m1", 3, "o1", "batch-2"), seen("m2", 9, "o2", "batch-2"), seen("m1", 8, "o3", "batch-2"), seen("m4", 2, "o1", "batch-2")],
      { ordered: false }
    )
    expect(second.upsertedCount).toBe(1)
    expect(second.matchedCount).toBe(3)

    const docs = await members.find({}, { sort: { _id: 1 } }).toArray()
    expect(docs.map((d) => ({ ...d, orgIds: [...d.orgIds].sort() }))).toEqual([
      { _id: "m1", lastSeenSeq: 8, firstSeenSeq: 5, createdBy: "batch-1", orgIds: ["o1", "o3"] },
      { _id: "m2", lastSeenSeq: 9, firstSeenSeq: 7, createdBy: "batch-1", orgIds: ["o1", "o2"] },
      { _id: "m3", lastSeenSeq: 1, firstSeenSeq: 1, createdBy: "batch-1", orgIds: ["o2"] },
      { _id: "m4", lastSeenSeq: 2, firstSeenSeq: 2, createdBy: "batch-2", orgIds: ["o1"] }
    ])
  })

  it("updates with findOneAndUpdate only when the version matches", async () => {
    const links = db.collection<Link>("links")
    await links.insertOne({ _id: "m1", orgId: "o1", version: 1 })

    const moved = await links.findOneAndUpdate(
      { _id: "m1", version: 1 },
      { $set: { orgId: "o2" }, $inc: { version: 1 } },
      { returnDocument: "after" }
    )
    expect(moved).toEqual({ _id: "m1", orgId: "o2", version: 2 })

    const stale = await links.findOneAndUpdate({ _id: "m1", version: 1 }, { $set: { orgId: "o3" }, $inc: { version: 1 } })
    expect(stale).toBeNull()
    expect(await links.findOne({ _id: "m1" })).toEqual({ _id: "m1", orgId: "o2", version: 2 })
  })

  // What claims on member versions rely on where conditional updates are not atomic (FerretDB 1.x
  // queries, then writes by _id: two writers holding one version can both match).
  it("lets exactly one of concurrent inserts of one _id through, every time", async () => {
    const claims = db.collection<{ _id: string; writer: number }>("claims")
    for (const round of range(20)) {
      const results = await Promise.allSettled(range(10).map((writer) => claims.insertOne({ _id: `m1@${round}#0`, writer })))
      const won = results.filter((r) => r.status === "fulfilled")
      expect(won).toHaveLength(1)
      for (const r of results) if (r.status === "rejected") expect((r.reason as { code?: number }).code).toBe(11000)
    }
  })
})

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
