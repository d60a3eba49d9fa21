import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import * as SheetHeader from "../src/SheetHeader.ts"
import { toFullWidth } from "./arbitraries.ts"
import { layouts } from "./sheetFixtures.ts"

const mapOf = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, kind: SheetHeader.Kind, file?: SheetHeader.MappingFile): SheetHeader.Mapping => {
  const mapped = SheetHeader.map(rows, kind, file)
  if (Result.isFailure(mapped)) throw new Error(`expected a mapping, got: ${mapped.failure.reason}`)
  return mapped.success
}

/** The columns read, by letter: what a layout's fixture states. */
const fieldsOf = (mapping: SheetHeader.Mapping): Record<string, SheetHeader.Field> =>
  Object.fromEntries(mapping.columns.flatMap((c) => (c.field === undefined ? [] : [[SheetHeader.columnLetters(c.index), c.field]])))

describe("SheetHeader.map: the layouts departments keep", () => {
  for (const layout of layouts) {
    it(`maps the ${layout.name}`, () => {
      const mapping = mapOf(layout.rows, layout.kind)
      assert.strictEqual(mapping.row, layout.headerRow)
      assert.deepStrictEqual(fieldsOf(mapping), layout.fields)
      assert.deepStrictEqual(mapping.missing, [])
    })
  }

  it("prints the mapping chosen, a line per column, saying which are not read", () => {
    const mapping = mapOf(layouts[0]?.rows ?? [], "roster")
    const lines = SheetHeader.describe(mapping)
    assert.strictEqual(lines[0], "header row 3")
    assert.include(lines, "A 序号 → (not read)")
    assert.include(lines, "F 公民身份号码 → idNumber")
    assert.include(lines, "D 民族 → (not read)")
  })

  it("names the kind's required fields no column holds", () => {
    const mapping = mapOf([["姓名", "性别", "联系电话"]], "roster")
    assert.deepStrictEqual(mapping.missing, ["idNumber"])
    assert.include(SheetHeader.describe(mapping), "missing: idNumber (公民身份号码)")
  })

  it("names a sign-in sheet with no column saying who came (参会人员, 姓名, 公民身份号码, 党员编号) as missing any of them", () => {
    const mapping = mapOf([["会议类型", "会议日期", "所在党支部"]], "attendance")
    assert.deepStrictEqual(mapping.missing, ["attendees"])
    assert.include(SheetHeader.describe(mapping), "missing: attendees (参会人员) or name (姓名) or idNumber (公民身份号码) or memberId (党员编号)")
  })

  it("reads the leftmost of two columns naming one field, and ignores the other", () => {
    const mapping = mapOf([["姓名", "联系电话", "手机号码", "身份证号"]], "roster")
    assert.deepStrictEqual(fieldsOf(mapping), { A: "name", B: "phone", D: "idNumber" })
    assert.strictEqual(mapping.columns[2]?.by, "ignored")
  })

  it("does not read a known column the kind does not use (缴费月份 on a roster)", () => {
    const mapping = mapOf([["姓名", "身份证号", "缴费月份"]], "roster")
    assert.deepStrictEqual(fieldsOf(mapping), { A: "name", B: "idNumber" })
  })

  it("fails with no row naming two of the kind's columns among the first ten", () => {
    const rows = [["党员花名册"], ...Array.from({ length: 12 }, () => ["张伟", "男"]), ["姓名", "身份证号"]]
    const mapped = SheetHeader.map(rows, "roster")
    assert.isTrue(Result.isFailure(mapped) && mapped.failure._tag === "NoHeaderRow")
  })

  it("takes the header row below any title rows, at whatever row among the first ten", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), (titles) => {
        const rows = [...Array.from({ length: titles }, (_, i) => [`标题${i}`]), ["姓名", "身份证号", "性别"], ["张伟", "510107198503120415", "男"]]
        assert.strictEqual(mapOf(rows, "roster").row, titles + 1)
      })
    )
  })
})

describe("SheetHeader.normalize", () => {
  it("reads every variant the same typed full-width, spaced out, starred or with a note", () => {
    const all = SheetHeader.fields.flatMap((field) => SheetHeader.variants[field].map((variant) => [field, variant] as const))
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.boolean(), fc.constantFrom("", " ", "\u3000"), fc.constantFrom("", "*", "＊"), fc.constantFrom("", "（必填）", "(选填)"), ([field, variant], wide, space, star, note) => {
        const typed = `${star}${space}${Array.from(wide ? toFullWidth(variant) : variant).join(space)}${note}${space}`
        assert.strictEqual(SheetHeader.fieldOf(typed), field)
      })
    )
  })

  it("gives no header two fields: every variant names exactly one", () => {
    const seen = new Map<string, SheetHeader.Field>()
    for (const field of SheetHeader.fields) {
      for (const variant of SheetHeader.variants[field]) {
        const key = SheetHeader.normalize(variant)
        assert.strictEqual(seen.get(key) ?? field, field, `${variant} names ${seen.get(key)} and ${field}`)
        seen.set(key, field)
      }
    }
  })

  it("names no field for a header it does not know (序号, 民族, 备注)", () => {
    for (const header of ["序号", "民族", "备注", "", "学历"]) assert.isUndefined(SheetHeader.fieldOf(header))
  })
})

describe("SheetHeader: the mapping file", () => {
  it("maps a header no variant names and leaves out one it sets to null", () => {
    const file = Result.getOrThrow(SheetHeader.parseMappingFile({ columns: { 证件号: "idNumber", 联系电话: null } }))
    const mapping = mapOf([["姓名", "证件号", "联系电话"]], "roster", file)
    assert.deepStrictEqual(fieldsOf(mapping), { A: "name", B: "idNumber" })
    assert.deepStrictEqual(
      mapping.columns.map((c) => c.by),
      ["variant", "mapping", "mapping"]
    )
    assert.include(SheetHeader.describe(mapping), "B 证件号 → idNumber (mapping file)")
  })

  it("takes the header row it names, whatever the scores", () => {
    const file = Result.getOrThrow(SheetHeader.parseMappingFile({ headerRow: 2, columns: { 证件号: "idNumber" } }))
    const mapping = mapOf([["姓名", "性别", "身份证号"], ["名字", "证件号"]], "roster", file)
    assert.strictEqual(mapping.row, 2)
    assert.deepStrictEqual(fieldsOf(mapping), { A: "name", B: "idNumber" })
  })

  it("is refused when it names a header the row does not have", () => {
    const file = Result.getOrThrow(SheetHeader.parseMappingFile({ columns: { 证件号码号: "idNumber" } }))
    const mapped = SheetHeader.map([["姓名", "身份证号"]], "roster", file)
    assert.isTrue(Result.isFailure(mapped) && mapped.failure._tag === "InvalidMappingFile" && mapped.failure.reason.includes("证件号码号"))
  })

  it("is refused when a field is not one the import reads, naming where", () => {
    const parsed = SheetHeader.parseMappingFile({ columns: { 证件号: "passport" } })
    assert.isTrue(Result.isFailure(parsed) && parsed.failure.reason.startsWith("not a mapping file: ") && parsed.failure.reason.includes("证件号"))
  })
})

describe("SheetHeader.columnLetters", () => {
  it("names columns as a spreadsheet does", () => {
    assert.deepStrictEqual([0, 1, 25, 26, 27, 51, 52, 701, 702].map(SheetHeader.columnLetters), ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"])
  })
})
