/**
 * `Sheet.read`: a department's spreadsheet read into rows of cells, by content rather than by name.
 * Workbooks are built here with exceljs as departments keep them (title rows, merged branches,
 * hidden rows and columns, dates, ID numbers typed as numbers, formulas, rich text); CSV in UTF-8
 * and in GBK; and the files it refuses, each with its reason: an .xls, an encrypted workbook, a
 * macro-enabled one, a zip bomb, a worksheet asking for millions of cells, random bytes.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { Cause, Effect, Exit, Result } from "effect"
import { IdNumber, SheetCell, SheetHeader } from "@relink/core"
import * as Errors from "../src/Errors.ts"
import * as Sheet from "../src/read/Sheet.ts"
import { tempDir } from "./helpers.ts"
import { unzip } from "./readers.ts"
import * as Zips from "./zips.ts"

const read = (bytes: Buffer, options?: { readonly sheet?: string }) => Effect.runPromise(Sheet.read(bytes, "in.xlsx", options))

/** The error `Sheet.read` fails with, as its tag and one-line message. */
const refusal = async (bytes: Buffer, options?: { readonly sheet?: string }): Promise<{ readonly tag: string; readonly message: string }> => {
  const exit = await Effect.runPromiseExit(Sheet.read(bytes, "in.xlsx", options))
  if (Exit.isSuccess(exit)) throw new Error("read, not refused")
  const error = Cause.squash(exit.cause)
  if (!Errors.isCommandError(error)) throw error
  return { tag: error._tag, message: error.message }
}

const bufferOf = async (book: ExcelJS.Workbook): Promise<Buffer> => Buffer.from(await book.xlsx.writeBuffer())

const utc = (day: string) => new Date(`${day}T00:00:00Z`)
const idNumber = (first17: string) => first17 + IdNumber.checkCharacter(first17)
const ZHANG = idNumber("11010519800101004")
const WANG = idNumber("11010519900303008")
/** 李娜's ID number typed into a cell Excel formatted as a number: 15 significant digits kept. */
const LI_AS_NUMBER = 110105198502020000

/** 城关镇's roster as a clerk keeps it: two title rows, 所在党支部 merged down each branch's members, a hidden row and column. */
const roster = async (): Promise<Buffer> => {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet("花名册")
  sheet.addRow(["城关镇党委党员花名册"])
  sheet.mergeCells("A1:G1")
  sheet.addRow(["填报单位：城关镇党委", undefined, undefined, undefined, "制表日期：2026年11月"])
  sheet.addRow(["序号", "姓名", "公民身份号码", "出生日期", "所在党支部", "党费", "备注"])
  sheet.addRow([1, "张伟", ZHANG, utc("1980-01-01"), "第一党支部", { formula: "12.5*2", result: 25 }, { richText: [{ text: "已" }, { text: "转正", font: { bold: true } }] }])
  sheet.addRow([2, "李娜", LI_AS_NUMBER, utc("1985-02-02"), undefined, 30, { error: "#N/A" }])
  sheet.addRow([3, "王芳", WANG, "1990.3.3", "第二党支部", true, { text: "说明", hyperlink: "https://example.org" }])
  sheet.mergeCells("E4:E5")
  sheet.getRow(5).hidden = true
  sheet.getColumn(7).hidden = true
  return bufferOf(book)
}

describe("a workbook read", () => {
  it("gives every cell in place: title rows, a merged branch copied down, dates as their day, numbers as numbers, a formula's result, rich text joined", async () => {
    const sheet = await read(await roster())
    assert.strictEqual(sheet.form, "xlsx")
    assert.strictEqual(sheet.name, "花名册")
    assert.deepStrictEqual(sheet.names, ["花名册"])
    assert.deepStrictEqual(sheet.rows, [
      Array(7).fill("城关镇党委党员花名册"),
      ["填报单位：城关镇党委", undefined, undefined, undefined, "制表日期：2026年11月"],
      ["序号", "姓名", "公民身份号码", "出生日期", "所在党支部", "党费", "备注"],
      [1, "张伟", ZHANG, "1980-01-01", "第一党支部", 25, "已转正"],
      [2, "李娜", LI_AS_NUMBER, "1985-02-02", "第一党支部", 30, "#N/A"],
      [3, "王芳", WANG, "1990.3.3", "第二党支部", true, "说明"]
    ])
    assert.strictEqual(sheet.merged, 2)
  })

  it("reports the hidden row and column, and reads them like any other", async () => {
    const sheet = await read(await roster())
    assert.deepStrictEqual([...sheet.hiddenRows], [5])
    assert.deepStrictEqual([...sheet.hiddenColumns], [6])
    assert.strictEqual(sheet.rows[4]?.[1], "李娜")
    assert.strictEqual(sheet.rows[5]?.[6], "说明")
  })

  it("reads as the core maps it: the header below the title rows, the ID number typed as a number flagged, never guessed", async () => {
    const sheet = await read(await roster())
    const mapping = SheetHeader.map(sheet.rows, "roster")
    assert.isTrue(Result.isSuccess(mapping))
    if (Result.isFailure(mapping)) return
    assert.strictEqual(mapping.success.row, 3)
    assert.deepStrictEqual(mapping.success.missing, [])
    const id = SheetCell.idNumber(sheet.rows[4]?.[2])
    assert.isTrue(Result.isFailure(id) && id.failure._tag === "IdNumberAsNumber")
    assert.isTrue(Result.isSuccess(SheetCell.idNumber(sheet.rows[3]?.[2])))
    assert.deepStrictEqual(SheetCell.day(sheet.rows[3]?.[3]), Result.succeed("1980-01-01"))
  })

  it("reads --sheet's worksheet; without it the first visible worksheet with a cell, past an empty and a hidden one", async () => {
    const book = new ExcelJS.Workbook()
    book.addWorksheet("封面")
    book.addWorksheet("旧表", { state: "hidden" }).addRow(["姓名", "身份证号"])
    book.addWorksheet("花名册").addRow(["姓名", "公民身份号码"])
    book.addWorksheet("流动党员").addRow(["姓名", "外出时间"])
    const bytes = await bufferOf(book)
    const first = await read(bytes)
    assert.strictEqual(first.name, "花名册")
    assert.deepStrictEqual(first.names, ["封面", "旧表", "花名册", "流动党员"])
    assert.deepStrictEqual((await read(bytes, { sheet: "流动党员" })).rows, [["姓名", "外出时间"]])
    assert.deepStrictEqual((await read(bytes, { sheet: "旧表" })).rows, [["姓名", "身份证号"]])
  })

  it("refuses an unknown --sheet, naming the workbook's sheets", async () => {
    const book = new ExcelJS.Workbook()
    book.addWorksheet("花名册").addRow(["姓名"])
    book.addWorksheet("说明")
    assert.deepStrictEqual(await refusal(await bufferOf(book), { sheet: "Sheet1" }), {
      tag: "UnknownSheet",
      message: 'in.xlsx: no sheet "Sheet1"; its sheets are "花名册", "说明"'
    })
  })
})

describe("a CSV file read", () => {
  it("in GBK, as Chinese Excel saves it, reads as the same rows as in UTF-8", async () => {
    // 姓名,身份证号 / 张三,第一党支部 in GBK.
    const gbk = Buffer.from("d0d5c3fb2cc9edb7ddd6a4bac50d0ad5c5c8fd2cb5dad2bbb5b3d6a7b2bf0d0a", "hex")
    const sheet = await read(gbk)
    assert.strictEqual(sheet.form, "csv")
    assert.deepStrictEqual(sheet.rows, [["姓名", "身份证号"], ["张三", "第一党支部"]])
    assert.deepStrictEqual(sheet.rows, (await read(Buffer.from("姓名,身份证号\r\n张三,第一党支部\r\n"))).rows)
  })

  it("in UTF-8 with a byte-order mark: the mark is no part of the first header; a blank line stays a blank row, a quoted line break stays in its cell", async () => {
    const sheet = await read(Buffer.from('\uFEFF城关镇党员花名册\n\n姓名,公民身份号码,备注\n张伟,110105198001010041,"调入\n2023年"\n李娜,,\n'))
    assert.deepStrictEqual(sheet.rows, [["城关镇党员花名册"], [], ["姓名", "公民身份号码", "备注"], ["张伟", "110105198001010041", "调入\n2023年"], ["李娜"]])
    assert.deepStrictEqual({ name: sheet.name, names: sheet.names, merged: sheet.merged, hidden: sheet.hiddenRows.size + sheet.hiddenColumns.size }, { name: "", names: [], merged: 0, hidden: 0 })
  })

  it("refuses --sheet: CSV has no sheets", async () => {
    assert.deepStrictEqual(await refusal(Buffer.from("姓名\n张伟\n"), { sheet: "花名册" }), {
      tag: "UnknownSheet",
      message: 'in.xlsx: --sheet "花名册": CSV has no sheets; leave --sheet out'
    })
  })

  it("refuses more rows than a worksheet holds", async () => {
    const { tag, message } = await refusal(Buffer.from("a\n".repeat(Sheet.maxRows + 1)))
    assert.strictEqual(tag, "NotASpreadsheet")
    assert.strictEqual(message, "in.xlsx: not a spreadsheet relink imports: 1,048,577 rows, more than a worksheet holds (1,048,576)")
  })
})

// ---------------------------------------------------------------------------------------------
// Files refused

const text = (name: string, content: string): Zips.Entry => ({ name, content: Buffer.from(content) })

const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
const WORKBOOK = text("xl/workbook.xml", '<workbook><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
const worksheet = (before: string, after: string): Zips.Entry =>
  text("xl/worksheets/sheet1.xml", `<worksheet>${before}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row></sheetData>${after}</worksheet>`)

/** A compound file's first bytes, with a directory entry named `stream` (UTF-16LE) some way in. */
const compound = (stream: string): Buffer => {
  const bytes = Buffer.alloc(4096, 0xff)
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(bytes)
  Buffer.from(stream, "utf16le").copy(bytes, 1024)
  return bytes
}

const NOT = "in.xlsx: not a spreadsheet relink imports: "

const refused: ReadonlyArray<{ readonly name: string; readonly bytes: () => Buffer; readonly tag: string; readonly message: string | RegExp }> = [
  { name: "an Excel 97–2003 workbook (.xls)", bytes: () => compound("Workbook"), tag: "NotASpreadsheet", message: `${NOT}an Excel 97–2003 workbook (.xls): save it as .xlsx` },
  {
    name: "an encrypted workbook (a compound file holding EncryptionInfo)",
    bytes: () => compound("EncryptionInfo"),
    tag: "NotASpreadsheet",
    message: `${NOT}an encrypted (password-protected) workbook: save it without a password`
  },
  {
    name: "a macro-enabled workbook (.xlsm, with xl/vbaProject.bin)",
    bytes: () => Zips.zipOf([text("[Content_Types].xml", `${CONTENT_TYPES}</Types>`), WORKBOOK, worksheet("", ""), text("xl/vbaProject.bin", "VBA")]),
    tag: "NotASpreadsheet",
    message: `${NOT}a macro-enabled workbook (.xlsm): macros are not run nor kept here; save it as .xlsx (Excel Workbook)`
  },
  {
    name: "a workbook whose content types say it is macro-enabled",
    bytes: () => Zips.zipOf([text("[Content_Types].xml", `${CONTENT_TYPES}<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>`), WORKBOOK, worksheet("", "")]),
    tag: "NotASpreadsheet",
    message: `${NOT}a macro-enabled workbook (.xlsm): macros are not run nor kept here; save it as .xlsx (Excel Workbook)`
  },
  {
    name: "an OpenDocument spreadsheet",
    bytes: () => Zips.zipOf([text("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), text("content.xml", "<office:document-content/>")]),
    tag: "NotASpreadsheet",
    message: `${NOT}an OpenDocument spreadsheet (.ods): save it as .xlsx`
  },
  {
    name: "a zip archive that is no workbook (a .docx)",
    bytes: () => Zips.zipOf([text("[Content_Types].xml", `${CONTENT_TYPES}</Types>`), text("word/document.xml", "<w:document/>")]),
    tag: "NotASpreadsheet",
    message: `${NOT}a zip archive, but no Excel workbook (it has no xl/workbook.xml)`
  },
  {
    name: "a zip bomb: an entry declaring more than the bound",
    bytes: () => Zips.zipOf([{ name: "xl/worksheets/sheet1.xml", content: Buffer.alloc(1024), declared: 300 << 20 }]),
    tag: "InputTooLarge",
    message: "--from in.xlsx: more than 268,435,456 bytes (256 MiB), the most a workbook inflates to"
  },
  {
    name: "a zip bomb: an entry inflating past what its directory declares",
    bytes: () => Zips.zipOf([{ name: "xl/sharedStrings.xml", content: Buffer.alloc(16 << 20), declared: 1000 }]),
    tag: "InputTooLarge",
    message: "--from in.xlsx: more than 268,435,456 bytes (256 MiB), the most a workbook inflates to"
  },
  {
    name: "a worksheet merging every cell of the grid (a few bytes exceljs would make 17 billion cells of)",
    bytes: () => Zips.zipOf([WORKBOOK, worksheet("", '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')]),
    tag: "NotASpreadsheet",
    message: `${NOT}merged ranges covering more than 1,048,576 cells`
  },
  {
    name: "a worksheet whose column range runs past Excel's last column",
    bytes: () => Zips.zipOf([WORKBOOK, worksheet('<cols><col min="1" max="2000000000" width="9"/></cols>', "")]),
    tag: "NotASpreadsheet",
    message: `${NOT}a column range past Excel's last column (16,384)`
  },
  {
    name: "merged ranges before the cells, where Excel never writes them but exceljs reads them",
    bytes: () => Zips.zipOf([WORKBOOK, worksheet('<mergeCells count="2"><mergeCell ref="A1:XFD600"/><mergeCell ref="A601:XFD1200"/></mergeCells>', "")]),
    tag: "NotASpreadsheet",
    message: `${NOT}merged ranges covering more than 1,048,576 cells`
  },
  {
    name: "a merged range written with an entity, which exceljs would decode",
    bytes: () => Zips.zipOf([WORKBOOK, worksheet("", '<mergeCells count="1"><mergeCell ref="A1:XFD&#49;048576"/></mergeCells>')]),
    tag: "NotASpreadsheet",
    message: `${NOT}a merged range that is no range of cells`
  },
  {
    name: "a column range's end written with an entity",
    bytes: () => Zips.zipOf([WORKBOOK, worksheet("<cols><col min='1' max='&#50;000000000'/></cols>", "")]),
    tag: "NotASpreadsheet",
    message: `${NOT}a column range past Excel's last column (16,384)`
  },
  { name: "a truncated workbook", bytes: () => Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), tag: "NotASpreadsheet", message: `${NOT}no zip directory (a truncated or damaged file)` },
  {
    name: "binary data (NUL bytes)",
    bytes: () => Buffer.from(fc.sample(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), { numRuns: 1, seed: 32 })[0] ?? []).fill(0, 100, 101),
    tag: "NotASpreadsheet",
    message: `${NOT}binary data (it holds NUL bytes), neither a workbook nor CSV text`
  },
  { name: "text with control characters", bytes: () => Buffer.from("姓名\u0007,\u0002\n"), tag: "NotASpreadsheet", message: `${NOT}binary data (it holds control characters), neither a workbook nor CSV text` },
  { name: "bytes neither UTF-8 nor GB18030", bytes: () => Buffer.from([0xd5, 0xc5, 0x81, 0x20]), tag: "NotASpreadsheet", message: `${NOT}neither a workbook nor CSV text in UTF-8 or GB18030` },
  { name: "CSV with a quote left open", bytes: () => Buffer.from('姓名,备注\n张伟,"调入\n'), tag: "NotASpreadsheet", message: `${NOT}CSV, but line 2: a quoted field is never closed` }
]

describe("a file refused, with its reason", () => {
  for (const c of refused) {
    it(`${c.name}: ${c.tag}`, async () => {
      const got = await refusal(c.bytes())
      assert.strictEqual(got.tag, c.tag)
      if (typeof c.message === "string") assert.strictEqual(got.message, c.message)
      else assert.match(got.message, c.message)
    })
  }

  it("each refusal is an error in what was given (exit 2), on one line", async () => {
    for (const c of refused) {
      const exit = await Effect.runPromiseExit(Sheet.read(c.bytes(), "in.xlsx"))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.isTrue(Errors.isCommandError(error) && Errors.isArgumentError(error), c.name)
      assert.notInclude(String((error as Error).message), "\n", c.name)
    }
  })

  it("any bytes are read or refused as no spreadsheet, never a crash", async () => {
    const starts = [Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(0)]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...starts), fc.uint8Array({ maxLength: 2048 }), async (start, rest) => {
        const exit = await Effect.runPromiseExit(Sheet.read(Buffer.concat([start, Buffer.from(rest)]), "in.xlsx"))
        if (Exit.isFailure(exit)) assert.include(["NotASpreadsheet", "InputTooLarge"], (Cause.squash(exit.cause) as { readonly _tag?: string })._tag)
      }),
      { numRuns: 300 }
    )
  })
})

describe("a workbook past Excel's grid", () => {
  /** A workbook exceljs wrote, its worksheet's XML changed by `edit`, zipped again. */
  const edited = async (edit: (xml: string) => string): Promise<Buffer> => {
    const book = new ExcelJS.Workbook()
    book.addWorksheet("花名册").addRow(["姓名", "公民身份号码"])
    const path = join(tempDir("read-sheet"), "book.xlsx")
    writeFileSync(path, await bufferOf(book))
    return Zips.zipOf([...unzip(path)].map(([name, content]) => text(name, name === "xl/worksheets/sheet1.xml" ? edit(content) : content)))
  }

  it("reads the workbook unchanged, zipped again", async () => {
    assert.deepStrictEqual((await read(await edited((xml) => xml))).rows, [["姓名", "公民身份号码"]])
  })

  it("refuses a row past the worksheet's last (1,048,576)", async () => {
    assert.deepStrictEqual(await refusal(await edited((xml) => xml.replaceAll('r="1"', 'r="2000000"'))), {
      tag: "NotASpreadsheet",
      message: `${NOT}sheet "花名册": 2,000,000 rows, more than a worksheet holds (1,048,576)`
    })
  })

  it("refuses a cell past the worksheet's last column (XFD)", async () => {
    const { tag, message } = await refusal(await edited((xml) => xml.replaceAll('r="B1"', 'r="XFE1"')))
    assert.strictEqual(tag, "NotASpreadsheet")
    assert.match(message, /^in\.xlsx: not a spreadsheet relink imports: exceljs cannot read it \(.*XFE.*\)$/u)
  })
})
