import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as PersonName from "../src/PersonName.ts"
import { chineseName, formatName, nameInput } from "./arbitraries.ts"

const RUNS = { numRuns: 1000 }

describe("PersonName", () => {
  describe("normalize", () => {
    it("converts traditional characters to simplified (陳偉 → 陈伟)", () => {
      assert.strictEqual(PersonName.normalize("陳偉"), "陈伟")
      assert.strictEqual(PersonName.normalize("歐陽娜娜"), "欧阳娜娜")
      assert.strictEqual(PersonName.normalize("諸葛亮"), "诸葛亮")
      assert.strictEqual(PersonName.normalize("鍾麗華"), "钟丽华")
    })

    it("converts character by character, never rewriting a name as a phrase (沈思雨 stays 沈思雨)", () => {
      assert.strictEqual(PersonName.normalize("沈思雨"), "沈思雨")
      assert.strictEqual(PersonName.pinyinKey("沈思雨"), "shen si yu")
    })
    it("converts Hong Kong variant forms too (衞 → 卫)", () => {
      assert.strictEqual(PersonName.normalize("衞國強"), "卫国强")
    })

    it("leaves simplified characters that are also traditional forms alone (著, 乾)", () => {
      assert.strictEqual(PersonName.normalize("李著"), "李著")
      assert.strictEqual(PersonName.normalize("王乾"), "王乾")
    })

    it("trims and removes the padding spaces of a two-character name (张　伟 → 张伟)", () => {
      assert.strictEqual(PersonName.normalize(" 张　伟 "), "张伟")
      assert.strictEqual(PersonName.normalize("张  伟"), "张伟")
      assert.strictEqual(PersonName.normalize("欧阳 娜娜"), "欧阳娜娜")
    })

    it.each(["迪丽娜尔·依明", "迪丽娜尔•依明", "迪丽娜尔・依明", "迪丽娜尔･依明", "迪丽娜尔‧依明", "迪丽娜尔.依明", "迪丽娜尔．依明", "迪丽娜尔 · 依明", "迪丽娜尔 依明"])(
      "unifies the separator of an ethnic-minority name: %j → 迪丽娜尔·依明",
      (input) => {
        assert.strictEqual(PersonName.normalize(input), "迪丽娜尔·依明")
      }
    )

    it("drops repeated, leading and trailing dots", () => {
      assert.strictEqual(PersonName.normalize("·买买提··艾力·"), "买买提·艾力")
    })

    it("turns full-width letters into ASCII and collapses spaces in a romanised name", () => {
      assert.strictEqual(PersonName.normalize("ＺＨＡＮＧ　 Ｗｅｉ"), "ZHANG Wei")
    })
  })

  describe("surname and given name", () => {
    it.each([
      ["张伟", "张", "伟", "zhang"],
      ["欧阳娜娜", "欧阳", "娜娜", "ou yang"],
      ["歐陽娜娜", "欧阳", "娜娜", "ou yang"],
      ["司马相如", "司马", "相如", "si ma"],
      ["诸葛亮", "诸葛", "亮", "zhu ge"],
      ["尉迟恭", "尉迟", "恭", "yu chi"],
      ["单田芳", "单", "田芳", "shan"],
      ["曾国藩", "曾", "国藩", "zeng"],
      ["解缙", "解", "缙", "xie"],
      ["迪丽娜尔·依明", "迪丽娜尔", "依明", "di li na er"],
      ["Zhang Wei", "Zhang", "Wei", "zhang"]
    ])("%s has surname %s, given name %s, surname pinyin %j", (name, surname, given, pinyin) => {
      assert.strictEqual(PersonName.surname(name), surname)
      assert.strictEqual(PersonName.givenName(name), given)
      assert.strictEqual(PersonName.surnamePinyin(name), pinyin)
    })

    it("reads a two-character name starting with compound-surname characters as surname + given name", () => {
      assert.strictEqual(PersonName.surname("欧阳"), "欧")
      assert.strictEqual(PersonName.givenName("欧阳"), "阳")
    })

    it("gives empty parts for an empty name", () => {
      assert.strictEqual(PersonName.surname("  "), "")
      assert.strictEqual(PersonName.givenName(""), "")
      assert.strictEqual(PersonName.pinyinKey(""), "")
    })
  })

  describe("pinyinKey", () => {
    it("is equal for homophones (张伟 / 章伟)", () => {
      assert.strictEqual(PersonName.pinyinKey("张伟"), "zhang wei")
      assert.strictEqual(PersonName.pinyinKey("章伟"), "zhang wei")
    })

    it("is equal for traditional and simplified spellings (陳偉 / 陈伟)", () => {
      assert.strictEqual(PersonName.pinyinKey("陳偉"), PersonName.pinyinKey("陈伟"))
      assert.strictEqual(PersonName.pinyinKey("陈伟"), "chen wei")
    })

    it("uses surname readings (单 shan, 曾 zeng, 区 ou, 尉迟 yu chi) and v for ü", () => {
      assert.strictEqual(PersonName.pinyinKey("单田芳"), "shan tian fang")
      assert.strictEqual(PersonName.pinyinKey("曾小贤"), "zeng xiao xian")
      assert.strictEqual(PersonName.pinyinKey("区志华"), "ou zhi hua")
      assert.strictEqual(PersonName.pinyinKey("尉迟恭"), "yu chi gong")
      assert.strictEqual(PersonName.pinyinKey("吕布"), "lv bu")
      assert.strictEqual(PersonName.pinyinKey("欧阳娜娜"), "ou yang na na")
    })

    it("ignores the separator of an ethnic-minority name, so dot variants and omissions agree", () => {
      const key = "di li na er yi ming"
      for (const name of ["迪丽娜尔·依明", "迪丽娜尔•依明", "迪丽娜尔.依明", "迪丽娜尔 依明", "迪丽娜尔依明"]) {
        assert.strictEqual(PersonName.pinyinKey(name), key)
      }
    })

    it("gives a romanised name its lowercase words, equal to the key of the Chinese spelling", () => {
      assert.strictEqual(PersonName.pinyinKey("ZHANG Wei"), PersonName.pinyinKey("张伟"))
    })
  })

  describe("properties", () => {
    it("normalize is idempotent on realistic and arbitrary input", () => {
      const input = fc.oneof(nameInput, fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }))
      fc.assert(
        fc.property(input, (name) => {
          const once = PersonName.normalize(name)
          return PersonName.normalize(once) === once
        }),
        RUNS
      )
    })

    it("every typed spelling of a name normalises to the canonical name", () => {
      const spelled = chineseName.chain((name) => formatName(name).map((input) => ({ name, input })))
      fc.assert(
        fc.property(spelled, ({ name, input }) => PersonName.normalize(input) === name),
        RUNS
      )
    })

    it("pinyinKey, surname and given name depend only on the normalised name", () => {
      fc.assert(
        fc.property(nameInput, (name) => {
          const n = PersonName.normalize(name)
          return PersonName.pinyinKey(name) === PersonName.pinyinKey(n) &&
            PersonName.surname(name) === PersonName.surname(n) &&
            PersonName.givenName(name) === PersonName.givenName(n) &&
            PersonName.surnamePinyin(name) === PersonName.surnamePinyin(n)
        }),
        RUNS
      )
    })

    it("surname and given name put back together give the normalised name", () => {
      fc.assert(
        fc.property(nameInput, (name) => {
          const n = PersonName.normalize(name)
          const joined = n.includes("·")
            ? `${PersonName.surname(name)}·${PersonName.givenName(name)}`
            : PersonName.surname(name) + PersonName.givenName(name)
          return joined === n
        }),
        RUNS
      )
    })

    it("pinyinKey is lowercase ASCII syllables separated by single spaces", () => {
      fc.assert(
        fc.property(fc.oneof(nameInput, fc.string({ unit: "grapheme" })), (name) =>
          /^(?:[a-z0-9]+(?: [a-z0-9]+)*)?$/.test(PersonName.pinyinKey(name))),
        RUNS
      )
    })
  })
})
