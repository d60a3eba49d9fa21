import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as BranchHealth from "../src/BranchHealth.ts"
import * as Policy from "../src/Policy.ts"
import * as Proposal from "../src/Proposal.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import * as F from "./fixtures.ts"

const sample = F.sample60
const options = { asOf: Date.parse("2026-11-27T00:00:00+08:00"), policy: Policy.defaults }

describe("Scan", () => {
  it("evaluates every member of the sample, whatever the order of the export", () => {
    const forward = Scan.run(sample, options)
    const backward = Scan.run([...sample].reverse(), options)
    assert.strictEqual(forward.evaluations.length, 60)
    assert.strictEqual(forward.unregisteredMembers, 0)
    assert.deepStrictEqual(forward.orgs.problems, [])
    assert.deepStrictEqual(backward.evaluations, forward.evaluations)
  })

  it("finds unlinked members in the sample: lost, overdue transfers, unregistered floating, suspended", () => {
    const statuses = new Set(Scan.run(sample, options).evaluations.map((e) => e.status))
    for (const status of ["lost", "transfer-overdue", "floating-unregistered", "suspended", "active"] as const) {
      assert.isTrue(statuses.has(status), status)
    }
  })

  it("leaves out events after the as-of instant and counts them", () => {
    const result = Scan.run([F.registered("m-1", "2025-01-01"), F.contact("m-1", "2025-08-01")], {
      asOf: F.at("2025-07-15"),
      policy: Policy.defaults
    })
    assert.strictEqual(result.skippedFuture, 1)
    assert.strictEqual(result.evaluations[0]?.status, "lost")
  })

  it("counts the open observations with a blocking key more members share than blocking takes, and proposes through their other keys", () => {
    const phone = "13327024741"
    const crowd = Array.from({ length: 40 }, (_, i) => F.registered(`m-${i}`, "2025-01-01", { phone, idNumber: "510107198509246713" }))
    const observed = (eventId: string, identity: Record<string, unknown>) =>
      F.decode({ eventId, type: "RecordObserved", occurredAt: "2026-06-01T09:00:00+08:00", orgId: "org-branch-a", region: "510107", dataSource: "community", identity })
    const events = [
      F.org("org-branch-a"),
      ...crowd,
      F.registered("m-own", "2025-01-01", { name: "李娜", phone: "13900139000", idNumber: "11010519491231002X" }),
      // The crowd's phone alone: compared with nobody.
      observed("obs-crowded", { name: "王芳", phone }),
      // The crowd's phone and another member's ID number: found through the number.
      observed("obs-both", { name: "李娜", phone, idNumber: "11010519491231002X" }),
      observed("obs-alone", { name: "李娜", phone: "13900139000" })
    ]
    const result = Scan.run(events, options)
    assert.strictEqual(result.crowded, 2)
    assert.deepStrictEqual([...new Set(result.proposals.map((p) => `${p.observationEventId} ${p.memberId}`))].sort(), ["obs-alone m-own", "obs-both m-own"])
  })

  it("counts members whose registration never arrived", () => {
    const result = Scan.run([F.contact("m-ghost", "2025-01-01")], { asOf: F.at("2025-02-01"), policy: Policy.defaults })
    assert.strictEqual(result.unregisteredMembers, 1)
    assert.strictEqual(result.evaluations.length, 0)
  })

  it("a confirmed inflow observation counts as the member's contact and registration, in either arrival order", () => {
    const member = F.registered("m-1", "2025-01-01")
    const away = F.outflow("m-1", "2025-02-01")
    const observation = F.observedInflow("2025-09-01", { name: "张伟" }, "org-shenzhen")
    const confirmed = F.resolved("m-1", observation.eventId, "2025-09-02", "confirmed")
    const asOf = { asOf: F.at("2025-09-10"), policy: Policy.defaults }
    const a = Scan.run([member, away, observation, confirmed], asOf)
    const b = Scan.run([confirmed, away, member, observation], asOf)
    assert.deepStrictEqual(a.evaluations, b.evaluations)
    assert.strictEqual(a.evaluations[0]?.status, "floating")
    assert.strictEqual(a.evaluations[0]?.assistingOrgId, "org-shenzhen")
    assert.strictEqual(a.evaluations[0]?.lastContact?.at, F.at("2025-09-01"))
  })

  it("a rejected observation does not count as contact", () => {
    const observation = F.observedInflow("2025-09-01", { name: "张伟" })
    const result = Scan.run(
      [F.registered("m-1", "2025-01-01"), observation, F.resolved("m-1", observation.eventId, "2025-09-02", "rejected")],
      { asOf: F.at("2025-09-10"), policy: Policy.defaults }
    )
    assert.strictEqual(result.evaluations[0]?.status, "lost")
  })

  it("keeping only the matchable members' projections changes nothing else", () => {
    // m-1 is active and confirmed the observation; m-2 is lost with the same identity: the
    // observation stays settled though m-1's projection is released.
    const observation = F.recordObserved("2025-09-01", { name: "张伟", idNumber: "11010519491231002X" })
    const events = [
      ...sample,
      F.registered("m-1", "2025-01-01"),
      F.contact("m-1", "2026-11-20"),
      F.registered("m-2", "2024-01-01"),
      // Active, with an ID number that fails its check character: the data-quality list shows them.
      F.registered("m-3", "2025-01-01", { idNumber: "110105194912310021" }),
      F.contact("m-3", "2026-11-20"),
      observation,
      F.resolved("m-1", observation.eventId, "2025-09-02", "confirmed")
    ]
    const all = Scan.run(events, options)
    const matchable = Scan.run(events, { ...options, members: "matchable" })
    assert.deepStrictEqual(matchable.evaluations, all.evaluations)
    assert.deepStrictEqual(matchable.proposals, all.proposals)
    assert.isFalse(all.proposals.some((p) => p.observationEventId === observation.eventId))
    // Besides the matchable, those with a registration problem and the early-warned (their lists show names and ID numbers too), and those floating organisations hold (the branches report reads them).
    const kept = all.evaluations
      .filter((e) => Status.matchable.has(e.status) || e.dataQuality !== undefined || e.flags.includes("early-warning") || BranchHealth.concerns(e, all.orgs))
      .map((e) => e.memberId)
    assert.deepStrictEqual([...matchable.members.keys()].sort(), kept.sort())
    assert.isTrue(matchable.members.has("m-3"))
    assert.strictEqual(all.members.size, all.evaluations.length + all.unregisteredMembers)
  })

  it("evaluates member by member and then proposes, as a whole scan does, releasing the members no proposal is about", () => {
    const whole = Scan.run(sample, options)
    const state = Scan.make()
    for (const event of sample) Scan.addAsOf(state, event, options.asOf)
    const each = Scan.evaluations(state, { ...options, members: "matchable" })
    const evaluations: Array<Status.Evaluation> = []
    let next = each.next()
    for (; next.done !== true; next = each.next()) evaluations.push(next.value)
    const evaluated = next.value
    assert.deepStrictEqual(evaluations, whole.evaluations)
    const listed = evaluations.filter((e) => !evaluated.matchable.includes(e.memberId) && Proposal.isListed(e, evaluated.orgs)).map((e) => e.memberId)
    assert.deepStrictEqual([...state.members.keys()].sort(), [...evaluated.matchable, ...listed].sort())
    assert.isAbove(whole.proposals.length, 0)
    assert.deepStrictEqual(Scan.propose(state, evaluated), { proposals: whole.proposals, crowded: whole.crowded })
  })

  it.effect("scans a stream the same as an array", () =>
    Effect.gen(function* () {
      const streamed = yield* Scan.runStream(Stream.fromIterable(sample), options)
      assert.deepStrictEqual(streamed.evaluations, Scan.run(sample, options).evaluations)
    }))
})
