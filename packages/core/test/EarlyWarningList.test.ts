import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Event from "../src/Event.ts"
import * as EarlyWarning from "../src/EarlyWarning.ts"
import { DAY } from "../src/Instant.ts"
import * as Policy from "../src/Policy.ts"
import * as Report from "../src/Report.ts"
import * as Rhythm from "../src/Rhythm.ts"
import * as Scan from "../src/Scan.ts"
import * as F from "./fixtures.ts"

/** The models these tests are written for, explicit: the shipped default may change. */
const rhythmModel: EarlyWarning.Model = {
  kind: "rhythm",
  horizonDays: 180,
  minGaps: 4,
  spreadFloor: 0.25,
  suspicion: 1,
  fadeWindow: false,
  calibration: { intercept: -4, slope: 1 }
}
const fitted: EarlyWarning.Fitted = {
  origins: 14,
  rows: 52_000,
  positives: 800,
  targetPrecision: 0.3,
  precision: 0.31,
  recall: 0.42,
  medianLeadDays: 23.4,
  fixedGap: { days: 20, precision: 0.31, recall: 0.42 }
}
const fixedGapModel: EarlyWarning.Model = { kind: "fixed-gap", horizonDays: 120, days: 20, calibration: { intercept: -6, slope: 1.5 }, fitted }

const policyOf = (model: EarlyWarning.Model): Policy.Policy => Policy.withModel(Policy.defaults, model)

const ASOF = F.at("2026-11-05")
const ORGS = ["org-a", "org-b"] as const

/** A member of one of two branches, in contact every `gap` days `count` times, the last `silent` days before the list's date. */
interface Member {
  readonly org: 0 | 1
  readonly gap: number
  readonly count: number
  readonly silent: number
}

const memberId = (i: number) => `m-${String(i).padStart(3, "0")}`

const eventsOf = (members: ReadonlyArray<Member>): Array<Event.Event> => {
  const events: Array<Event.Event> = [F.org("org-a"), F.org("org-b")]
  members.forEach((m, i) => {
    const orgId = ORGS[m.org]
    events.push(F.registered(memberId(i), "2024-01-01", { orgId }))
    const last = ASOF - m.silent * DAY
    for (let k = m.count - 1; k >= 0; k--) events.push(F.contact(memberId(i), new Date(last - k * m.gap * DAY).toISOString(), "meeting", { orgId }))
  })
  return events
}

const listOf = (members: ReadonlyArray<Member>, model: EarlyWarning.Model, options: Partial<Report.Options> = {}) => {
  const policy = policyOf(model)
  const result = Scan.run(eventsOf(members), { asOf: ASOF, policy })
  return { result, list: Report.earlyWarning(Report.fromScan(result), { includeSubtree: false, lang: "zh", reveal: false, policy, ...options }) }
}

/** The probability of a member as of the list's date, from what the test knows of them: their silence. */
const probabilityOf = (model: EarlyWarning.Model, members: ReadonlyArray<Member>, result: Scan.Result, id: string): number => {
  const evaluation = result.evaluations.find((e) => e.memberId === id)
  const reason = evaluation?.reasons.find((r) => r.rule === "early-warning")
  const member = members[Number(id.slice(2))] as Member
  if (evaluation === undefined || reason === undefined) throw new Error(`${id} is not warned of`)
  return EarlyWarning.probability(model, reason.rhythm, evaluation.status as EarlyWarning.Watched, member.silent)
}

const members = fc.array(
  fc.record({
    org: fc.constantFrom(0 as const, 1 as const),
    gap: fc.integer({ min: 2, max: 30 }),
    count: fc.integer({ min: 2, max: 12 }),
    silent: fc.integer({ min: 0, max: 85 })
  }),
  { minLength: 1, maxLength: 30 }
)
const models = fc.constantFrom(rhythmModel, fixedGapModel)

describe("Report.earlyWarning", () => {
  it("lists every member warned of, each organisation's most probably lost first, then by member id", () => {
    fc.assert(
      fc.property(members, models, (ms, model) => {
        const { result, list } = listOf(ms, model)
        const warned = result.evaluations.filter((e) => e.flags.includes("early-warning")).map((e) => e.memberId)
        assert.sameMembers(list.rows.map((r) => r.memberId), warned)
        const orgsInOrder = list.rows.map((r) => r.responsibleOrgId).filter((id, i, all) => id !== all[i - 1])
        assert.deepStrictEqual(orgsInOrder, [...new Set(orgsInOrder)], "each organisation's rows together")
        for (let i = 1; i < list.rows.length; i++) {
          const [a, b] = [list.rows[i - 1] as Report.EarlyWarningRow, list.rows[i] as Report.EarlyWarningRow]
          if (a.responsibleOrgId !== b.responsibleOrgId) continue
          const [pa, pb] = [probabilityOf(model, ms, result, a.memberId), probabilityOf(model, ms, result, b.memberId)]
          assert.isTrue(pa > pb || (pa === pb && a.memberId < b.memberId), `${a.memberId} (${pa}) before ${b.memberId} (${pb})`)
        }
      }),
      { numRuns: 60 }
    )
  })

  it("shows the probability EarlyWarning.probability gives at the list's date, as a whole percent", () => {
    fc.assert(
      fc.property(members, models, (ms, model) => {
        const { result, list } = listOf(ms, model)
        for (const row of list.rows) {
          const p = probabilityOf(model, ms, result, row.memberId)
          assert.strictEqual(row.probability, Math.min(99, Math.max(1, Math.round(100 * p))), row.memberId)
        }
      }),
      { numRuns: 60 }
    )
  })

  it("with a cap per organisation keeps each organisation's most probable members and counts those left out", () => {
    fc.assert(
      fc.property(members, models, fc.integer({ min: 1, max: 5 }), (ms, model, perOrg) => {
        const all = listOf(ms, model).list
        const capped = listOf(ms, model, { perOrg }).list
        const seen = new Map<string, number>()
        const expected = all.rows.filter((r) => {
          const n = (seen.get(r.responsibleOrgId) ?? 0) + 1
          seen.set(r.responsibleOrgId, n)
          return n <= perOrg
        })
        assert.deepStrictEqual(capped.rows, expected)
        assert.deepStrictEqual(capped.cap, { perOrg, leftOut: all.rows.length - expected.length })
        assert.isUndefined(all.cap)
      }),
      { numRuns: 60 }
    )
  })

  it("names the probability's horizon in its header and shows φ and the rhythm only when the model reads one", () => {
    // Weekly, silent 40 days: warned of by both models.
    const byGap = listOf([{ org: 0, gap: 7, count: 12, silent: 40 }], fixedGapModel)
    assert.strictEqual(byGap.list.columns.find((c) => c.id === "probability")?.en, "Probability of loss within 120 days")
    assert.deepInclude(byGap.list.rows[0], { rhythm: "—", suspicion: "", expectedAt: "" })
    // Weekly for nine gaps, then 10, 15 and 22 days, silent 12 days since: φ with the model's fade window (none) is lower than with one.
    const gaps = [22, 15, 10, 7, 7, 7, 7, 7, 7, 7, 7, 7]
    const last = ASOF - 12 * DAY
    const contacts = gaps.reduce<Array<number>>((at, gap) => [...at, (at[at.length - 1] as number) - gap * DAY], [last])
    const policy = policyOf(rhythmModel)
    const events = [F.org("org-a"), F.registered("m-fading", "2024-01-01", { orgId: "org-a" }), ...contacts.map((at) => F.contact("m-fading", new Date(at).toISOString(), "meeting", { orgId: "org-a" }))]
    const list = Report.earlyWarning(Report.fromScan(Scan.run(events, { asOf: ASOF, policy })), { includeSubtree: false, lang: "zh", reveal: false, policy })
    const row = list.rows[0] as Report.EarlyWarningRow
    assert.strictEqual(list.columns.find((c) => c.id === "probability")?.zh, "预计180天内失联概率")
    assert.strictEqual(row.rhythm, "约每7天")
    const rhythm = Rhythm.of(contacts.map(Rhythm.dayOf), rhythmModel) as Rhythm.Rhythm
    assert.strictEqual(row.suspicion, Math.round(Rhythm.suspicionOfGap(rhythm, 12, false) * 10) / 10)
    assert.isBelow(row.suspicion as number, Rhythm.suspicionOfGap(rhythm, 12, true) - 1)
  })

  it("states in its header that the warning is a fixed gap no model beat on the backtest", () => {
    const zh = Report.earlyWarningBasis(policyOf(fixedGapModel), "zh")
    assert.include(zh, "未联系满20天即预警")
    assert.include(zh, "没有模型优于它")
    const en = Report.earlyWarningBasis(policyOf(fixedGapModel), "en")
    assert.include(en, "a fixed gap of 20 days")
    assert.include(en, "no model did better on the backtest")
    assert.strictEqual(listOf([{ org: 0, gap: 7, count: 12, silent: 40 }], fixedGapModel, { lang: "en" }).list.basis, en)
    const { fitted: _, ...unfitted } = fixedGapModel
    assert.include(Report.earlyWarningBasis(policyOf(unfitted), "en"), "not backtested")
    assert.notInclude(Report.earlyWarningBasis(policyOf(unfitted), "en"), "no model did better")
  })

  it("states a fitted model's backtest precision, recall and median lead, and the best fixed gap's", () => {
    const en = Report.earlyWarningBasis(policyOf({ ...rhythmModel, fitted }), "en")
    for (const part of ["own contact rhythm", "14 origins", "precision 31%", "recall 42%", "median lead 23 days before the 3-month warning", "best fixed gap at no less precision (silent more than 20 days)"]) {
      assert.include(en, part)
    }
    assert.include(Report.earlyWarningBasis(policyOf({ ...rhythmModel, fitted }), "zh"), "中位比3个月预警提前23天")
  })

  it("says that no fixed gap was as precise when the backtest found none", () => {
    const none = { ...fitted, fixedGap: { days: 0, precision: 0, recall: 0 } }
    const en = Report.earlyWarningBasis(policyOf({ ...rhythmModel, fitted: none }), "en")
    assert.include(en, "no fixed gap was as precise")
    assert.notInclude(en, "0 days")
    assert.include(Report.earlyWarningBasis(policyOf({ ...rhythmModel, fitted: none }), "zh"), "没有固定间隔能达到这一精确率")
  })
})
