import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as fc from "fast-check"
import * as Matching from "../src/Matching.ts"
import * as MatchRule from "../src/MatchRule.ts"

const rule = MatchRule.chinese
type Input = Omit<Matching.PersonInput, "idNumber" | "phone" | "regions"> & {
  readonly idNumber?: string
  readonly phone?: string
  readonly regions?: ReadonlyArray<string>
}
const person = ({ idNumber, phone, regions, ...rest }: Input) =>
  Matching.person({
    ...rest,
    ...(idNumber !== undefined && { idNumber: Redacted.make(idNumber) }),
    ...(phone !== undefined && { phone: Redacted.make(phone) }),
    regions: regions ?? []
  })

/** The level a comparison lands on for two people. */
const level = (comparison: string, a: Input, b: Input) =>
  Matching.compare(person(a), person(b), rule).comparisons.find((c) => c.comparison === comparison)?.level

// 陈伟, male, born 1985-09-24 in 成都市武侯区 (510107); a valid GB 11643 number.
const member: Input = { name: "陈伟", idNumber: "510107198509246713", phone: "13327024741", regions: ["510107"] }

describe("ID number comparison levels", () => {
  it("exact", () => assert.strictEqual(level("idNumber", member, { idNumber: "510107198509246713" }), "exact"))
  it("exact after the legacy 15-digit number is upgraded", () => {
    // 510107850924671 is the 15-digit form (YYMMDD, no check character) of the same number.
    assert.strictEqual(level("idNumber", member, { idNumber: "510107850924671" }), "exact after 15→18 upgrade")
  })
  it("one wrong digit", () => assert.strictEqual(level("idNumber", member, { idNumber: "510107198509246718" }), "one digit wrong or two swapped"))
  it("two adjacent digits swapped", () => assert.strictEqual(level("idNumber", member, { idNumber: "510107198509426713" }), "one digit wrong or two swapped"))
  it("a number whose birth-date digits alone agree is a different number: the birth date is weighed once, by its own comparison", () =>
    assert.strictEqual(level("idNumber", member, { idNumber: "440305198509241234" }), "different"))
  it("different", () => assert.strictEqual(level("idNumber", member, { idNumber: "440305199001011234" }), "different"))
  it("missing on either side is no evidence", () => {
    assert.strictEqual(level("idNumber", member, { name: "陈伟" }), "missing")
    assert.strictEqual(Matching.compare(person(member), person({ name: "x" }), rule).comparisons.find((c) => c.comparison === "idNumber")?.weight, 0)
  })
  it("full-width digits and a lowercase x are cleaned before comparing", () => {
    assert.strictEqual(level("idNumber", { idNumber: "11010519491231002X" }, { idNumber: "１１０１０５１９４９１２３１００２x" }), "exact")
  })
})

describe("a malformed ID number never agrees exactly", () => {
  // Equal on both sides, each wrong in one way: check character, province 99, 30 February, a legacy number born on 30 February.
  const malformed = ["510107198509246710", "990107198509246713", "510107198502306713", "510107850230671"]
  for (const id of malformed) {
    it(`${id} against itself is the same malformed number, not exact`, () => {
      assert.strictEqual(level("idNumber", { idNumber: id }, { idNumber: id }), "same malformed number")
    })
  }
  it("with the same name, an equal malformed number is a review, never an auto-link", () => {
    const candidates = [{ memberId: "m-1", person: person({ name: "陈伟", idNumber: "510107198509246710" }) }]
    const [proposal] = Matching.match("obs-1", person({ name: "陈伟", idNumber: "510107198509246710" }), candidates, rule)
    assert.strictEqual(proposal?.decision, "review")
    assert.strictEqual(proposal?.explanation.comparisons.find((c) => c.comparison === "idNumber")?.level, "same malformed number")
  })
  it("a legacy 15-digit number that upgrades to a valid one still agrees after the upgrade", () => {
    assert.strictEqual(level("idNumber", member, { idNumber: "510107850924671" }), "exact after 15→18 upgrade")
  })
  it("a malformed member number against the correct one is one digit wrong", () => {
    assert.strictEqual(level("idNumber", { idNumber: "510107198509246710" }, member), "one digit wrong or two swapped")
  })
})

describe("name comparison levels", () => {
  it("exact", () => assert.strictEqual(level("name", member, { name: " 陈伟 " }), "exact"))
  it("same after traditional → simplified (陳偉 / 陈伟)", () => assert.strictEqual(level("name", member, { name: "陳偉" }), "same after traditional→simplified"))
  it("same pinyin: homophones (章伟 / 张伟)", () => assert.strictEqual(level("name", { name: "张伟" }, { name: "章伟" }), "same pinyin (homophone)"))
  it("same surname, similar given name (张建国 / 张建华)", () => assert.strictEqual(level("name", { name: "张建国" }, { name: "张建华" }), "same surname, similar given name"))
  it("ethnic-minority names with a different dot are the same name", () => {
    assert.strictEqual(level("name", { name: "迪丽娜尔·依明" }, { name: "迪丽娜尔.依明" }), "same after traditional→simplified")
    assert.strictEqual(level("name", { name: "迪丽娜尔·依明" }, { name: "迪丽娜尔依明" }), "same pinyin (homophone)")
  })
  it("different", () => assert.strictEqual(level("name", { name: "陈伟" }, { name: "刘洋" }), "different"))
  it("a name longer than maxNameLength code points is compared as absent: no name key, no weight", () => {
    const longest = "𠀀".repeat(Matching.maxNameLength)
    assert.strictEqual(level("name", { name: longest }, { name: longest }), "exact")
    for (const name of [`${longest}伟`, "张".repeat(300_000)]) {
      assert.isUndefined(person({ name }).name)
      assert.strictEqual(level("name", { name }, { name }), "missing")
      assert.deepStrictEqual(Matching.blockingKeys(person({ name, phone: "13327024741" }), rule), Matching.blockingKeys(person({ phone: "13327024741" }), rule))
    }
  })
})

describe("birth date, gender, phone and region levels", () => {
  it("birth date: exact, year and month, year, taking the date from the ID when not given", () => {
    assert.strictEqual(level("birthDate", member, { birthDate: "1985-09-24" }), "exact")
    assert.strictEqual(level("birthDate", member, { birthDate: "1985-09-02" }), "same year and month")
    assert.strictEqual(level("birthDate", member, { birthDate: "1985-03-02" }), "same year")
    assert.strictEqual(level("birthDate", member, { birthDate: "1990-03-02" }), "different")
  })
  it("birth dates and genders read from one and the same ID number weigh nothing beside the number's own comparison", () => {
    const id = { idNumber: "510107198509246710" }
    assert.strictEqual(level("birthDate", id, id), "missing")
    assert.strictEqual(level("gender", id, id), "missing")
    assert.strictEqual(level("birthDate", id, { ...id, birthDate: "1985-09-24" }), "exact")
    assert.strictEqual(level("gender", id, { ...id, gender: "M" }), "same")
    assert.strictEqual(level("birthDate", id, { idNumber: "510107198509246713" }), "exact")
  })
  it("gender is read from the ID's sequence digit (odd = male)", () => {
    assert.strictEqual(level("gender", member, { gender: "M" }), "same")
    assert.strictEqual(level("gender", member, { gender: "F" }), "different")
  })
  it("phone: the same number in any format, or the same last 8 digits", () => {
    assert.strictEqual(level("phone", member, { phone: "+86 133-2702-4741" }), "exact")
    assert.strictEqual(level("phone", member, { phone: "0086 13327024741" }), "exact")
    assert.strictEqual(level("phone", member, { phone: "15327024741" }), "same last 8 digits")
    assert.strictEqual(level("phone", member, { phone: "18900001111" }), "different")
  })
  it("region: county, prefecture, province, ignoring the ID's address code", () => {
    assert.strictEqual(level("region", member, { regions: ["510107"] }), "same county")
    assert.strictEqual(level("region", member, { regions: ["510104"] }), "same prefecture")
    assert.strictEqual(level("region", member, { regions: ["513401"] }), "same province")
    assert.strictEqual(level("region", member, { regions: ["440305"] }), "different")
    assert.strictEqual(level("region", { idNumber: "510107198509246713" }, { regions: ["510107"] }), "missing")
  })
})

describe("Matching.match", () => {
  const candidates = [
    { memberId: "m-chen", person: person({ ...member, birthDate: "1985-09-24", gender: "M" }) },
    // Same name, different person: 陈伟 born 1990 in 深圳.
    { memberId: "m-other-chen", person: person({ name: "陈伟", idNumber: "440305199001011239", regions: ["440305"] }) }
  ]

  it("auto-links an exact ID with agreeing name and birth date", () => {
    const [best, ...rest] = Matching.match("obs-1", person({ name: "陈伟", idNumber: "510107198509246713", regions: ["440305"] }), candidates, rule)
    assert.strictEqual(best?.memberId, "m-chen")
    assert.strictEqual(best?.decision, "auto-link")
    assert.deepStrictEqual(rest, [])
  })

  it("does not propose a same-name person whose ID disagrees", () => {
    const proposals = Matching.match("obs-2", person({ name: "陈伟", idNumber: "510107198509246713" }), candidates, rule)
    assert.deepStrictEqual(proposals.map((p) => p.memberId), ["m-chen"])
  })

  it("a name with only the same birth year is never auto-linked, not even proposed under the built-in rule", () => {
    const observed = person({ name: "陈伟", birthDate: "1985-03-02", regions: ["510107"] })
    assert.deepStrictEqual(Matching.match("obs-3", observed, candidates, rule), [])
    const lenient = Matching.match("obs-3", observed, candidates, { ...rule, reviewProbability: 0.5 })
    assert.isTrue(lenient.length > 0)
    assert.isTrue(lenient.every((p) => p.decision === "review"))
  })

  it("auto-links the name, the birth date and the county with no ID number or phone, when no one else comes close", () => {
    const [best, ...rest] = Matching.match("obs-3b", person({ name: "陈伟", birthDate: "1985-09-24", regions: ["510107"] }), candidates, rule)
    assert.strictEqual(best?.memberId, "m-chen")
    assert.strictEqual(best?.decision, "auto-link")
    assert.deepStrictEqual(rest, [])
  })

  it("two plausible members make the decision a review, even with a strong best match", () => {
    const twins = [
      { memberId: "a", person: person({ name: "王芳", phone: "13800138000", birthDate: "1980-01-01" }) },
      { memberId: "b", person: person({ name: "王芳", phone: "13800138000", birthDate: "1980-01-01" }) }
    ]
    const proposals = Matching.match("obs-4", person({ name: "王芳", phone: "13800138000", birthDate: "1980-01-01" }), twins, rule)
    assert.deepStrictEqual(proposals.map((p) => p.decision), ["review", "review"])
  })

  it("carries each proposal's match probability, and decides by the rule's probability thresholds", () => {
    const observed = person({ name: "陈伟", idNumber: "510107198509246713", regions: ["440305"] })
    const [best] = Matching.match("obs-6", observed, candidates, rule)
    assert.isDefined(best)
    if (best === undefined) return
    assert.strictEqual(best.probability, MatchRule.probabilityOfWeight(best.weight))
    assert.strictEqual(best.probability, best.explanation.probability)
    // Just above the best proposal's probability, the same evidence is only a review.
    const stricter = { ...rule, autoLinkProbability: MatchRule.probabilityOfWeight(best.weight + 0.5) }
    assert.deepStrictEqual(Matching.match("obs-6", observed, candidates, stricter).map((p) => p.decision), ["review"])
    // Above it as review threshold, nothing is proposed at all.
    const quiet = { ...rule, reviewProbability: MatchRule.probabilityOfWeight(best.weight + 0.5) }
    assert.deepStrictEqual(Matching.match("obs-6", observed, candidates, quiet), [])
  })

  it("a far weaker second candidate leaves the best one clear: auto-link, the second for review", () => {
    const observed = person({ name: "陈伟", idNumber: "510107198509246713", birthDate: "1985-09-24", regions: ["440305"] })
    // Same name, born the same month, seen in the same county: plausible, but no ID number.
    const namesake = { memberId: "m-namesake", person: person({ name: "陈伟", birthDate: "1985-09-03", regions: ["440305"] }) }
    // Under a review probability of 0.5 the namesake is proposed; the built-in rule's review threshold leaves it out.
    const proposals = Matching.match("obs-7", observed, [...candidates, namesake], { ...rule, reviewProbability: 0.5 })
    assert.deepStrictEqual(proposals.map((p) => [p.memberId, p.decision]), [["m-chen", "auto-link"], ["m-namesake", "review"]])
    const [best, second] = proposals
    assert.isTrue(best !== undefined && second !== undefined && best.weight - second.weight > MatchRule.thresholds(rule).autoLink)
    assert.deepStrictEqual(Matching.match("obs-7", observed, [...candidates, namesake], rule).map((p) => p.memberId), ["m-chen"])
  })

  it("decides an auto-link without overflow when weights pass 2^1024", () => {
    // Two comparisons of about +997 each: odds of 2^1993, beyond what a double holds.
    const extreme: MatchRule.MatchRule = {
      ...rule,
      comparisons: ["a", "b"].map((name) => ({ name, label: { zh: name, en: name }, levels: [{ label: "always", when: "always" as const, m: 1, u: 1e-300 }] })),
      blocking: []
    }
    const alone = Matching.match("obs-8", person({ name: "陈伟" }), [{ memberId: "m-1", person: person({ name: "陈伟" }) }], extreme)
    assert.deepStrictEqual(alone.map((p) => p.decision), ["auto-link"])
    const twins = Matching.match("obs-8", person({ name: "陈伟" }), [{ memberId: "m-1", person: person({ name: "陈伟" }) }, { memberId: "m-2", person: person({ name: "陈伟" }) }], extreme)
    assert.deepStrictEqual(twins.map((p) => p.decision), ["review", "review"])
  })

  it("explains each proposal as a waterfall whose weights add up to the total", () => {
    const [best] = Matching.match("obs-5", person({ name: "陳偉", idNumber: "510107850924671" }), candidates, rule)
    assert.isDefined(best)
    if (best === undefined) return
    const sum = best.explanation.prior + best.explanation.comparisons.reduce((s, c) => s + c.weight, 0)
    assert.closeTo(sum, best.weight, 1e-9)
    const text = Matching.explain(best.explanation, rule)
    assert.include(text, "身份证号 exact after 15→18 upgrade")
    assert.include(text, "姓名 same after traditional→simplified")
    assert.include(Matching.explain(best.explanation, rule, "en"), "ID number")
  })
})

describe("blocking", () => {
  it("puts the same person in a shared bucket despite a homophone name and a legacy ID", () => {
    const a = person({ name: "张伟", idNumber: "510107198509246713" })
    const b = person({ name: "章伟", idNumber: "510107850924671" })
    const shared = Matching.blockingKeys(a, rule).filter((k) => Matching.blockingKeys(b, rule).includes(k))
    assert.isTrue(shared.length >= 2)
  })

  it("finds candidates through the index and never returns one twice", () => {
    const idx = Matching.index([{ memberId: "m-1", person: person(member) }], rule)
    const found = Matching.candidatesFor(idx, person({ name: "陈伟", idNumber: "510107198509246713", phone: "13327024741" }))
    assert.deepStrictEqual(found.map((c) => c.memberId), ["m-1"])
  })

  it("skips a bucket too common to block on", () => {
    const crowd = Array.from({ length: Matching.maxBucket + 1 }, (_, i) => ({
      memberId: `m-${i}`,
      person: person({ name: `王${"伟芳娜敏静丽强磊军洋"[i % 10]}${i}`, birthDate: "1970-05-05", regions: ["510107"] })
    }))
    const idx = Matching.index(crowd, rule)
    assert.deepStrictEqual(Matching.candidatesFor(idx, person({ name: "王某", birthDate: "1970-01-01", regions: ["510107"] })), [])
    // And says so: the observation's surname, birth year and province key found it no candidate.
    assert.deepStrictEqual(Matching.selectFor(idx, person({ name: "王某", birthDate: "1970-01-01", regions: ["510107"] })), { candidates: [], crowded: 1 })
    assert.deepStrictEqual(Matching.selectFor(idx, person({ name: "李某", birthDate: "1970-01-01", regions: ["510107"] })), { candidates: [], crowded: 0 })
  })

  it("compares at most the buckets of maxBucket members whatever the crowd: each key of an observation adds at most maxBucket candidates", () => {
    for (const size of [Matching.maxBucket, 10_000]) {
      const crowd = Array.from({ length: size }, (_, i) => ({ memberId: `m-${i}`, person: person({ name: "张伟", birthDate: "1970-05-05", phone: "13327024741" }) }))
      const selection = Matching.selectFor(Matching.index(crowd, rule), person({ name: "张伟", birthDate: "1970-05-05", phone: "13327024741" }))
      assert.deepStrictEqual([selection.candidates.length, selection.crowded], size > Matching.maxBucket ? [0, 2] : [size, 0])
    }
  })

  it("an index of only the keys observations carry selects the same candidates, cap included", () => {
    const crowd = Array.from({ length: Matching.maxBucket + 5 }, (_, i) => ({
      memberId: `m-${i}`,
      person: person({ name: `王${"伟芳娜敏静丽强磊军洋"[i % 10]}`, birthDate: `1970-05-${String(1 + (i % 28)).padStart(2, "0")}`, regions: ["510107"], phone: `1332702${String(4700 + i)}` })
    }))
    const observed = [
      person({ name: "王伟", birthDate: "1970-05-01", regions: ["510107"] }),
      person({ name: "王芳", phone: "13327024702" }),
      person({ name: "李某", birthDate: "1980-01-01" })
    ]
    const wanted = new Set(observed.flatMap((p) => Matching.blockingKeys(p, rule)))
    const full = Matching.index(crowd, rule)
    const restricted = Matching.index(crowd, rule, wanted)
    assert.isBelow(restricted.byKey.size, full.byKey.size)
    for (const p of observed) assert.deepStrictEqual(Matching.candidatesFor(restricted, p), Matching.candidatesFor(full, p))
    assert.isAbove(Matching.candidatesFor(full, observed[0] as Matching.Person).length, 0)
  })
})

describe("MatchRule", () => {
  it("the default rule round-trips through its schema, so deployments can tune it as data", () => {
    const decoded = MatchRule.decode(JSON.parse(JSON.stringify(MatchRule.chinese)))
    assert.isTrue(decoded._tag === "Success")
  })
  it("a threshold is a probability: weight and probability convert both ways", () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), (weight) => {
        assert.closeTo(MatchRule.weightOfProbability(MatchRule.probabilityOfWeight(weight)), weight, 1e-6)
      })
    )
    assert.strictEqual(MatchRule.thresholds({ ...rule, autoLinkProbability: 1 }).autoLink, Number.POSITIVE_INFINITY)
    assert.strictEqual(MatchRule.thresholds(MatchRule.reasoned).review, 0)
    assert.closeTo(MatchRule.thresholds(rule).review, Math.log2(0.9999 / 0.0001), 1e-9)
  })
  it("writes a probability near 1 by its complement, read from the weight", () => {
    assert.strictEqual(Matching.formatProbability(0), "0.500")
    assert.strictEqual(Matching.formatProbability(20), "1−9.5e-7")
    assert.strictEqual(Matching.formatProbability(60), "1−8.7e-19")
  })
  it("rejects a level with a probability outside (0, 1]", () => {
    const broken = { ...MatchRule.chinese, comparisons: [{ name: "x", label: { zh: "x", en: "x" }, levels: [{ label: "l", when: "always", m: 1.5, u: 0.1 }] }] }
    assert.isTrue(MatchRule.decode(broken)._tag === "Failure")
  })
})
