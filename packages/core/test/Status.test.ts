import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as OrgTree from "../src/OrgTree.ts"
import * as Policy from "../src/Policy.ts"
import * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
import * as Status from "../src/Status.ts"
import { history, instant, instants, memberEventWire } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

const M = "m-1"
const orgs = [F.org("org-committee"), F.org("org-branch-a", "org-committee"), F.org("org-branch-b", "org-committee")]

/** Evaluates member m-1 over the given events as of an instant, with the default policy. */
const evaluate = (events: ReadonlyArray<Event.Event>, asOf: string, policy: Policy.Policy = Policy.defaults): Status.Evaluation => {
  const result = Scan.run([...orgs, ...events], { asOf: F.at(asOf), policy })
  const evaluation = result.evaluations.find((e) => e.memberId === M)
  if (evaluation === undefined) throw new Error("member not evaluated")
  return evaluation
}

/** A member registered on 2025-01-01 who attends meetings and pays dues monthly until `until`. */
const steady = (until: string): Array<Event.Event> => {
  const events: Array<Event.Event> = [F.registered(M, "2025-01-01")]
  for (let d = new Date("2025-01-15"); d.toISOString().slice(0, 10) <= until; d.setUTCMonth(d.getUTCMonth() + 1)) {
    const day = d.toISOString().slice(0, 10)
    events.push(F.contact(M, day, "meeting"), F.contact(M, day, "dues"))
  }
  return events
}

describe("contact rules (docs/rules.md), each on both sides of its threshold", () => {
  describe("lost contact after 6 months without contact (条例 art. 24)", () => {
    const events = [F.registered(M, "2025-01-01"), F.contact(M, "2025-03-01T10:00:00+08:00")]
    it("is at-risk one minute before six months have passed", () => {
      assert.strictEqual(evaluate(events, "2025-09-01T09:59:00+08:00").status, "at-risk")
    })
    it("is lost once six calendar months have passed", () => {
      const e = evaluate(events, "2025-09-01T10:00:00+08:00")
      assert.strictEqual(e.status, "lost")
      assert.deepStrictEqual(e.reasons.find((r) => r.rule === "lost-contact"), { rule: "lost-contact", since: F.at("2025-03-01T10:00:00+08:00") })
    })
  })

  describe("contact warning after 3 months without contact (local practice)", () => {
    const events = [F.registered(M, "2025-01-01"), F.contact(M, "2025-03-01T10:00:00+08:00")]
    it("is active one minute before three months", () => {
      assert.strictEqual(evaluate(events, "2025-06-01T09:59:00+08:00").status, "active")
    })
    it("is at-risk at three months", () => {
      assert.strictEqual(evaluate(events, "2025-06-01T10:00:00+08:00").status, "at-risk")
    })
  })

  describe("lost-contact time runs from the last organisational life, dues or any recorded contact (四川 一卡一表)", () => {
    it("counts meetings, dues, outflow and return reports as contact", () => {
      for (const contact of [
        F.contact(M, "2025-06-01", "meeting"),
        F.contact(M, "2025-06-01", "dues"),
        F.outflow(M, "2025-06-01"),
        F.returned(M, "2025-06-01")
      ]) {
        const e = evaluate([F.registered(M, "2025-01-01"), contact], "2025-10-01")
        assert.strictEqual(e.lastContact?.at, F.at("2025-06-01"), contact.type)
      }
    })
    it("does not count failed searches or leads as contact", () => {
      const e = evaluate(
        [F.registered(M, "2025-01-01"), F.searchFailed(M, "2025-06-01", "phone"), F.lead("2025-06-02", { memberId: M })],
        "2025-07-02"
      )
      assert.strictEqual(e.status, "lost")
      assert.strictEqual(e.lastContact?.at, F.at("2025-01-01"))
    })
  })

  describe("suspension may be decided when lost ≥ 6 months and ≥ 3 failed searches over ≥ 2 channels (条例 art. 24)", () => {
    const lost = [F.registered(M, "2025-01-01")]
    it("is eligible with three failed searches over two channels since the last contact", () => {
      const e = evaluate(
        [...lost, F.searchFailed(M, "2025-08-01", "phone"), F.searchFailed(M, "2025-08-05", "phone"), F.searchFailed(M, "2025-08-09", "visit")],
        "2025-09-01"
      )
      assert.include(e.flags, "suspension-eligible")
    })
    it("is not eligible with three failed searches over a single channel", () => {
      const e = evaluate(
        [...lost, F.searchFailed(M, "2025-08-01", "phone"), F.searchFailed(M, "2025-08-05", "phone"), F.searchFailed(M, "2025-08-09", "phone")],
        "2025-09-01"
      )
      assert.strictEqual(e.status, "lost")
      assert.notInclude(e.flags, "suspension-eligible")
    })
    it("is not eligible with two failed searches over two channels", () => {
      const e = evaluate([...lost, F.searchFailed(M, "2025-08-01", "phone"), F.searchFailed(M, "2025-08-05", "visit")], "2025-09-01")
      assert.notInclude(e.flags, "suspension-eligible")
    })
    it("ignores searches made before the last contact", () => {
      const e = evaluate(
        [
          ...lost,
          F.searchFailed(M, "2025-02-01", "phone"),
          F.searchFailed(M, "2025-02-05", "visit"),
          F.searchFailed(M, "2025-02-09", "notice"),
          F.contact(M, "2025-03-01")
        ],
        "2025-10-01"
      )
      assert.strictEqual(e.status, "lost")
      assert.notInclude(e.flags, "suspension-eligible")
    })
  })

  describe("a lost probationary member: cancel probation instead of suspension (disposal practice)", () => {
    it("flags cancel-probation-eligible, not suspension-eligible", () => {
      const e = evaluate(
        [
          F.registered(M, "2025-01-01", { category: "probationary" }),
          F.searchFailed(M, "2025-08-01", "phone"),
          F.searchFailed(M, "2025-08-05", "visit"),
          F.searchFailed(M, "2025-08-09", "relatives")
        ],
        "2025-09-01"
      )
      assert.include(e.flags, "cancel-probation-eligible")
      assert.notInclude(e.flags, "suspension-eligible")
    })
  })

  describe("suspended for 2 years and still unreachable: removal (条例 art. 24)", () => {
    const events = [F.registered(M, "2020-01-01"), F.decided(M, "2023-05-01", "suspend")]
    it("is suspended without removal-due a day before two years", () => {
      const e = evaluate(events, "2025-04-30")
      assert.strictEqual(e.status, "suspended")
      assert.deepStrictEqual(e.flags, [])
      assert.strictEqual(e.nextReviewAt, F.at("2025-05-01"))
    })
    it("flags removal-due at two years", () => {
      assert.deepStrictEqual(evaluate(events, "2025-05-01").flags, ["removal-due"])
    })
    it("does not flag removal-due when the member was reached after the suspension", () => {
      assert.deepStrictEqual(evaluate([...events, F.contact(M, "2024-01-01")], "2025-06-01").flags, [])
    })
  })

  describe("6 months without organisational life or without dues: article 9 review (党章 art. 9), per channel", () => {
    it("is not flagged while both meetings and dues are monthly", () => {
      assert.notInclude(evaluate(steady("2025-12-31"), "2026-01-01").flags, "article9-review")
    })
    it("is flagged after 6 months without meetings even though dues and phone calls continue", () => {
      const events = [
        F.registered(M, "2025-01-01"),
        F.contact(M, "2025-01-15", "meeting"),
        ...["2025-02-15", "2025-04-15", "2025-06-15", "2025-07-10"].flatMap((d) => [F.contact(M, d, "dues"), F.contact(M, d, "phone")])
      ]
      assert.notInclude(evaluate(events, "2025-07-14").flags, "article9-review")
      const e = evaluate(events, "2025-07-15")
      assert.include(e.flags, "article9-review")
      assert.strictEqual(e.status, "active")
    })
    it("is flagged after 6 months without dues even though meetings continue", () => {
      const events = [
        F.registered(M, "2025-01-01"),
        F.contact(M, "2025-01-15", "dues"),
        ...["2025-03-15", "2025-05-15", "2025-07-10"].map((d) => F.contact(M, d, "meeting"))
      ]
      assert.include(evaluate(events, "2025-07-15").flags, "article9-review")
    })
  })

  describe("transfer letter validity: 30 days by default, 90 at most (组通字〔2006〕45号)", () => {
    const base = steady("2026-12-31")
    it("is in transit until the letter expires, then overdue", () => {
      const events = [...base, F.transferIssued(M, "tr-1", "2025-03-01")]
      assert.strictEqual(evaluate(events, "2025-03-30T09:00:00+08:00").status, "in-transit")
      assert.strictEqual(evaluate(events, "2025-03-31T09:00:00+08:00").status, "transfer-overdue")
    })
    it("honours a longer validity named on the letter", () => {
      const events = [...base, F.transferIssued(M, "tr-1", "2025-03-01", { validDays: 60 })]
      assert.strictEqual(evaluate(events, "2025-04-29T09:00:00+08:00").status, "in-transit")
      assert.strictEqual(evaluate(events, "2025-04-30T09:00:00+08:00").status, "transfer-overdue")
    })
    it("caps the validity at 90 days", () => {
      const events = [...base, F.transferIssued(M, "tr-1", "2025-03-01", { validDays: 365 })]
      assert.strictEqual(evaluate(events, "2025-05-29T09:00:00+08:00").status, "in-transit")
      assert.strictEqual(evaluate(events, "2025-05-30T09:00:00+08:00").status, "transfer-overdue")
    })
    it("is no longer in transit once received or cancelled", () => {
      const issued = F.transferIssued(M, "tr-1", "2025-03-01")
      assert.strictEqual(evaluate([...base, issued, F.transferReceived(M, "tr-1", "2025-03-10")], "2025-06-01").status, "active")
      assert.strictEqual(evaluate([...base, issued, F.transferCancelled(M, "tr-1", "2025-03-10")], "2025-06-01").status, "active")
    })
  })

  describe("until the receiving organisation accepts, the sending organisation stays responsible (条例 art. 25)", () => {
    it("keeps the sending branch responsible while the transfer is open or overdue", () => {
      const events = [...steady("2026-12-31"), F.transferIssued(M, "tr-1", "2025-03-01")]
      assert.strictEqual(evaluate(events, "2025-03-10").responsibleOrgId, "org-branch-a")
      assert.strictEqual(evaluate(events, "2025-05-10").responsibleOrgId, "org-branch-a")
    })
    it("moves the home branch and the responsibility to the receiving organisation on receipt", () => {
      const events = [...steady("2026-12-31"), F.transferIssued(M, "tr-1", "2025-03-01"), F.transferReceived(M, "tr-1", "2025-03-10")]
      const e = evaluate(events, "2025-04-01")
      assert.strictEqual(e.homeOrgId, "org-branch-b")
      assert.strictEqual(e.responsibleOrgId, "org-branch-b")
    })
  })

  describe("floating members should register at the destination within 30 days (2024 意见; local grace)", () => {
    const events = [...steady("2026-12-31"), F.outflow(M, "2025-03-01")]
    it("is active during the grace period", () => {
      assert.strictEqual(evaluate(events, "2025-03-30T09:00:00+08:00").status, "active")
    })
    it("is floating-unregistered once the grace period is over", () => {
      assert.strictEqual(evaluate(events, "2025-03-31T09:00:00+08:00").status, "floating-unregistered")
    })
    it("is floating (registered) after registering at the destination", () => {
      assert.strictEqual(evaluate([...events, F.inflow(M, "2025-04-05")], "2025-04-10").status, "floating")
    })
    it("is active again after returning", () => {
      assert.strictEqual(evaluate([...events, F.returned(M, "2025-03-20")], "2025-05-01").status, "active")
    })
  })

  describe("the 流出地 organisation keeps contact; the 流入地 only assists (条例 arts. 32–34)", () => {
    it("keeps the home branch responsible and names the destination organisation as assisting", () => {
      const e = evaluate([...steady("2026-12-31"), F.outflow(M, "2025-03-01"), F.inflow(M, "2025-03-10", "org-inflow")], "2025-04-01")
      assert.strictEqual(e.responsibleOrgId, "org-branch-a")
      assert.strictEqual(e.assistingOrgId, "org-inflow")
    })
  })

  describe("floating member: away ≥ 6 consecutive months without transferring (2024 意见)", () => {
    const events = [...steady("2026-12-31"), F.outflow(M, "2025-03-01"), F.inflow(M, "2025-03-10")]
    it("is not yet a floating member a day before six months", () => {
      assert.notInclude(evaluate(events, "2025-08-31").flags, "floating-member")
    })
    it("is a floating member at six months", () => {
      assert.include(evaluate(events, "2025-09-01").flags, "floating-member")
    })
  })

  describe("away ≥ 6 months at a relatively fixed place: transfer required (条例 art. 25)", () => {
    it("flags transfer-required only for a fixed place and only after six months", () => {
      const fixed = [...steady("2026-12-31"), F.outflow(M, "2025-03-01", { fixedLocation: true }), F.inflow(M, "2025-03-10")]
      assert.notInclude(evaluate(fixed, "2025-08-31").flags, "transfer-required")
      assert.include(evaluate(fixed, "2025-09-01").flags, "transfer-required")
      const moving = [...steady("2026-12-31"), F.outflow(M, "2025-03-01", { fixedLocation: false }), F.inflow(M, "2025-03-10")]
      assert.notInclude(evaluate(moving, "2025-09-01").flags, "transfer-required")
    })
  })

  describe("escalation to the parent organisation after 12 months lost (local policy)", () => {
    const events = [F.registered(M, "2024-01-01"), F.contact(M, "2024-03-01")]
    it("stays with the branch before twelve months", () => {
      assert.strictEqual(evaluate(events, "2025-02-28").responsibleOrgId, "org-branch-a")
    })
    it("escalates to the parent at twelve months", () => {
      const e = evaluate(events, "2025-03-01")
      assert.strictEqual(e.responsibleOrgId, "org-committee")
      assert.include(e.flags, "escalated")
    })
    it("keeps a suspended member with its branch", () => {
      assert.strictEqual(evaluate([...events, F.decided(M, "2024-10-01", "suspend")], "2026-01-01").responsibleOrgId, "org-branch-a")
    })
  })
})

describe("status priority (highest first)", () => {
  it("removed outranks everything, suspended outranks an overdue transfer, overdue outranks lost", () => {
    const lostAndOverdue = [F.registered(M, "2024-01-01"), F.transferIssued(M, "tr-1", "2024-02-01")]
    assert.strictEqual(evaluate(lostAndOverdue, "2025-01-01").status, "transfer-overdue")
    assert.strictEqual(evaluate([...lostAndOverdue, F.decided(M, "2024-12-01", "suspend")], "2025-01-01").status, "suspended")
    assert.strictEqual(evaluate([...lostAndOverdue, F.decided(M, "2024-12-02", "remove")], "2025-01-01").status, "removed")
  })
  it("lost outranks floating-unregistered, which outranks at-risk", () => {
    const away = [F.registered(M, "2025-01-01"), F.outflow(M, "2025-01-02")]
    assert.strictEqual(evaluate(away, "2025-02-15").status, "floating-unregistered")
    assert.strictEqual(evaluate(away, "2025-04-15").status, "floating-unregistered")
    assert.strictEqual(evaluate(away, "2025-07-15").status, "lost")
    assert.strictEqual(evaluate([F.registered(M, "2025-01-01")], "2025-04-15").status, "at-risk")
  })
  it("at-risk outranks in-transit, which outranks floating", () => {
    const transit = [F.registered(M, "2025-01-01"), F.transferIssued(M, "tr-1", "2025-03-20", { validDays: 90 })]
    assert.strictEqual(evaluate(transit, "2025-04-15").status, "at-risk")
    assert.strictEqual(evaluate([...transit, F.contact(M, "2025-04-10")], "2025-04-15").status, "in-transit")
  })
  it("a restore decision returns the member to the contact rules and counts as contact", () => {
    const e = evaluate([F.registered(M, "2023-01-01"), F.decided(M, "2024-01-01", "suspend"), F.decided(M, "2025-06-01", "restore")], "2025-07-01")
    assert.strictEqual(e.status, "active")
    assert.strictEqual(e.lastContact?.kind, "restore")
  })
  it("deceased, left and cancelled probation end the record", () => {
    for (const decision of ["deceased", "left", "cancel-probation"] as const) {
      const e = evaluate([F.registered(M, "2023-01-01"), F.decided(M, "2024-01-01", decision)], "2025-07-01")
      assert.strictEqual(e.status, "ended", decision)
      assert.strictEqual(e.nextReviewAt, undefined)
    }
  })
})

describe("nextReviewAt", () => {
  it("is the next threshold the member would cross with no new event", () => {
    const events = [F.registered(M, "2025-01-01"), F.contact(M, "2025-03-01", "meeting"), F.contact(M, "2025-03-01", "dues")]
    assert.strictEqual(evaluate(events, "2025-04-01").nextReviewAt, F.at("2025-06-01"))
    assert.strictEqual(evaluate(events, "2025-06-01").nextReviewAt, F.at("2025-09-01"))
  })
  it("re-evaluating at nextReviewAt changes the status, and not before", () => {
    const events = [F.registered(M, "2025-01-01"), F.contact(M, "2025-03-01T10:00:00+08:00")]
    const now = evaluate(events, "2025-04-01")
    const next = now.nextReviewAt ?? 0
    assert.strictEqual(evaluate(events, new Date(next - 1).toISOString()).status, now.status)
    assert.notStrictEqual(evaluate(events, new Date(next).toISOString()).status, now.status)
  })
  it("an evaluation holds from its instant until nextReviewAt, and evaluating again in between gives it again", () => {
    const events = [F.registered(M, "2025-01-01"), F.contact(M, "2025-03-01T10:00:00+08:00")]
    const at = F.at("2025-04-01")
    const now = evaluate(events, "2025-04-01")
    const next = now.nextReviewAt ?? 0
    for (const later of [at, at + 86_400_000, next - 1]) {
      assert.isTrue(Status.holdsAt(now, at, later))
      assert.deepStrictEqual(evaluate(events, new Date(later).toISOString()), now)
    }
    assert.isFalse(Status.holdsAt(now, at, next))
    assert.isFalse(Status.holdsAt(now, at, at - 1))
  })
  it("a policy override moves the threshold", () => {
    const events = [F.registered(M, "2025-01-01"), F.contact(M, "2025-03-01")]
    assert.strictEqual(evaluate(events, "2025-07-01", { ...Policy.defaults, lostAfterMonths: 4 }).status, "lost")
    assert.strictEqual(evaluate(events, "2025-07-01").status, "at-risk")
  })
})

describe("Status laws over any history", () => {
  const noOrgs = OrgTree.make([])
  /** Member m-1's projection after every event of the history. */
  const projectionOf = (events: ReadonlyArray<Event.Event>): Projection.Projection => {
    const state = Scan.make()
    for (const event of events) Scan.add(state, event)
    return state.members.get(M) ?? Projection.empty(M)
  }
  const statusAt = (projection: Projection.Projection, at: number) => Status.evaluate(projection, at, Policy.defaults, noOrgs)?.status

  /** What one more event adds to m-1: any fact about them, or an observation attached to them (an inflow registration or a record). */
  const fragment: fc.Arbitrary<Projection.Projection> = fc.oneof(
    fc
      .tuple(memberEventWire, instant)
      .map(([wire, occurredAt]) =>
        Projection.fromEvent(F.decode({ orgId: "org-a", memberId: M, ...wire, ...(wire.type === "LeadReported" && { subject: { memberId: M } }), eventId: "x-1", occurredAt })) as Projection.Projection
      ),
    fc.tuple(fc.boolean(), instant).map(([inflow, occurredAt]) => {
      const identity = { name: "张伟", idNumber: "11010519491231002X" }
      const observation = inflow
        ? F.decode({ eventId: "obs-1", type: "InflowRegistered", orgId: "org-b", region: "440305", occurredAt, identity })
        : F.decode({ eventId: "obs-2", type: "RecordObserved", orgId: "org-b", region: "440305", dataSource: "community", occurredAt, identity })
      return Projection.attach(M, Projection.leadOf(observation as Event.InflowRegistered | Event.RecordObserved))
    })
  )

  it("a fact keepsStatus accepts changes no status at any instant", () => {
    let kept = 0
    fc.assert(
      fc.property(history, fragment, instants, (events, added, at) => {
        const before = projectionOf(events)
        if (!Status.keepsStatus(before, added)) return
        kept++
        const after = Projection.merge(before, added)
        for (const asOf of at) assert.strictEqual(statusAt(after, asOf), statusAt(before, asOf))
      }),
      { numRuns: 1000 }
    )
    // Not vacuous: searches, details, leads and resolutions are a good share of the facts drawn.
    assert.isAbove(kept, 150)
  })

  it("refuses the facts that may change a status: contact, a decision, a transfer, a confirmed inflow registration", () => {
    const p = projectionOf([F.registered(M, "2024-01-01")])
    for (const event of [F.contact(M, "2025-01-01"), F.decided(M, "2025-01-01", "restore"), F.transferCancelled(M, "t-1", "2025-01-01"), F.returned(M, "2025-01-01")]) {
      assert.isFalse(Status.keepsStatus(p, Projection.fromEvent(event) as Projection.Projection), event.type)
    }
    assert.isTrue(Status.keepsStatus(p, Projection.fromEvent(F.searchFailed(M, "2025-01-01", "phone")) as Projection.Projection))
  })

  it("an unlinked member stays unlinked as time passes with no new fact", () => {
    fc.assert(
      fc.property(history, instants, (events, at) => {
        const projection = projectionOf(events)
        let was = false
        for (const asOf of at) {
          const status = statusAt(projection, asOf)
          const now = status !== undefined && Status.unlinked.has(status)
          if (was) assert.isTrue(now, `${status} at ${new Date(asOf).toISOString()}`)
          was = now
        }
      }),
      { numRuns: 1000 }
    )
  })
})
