/**
 * The CSV every command writes, as spreadsheets split it: RFC 4180 quoting of any cell a reader
 * could split (a LibreOffice profile splits on semicolons and tabs too), identifiers as they are,
 * the apostrophe only where a formula could start.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { IdNumber } from "@relink/core"
import * as Csv from "../src/render/Csv.ts"
import { AS_OF, ok, parseCsv, relink, tempDir } from "./helpers.ts"
import { libreOffice } from "./readers.ts"

/** What a reader splits on: RFC 4180's comma, and what a LibreOffice profile may add. */
const SEPARATORS = [",", ",;\t"]

/** Cells made of what a CSV reader reacts to: separators, quotes, line breaks, formula starts, digits. */
const tricky = fc.array(fc.constantFrom(",", ";", "; ", "\t", '"', "\r", "\n", "\r\n", "=", "+", "-", "@", "'", "0", "7", "X", "支部", " "), { maxLength: 12 }).map((parts) => parts.join(""))
const value = fc.oneof(tricky, fc.string({ unit: "grapheme", maxLength: 20 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null))

describe("CSV per RFC 4180", () => {
  it("reads back as the same cells whether the reader splits on commas only or on semicolons and tabs too", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), (values) => {
        const line = Csv.record(values)
        for (const separators of SEPARATORS) assert.deepStrictEqual(parseCsv(line, separators), [values.map((v) => Csv.cellText(v))], JSON.stringify(line))
      })
    )
  })

  it("puts the apostrophe before text that could start a formula and nowhere else", () => {
    fc.assert(
      fc.property(tricky, (text) => {
        const cell = Csv.cellText(text)
        assert.strictEqual(cell, /^[=+\-@\t\r]/.test(text) ? `'${text}` : text)
      })
    )
  })
})

/** An ID number of digits only (its check character is not X): what a spreadsheet reads as a number. */
const digitsOnlyId = (() => {
  for (let n = 400; n < 1000; n++) {
    const first17 = `51011319311115${n}`
    if (IdNumber.checkCharacter(first17) !== "X") return first17 + IdNumber.checkCharacter(first17)
  }
  throw new Error("no digits-only ID number")
})()
const xId = "11010519491231002X"

const at = "2020-01-06T09:00:00+08:00"
/** Members nobody has heard of since 2020, in a branch whose name holds a comma and a semicolon; one named like a formula. */
const events = [
  { eventId: "e-root", type: "OrgRegistered", occurredAt: at, orgId: "org-root", name: "中共测试街道工作委员会", kind: "committee", region: "510107" },
  { eventId: "e-b", type: "OrgRegistered", occurredAt: at, orgId: "org-b", name: "Branch one, two; three", kind: "branch", region: "510107", parentId: "org-root" },
  { eventId: "e-m1", type: "MemberRegistered", occurredAt: at, orgId: "org-b", memberId: "m-1", name: "张三", idNumber: digitsOnlyId, phone: "13812345678", category: "full" },
  { eventId: "e-m2", type: "MemberRegistered", occurredAt: at, orgId: "org-b", memberId: "m-2", name: "=1+1", idNumber: xId, category: "full" }
]

describe("the English list's CSV in a spreadsheet", () => {
  const dir = tempDir("csv")
  const eventsPath = join(dir, "events.ndjson")
  writeFileSync(eventsPath, events.map((e) => JSON.stringify(e)).join("\n") + "\n")
  const csvPath = join(dir, "unlinked.csv")
  const report = ["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--lang", "en"]
  const revealed = ok(relink([...report, "--reveal", "--out", csvPath]))
  const csv = readFileSync(csvPath, "utf8")

  it("starts with the byte-order mark and keeps its 13 columns on every row when semicolons and tabs split too", () => {
    assert.isTrue(csv.startsWith(Csv.BOM))
    const byComma = parseCsv(csv.slice(1))
    const bySeparators = parseCsv(csv.slice(1), ",;\t")
    assert.deepStrictEqual(bySeparators, byComma)
    assert.strictEqual(byComma.length, 3)
    for (const row of bySeparators) assert.lengthOf(row, 13)
    // The fixture does hold what used to split: multi-item cells joined by "; ", and a name with both separators.
    assert.isTrue(bySeparators.flat().some((cell) => cell.includes("; ") && !cell.includes(",")))
    assert.include(bySeparators[1] ?? [], "Branch one, two; three")
    assert.include(csv, '"Branch one, two; three"')
  })

  it("writes revealed ID numbers and phones as they are, with an apostrophe only before a formula-like name", () => {
    const [header, ...rows] = parseCsv(csv.slice(1))
    assert.deepStrictEqual(header?.slice(0, 3), ["Name", "ID number", "Phone"])
    assert.deepStrictEqual(
      rows.map((r) => r.slice(0, 3)),
      [
        ["张三", digitsOnlyId, "13812345678"],
        ["'=1+1", xId, ""]
      ]
    )
  })

  it("says on standard error that the XLSX keeps revealed ID numbers as text, only when --reveal writes CSV", () => {
    assert.include(revealed.stderr, "the XLSX (--format xlsx) keeps them as text")
    assert.match(revealed.stderr, /^2 unlinked members under 1 responsible organisation \(full ID numbers and phones/m)
    const masked = ok(relink([...report, "--out", join(dir, "masked.csv")]))
    assert.notInclude(masked.stderr, "XLSX")
    const json = ok(relink([...report, "--reveal", "--out", join(dir, "revealed.json")]))
    assert.include(json.stderr, "keep it confidential")
    assert.notInclude(json.stderr, "XLSX")
  })

  it("opens in LibreOffice splitting on commas, semicolons and tabs with every row 13 cells, the ID numbers whole as Text columns", () => {
    // 44/59/9: comma, semicolon, tab; 34: quote; 76: UTF-8; from line 1; columns 2 and 3 (ID number, phone) as Text.
    const calc = libreOffice(csvPath, "csv:Text - txt - csv (StarCalc):124,34,76,1", "Text - txt - csv (StarCalc):44/59/9,34,76,1,2/2/3/2")
    if (!calc.ok) return console.warn(`${calc.missing}: skipping LibreOffice's reading of the CSV`)
    const rows = parseCsv([...calc.files.values()][0]?.replaceAll(/\r?\n/g, "\r\n") ?? "", "|")
    assert.lengthOf(rows, 3)
    for (const row of rows) assert.lengthOf(row, 13)
    assert.deepStrictEqual(
      rows.slice(1).map((r) => [r[1], r[3]]),
      [
        [digitsOnlyId, "Branch one, two; three"],
        [xId, "Branch one, two; three"]
      ]
    )
  })
})
