/**
 * Reads for one organisation: a list read from the store for an organisation (alone or with its
 * subtree) is the embedded scan's list, while it reads only the members whose evaluation can name
 * the organisation — and `Status.orgsOf`, which the store indexes them by, holds every organisation
 * an evaluation names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as fc from "fast-check"
import { Event, MatchRule, OrgTree, Policy, Report, Scan, Status } from "@relink/core"
import { Pii } from "@relink/mongo"
import * as Store from "../src/Store.ts"
import { Simulation } from "@relink/simulation"
import * as Engine from "../src/Engine.ts"
import * as Snapshot from "../src/Snapshot.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const ASOF = Date.parse("2026-11-27T00:00:00+08:00")
const HOUR = 3_600_000
const piiLayer = Pii.layer(Redacted.make("snapshot-test-key-0123456789abcdef"))

const eventsOf = (seed: number, members: number) =>
  [...Simulation.events({ members, seed, asOf: ASOF })].map((wire) => {
    const line = JSON.stringify(wire)
    const decoded = Event.decodeLine(line)
    if (decoded._tag !== "Success") throw new Error(`the simulation wrote a malformed line: ${line}`)
    return { event: decoded.success, raw: Buffer.from(line), origin: null }
  })

/** The store after one engine folded the stream, evaluating as of `ASOF`. */
const storedAfter = (arrivals: ReadonlyArray<Engine.Arrival>) =>
  Effect.gen(function* () {
    const server = MemoryStore.server()
    const store = MemoryStore.make(server, MemoryStore.direct, () => ASOF)
    const engine = yield* Engine.make({ policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags" }).pipe(
      Effect.provideService(Store.Store, store),
      Effect.provide(piiLayer)
    )
    for (let i = 0; i < arrivals.length; i += 200) yield* engine.ingest(arrivals.slice(i, i + 200), ASOF)
    return server
  })

const byMemberId = (a: Status.Evaluation, b: Status.Evaluation) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)

describe("Snapshot.load for one organisation", () => {
  it.effect("gives the embedded scan's list for every organisation, alone and with its subtree, reading only the members it can hold", () =>
    Effect.gen(function* () {
      const arrivals = eventsOf(11, 150)
      const server = yield* storedAfter(arrivals)
      // Later than the worker evaluated: most stored evaluations still hold, those due for review do not.
      const asOf = ASOF + 30 * 24 * HOUR
      const scan = Scan.run(
        arrivals.map((a) => a.event),
        { asOf, policy: Policy.defaults }
      )
      const expectedInput = Report.fromScan(scan)
      let reused = 0
      for (const orgId of [...scan.orgs.orgs.keys()].sort()) {
        for (const includeSubtree of [false, true]) {
          const store = MemoryStore.make(server, MemoryStore.direct, () => ASOF)
          const snapshot = yield* Snapshot.load(asOf, { orgId, includeSubtree }).pipe(
            Effect.provideService(Store.Store, store),
            Effect.provide(piiLayer)
          )
          const options: Report.Options = { orgId, includeSubtree, lang: "en", reveal: true }
          const input = Snapshot.reportInput({ ...snapshot, evaluations: [...snapshot.evaluations].sort(byMemberId) })
          const label = `${orgId}${includeSubtree ? " and below" : ""}`
          assert.deepStrictEqual(Report.unlinked(input, options).rows, Report.unlinked(expectedInput, options).rows, label)
          assert.deepStrictEqual(Report.dataQuality(input, options).rows, Report.dataQuality(expectedInput, options).rows, label)
          // Members read: those whose evaluation can name the organisation (or one below it, or a child it escalates to).
          const asked = includeSubtree ? OrgTree.subtree(scan.orgs, orgId) : new Set([orgId, ...(scan.orgs.children.get(orgId) ?? [])])
          const holdable = [...scan.members.values()].filter((p) => Status.orgsOf(p).some((id) => asked.has(id))).length
          assert.strictEqual(snapshot.memberCount, holdable, label)
          assert.isAtLeast(store.documentsRead(), snapshot.memberCount, label)
          // The organisations around the one asked for, not the whole tree (unless it is the root's subtree).
          if (!(includeSubtree && OrgTree.parentOf(scan.orgs, orgId) === undefined)) {
            assert.isBelow(store.documentsRead(), snapshot.memberCount + scan.orgs.orgs.size, label)
          }
          reused += snapshot.memberCount - snapshot.members.size
        }
      }
      // Projections are opened for listed and re-evaluated members only.
      assert.isAbove(reused, 0)
    })
  )
})

describe("Status.orgsOf", () => {
  it("holds the home, responsible and assisting organisations of every evaluation, save the home's parent escalation names", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: -400, max: 800 }), (seed, days) => {
        const events = eventsOf(seed, 25).map((a) => a.event)
        const scan = Scan.run(events, { asOf: ASOF + days * 24 * HOUR, policy: Policy.defaults })
        for (const evaluation of scan.evaluations) {
          const projection = scan.members.get(evaluation.memberId)
          if (projection === undefined) throw new Error(`no projection for ${evaluation.memberId}`)
          const orgs = new Set(Status.orgsOf(projection))
          assert.isTrue(orgs.has(evaluation.homeOrgId), evaluation.memberId)
          assert.isTrue(
            orgs.has(evaluation.responsibleOrgId) || evaluation.responsibleOrgId === OrgTree.parentOf(scan.orgs, evaluation.homeOrgId),
            evaluation.memberId
          )
          if (evaluation.assistingOrgId !== undefined) assert.isTrue(orgs.has(evaluation.assistingOrgId), evaluation.memberId)
        }
      }),
      { numRuns: 20 }
    )
  })
})
