/**
 * Reads at scale: what a list for one branch costs when MongoDB holds many members, against a
 * read of the whole store, on stores of two sizes.
 *
 *   pnpm exec node --expose-gc services/worker/bench/snapshot.bench.ts [--members 200000] [--seed 1]
 *
 * Each store is filled with the members of a simulation (sealed and indexed as the worker writes
 * them, by raw inserts), then read through `Snapshot.load` as `relink report --mongo` does: for the
 * branch with the most members (alone), for a committee and its subtree, and for the whole store.
 * Documents read are counted by the driver's command monitoring (`Store.documentsRead`): members,
 * and the others (organisations, matches, observations); memory is
 * the heap the read's result keeps (after a full collection, with the result still referenced).
 * The second, smaller store has a quarter of the members: a branch's read should not change with
 * the store around it. MONGODB_URI is used when set (the databases are dropped afterwards);
 * otherwise a private FerretDB is started.
 */
import { Effect, Layer, Redacted } from "effect"
import { MongoClient } from "mongodb"
import { Event, MatchRule, Matching, OrgTree, Policy, Scan, Status } from "@relink/core"
import { Pii } from "@relink/mongo"
import { Simulation } from "@relink/simulation"
import { asOf, header, int, line, now, numberOptions, seconds } from "../../../packages/core/bench/common.ts"
import { startServices } from "../../../test/setup/services.ts"
import { toOrgDoc } from "../src/Engine.ts"
import * as MemberRecord from "../src/MemberRecord.ts"
import * as Snapshot from "../src/Snapshot.ts"
import * as Store from "../src/Store.ts"

const options = numberOptions({ members: 200_000, seed: 1 })
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with --expose-gc: the heap a read keeps is measured after a full collection")
const secret = Redacted.make("snapshot-bench-key-0123456789abcdef")
const pii = Effect.runSync(Pii.make(secret))

/** Fills a fresh database with the simulation's members and organisations; returns the tree and the branches to read. */
const fill = async (uri: string, database: string, members: number) => {
  const started = now()
  const events: Array<Event.Event> = []
  for (const wire of Simulation.events({ members, seed: options.seed, asOf })) {
    const decoded = Event.decodeLine(JSON.stringify(wire))
    if (decoded._tag === "Success") events.push(decoded.success)
  }
  const scan = Scan.run(events, { asOf, policy: Policy.defaults })
  events.length = 0
  // The store makes the collections and the indexes the worker reads through.
  await Effect.runPromise(Effect.scoped(Effect.asVoid(Store.make({ uri, database }))))
  const client = await MongoClient.connect(uri)
  try {
    const db = client.db(database)
    await db.collection<Store.OrgDoc>("orgs").insertMany([...scan.orgs.orgs.values()].map((org) => toOrgDoc(org, 1)))
    const evaluations = new Map(scan.evaluations.map((e) => [e.memberId, e]))
    let batch: Array<Store.MemberDoc> = []
    for (const projection of scan.members.values()) {
      const evaluation = evaluations.get(projection.memberId)
      const keys = MemberRecord.blockingKeys(pii, Matching.personOfMember(projection), MatchRule.chinese)
      batch.push(MemberRecord.toDoc(pii, projection, evaluation, keys, 1, asOf, [], null))
      if (batch.length === 5_000) {
        await db.collection<Store.MemberDoc>("members").insertMany(batch)
        batch = []
      }
    }
    if (batch.length > 0) await db.collection<Store.MemberDoc>("members").insertMany(batch)
  } finally {
    await client.close()
  }
  const homed = new Map<string, number>()
  for (const e of scan.evaluations) homed.set(e.homeOrgId, (homed.get(e.homeOrgId) ?? 0) + 1)
  const branch = [...homed].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0]
  const root = [...scan.orgs.orgs.keys()].sort().find((id) => OrgTree.parentOf(scan.orgs, id) === undefined)
  const committee = [...(scan.orgs.children.get(root ?? "") ?? [])].sort()[0]
  if (branch === undefined || committee === undefined) throw new Error("the simulated tree has no branch below its root")
  const holdable = (asked: ReadonlySet<string>) => [...scan.members.values()].filter((p) => Status.orgsOf(p).some((id) => asked.has(id))).length
  return {
    ms: now() - started,
    stored: scan.members.size,
    orgs: scan.orgs.orgs.size,
    branch: { orgId: branch, holdable: holdable(new Set([branch, ...(scan.orgs.children.get(branch) ?? [])])) },
    committee: { orgId: committee, holdable: holdable(OrgTree.subtree(scan.orgs, committee)) }
  }
}

/** One read as `relink report --mongo` makes it: documents read, heap kept, time. */
const read = async (uri: string, database: string, scope: Snapshot.Scope | undefined) => {
  const layer = Layer.merge(Store.layer({ uri, database }), Pii.layer(secret))
  gc()
  const before = process.memoryUsage().heapUsed
  const started = now()
  const { snapshot, documents } = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* Store.Store
        const snapshot = yield* Snapshot.load(asOf, scope)
        return { snapshot, documents: store.documentsRead() }
      }).pipe(Effect.provide(layer))
    )
  )
  const ms = now() - started
  gc()
  const kept = process.memoryUsage().heapUsed - before
  return { ms, documents, kept, members: snapshot.memberCount, evaluations: snapshot.evaluations.length }
}

header("reads at scale: a list for one branch against the whole store (issue 14)")
const services = await startServices()
const uri = services.env.MONGODB_URI
line("server", services.mongo.kind === "local" ? "FerretDB 1.24 (SQLite), local" : "MONGODB_URI")
const databases: Array<string> = []
try {
  for (const members of [Math.ceil(options.members / 4), options.members]) {
    const database = `relink_snapshot_bench_${members}_${Date.now()}`
    databases.push(database)
    const filled = await fill(uri, database, members)
    console.log()
    line(`store of ${int(filled.stored)} members`, `${int(filled.orgs)} organisations; filled in ${seconds(filled.ms)}`)
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
    for (const [label, scope, holdable] of [
      [`branch ${filled.branch.orgId}`, { orgId: filled.branch.orgId, includeSubtree: false }, filled.branch.holdable],
      [`${filled.committee.orgId} and below`, { orgId: filled.committee.orgId, includeSubtree: true }, filled.committee.holdable],
      ["whole store", undefined, filled.stored]
    ] as const) {
      const r = await read(uri, database, scope)
      line(
        `  ${label}`,
        `${int(r.documents)} documents read: ${int(r.members)} members (it can hold ${int(holdable)}), ${int(r.documents - r.members)} others; ${mb(r.kept)} kept, ${seconds(r.ms)}`
      )
    }
  }
} finally {
  const client = await MongoClient.connect(uri)
  await Promise.all(databases.map((name) => client.db(name).dropDatabase())).finally(() => client.close())
  await services.close()
}
