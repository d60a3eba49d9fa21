import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { createHash } from "node:crypto"
import type * as Event from "../src/Event.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Policy from "../src/Policy.ts"
import * as Proposal from "../src/Proposal.ts"
import * as Report from "../src/Report.ts"
import * as Review from "../src/Review.ts"
import * as Scan from "../src/Scan.ts"
import { sha256Hex } from "../src/internal/Sha256.ts"
import * as F from "./fixtures.ts"

/**
 * Two lost members alike enough that a record of either is a review for both (王芳, one phone, one
 * birth date, homed at two branches), and a lost 陈伟 whose ID number a record gives: an auto-link.
 */
const asOf = F.at("2026-12-01")
// A lost member is the parent committee's to find: 党委 c-a over branch org-a, c-b over org-b.
const orgs = [F.org("org-root"), F.org("c-a", "org-root"), F.org("c-b", "org-root"), F.org("org-a", "c-a"), F.org("org-b", "c-b")]
const twin = { name: "王芳", phone: "13800138000", birthDate: "1980-01-01" }
const members = [
  F.registered("m-wang-a", "2023-02-01", { orgId: "org-a", ...twin, idNumber: "110105198001010040" }),
  F.registered("m-wang-b", "2023-02-01", { orgId: "org-b", ...twin, idNumber: "110105198001010067" }),
  F.registered("m-chen", "2023-02-01", { orgId: "org-a", name: "陈伟", idNumber: "510107198509246713", phone: "13900139000", birthDate: "1985-09-24" })
]
const wangRecord = F.recordObserved("2026-10-01", { name: "王芳", phone: "13800138000", birthDate: "1980-01-01" })
const chenRecord = F.recordObserved("2026-10-02", { name: "陈伟", idNumber: "510107198509246713" })
const events: ReadonlyArray<Event.Event> = [...orgs, ...members, wangRecord, chenRecord]

const scan = (more: ReadonlyArray<Event.Event> = []) => Scan.run([...events, ...more], { asOf, policy: Policy.defaults })
const options: Review.Options = { includeSubtree: true, lang: "zh", reveal: false, blind: false, rule: MatchRule.chinese }
const queueOf = (result: Scan.Result, more: Partial<Review.Options> = {}) => Review.queue(Report.fromScan(result), { ...options, ...more })

/** The rows as a clerk's reader gives them back: every cell as text, numbered from the sheet's second row. */
const filled = (queue: Review.ReviewQueue, decide: (row: Review.Row) => Partial<Record<"decision" | "reviewer" | "remark", string>> = () => ({})) =>
  queue.rows.map((row, i): Review.Filled => {
    const cells: Record<string, string> = {}
    for (const c of queue.columns) cells[c.id] = String(row[c.id] ?? "")
    cells.rowCheck = row.rowCheck
    return { line: i + 2, cells: { ...cells, ...decide(row) } }
  })

const currentOf = (result: Scan.Result): Review.Current => ({
  proposal: (o, m) => result.proposals.find((p) => p.observationEventId === o && p.memberId === m),
  hasObservation: (o) => result.observations.has(o),
  member: (m) => result.members.get(m)
})

describe("Sha256", () => {
  it("gives node:crypto's SHA-256 for any text, across block boundaries and astral characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        assert.strictEqual(sha256Hex(text), createHash("sha256").update(text, "utf8").digest("hex"))
      }),
      { numRuns: 300 }
    )
  })
})

describe("Review.queue", () => {
  it("lists each open review proposal once, by responsible organisation, naming the other candidate; an auto-link is not listed", () => {
    const result = scan()
    const queue = queueOf(result)
    assert.deepStrictEqual(
      queue.rows.map((r) => [r.responsibleOrgId, r.memberId, r.queueId]),
      [
        ["c-a", "m-wang-a", "review"],
        ["c-b", "m-wang-b", "review"]
      ]
    )
    assert.strictEqual(queue.counts.review, 2)
    assert.strictEqual(queue.counts.autoLinks, 1)
    const [a] = queue.rows
    assert.strictEqual(a?.obsKind, "数据比对")
    assert.strictEqual(a?.obsSource, "公安 org-branch-a")
    assert.strictEqual(a?.obsName, "王芳")
    assert.match(String(a?.others), /^王芳（m-wang-b） (0\.\d{3}|1−\d\.\de-\d+)$/)
    assert.match(String(a?.agreement), /姓名 一致 \+\d+\.\d；.*手机号 一致 \+\d+\.\d；.*先验 −\d+\.\d$/)
  })

  it("masks ID numbers, phones and birth dates on both sides unless revealed", () => {
    const [masked] = queueOf(scan()).rows
    assert.strictEqual(masked?.obsPhone, "138****8000")
    assert.strictEqual(masked?.obsBirthDate, "1980-**-**")
    assert.strictEqual(masked?.idNumber, "110105********0040")
    assert.strictEqual(masked?.birthDate, "1980-**-**")
    const [revealed] = queueOf(scan(), { reveal: true }).rows
    assert.strictEqual(revealed?.obsPhone, "13800138000")
    assert.strictEqual(revealed?.idNumber, "110105198001010040")
    assert.strictEqual(revealed?.birthDate, "1980-01-01")
  })

  it("blind, shows neither probability nor weights nor kind, not even for the other candidates", () => {
    const queue = queueOf(scan(), { blind: true })
    assert.isFalse(queue.columns.some((c) => ["probability", "agreement", "queue"].includes(c.id)))
    for (const row of queue.rows) {
      assert.isUndefined(row.probability)
      assert.notMatch(String(row.others), /\d\.\d/)
    }
  })

  it("draws at most N auto-links for an audit, the same ones for the same seed", () => {
    const none = queueOf(scan(), { sampleAutoLinks: { count: 0, seed: 1 } })
    assert.isFalse(none.rows.some((r) => r.queueId === "audit"))
    const drawn = queueOf(scan(), { sampleAutoLinks: { count: 5, seed: 1 } })
    assert.deepStrictEqual(
      drawn.rows.filter((r) => r.queueId === "audit").map((r) => [r.memberId, r.queue]),
      [["m-chen", "抽查（已自动关联）"]]
    )
    assert.deepStrictEqual(queueOf(scan(), { sampleAutoLinks: { count: 5, seed: 1 } }).rows, drawn.rows)
  })

  it("keeps to the organisation asked for", () => {
    assert.deepStrictEqual(queueOf(scan(), { orgId: "c-b", includeSubtree: false }).rows.map((r) => r.memberId), ["m-wang-b"])
  })

  it("warns in its header when the rule was never trained, and names the export when it was", () => {
    assert.match(String(queueOf(scan()).basis), /规则未经本地数据训练/)
    const trained = { ...MatchRule.chinese, trained: { events: "export.ndjson", at: "2026-11-30T08:00:00.000Z", members: 30000, observations: 6112 } }
    const basis = String(queueOf(scan(), { rule: trained }).basis)
    assert.match(basis, /2026-11-30 由 relink train 在 export\.ndjson 上训练（30000名党员，6112条线索）/)
    assert.notMatch(basis, /未经/)
  })
})

describe("Review.cellText", () => {
  it("keeps what every writer keeps: no controls, bidi controls, noncharacters or lone surrogates, at most 1,000 units, never half a pair", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 1200 }), (text) => {
        const kept = Review.cellText(text)
        assert.isAtMost(kept.length, 1000)
        // eslint-disable-next-line no-control-regex -- finding controls is the point
        assert.notMatch(kept, /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/)
        assert.notMatch(kept, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
        assert.strictEqual(Review.cellText(kept), kept)
      })
    )
  })
})

describe("Review.decide", () => {
  const at = F.at("2026-11-30")

  it("turns confirmed and rejected rows into one MatchResolved each, with reviewer and remark; pending and blank rows into none", () => {
    const queue = queueOf(scan(), { sampleAutoLinks: { count: 1, seed: 1 } })
    const words: Record<string, string> = { "m-wang-a": "确认", "m-wang-b": "否定", "m-chen": "待定" }
    const decided = Review.decide(
      filled(queue, (row) => ({ decision: words[row.memberId] ?? "", reviewer: row.memberId === "m-wang-a" ? "李明" : "", remark: row.memberId === "m-wang-a" ? " 电话核实 " : "" })),
      { at, blind: false, reviewer: "王科长" }
    )
    assert.deepStrictEqual(decided.problems, [])
    assert.deepStrictEqual(
      decided.events.map((e) => [e.memberId, e.resolution, e.resolvedBy, e.note, e.orgId, e.occurredAt]),
      [
        ["m-wang-a", "confirmed", "李明", "电话核实", "c-a", at],
        ["m-wang-b", "rejected", "王科长", undefined, "c-b", at]
      ]
    )
    assert.deepStrictEqual(
      decided.tallies.map((t) => [t.reviewer, t.confirmed, t.rejected, t.pending]),
      [
        ["李明", 1, 0, 0],
        ["王科长", 0, 1, 1]
      ]
    )
  })

  it("gives the same events for the same file, however often it is read", () => {
    const rows = filled(queueOf(scan()), () => ({ decision: "否定" }))
    assert.deepStrictEqual(Review.decide(rows, { at, blind: false }), Review.decide(rows, { at, blind: false }))
  })

  it("refuses a row with any key or evidence cell changed, naming its row", () => {
    const queue = queueOf(scan())
    const checked = Review.checkedColumns(false)
    fc.assert(
      fc.property(fc.nat({ max: queue.rows.length - 1 }), fc.constantFrom(...checked, "rowCheck"), fc.string({ minLength: 1, maxLength: 8 }), (index, column, text) => {
        const rows = filled(queue, () => ({ decision: "确认" }))
        const row = rows[index] as Review.Filled
        fc.pre(row.cells[column] !== text)
        const edited = [...rows]
        edited[index] = { line: row.line, cells: { ...row.cells, [column]: text } }
        const decided = Review.decide(edited, { at, blind: false })
        assert.isTrue(decided.problems.some((p) => p.line === row.line))
        assert.isFalse(decided.events.some((e) => e.memberId === row.cells.memberId))
      })
    )
  })

  it("reads a blind file's checks as blind: a blind file read as full is refused", () => {
    const rows = filled(queueOf(scan(), { blind: true }), () => ({ decision: "否定" }))
    assert.strictEqual(Review.decide(rows, { at, blind: true }).events.length, 2)
    assert.strictEqual(Review.decide(rows, { at, blind: false }).problems.length, 2)
  })

  it("refuses an unknown decision word, naming the words it takes", () => {
    const [first, second] = filled(queueOf(scan()), () => ({ decision: "好的" }))
    const decided = Review.decide([first as Review.Filled, { ...(second as Review.Filled), cells: { ...second?.cells, decision: "confirm" } }], { at, blind: false })
    assert.deepStrictEqual(decided.problems.map((p) => p.line), [2])
    assert.match(decided.problems[0]?.reason ?? "", /结论 "好的" is not one of 确认, confirm/)
    assert.strictEqual(decided.events.length, 1)
  })

  it("refuses both rows when one observation is confirmed for two members", () => {
    const decided = Review.decide(filled(queueOf(scan()), () => ({ decision: "确认" })), { at, blind: false })
    assert.deepStrictEqual(decided.problems.map((p) => p.line), [2, 3])
    assert.deepStrictEqual(decided.events, [])
  })

  it("against the sources: a pair resolved since is stale, one this file resolved is applied, an unknown observation is refused", () => {
    const before = scan()
    const rows = filled(queueOf(before), (row) => ({ decision: row.memberId === "m-wang-a" ? "确认" : "否定" }))
    const first = Review.decide(rows, { at, blind: false, current: currentOf(before) })
    assert.deepStrictEqual([first.problems, first.stale, first.applied, first.events.length], [[], [], 0, 2])
    // Once applied, the same file changes nothing.
    const after = scan(first.events)
    const again = Review.decide(rows, { at, blind: false, current: currentOf(after) })
    assert.deepStrictEqual([again.problems, again.stale, again.applied, again.events], [[], [], 2, []])
    // Someone else resolved the pair meanwhile.
    const other = scan([F.resolved("m-wang-b", wangRecord.eventId, "2026-11-29", "confirmed")])
    const late = Review.decide(rows, { at, blind: false, current: currentOf(other) })
    assert.deepStrictEqual(late.stale.map((s) => s.line), [2, 3])
    assert.deepStrictEqual(late.events, [])
    // Sources that never held the observation.
    const elsewhere = Scan.run([...orgs, ...members], { asOf, policy: Policy.defaults })
    assert.match(Review.decide(rows, { at, blind: false, current: currentOf(elsewhere) }).problems[0]?.reason ?? "", /unknown key: the sources hold no observation/)
  })

  it("closes the loop: a confirmed member is found through the record, the rejected pair is never proposed again", () => {
    const before = scan()
    const decided = Review.decide(filled(queueOf(before), (row) => ({ decision: row.memberId === "m-wang-a" ? "否定" : "确认" })), { at, blind: false })
    const after = scan(decided.events)
    assert.isTrue(Object.values(after.members.get("m-wang-b")?.leads ?? {}).some((l) => l.eventId === wangRecord.eventId))
    assert.strictEqual(after.members.get("m-wang-b")?.resolutions[wangRecord.eventId]?.resolvedBy, undefined)
    assert.isFalse(after.proposals.some((p) => p.observationEventId === wangRecord.eventId))
    assert.isTrue(Proposal.isRejected(after.members.get("m-wang-a"), wangRecord.eventId))
  })

  it("names who checked a confirmed lead, and their remark, in the unlinked list", () => {
    const decided = Review.decide(
      filled(queueOf(scan()), (row) => (row.memberId === "m-wang-b" ? { decision: "确认", reviewer: "李明", remark: "电话核实" } : {})),
      { at, blind: false }
    )
    const list = Report.unlinked(Report.fromScan(scan(decided.events)), { includeSubtree: true, lang: "zh", reveal: false })
    assert.match(String(list.rows.find((r) => r.memberId === "m-wang-b")?.leads), /^数据比对 2026-10-01 广东 440305（李明核实：电话核实）$/)
  })
})
