import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as BranchHealth from "../src/BranchHealth.ts"
import * as Event from "../src/Event.ts"
import * as Instant from "../src/Instant.ts"
import * as Policy from "../src/Policy.ts"
import type * as Projection from "../src/Projection.ts"
import * as Scan from "../src/Scan.ts"
import { instant } from "./eventArbitraries.ts"
import { activity, AS_OF, fixture, laterInstant, policy, wire, world } from "./branchFixture.ts"
import * as F from "./fixtures.ts"

type Row = readonly [org: string, rule: BranchHealth.RuleId, about: string, since: string]

/**
 * The findings worked out by hand from the fixture and the rules (docs/rules.md), one row each:
 * the organisation, the rule, what it is about (an activity, a home organisation, a member) and
 * since when.
 */
const expectedFindings: ReadonlyArray<Row> = [
  // fb-cq: every cadence kept, guided 2 months ago, nobody held: nothing.
  // fb-sh: nothing ever held since its registration on 2025-01-01.
  ["fb-sh", "branch-dormant", "", "2025-01-01"],
  ["fb-sh", "committee-meeting-overdue", "committee-meeting", "2025-01-01"],
  ["fb-sh", "members-meeting-overdue", "members-meeting", "2025-01-01"],
  ["fb-sh", "group-meeting-overdue", "group-meeting", "2025-01-01"],
  ["fb-sh", "theme-day-overdue", "theme-day", "2025-01-01"],
  ["fb-sh", "life-meeting-overdue", "life-meeting", "2025-01-01"],
  ["fb-sh", "democratic-review-overdue", "democratic-review", "2025-01-01"],
  ["fb-sh", "guidance-overdue", "", "2025-01-01"],
  ["fb-sh", "member-to-invite", "m-g", "2026-05-15"], // away since 05-15, 30 days' grace passed 06-14
  // fb-sz: 党员大会 2026-03-15 + 3 months = 06-15 ≤ 06-30; 主题党日 05-20 + 1 month = 06-20.
  ["fb-sz", "members-meeting-overdue", "members-meeting", "2026-03-15"],
  ["fb-sz", "theme-day-overdue", "theme-day", "2026-05-20"],
  ["fb-sz", "democratic-review-overdue", "democratic-review", "2025-01-01"], // never: from the registration
  ["fb-sz", "guidance-overdue", "", "2026-02-10"], // c-home's visit + 3 months = 05-10; c-sz's visit does not count
  ["fb-sz", "report-overdue", "b-home", "2025-05-01"], // reported 2025-05-01 + 12 months = 2026-05-01
  // b-other: m-b arrived 2026-02-01, due 2027-02-01: no finding.
  ["fb-sz", "member-no-meeting", "m-c", "2025-12-01"], // attended 2025-12-01 + 6 months = 06-01
  ["fb-sz", "member-lost", "m-c", "2025-12-01"],
  ["fb-sz", "member-at-risk", "m-b", "2026-02-01"], // last contact: the registration at fb-sz
  ["fb-sz", "member-early-warning", "m-e", "2026-06-17"], // 05-18 + 30 days
  ["fb-sz", "member-to-invite", "m-d", "2026-04-01"] // 440304 is in 440300
]

/** Each organisation's grade, what decided it, the members it holds, the registration lags and the next review, by hand. */
const expectedOrgs = [
  { orgId: "fb-cq", grade: "normal", gradedBy: [], members: [], lags: [], nextReviewAt: "2026-07-15" }, // 支委会 06-15 + 1 month
  { orgId: "fb-sh", grade: "lapsed", gradedBy: ["branch-dormant"], members: [], lags: [], nextReviewAt: undefined },
  {
    orgId: "fb-sz",
    grade: "attention",
    gradedBy: ["members-meeting-overdue", "theme-day-overdue", "democratic-review-overdue", "guidance-overdue", "report-overdue", "member-no-meeting", "member-lost"],
    members: ["m-a", "m-b", "m-c", "m-e"], // m-f is removed; m-d and m-g are not registered here
    lags: [["m-a", 9], ["m-b", 12]],
    nextReviewAt: "2026-07-10" // 支委会 06-10 + 1 month, before the 党小组会 (07-20) and m-b's six months (08-01)
  }
] as const

const day = (at: number | undefined): string | undefined => (at === undefined ? undefined : Instant.formatCstDate(at))

const evaluateAll = (events: ReadonlyArray<Event.Event>, asOf: number, withPolicy: Policy.Policy = policy) => {
  const scanned = Scan.run(events, { asOf, policy: withPolicy })
  const members = scanned.evaluations.map((evaluation) => ({ evaluation, projection: scanned.members.get(evaluation.memberId) as Projection.Projection }))
  return { scanned, members, healths: BranchHealth.evaluateAll({ orgs: scanned.orgs, records: scanned.records, members, asOf, policy: withPolicy }) }
}

describe("BranchHealth on the hand-worked fixture", () => {
  const { healths } = evaluateAll(fixture, AS_OF)

  it("finds exactly the table's findings, each with its since", () => {
    const found: ReadonlyArray<Row> = healths.flatMap((h) =>
      h.findings.map((f): Row => [h.orgId, f.rule, f.activity ?? f.homeOrgId ?? f.memberId ?? "", day(f.since) as string])
    )
    assert.deepStrictEqual(found, expectedFindings)
  })

  it("grades each organisation as worked by hand, names its members, lags and next review", () => {
    assert.deepStrictEqual(
      healths.map((h) => ({
        orgId: h.orgId,
        grade: h.grade,
        gradedBy: h.gradedBy,
        members: h.members,
        lags: h.registrationLags.map((l) => [l.memberId, l.days]),
        nextReviewAt: day(h.nextReviewAt)
      })),
      expectedOrgs.map((o) => ({ ...o, gradedBy: [...o.gradedBy], members: [...o.members], lags: o.lags.map(([m, d]) => [m, d]) }))
    )
  })

  it("names the guiding committee and the latest activity, guidance from it and report", () => {
    const sz = healths.find((h) => h.orgId === "fb-sz")
    assert.deepStrictEqual(
      [sz?.guidingOrgId, day(sz?.lastActivityAt), day(sz?.lastGuidanceAt), day(sz?.lastReportAt)],
      ["c-home", "2026-06-20", "2026-02-10", "2025-05-01"]
    )
  })

  it("clears a finding once the event it waits for comes", () => {
    const later = [
      ...fixture,
      activity("fb-sz", "2026-06-29", "members-meeting", ["m-c"]),
      wire("GuidanceRecorded", "2026-06-29", "c-home", { targetOrgId: "fb-sz", channel: "phone" }),
      wire("BranchReported", "2026-06-29", "fb-sz", { homeOrgId: "b-home" })
    ]
    const sz = evaluateAll(later, AS_OF).healths.find((h) => h.orgId === "fb-sz")
    // m-c attended: found again, so neither lost nor without 组织生活.
    assert.deepStrictEqual(sz?.findings.map((f) => f.rule), ["theme-day-overdue", "democratic-review-overdue", "member-at-risk", "member-early-warning", "member-to-invite"])
  })
})

const RUNS = { numRuns: 300 }

const key = (f: BranchHealth.Finding) => JSON.stringify([f.rule, f.activity, f.homeOrgId, f.memberId, f.since])
const cadenceRules: ReadonlySet<string> = new Set([...BranchHealth.cadences.map((c) => c.rule), "branch-dormant"])

describe("BranchHealth laws", () => {
  it("adding an activity never adds a cadence finding", () => {
    fc.assert(
      fc.property(world, instant, fc.constantFrom(...Event.OrgActivity.literals), laterInstant, (events, at, kind, asOf) => {
        const extra = F.decode({ eventId: "extra", type: "OrgActivityRecorded", orgId: "org-x", activity: kind, attendees: ["m-1"], occurredAt: at })
        const [before] = evaluateAll(events, asOf).healths
        const [after] = evaluateAll([...events, extra], asOf).healths
        // The same finding may stay, counted from the new activity: what it is about is the rule and the kind.
        const what = (f: BranchHealth.Finding) => `${f.rule} ${f.activity ?? ""}`
        const had = new Set(before?.findings.filter((f) => cadenceRules.has(f.rule)).map(what))
        for (const f of after?.findings.filter((f) => cadenceRules.has(f.rule)) ?? []) assert.isTrue(had.has(what(f)), what(f))
      }),
      RUNS
    )
  })

  it("time passing never removes a finding nor improves the grade, and nothing changes before nextReviewAt", () => {
    fc.assert(
      fc.property(world, laterInstant, fc.integer({ min: 0, max: 800 }), (events, asOf, days) => {
        const { scanned, members } = evaluateAll(events, asOf)
        const at = (t: number) => BranchHealth.evaluateAll({ orgs: scanned.orgs, records: scanned.records, members, asOf: t, policy })[0] as BranchHealth.Health
        const now = at(asOf)
        const later = at(asOf + days * Instant.DAY)
        const kept = new Set(later.findings.map(key))
        for (const f of now.findings) assert.isTrue(kept.has(key(f)), key(f))
        assert.isAtLeast(BranchHealth.grades.indexOf(later.grade), BranchHealth.grades.indexOf(now.grade))
        if (now.nextReviewAt === undefined || asOf + days * Instant.DAY < now.nextReviewAt) assert.deepStrictEqual(later, now)
      }),
      RUNS
    )
  })

  it("evaluates each organisation alike from all members or from the ones evaluateAll picks", () => {
    fc.assert(
      fc.property(world, laterInstant, (events, asOf) => {
        const { scanned, members, healths } = evaluateAll(events, asOf)
        const alone = [...scanned.orgs.orgs.values()]
          .filter((o) => o.kind === "floating-branch")
          .map((o) => BranchHealth.evaluate({ org: o, record: scanned.records.get(o.orgId), orgs: scanned.orgs, members, asOf, policy }))
        assert.deepStrictEqual(healths, alone)
      }),
      RUNS
    )
  })

  it("gives the same health for any order of the events", () => {
    fc.assert(
      fc.property(world, laterInstant, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (events, asOf, order) => {
        // One copy of each eventId: of repeats with other content, the first copy wins, so order matters there.
        const seen = new Set<string>()
        const distinct = events.filter((e) => !seen.has(e.eventId) && seen.add(e.eventId))
        const shuffled = [...distinct]
        shuffled.forEach((_, i) => {
          const j = (order[i % order.length] ?? 0) % shuffled.length
          ;[shuffled[i], shuffled[j]] = [shuffled[j] as Event.Event, shuffled[i] as Event.Event]
        })
        assert.deepStrictEqual(evaluateAll(shuffled, asOf).healths, evaluateAll(distinct, asOf).healths)
      }),
      RUNS
    )
  })
})
