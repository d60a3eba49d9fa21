import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as Roster from "../src/Roster.ts"
import * as SheetHeader from "../src/SheetHeader.ts"
import { addressCode, chineseName, formatIdNumber, formatPhone, toFullWidth, validIdNumber, validPhone } from "./arbitraries.ts"

const RUNS = { numRuns: 200 }
const key = "test-key"

const branches: Readonly<Record<string, string>> = { 城关社区党支部: "org-cg", 河西村党支部: "org-hx" }
const orgOf = (branch: string | undefined): Result.Result<string, string> => {
  const orgId = branch === undefined ? undefined : branches[branch]
  return orgId === undefined ? Result.fail(`no organisation is named ${JSON.stringify(branch ?? "")}`) : Result.succeed(orgId)
}

const header = ["序号", "姓名", "公民身份号码", "性别", "人员类别", "所在党支部", "联系电话", "户籍所在地", "外出时间", "外出地点", "外出原因"]

// Five members of 城关社区党支部 and one of 河西村党支部, one away since March 2025.
const zhang = [1, "张伟", "510107198503120415", "男", "正式党员", "城关社区党支部", "13812345678", "四川省成都市武侯区", undefined, undefined, undefined]
const li = [2, "李娜", "510107199007151620", "女", "预备党员", "城关社区党支部", "13900001234", undefined, "2025.03", "广东省深圳市南山区", "务工"]
const wang = [3, "王芳", "440305197809205134", "女", "正式党员", "城关社区党支部", "13700001111", undefined, undefined, undefined, undefined]
const zhao = [4, "赵磊", "520102199511032241", "男", "正式党员", "城关社区党支部", undefined, undefined, undefined, undefined, undefined]
const chen = [5, "陈静", "510122196812240378", "女", "正式党员", "河西村党支部", undefined, undefined, undefined, undefined, undefined]

const sheet = (...people: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>) => [["城关镇党委党员花名册"], header, ...people]

const readSheet = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, asOf: string) => {
  const mapping = Result.getOrThrow(SheetHeader.map(rows, "roster"))
  return Roster.read(rows, mapping, { asOf, key, orgOf })
}

const importOf = (history: ReadonlyArray<Event.Event>, rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, asOf: string) =>
  Roster.diff(Roster.known(history), readSheet(rows, asOf).snapshot, { kind: "roster", asOf, key })

const idOf = (idNumber: string) => Roster.memberIdOf(idNumber, key)

/** An event as the contract has it on the wire: what the import writes must decode to itself. */
const roundTrip = (event: Event.Event): Event.Event => Result.getOrThrow(Event.decodeUnknown(Event.encode(event)))

describe("Roster.read", () => {
  it("reads each member's row, and accounts for every row it does not import, by cell", () => {
    const rows = sheet(
      zhang,
      [],
      [6, "孙强", Number("510107198503120415"), "男", "正式党员", "城关社区党支部"],
      [7, "周敏", "510107199001011234", "女", "正式党员", "城关社区党支部"],
      [8, "吴刚", "510107198503120597", "男", "正式党员", "城西党支部"],
      [9, "郑洁", "510122196812240378", "女", "党员", "城关社区党支部"],
      ["合计", "共5人"],
      [10, "张伟", "510107198503120415", "男", "正式党员", "城关社区党支部", "0851-5551234"]
    )
    const { snapshot, findings } = readSheet(rows, "2026-11-30")
    assert.deepStrictEqual(
      snapshot.people.map((p) => [p.row, p.person.name]),
      [[3, "张伟"]]
    )
    assert.deepStrictEqual(
      findings.map((f) => [f.row, f.cell, f.tag, f.rejected]),
      [
        [5, "C5", "IdNumberAsNumber", true],
        [6, "C6", "InvalidIdNumber", true],
        [7, "F7", "UnknownBranch", true],
        [8, "E8", "UnknownWord", true],
        [9, undefined, "TotalsRow", true],
        [10, undefined, "DuplicateMember", true]
      ]
    )
  })

  it("leaves out an unreadable optional cell, with a finding, and imports the row", () => {
    const { snapshot, findings } = readSheet(sheet([1, "张伟", "510107198503120415", "男", "正式党员", "城关社区党支部", "0851-5551234", "成都市"]), "2026-11-30")
    const person = snapshot.people[0]?.person
    assert.strictEqual(person?.name, "张伟")
    assert.isUndefined(person?.phone)
    assert.isUndefined(person?.hukouRegion)
    assert.deepStrictEqual(
      findings.map((f) => [f.cell, f.tag, f.rejected]),
      [
        ["G3", "InvalidPhone", false],
        ["H3", "NotARegionCode", false]
      ]
    )
  })

  it("derives a member id from the ID number by a keyed digest, never holding the number", () => {
    fc.assert(
      fc.property(validIdNumber, fc.string({ minLength: 1 }), (id, otherKey) => {
        const memberId = Roster.memberIdOf(id, key)
        assert.notInclude(memberId, id.slice(6, 14))
        assert.strictEqual(memberId, Roster.memberIdOf(id, key))
        if (otherKey !== key) assert.notStrictEqual(Roster.memberIdOf(id, otherKey), memberId)
      }),
      RUNS
    )
  })

  it("takes the member id from a 党员编号 column when there is one", () => {
    const rows = [["党员编号", "姓名", "身份证号", "所在党支部"], ["P0001", "张伟", "510107198503120415", "城关社区党支部"]]
    assert.strictEqual(readSheet(rows, "2026-11-30").snapshot.people[0]?.person.memberId, "P0001")
  })
})

describe("Roster.diff", () => {
  const first = importOf([], sheet(zhang, li, wang, zhao, chen), "2026-10-31")

  it("registers everyone on the first roster, and reports the member away", () => {
    assert.deepStrictEqual(
      first.events.map((e) => [e.type, Event.memberIdOf(e), e.orgId]).sort(),
      [
        ["MemberRegistered", idOf("440305197809205134"), "org-cg"],
        ["MemberRegistered", idOf("510107198503120415"), "org-cg"],
        ["MemberRegistered", idOf("510107199007151620"), "org-cg"],
        ["MemberRegistered", idOf("510122196812240378"), "org-hx"],
        ["MemberRegistered", idOf("520102199511032241"), "org-cg"],
        ["OutflowReported", idOf("510107199007151620"), "org-cg"]
      ].sort()
    )
    const outflow = first.events.find((e) => e.type === "OutflowReported")
    assert.deepStrictEqual(outflow?.type === "OutflowReported" && [outflow.occurredAt, outflow.destinationRegion, outflow.destinationDetail, outflow.reason], [
      Date.parse("2025-03-01T00:00:00+08:00"),
      "440000",
      "广东省深圳市南山区",
      "work"
    ])
    assert.deepStrictEqual(first.findings, [])
  })

  it("writes only events the contract accepts as they are", () => {
    for (const event of first.events) assert.strictEqual(Event.canonical(roundTrip(event)), Event.canonical(event))
  })

  it("gives next month's differences only: a new member, changed details, an outflow and a return", () => {
    const next = importOf(
      first.events,
      sheet(
        [1, "张伟", "510107198503120415", "男", "正式党员", "城关社区党支部", "13812349999", "四川省成都市武侯区", "2026-11-02", "浙江省杭州市", "经商"],
        [2, "李娜", "510107199007151620", "女", "正式党员", "城关社区党支部", "13900001234"],
        wang,
        [6, "孙强", "510107198503120597", "男", "预备党员", "城关社区党支部"],
        chen
      ),
      "2026-11-30"
    )
    const zhangId = idOf("510107198503120415")
    const liId = idOf("510107199007151620")
    assert.deepStrictEqual(
      next.events.map((e) => [e.type, Event.memberIdOf(e)]).sort(),
      [
        ["MemberUpdated", zhangId],
        ["OutflowReported", zhangId],
        ["MemberUpdated", liId],
        ["ReturnReported", liId],
        ["MemberRegistered", idOf("510107198503120597")]
      ].sort()
    )
    const updates = next.events.filter((e): e is Event.MemberUpdated => e.type === "MemberUpdated")
    assert.deepStrictEqual(updates.map((e) => [e.memberId, e.category, e.phone === undefined]).sort(), [
      [liId, "full", true],
      [zhangId, undefined, false]
    ].sort())
    assert.strictEqual(next.rows.filter((r) => r.events === 0).length, 2)
  })

  it("lists a member missing from the roster for a decision, and ends no one", () => {
    const next = importOf(first.events, sheet(zhang, li, wang, chen), "2026-11-30")
    assert.deepStrictEqual(next.events, [])
    assert.deepStrictEqual(
      next.findings.map((f) => [f.tag, f.memberId]),
      [["MissingFromRoster", idOf("520102199511032241")]]
    )
  })

  it("lists a member of a branch the roster does not cover as no one missing", () => {
    const next = importOf(first.events, [header, chen], "2026-11-30")
    assert.deepStrictEqual(next.findings, [])
  })

  it("imports no transfer and no changed registration detail: they are findings", () => {
    const next = importOf(first.events, sheet([1, "张伟", "510107198503120415", "女", "正式党员", "河西村党支部", "13812345678", "四川省成都市武侯区"]), "2026-11-30")
    assert.deepStrictEqual(next.events, [])
    assert.deepStrictEqual(
      next.findings.filter((f) => f.tag !== "MissingFromRoster").map((f) => [f.tag, f.row]),
      [
        ["RegistrationDiffers", 3],
        ["BranchChanged", 3]
      ]
    )
  })

  it("reports no return from a roster without floating columns", () => {
    const rows = [["姓名", "身份证号", "所在党支部"], ...[zhang, li, wang, zhao, chen].map((r) => [r[1], r[2], r[5]])]
    const next = importOf(first.events, rows, "2026-11-30")
    assert.deepStrictEqual(next.events, [])
  })

  it("reads no return from floating cells it cannot read, and says which", () => {
    const rows = sheet(zhang, [2, "李娜", "510107199007151620", "女", "预备党员", "城关社区党支部", "13900001234", undefined, "2025.03", "深圳市南山区", "务工"], wang, zhao, chen)
    const { snapshot, findings } = readSheet(rows, "2026-11-30")
    assert.deepStrictEqual(
      findings.map((f) => [f.cell, f.tag, f.rejected]),
      [["J4", "NotARegionCode", false]]
    )
    assert.deepStrictEqual(Roster.diff(Roster.known(first.events), snapshot, { kind: "roster", asOf: "2026-11-30", key }).events, [])
  })

  it("ignores a member a decision ended, and says so when the roster still lists them", () => {
    const zhaoId = idOf("520102199511032241")
    const left: Event.Event = { type: "StatusDecided", eventId: "d-1", occurredAt: Date.parse("2026-11-10T10:00:00+08:00"), orgId: "org-cg", memberId: zhaoId, decision: "left" }
    assert.deepStrictEqual(importOf([...first.events, left], sheet(zhang, li, wang, chen), "2026-11-30").findings, [])
    assert.deepStrictEqual(
      importOf([...first.events, left], sheet(zhang, li, wang, zhao, chen), "2026-11-30").findings.map((f) => [f.tag, f.memberId]),
      [["EndedMemberListed", zhaoId]]
    )
  })
})

// ---------------------------------------------------------------------------------------------
// The laws, for any roster

const asOf = "2026-11-30"
const day = fc.integer({ min: Date.UTC(2020, 0, 1) / 86_400_000, max: Date.UTC(2026, 10, 30) / 86_400_000 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10))

const outflow: fc.Arbitrary<Roster.Outflow> = fc
  .record({
    at: day,
    destinationRegion: addressCode,
    destinationDetail: fc.option(fc.constantFrom("深圳市南山区", "杭州市西湖区", "某物流公司"), { nil: undefined }),
    reason: fc.constantFrom<Event.OutflowReason>("work", "business", "study", "residence", "other")
  })
  .map(({ destinationDetail, ...o }) => (destinationDetail === undefined ? o : { ...o, destinationDetail }))

const person = (idNumber: string): fc.Arbitrary<Roster.Person> =>
  fc
    .record({
      orgId: fc.constantFrom("org-cg", "org-hx"),
      name: chineseName,
      gender: fc.option(fc.constantFrom<Event.Gender>("M", "F"), { nil: undefined }),
      phone: fc.option(validPhone, { nil: undefined }),
      hukouRegion: fc.option(addressCode, { nil: undefined }),
      category: fc.option(fc.constantFrom<Event.Category>("full", "probationary"), { nil: undefined }),
      outflow: fc.option(outflow, { nil: undefined })
    })
    .map(({ orgId, name, gender, phone, hukouRegion, category, outflow }): Roster.Person => ({
      memberId: Roster.memberIdOf(idNumber, key),
      orgId,
      name,
      idNumber,
      ...(gender !== undefined && { gender }),
      ...(phone !== undefined && { phone }),
      ...(hukouRegion !== undefined && { hukouRegion }),
      ...(category !== undefined && { category }),
      ...(outflow !== undefined && { outflow })
    }))

const snapshot: fc.Arbitrary<Roster.Snapshot> = fc
  .uniqueArray(validIdNumber, { maxLength: 12 })
  .chain((ids) => fc.tuple(...ids.map(person)))
  .map((people) => ({ people: people.map((p, i) => ({ row: i + 2, person: p })), floating: true }))

const options: Roster.DiffOptions = { kind: "roster", asOf, key }
const none: ReadonlyMap<string, Roster.Known> = new Map()

describe("Roster: laws", () => {
  it("importing a roster again adds nothing: the diff of a roster against its own events is empty", () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const once = Roster.diff(none, s, options)
        const again = Roster.diff(Roster.known(once.events), s, options)
        assert.deepStrictEqual(again.events, [])
        assert.deepStrictEqual(again.findings, [])
        assert.deepStrictEqual(again.rows.map((r) => r.events), s.people.map(() => 0))
      }),
      RUNS
    )
  })

  it("re-importing any roster after another writes only events already written, id for id", () => {
    fc.assert(
      fc.property(snapshot, snapshot, fc.constantFrom("2026-10-31", "2026-12-31"), (s1, s2, asOf2) => {
        const e1 = Roster.diff(none, s1, options).events
        const e2 = Roster.diff(Roster.known(e1), s2, { ...options, asOf: asOf2 }).events
        const history = new Map([...e1, ...e2].map((e) => [e.eventId, Event.canonical(e)]))
        const again = Roster.diff(Roster.known([...e1, ...e2]), s2, { ...options, asOf: asOf2 }).events
        for (const e of again) assert.strictEqual(history.get(e.eventId), Event.canonical(e))
      }),
      RUNS
    )
  })

  it("gives the same events, ids and all, whatever the rows' order", () => {
    fc.assert(
      fc.property(
        snapshot.chain((s) => fc.shuffledSubarray([...s.people], { minLength: s.people.length }).map((shuffled) => [s, { ...s, people: shuffled }] as const)),
        ([s, shuffled]) => {
          const a = Roster.diff(none, s, options).events.map(Event.canonical)
          const b = Roster.diff(none, shuffled, options).events.map(Event.canonical)
          assert.deepStrictEqual(b, a)
        }
      ),
      RUNS
    )
  })

  it("gives every event of an import its own id", () => {
    fc.assert(
      fc.property(snapshot, snapshot, (s1, s2) => {
        const e1 = Roster.diff(none, s1, options).events
        const e2 = Roster.diff(Roster.known(e1), s2, { ...options, asOf: "2026-12-31" }).events
        for (const events of [e1, e2]) assert.strictEqual(new Set(events.map((e) => e.eventId)).size, events.length)
      }),
      RUNS
    )
  })
})

describe("Roster.read: any spelling of the same roster", () => {
  /** A roster's person as rows spell them: ID numbers and phones as people type them, names spaced out, dates in any spelling. */
  const spelt = (p: Roster.Person): fc.Arbitrary<ReadonlyArray<SheetHeader.Cell>> =>
    fc
      .record({
        id: formatIdNumber(p.idNumber),
        phone: p.phone === undefined ? fc.constant(undefined) : formatPhone(p.phone),
        padding: fc.constantFrom("", " ", "\u3000"),
        separator: fc.constantFrom("-", ".", "/", "年"),
        wide: fc.boolean()
      })
      .map(({ id, phone, padding, separator, wide }) => {
        const at = p.outflow?.at
        const [y, m, d] = at === undefined ? [] : at.split("-")
        const date = at === undefined ? undefined : separator === "年" ? `${y}年${Number(m)}月${Number(d)}日` : `${y}${separator}${m}${separator}${d}`
        return [
          Array.from(p.name).join(padding),
          id,
          p.gender === undefined ? undefined : p.gender === "M" ? "男" : "女",
          p.category === undefined ? undefined : p.category === "full" ? "正式党员" : "预备党员",
          p.orgId === "org-cg" ? "城关社区党支部" : "河西村党支部",
          phone,
          date === undefined || !wide ? date : toFullWidth(date),
          p.outflow === undefined ? undefined : `${p.outflow.destinationRegion}${p.outflow.destinationDetail === undefined ? "" : ` ${p.outflow.destinationDetail}`}`,
          p.outflow === undefined ? undefined : p.outflow.reason,
          p.hukouRegion
        ]
      })

  it("reads the people the rows spell, whatever the spelling", () => {
    fc.assert(
      fc.property(
        snapshot.chain((s) => fc.tuple(fc.constant(s), fc.tuple(...s.people.map((e) => spelt(e.person))))),
        ([s, rows]) => {
          const sheetRows = [["姓名", "公民身份号码", "性别", "人员类别", "所在党支部", "联系电话", "外出时间", "外出地点", "外出原因", "户籍所在地"], ...rows]
          const { snapshot: read, findings } = readSheet(sheetRows, asOf)
          assert.deepStrictEqual(findings, [])
          assert.deepStrictEqual(read.people, s.people)
        }
      ),
      RUNS
    )
  })
})

describe("Roster.read: member ids of known people", () => {
  const nationalHeader = ["党员编号", "姓名", "公民身份号码", "所在党支部"]

  it("keeps the id the events give a person on a sheet without a 党员编号 column, whichever sheet registered them", () => {
    const history = importOf([], [nationalHeader, ["DY-0001", "张伟", "510107198503120415", "城关社区党支部"]], "2026-10-31")
    const known = Roster.known(history.events.map(roundTrip))
    const byIdNumber = Roster.memberIdsByIdNumber(known)
    const mapping = Result.getOrThrow(SheetHeader.map(sheet(zhang), "roster"))
    const { snapshot } = Roster.read(sheet(zhang), mapping, { asOf: "2026-11-30", key, orgOf, memberOf: (id) => byIdNumber.get(id) })
    assert.deepStrictEqual(
      snapshot.people.map((p) => p.person.memberId),
      ["DY-0001"]
    )
    // The phone and 户籍 the national export lacked are updates of that member, not a second registration.
    assert.deepStrictEqual(
      Roster.diff(known, snapshot, { kind: "roster", asOf: "2026-11-30", key }).events.map((e) => [e.type, "memberId" in e ? e.memberId : undefined]),
      [
        ["MemberUpdated", "DY-0001"],
        ["MemberUpdated", "DY-0001"]
      ]
    )
  })

  it("rejects a row whose 党员编号 is not the one the events give its ID number: never two members of one person", () => {
    const known = Roster.known(importOf([], sheet(zhang), "2026-10-31").events.map(roundTrip))
    const byIdNumber = Roster.memberIdsByIdNumber(known)
    const rows = [nationalHeader, ["DY-0001", "张伟", "510107198503120415", "城关社区党支部"]]
    const mapping = Result.getOrThrow(SheetHeader.map(rows, "roster"))
    const { snapshot, findings } = Roster.read(rows, mapping, { asOf: "2026-11-30", key, orgOf, memberOf: (id) => byIdNumber.get(id) })
    assert.deepStrictEqual(snapshot.people, [])
    assert.deepStrictEqual(
      findings.map((f) => [f.cell, f.tag, f.rejected]),
      [["A2", "IdNumberOfAnotherMember", true]]
    )
    assert.notInclude(findings[0]?.reason ?? "", "510107198503120415")
  })
})
