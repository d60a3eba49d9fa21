import { assert, describe, it } from "@effect/vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { parse as parseHtml } from "parse5"
import { IdNumber } from "@relink/core"
import { parseCsv, ok, relink, tempDir } from "./helpers.ts"
import { libreOffice, openpyxl, unzip } from "./readers.ts"

/** An ID number of digits only (its check character is not X): what a spreadsheet turns into a number. */
const digitsOnlyId = (() => {
  for (let n = 400; n < 1000; n++) {
    const first17 = `51011319311115${n}`
    const check = IdNumber.checkCharacter(first17)
    if (check !== "X") return first17 + check
  }
  throw new Error("no digits-only ID number")
})()

const RLO = "\u202E"
const LONG = "长".repeat(40_000)

const at = "2020-01-06T09:00:00+08:00"
const org = (orgId: string, name: string, parentId?: string) => ({
  eventId: `e-${orgId}`,
  type: "OrgRegistered",
  occurredAt: at,
  orgId,
  name,
  kind: parentId === undefined ? "committee" : "branch",
  region: "510107",
  ...(parentId !== undefined && { parentId })
})
const member = (memberId: string, orgId: string, name: string, extra: Record<string, string> = {}) => ({
  eventId: `e-${memberId}`,
  type: "MemberRegistered",
  occurredAt: at,
  orgId,
  memberId,
  name,
  idNumber: "510113193111154012",
  category: "full",
  ...extra
})

/** Members nobody has heard of since 2020 (every one unlinked), named as a hostile or careless export would. */
const events = [
  org("org-root", "中共测试街道工作委员会"),
  org("org-evil", `${RLO}恶意支部\u001b[31m\u0007\u001b]0;pwned\u0007`, "org-root"),
  org("org-formula", '=HYPERLINK("http://x","click")党支部', "org-root"),
  member("@m-1", "org-evil", '=HYPERLINK("http://x","click")', { idNumber: digitsOnlyId, phone: "13812345678" }),
  member("m-2", "org-formula", "+cmd|' /C calc'!A0"),
  member("m-3", "org-formula", "-2+3"),
  member("m-4", "org-formula", "@SUM(A1:A9)"),
  member("m-5", "org-formula", "\t=1+1"),
  member("m-6", "org-formula", "\r=1+1"),
  member("m-7", "org-evil", "张\uFFFE三\u0001四\uD800五"),
  member("m-8", "org-evil", LONG),
  member("m-9", "org-evil", "_x0041_字面"),
  member("0012345", "org-evil", `${RLO}王五`)
]

const FORMULA_START = /^[=+\-@\t\r]/

/** What a Python script with openpyxl prints (trimmed), or undefined, with a warning naming `what`, when openpyxl is missing. */
const readBack = (what: string, script: string, args: ReadonlyArray<string>): string | undefined => {
  const read = openpyxl(script, args)
  if (read.ok) return read.stdout.trim()
  console.warn(`${read.missing}: ${what}`)
  return undefined
}
const AS_OF = "2026-11-27"

describe("outputs are safe and what spreadsheet users expect", () => {
  const dir = tempDir("outputs")
  const eventsPath = join(dir, "hostile.ndjson")
  writeFileSync(eventsPath, events.map((e) => JSON.stringify(e)).join("\n") + "\n")
  const report = ["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--quiet"]
  const xlsxPath = join(dir, "unlinked.xlsx")
  ok(relink([...report, "--reveal", "--out", xlsxPath]))
  const parts = unzip(xlsxPath)
  const sheets = [...parts.keys()]
    .filter((p) => /^xl\/worksheets\/sheet\d+\.xml$/.test(p))
    .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]))
  const scanXlsxPath = join(dir, "scan.xlsx")
  ok(relink(["scan", "--events", eventsPath, "--as-of", AS_OF, "--quiet", "--format", "xlsx", "--out", scanXlsxPath]))
  const scanParts = unzip(scanXlsxPath)
  const workbooks = [
    { path: xlsxPath, parts },
    { path: scanXlsxPath, parts: scanParts }
  ]
  const csvPath = join(dir, "unlinked.csv")
  ok(relink([...report, "--reveal", "--out", csvPath]))
  const csv = readFileSync(csvPath, "utf8")

  it("neutralises CSV cells that begin with = + - @, tab or CR, in report and scan CSV alike (item 4)", () => {
    const table = parseCsv(csv.slice(1))
    const names = table.slice(1).map((r) => r[0] ?? "")
    for (const name of ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]) {
      assert.include(names, `'${name}`)
    }
    const scan = parseCsv(ok(relink(["scan", "--events", eventsPath, "--as-of", AS_OF, "--format", "csv", "--quiet"])).stdout.slice(1))
    assert.isTrue(scan.some((r) => r[1] === "'@m-1"))
    for (const cell of [...table, ...scan].flat()) assert.notMatch(cell, FORMULA_START, JSON.stringify(cell))
  })

  it("keeps the XLSX valid for any text: no character XML forbids, cells cut at 32,767 characters with a marker (item 5)", async () => {
    for (const [name, xml] of parts) {
      assert.notMatch(xml, /[^\P{Cc}\t\n\r\u007f-\u009f]|[\uFFFE\uFFFF]/u, name)
      assert.isFalse(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(xml), `${name} has a lone surrogate`)
    }
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(xlsxPath)
    const values = workbook.worksheets.flatMap((ws) => {
      const cells: Array<string> = []
      ws.eachRow((row) => row.eachCell((cell) => void cells.push(String(cell.value))))
      return cells
    })
    assert.include(values, "张三四五")
    assert.include(values, "_x0041_字面")
    const long = values.find((v) => v.startsWith("长长长"))
    assert.strictEqual(long?.length, 32_767)
    assert.isTrue(long?.endsWith("…[truncated]"))
    const printed = readBack(
      "the XLSX is checked without openpyxl",
      "import openpyxl, sys\nwb = openpyxl.load_workbook(sys.argv[1])\nprint(max(len(str(c.value)) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None))",
      [xlsxPath]
    )
    if (printed !== undefined) assert.strictEqual(printed, "32767")
  })

  it("isolates names and organisation names in the HTML and drops their bidi controls, so a U+202E reverses nothing (item 6)", () => {
    const html = ok(relink([...report, "--format", "html"])).stdout
    assert.include(html, "王五")
    assert.notInclude(html, RLO)
    // The only bidi controls left are relink's own isolates (FSI…PDI where markup cannot go), each around text with none.
    const outside = html.replace(/\u2068[^\u2066-\u2069]*\u2069/g, "")
    assert.notMatch(outside, /[\u061c\u200e\u200f\u202A-\u202E\u2066-\u2069]/)
  })

  it("writes HTML that parses without an error, controls, noncharacters and lone surrogates in names left out (item 6)", () => {
    const html = ok(relink([...report, "--format", "html"])).stdout
    const errors: Array<string> = []
    parseHtml(html, { onParseError: (error) => errors.push(`${error.code} at ${error.startLine}:${error.startCol}`) })
    assert.deepStrictEqual(errors, [])
    assert.include(html, "张三四五")
  })

  it("strips escape sequences, control and bidi characters from relink orgs, summary lines and error messages (item 6)", () => {
    const orgs = ok(relink(["orgs", "--events", eventsPath, "--as-of", AS_OF]))
    assert.include(orgs.stdout, "恶意支部")
    const out = join(dir, "x\u001b]0;title\u0007\u009b31m.csv")
    const run = ok(relink(["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--out", out]))
    const missing = relink(["report", "unlinked", "--events", join(dir, "gone\u001b[2J\u202E.ndjson"), "--as-of", AS_OF])
    assert.strictEqual(missing.status, 1)
    assert.include(missing.stderr, join(dir, "gone.ndjson"))
    for (const text of [orgs.stdout, orgs.stderr, run.stderr, missing.stderr]) {
      assert.notMatch(text.replaceAll("\n", ""), /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u, JSON.stringify(text))
    }
    assert.include(run.stderr, `wrote ${dir}/x31m.csv`)
  })

  it("keeps identifiers as they are: XLSX string cells formatted @, CSV cells without a mark (item 11)", async () => {
    const table = parseCsv(csv.slice(1))
    const row = table.find((r) => r[1] === digitsOnlyId)
    assert.deepStrictEqual(row?.slice(1, 3), [digitsOnlyId, "13812345678"])
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(xlsxPath)
    const cells = workbook.worksheets.flatMap((ws) => ws.getColumn(2).values.map((_, n) => ws.getRow(n).getCell(2)))
    const id = cells.find((c) => c.value === digitsOnlyId)
    assert.strictEqual(id?.type, ExcelJS.ValueType.String)
    assert.strictEqual(id?.numFmt, "@")
    const printed = readBack(
      "identifiers are checked without openpyxl",
      "import openpyxl, sys\nfor ws in openpyxl.load_workbook(sys.argv[1]):\n  for row in ws.iter_rows():\n    for c in row:\n      if c.value in sys.argv[2:]: print(c.data_type, c.number_format, c.value)",
      [xlsxPath, digitsOnlyId, "13812345678"]
    )
    // On the organisation's sheet and on its print sheet.
    if (printed !== undefined) assert.deepStrictEqual(printed.split("\n"), [`s @ ${digitsOnlyId}`, "s @ 13812345678", `s @ ${digitsOnlyId}`, "s @ 13812345678"])
  })

  it("filters that Excel and LibreOffice both show: an autofilter over the whole table and its hidden _xlnm._FilterDatabase name (item 11)", () => {
    const workbookXml = parts.get("xl/workbook.xml") ?? ""
    assert.isAtLeast(sheets.length, 2)
    for (const [i, sheet] of sheets.entries()) {
      const xml = parts.get(sheet) ?? ""
      const rows = [...xml.matchAll(/<row r="(\d+)"/g)].map((m) => Number(m[1]))
      // From the header row, below the sheet's title.
      const ref = /<autoFilter ref="A2:([A-Z]+)(\d+)"\/>/.exec(xml)
      assert.isNotNull(ref, sheet)
      // The summary's table ends above its totals and notes; a list's is every row.
      if (i > 0) assert.strictEqual(Number(ref?.[2]), Math.max(...rows), sheet)
      else assert.isAbove(Number(ref?.[2]), 2)
    }
    const names = [...workbookXml.matchAll(/<definedName name="_xlnm._FilterDatabase" localSheetId="(\d+)" hidden="1">([^<]+)<\/definedName>/g)]
    assert.deepStrictEqual(names.map((m) => Number(m[1])), sheets.map((_, i) => i))
    for (const m of names) assert.match(m[2] ?? "", /^'[^']+'!\$A\$2:\$[A-Z]+\$\d+$/)
    const calc = libreOffice(xlsxPath, "fods")
    if (!calc.ok) return console.warn(`${calc.missing}: skipping LibreOffice's filter buttons`)
    const fods = [...calc.files.values()][0] ?? ""
    assert.strictEqual(fods.match(/<table:database-range [^>]*table:display-filter-buttons="true"/g)?.length, sheets.length)
  })

  it("uses one font family, with name and size on every style, bold totals included (item 11)", () => {
    for (const { parts: p } of workbooks) {
      const fonts = (p.get("xl/styles.xml") ?? "").match(/<font>.*?<\/font>/g) ?? []
      assert.isAbove(fonts.length, 2)
      for (const font of fonts) {
        assert.include(font, '<name val="Microsoft YaHei"/>', font)
        assert.match(font, /<sz val="11"\/>/, font)
        assert.notInclude(font, "<scheme", font)
      }
      assert.isTrue(fonts.some((f) => f.includes("<b/>")))
    }
    const printed = readBack(
      "fonts are checked without openpyxl",
      "import openpyxl, sys\nfor f in sys.argv[1:]:\n  for ws in openpyxl.load_workbook(f):\n    for row in ws.iter_rows():\n      for c in row:\n        if c.value is not None: print(c.font.name, c.font.sz, c.font.b)",
      workbooks.map((w) => w.path)
    )
    if (printed === undefined) return
    const seen = new Set(printed.split("\n"))
    assert.deepStrictEqual([...seen].sort(), ["Microsoft YaHei 11.0 False", "Microsoft YaHei 11.0 True"])
  })

  it("writes empty cells as truly empty, never as empty strings (item 11)", () => {
    for (const { parts: p } of workbooks) {
      assert.notMatch(p.get("xl/sharedStrings.xml") ?? "", /<t(?: [^>]*)?\/>|<t(?: [^>]*)?><\/t>/)
      for (const [name, xml] of p) if (name.startsWith("xl/worksheets/")) assert.notMatch(xml, /t="inlineStr"><is><t><\/t>/)
    }
    const printed = readBack(
      "empty cells are checked without openpyxl",
      "import openpyxl, sys\nws = openpyxl.load_workbook(sys.argv[1]).worksheets[1]\nprint(ws.cell(2, 6).value, [ws.cell(r, 6).value for r in range(3, ws.max_row + 1)] == [None] * (ws.max_row - 2))",
      [xlsxPath]
    )
    if (printed !== undefined) assert.strictEqual(printed, "协助党组织 True")
  })

  it("prints every sheet on A4 landscape with its header row on every page (item 11)", () => {
    for (const { parts: p } of workbooks) {
      const workbookXml = p.get("xl/workbook.xml") ?? ""
      const sheetCount = workbookXml.match(/<sheet /g)?.length ?? 0
      // The header row: the second below a title (the lists), else the first (the scan); past a page wide, the first column too.
      const titles = [...workbookXml.matchAll(/<definedName name="_xlnm.Print_Titles" localSheetId="(\d+)">(?:'[^']+'!\$A:\$A,)?'[^']+'!\$([12]):\$\2<\/definedName>/g)]
      assert.strictEqual(titles.length, sheetCount)
      for (const [name, xml] of p) {
        if (!name.startsWith("xl/worksheets/sheet")) continue
        assert.include(xml, '<pageSetUpPr fitToPage="1"/>', name)
        assert.match(xml, /<pageSetup paperSize="9" orientation="landscape"[^>]*fitToWidth="\d" fitToHeight="0"\/>/, name)
      }
    }
    const printed = readBack(
      "print setup is checked without openpyxl",
      "import openpyxl, sys\nfor ws in openpyxl.load_workbook(sys.argv[1]): print(ws.print_title_rows, ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage)",
      [xlsxPath]
    )
    if (printed !== undefined) assert.deepStrictEqual(new Set(printed.split("\n")), new Set(["$2:$2 9 landscape 0 True"]))
  })

  it("names relink as the creating application (item 11)", () => {
    for (const { parts: p } of workbooks) {
      assert.include(p.get("docProps/app.xml"), "<Application>relink</Application>")
      assert.notInclude(p.get("docProps/app.xml"), "Excel")
      assert.include(p.get("docProps/core.xml"), "<dc:creator>relink</dc:creator><cp:lastModifiedBy>relink</cp:lastModifiedBy>")
    }
    const printed = readBack("properties are checked without openpyxl", "import openpyxl, sys\np = openpyxl.load_workbook(sys.argv[1]).properties\nprint(p.creator, p.lastModifiedBy)", [xlsxPath])
    if (printed !== undefined) assert.strictEqual(printed, "relink relink")
  })
})
