/**
 * `relink import --template KIND`'s workbook, for each kind: read back as the import reads it, it
 * maps every column the kind reads, by its header alone; its checks (drop-down lists of the words
 * the core reads, dates, amounts, region codes) cover each column to the worksheet's last row; its
 * identifier columns are text; its required columns are marked without changing their headers.
 */
import { assert, describe, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { Effect, Result } from "effect"
import { SheetCell, SheetHeader } from "@relink/core"
import * as Sheet from "../src/read/Sheet.ts"
import * as ImportTemplate from "../src/render/ImportTemplate.ts"
import { tempDir } from "./helpers.ts"
import { unzip } from "./readers.ts"

const dir = tempDir("import-template")

const templates = Promise.all(SheetHeader.kinds.map(async (kind) => [kind, await Effect.runPromise(ImportTemplate.workbook(kind))] as const)).then((all) => new Map(all))

const templateOf = async (kind: SheetHeader.Kind): Promise<Buffer> => {
  const bytes = (await templates).get(kind)
  if (bytes === undefined) throw new Error(`no template for ${kind}`)
  return bytes
}

/** The first sheet's data validations as written: each one's type, range and first formula. */
const validationsOf = (bytes: Buffer, kind: string): ReadonlyArray<{ readonly type: string; readonly sqref: string; readonly formula: string }> => {
  const path = join(dir, `${kind}.xlsx`)
  writeFileSync(path, bytes)
  const xml = unzip(path).get("xl/worksheets/sheet1.xml") ?? ""
  return [...xml.matchAll(/<dataValidation ([^>]*)>(?:<formula1>([^<]*)<\/formula1>)?/gu)].map(([, attributes = "", formula = ""]) => ({
    type: /\btype="([^"]*)"/u.exec(attributes)?.[1] ?? "",
    sqref: /\bsqref="([^"]*)"/u.exec(attributes)?.[1] ?? "",
    formula: formula.replaceAll("&quot;", '"')
  }))
}

/** The template loaded with exceljs, its validations left aside (exceljs makes an entry for each of a million cells). */
const load = async (bytes: Buffer): Promise<ExcelJS.Workbook> => {
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(bytes as unknown as ExcelJS.Buffer, { ignoreNodes: ["dataValidations"] })
  return book
}

describe("relink import --template", () => {
  for (const kind of SheetHeader.kinds) {
    it(`${kind}: read back as the import reads it, every column the kind reads is mapped by its header, none missing`, async () => {
      const sheet = await Effect.runPromise(Sheet.read(await templateOf(kind), `${kind}.xlsx`))
      assert.strictEqual(sheet.name, ImportTemplate.sheetNames[kind])
      assert.deepStrictEqual(sheet.names, [ImportTemplate.sheetNames[kind], ImportTemplate.guideSheet])
      const mapping = SheetHeader.map(sheet.rows, kind)
      if (Result.isFailure(mapping)) return assert.fail(mapping.failure.reason)
      assert.strictEqual(mapping.success.row, 1)
      assert.deepStrictEqual(mapping.success.missing, [])
      assert.deepStrictEqual(mapping.success.columns.map((c) => c.field), [...SheetHeader.kindFields[kind].read])
      assert.isTrue(mapping.success.columns.every((c) => c.by === "variant"))
    })

    it(`${kind}: a drop-down list for each column of words, a check for each date, amount and region column, down to the last row`, async () => {
      const read = SheetHeader.kindFields[kind].read
      const validations = validationsOf(await templateOf(kind), kind)
      const byColumn = new Map(validations.map((v) => [v.sqref.replace(/2:.*$/u, ""), v]))
      read.forEach((field, i) => {
        const letters = SheetHeader.columnLetters(i)
        const v = byColumn.get(letters)
        const expected = ["gender", "category", "outflowReason", "activity", "orgKind"].includes(field)
          ? "list"
          : ["birthDate", "joinedAt", "fullAt", "outflowAt", "duesMonth", "paidAt", "meetingDate"].includes(field)
            ? "date"
            : field === "amount"
              ? "decimal"
              : field === "region"
                ? "textLength"
                : undefined
        assert.strictEqual(v?.type, expected, `${letters} ${field}`)
        if (v !== undefined) assert.strictEqual(v.sqref, `${letters}2:${letters}1048576`)
      })
      assert.strictEqual(validations.length, byColumn.size)
    })

    it(`${kind}: identifiers formatted as text, required headers bold with a note saying so, the header frozen, a 说明 row for each column`, async () => {
      const book = await load(await templateOf(kind))
      const sheet = book.getWorksheet(ImportTemplate.sheetNames[kind])
      const guide = book.getWorksheet(ImportTemplate.guideSheet)
      if (sheet === undefined || guide === undefined) return assert.fail("a sheet is missing")
      const { read, required } = SheetHeader.kindFields[kind]
      read.forEach((field, i) => {
        const cell = sheet.getRow(1).getCell(i + 1)
        assert.strictEqual(cell.value, SheetHeader.variants[field][0])
        assert.strictEqual(cell.font.bold === true, required.includes(field), field)
        assert.strictEqual(String(cell.note ?? "").startsWith("必填"), required.includes(field), field)
        if (["memberId", "idNumber", "phone", "orgId", "region"].includes(field)) assert.strictEqual(sheet.getColumn(i + 1).numFmt, "@", field)
        // exceljs gives a row's values from index 1, as columns are numbered.
        const [, letters, header, isRequired, fill, accepted] = guide.getRow(i + 2).values as ReadonlyArray<unknown>
        assert.deepStrictEqual([letters, header, isRequired], [SheetHeader.columnLetters(i), SheetHeader.variants[field][0], required.includes(field) ? "是" : undefined], field)
        assert.isTrue(typeof fill === "string" && fill !== "" && typeof accepted === "string" && accepted !== "", field)
      })
      assert.strictEqual(sheet.views[0]?.state, "frozen")
    })
  }

  it("offers only words the core reads: 性别, 人员类别 and 外出原因 lists each read back to a value", async () => {
    const readers: ReadonlyArray<readonly [string, (cell: SheetHeader.Cell) => Result.Result<unknown, unknown>]> = [
      ["gender", SheetCell.gender],
      ["category", SheetCell.category],
      ["outflowReason", SheetCell.outflowReason]
    ]
    const lists = validationsOf(await templateOf("roster"), "roster-words")
    const read = SheetHeader.kindFields.roster.read
    for (const [field, reader] of readers) {
      const letters = SheetHeader.columnLetters(read.indexOf(field as SheetHeader.Field))
      const list = lists.find((v) => v.sqref.startsWith(`${letters}2:`))
      const words = (list?.formula ?? "").replace(/^"|"$/gu, "").split(",")
      assert.isAbove(words.length, 1, field)
      for (const word of words) assert.isTrue(Result.isSuccess(reader(word)), `${field} ${word}`)
    }
  })
})
