/**
 * The workbooks as clerks meet them: every row as tall as its wrapped text needs (headers, titles
 * and notes too); A4 landscape with the text at 8 pt or more on paper, the header row on every page,
 * the organisation and the page numbers in the footer; numbers under right-aligned headers; the
 * progress workbook's whole-span totals; organisations of one name told apart. Each workbook is
 * read back from its XML (readers.ts), and printed by LibreOffice where it is installed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { IdNumber } from "@relink/core"
import * as Layout from "../src/render/Layout.ts"
import * as Xlsx from "../src/render/Xlsx.ts"
import { AS_OF, ok, relink, simulate, tempDir } from "./helpers.ts"
import { printedByLibreOffice, readWorkbook, type SheetXml, type WorkbookXml } from "./readers.ts"

const dir = tempDir("workbooks")

const LONG_NAME = "阿依达娜·买买提"
const BASIS = "中办《关于进一步加强和改进流动党员管理工作的意见》(2024)"

const idNumber = (first17: string) => first17 + IdNumber.checkCharacter(first17)
const at = (day: string) => `${day}T09:00:00+08:00`
const org = (orgId: string, name: string, parentId?: string) => ({
  eventId: `e-${orgId}`,
  type: "OrgRegistered",
  occurredAt: at("2020-01-06"),
  orgId,
  name,
  kind: parentId === undefined ? "committee" : "branch",
  region: "510107",
  ...(parentId !== undefined && { parentId })
})
const member = (memberId: string, orgId: string, name: string, id: string) => ({
  eventId: `e-${memberId}`,
  type: "MemberRegistered",
  occurredAt: at("2020-01-06"),
  orgId,
  memberId,
  name,
  idNumber: id,
  phone: "13812345678",
  category: "full"
})

/** A contact long enough ago that the member is lost, recently enough that their branch still answers for them. */
const lastContact = (memberId: string, orgId: string) => ({ eventId: `e-c-${memberId}`, type: "ContactRecorded", occurredAt: at("2026-04-01"), orgId, memberId, channel: "phone" })

/**
 * Two branches of one name; a branch whose name is longer than its column; a member whose name is
 * longer than the name column; one away without registering (the basis of the action cites a long
 * title); one with an ID number that fails its check.
 */
const eventsPath = join(dir, "events.ndjson")
writeFileSync(
  eventsPath,
  [
    org("org-root", "中共测试街道工作委员会"),
    org("org-a", "第一党支部", "org-root"),
    org("org-b", "第一党支部", "org-root"),
    org("org-c", "成都嘉和教育咨询有限公司第一党支部", "org-root"),
    member("m-1", "org-a", LONG_NAME, idNumber("51010719800101001")),
    member("m-2", "org-b", "王芳", idNumber("51010719800101002")),
    member("m-3", "org-c", "李强", idNumber("51010719800101003")),
    member("m-4", "org-c", "赵敏", "110105194912310021"),
    lastContact("m-1", "org-a"),
    lastContact("m-2", "org-b"),
    lastContact("m-4", "org-c"),
    { eventId: "e-c-m-3", type: "ContactRecorded", occurredAt: at("2026-05-20"), orgId: "org-c", memberId: "m-3", channel: "phone" },
    { eventId: "e-o3", type: "OutflowReported", occurredAt: at("2026-06-01"), orgId: "org-c", memberId: "m-3", destinationRegion: "320115", destinationDetail: "江苏省南京市江宁区某高校后勤服务中心物业管理部", reason: "work", fixedLocation: false }
  ]
    .map((e) => JSON.stringify(e))
    .join("\n") + "\n"
)
const sim = simulate(500, 3)

const write = (file: string, args: ReadonlyArray<string>): string => {
  const path = join(dir, file)
  ok(relink([...args, "--out", path, "--quiet"]))
  return path
}
const paths = {
  unlinked: write("unlinked.xlsx", ["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF]),
  unlinkedEn: write("unlinked-en.xlsx", ["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--lang", "en"]),
  dataQuality: write("data-quality.xlsx", ["report", "data-quality", "--events", eventsPath, "--as-of", AS_OF]),
  simulated: write("unlinked-sim.xlsx", ["report", "unlinked", "--events", sim.eventsPath, "--as-of", AS_OF]),
  earlyWarning: write("early-warning.xlsx", ["report", "early-warning", "--events", sim.eventsPath, "--as-of", AS_OF]),
  progress: write("progress.xlsx", ["report", "progress", "--events", sim.eventsPath, "--from", "2025-12-01", "--to", "2026-11-30"]),
  review: write("review.xlsx", ["report", "review", "--events", sim.eventsPath, "--as-of", AS_OF, "--sample-auto-links", "20"]),
  branches: write("branches.xlsx", ["report", "branches", "--events", sim.eventsPath, "--as-of", AS_OF]),
  scan: write("scan.xlsx", ["scan", "--events", eventsPath, "--as-of", AS_OF, "--format", "xlsx"])
}
const books: ReadonlyArray<readonly [string, WorkbookXml]> = Object.entries(paths).map(([name, path]) => [name, readWorkbook(path)])
const book = (name: keyof typeof paths): WorkbookXml => readWorkbook(paths[name])

const sheetOf = (workbook: WorkbookXml, name: string): SheetXml => {
  const sheet = workbook.sheets.find((s) => s.name === name)
  if (sheet === undefined) throw new Error(`no sheet ${name} among ${workbook.sheets.map((s) => s.name).join(", ")}`)
  return sheet
}

/** The width a cell has: its column's, or its merged range's. */
const widthOf = (sheet: SheetXml, row: number, column: number): number => {
  const merge = sheet.merges.find((m) => m.top <= row && row <= m.bottom && m.left <= column && column <= m.right)
  const [from, to] = merge === undefined ? [column, column] : [merge.left, merge.right]
  return sheet.widths.slice(from - 1, to).reduce((sum, w) => sum + w, 0)
}

/** The lines the tallest wrapped cell of a row takes, by the width rule. */
const linesNeeded = (workbook: WorkbookXml, sheet: SheetXml, row: SheetXml["rows"][number]): number =>
  row.cells.reduce((n, cell) => (cell.text !== undefined && workbook.styles[cell.style]?.wrap === true ? Math.max(n, Layout.lines(cell.text, widthOf(sheet, row.r, cell.column))) : n), 1)

const heightOf = (sheet: SheetXml, row: SheetXml["rows"][number]): number => row.height ?? sheet.defaultHeight

/** The first row holding a cell with this text, with the sheet it is on. */
const rowWith = (workbook: WorkbookXml, text: string) => {
  for (const sheet of workbook.sheets) {
    const row = sheet.rows.find((r) => r.cells.some((c) => c.text?.includes(text)))
    if (row !== undefined) return { sheet, row }
  }
  throw new Error(`no cell ${text}`)
}

/** The header row: the first printed row, repeated on every page. */
const headerRowOf = (sheet: SheetXml): number => Number(/\$(\d+):\$\d+$/.exec(sheet.names.get("_xlnm.Print_Titles") ?? "")?.[1])

describe("the width rule: lines a text takes in a column", () => {
  const text = fc.string({ unit: fc.constantFrom("汉", "字", "a", "B", "1", " ", "·", "（", "）", "，", "-", "m"), maxLength: 120 })
  const width = fc.integer({ min: 2, max: 60 })

  it("a wide character takes two units: n of them fill lines of ⌊(width − 1) / 2⌋", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 3, max: 60 }), (n, w) => Layout.lines("汉".repeat(n), w) === Math.ceil(n / Math.floor((w - 1) / 2))))
  })

  it("more room never takes more lines, and a text never fewer than its beginning", () => {
    fc.assert(
      fc.property(text, width, fc.integer({ min: 1, max: 20 }), fc.nat(), (t, w, more, cut) => {
        assert.isAtMost(Layout.lines(t, w + more), Layout.lines(t, w))
        assert.isAtMost(Layout.lines(t.slice(0, cut % (t.length + 1)), w), Layout.lines(t, w))
      })
    )
  })

  it("each line break starts a line: paragraphs add up", () => {
    fc.assert(fc.property(text, text, width, (a, b, w) => Layout.lines(`${a}\n${b}`, w) === Layout.lines(a, w) + Layout.lines(b, w)))
  })

  it("words are not broken where they fit on a line of their own", () => {
    assert.strictEqual(Layout.lines("ab cd", 3), 2)
    assert.strictEqual(Layout.lines("abcd", 3), 2)
    assert.strictEqual(Layout.lines(LONG_NAME, 10), 2)
    assert.strictEqual(Layout.lines("距3个月预警（天）", 12), 2)
    assert.strictEqual(Layout.lines(BASIS, 36), 2)
  })

  it("a row of more lines is taller, up to Excel's tallest; one line keeps the default height", () => {
    assert.strictEqual(Layout.rowHeight(1), Layout.DEFAULT_ROW_HEIGHT)
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), (n) => Layout.rowHeight(n + 1) > Layout.rowHeight(n) && Layout.rowHeight(n + 1) >= (n + 1) * 1.4 * Layout.FONT.size))
    assert.strictEqual(Layout.rowHeight(1_000), Layout.MAX_ROW_HEIGHT)
  })
})

describe("every workbook relink writes, read back", () => {
  it("has every row as tall as its wrapped cells need by the width rule, headers, titles and notes included", () => {
    for (const [name, workbook] of books) {
      let wrapped = 0
      for (const sheet of workbook.sheets) {
        for (const row of sheet.rows) {
          const lines = linesNeeded(workbook, sheet, row)
          if (lines > 1) wrapped++
          assert.isAtLeast(heightOf(sheet, row), Layout.rowHeight(lines), `${name}, ${sheet.name}, row ${row.r}: ${lines} lines`)
        }
      }
      // The scan's columns do not wrap; every other workbook has rows of more than one line.
      if (name !== "scan") assert.isAbove(wrapped, 0, name)
    }
  })

  it("shows a long name, the basis of an action and the early warning's headers whole", () => {
    const unlinked = book("unlinked")
    for (const text of [LONG_NAME, BASIS]) {
      const { sheet, row } = rowWith(unlinked, text)
      assert.isAtLeast(linesNeeded(unlinked, sheet, row), 2, text)
      assert.isAtLeast(heightOf(sheet, row), Layout.rowHeight(2), `${sheet.name}: ${text}`)
    }
    const earlyWarning = book("earlyWarning")
    for (const header of ["距3个月预警（天）", "预计180天内失联概率"]) {
      const { sheet, row } = rowWith(earlyWarning, header)
      assert.isTrue(earlyWarning.styles[row.cells.find((c) => c.text?.includes(header))?.style ?? 0]?.wrap, header)
      assert.isAtLeast(heightOf(sheet, row), Layout.rowHeight(2), `${sheet.name}: ${header}`)
    }
  })

  it("prints on A4 landscape with the header row on every page, as few pages wide as keep the text at 8 pt or more, the footer numbering the pages", () => {
    assert.isAtLeast(Layout.MIN_SCALE * Layout.FONT.size, Layout.MIN_PRINTED_SIZE)
    assert.strictEqual(Layout.MIN_PRINTED_SIZE, 8)
    for (const [name, workbook] of books) {
      // A hidden sheet (the review workbook's metadata) is for the program that reads the file back, never printed.
      for (const sheet of workbook.sheets.filter((s) => s.state === undefined)) {
        const what = `${name}, ${sheet.name}`
        const pages = Number(sheet.pageSetup.fitToWidth)
        assert.include(sheet.pageSetup, { paperSize: "9", orientation: "landscape", fitToHeight: "0" }, what)
        assert.strictEqual(pages, Layout.pagesWide(sheet.widths), what)
        const header = headerRowOf(sheet)
        const quoted = `'${sheet.name.replaceAll("'", "''")}'`
        assert.strictEqual(sheet.names.get("_xlnm.Print_Titles"), `${pages > 1 ? `${quoted}!$A:$A,` : ""}${quoted}!$${header}:$${header}`, what)
        if (pages > 1) assert.strictEqual(sheet.pageSetup.pageOrder, "overThenDown", what)
        // Below a title, printing starts at the header: the footer says what the title says.
        if (header > 1) assert.match(sheet.names.get("_xlnm.Print_Area") ?? "", new RegExp(`!\\$A\\$${header}:\\$[A-Z]+\\$\\d+$`), what)
        assert.match(sheet.footer ?? "", name === "scan" || name === "unlinkedEn" ? /&RPage &P of &N$/ : /&R第 &P 页 \/ 共 &N 页$/, what)
      }
    }
    // A print sheet is one page wide: the columns a meeting reads, the text at 8 pt or more.
    for (const name of ["unlinked", "dataQuality", "simulated", "earlyWarning", "review", "branches"] as const) {
      const prints = book(name).sheets.filter((s) => s.name.endsWith("（打印）"))
      assert.isAbove(prints.length, 0, name)
      for (const sheet of prints) assert.strictEqual(sheet.pageSetup.fitToWidth, "1", `${name}, ${sheet.name}`)
    }
    for (const sheet of book("progress").sheets) assert.strictEqual(sheet.pageSetup.fitToWidth, "1", sheet.name)
  })

  it("prints in LibreOffice on A4 landscape with no text under 8 pt", () => {
    for (const name of ["unlinked", "progress", "review"] as const) {
      const printed = printedByLibreOffice(paths[name])
      if (!printed.ok) return console.warn(`${printed.missing}: skipping the printed text sizes`)
      assert.isAbove(printed.pages.length, 1, name)
      for (const page of printed.pages) {
        assert.deepStrictEqual([Math.round(page.width), Math.round(page.height)], [842, 595], name)
        assert.isAbove(page.textSizes.length, 0, name)
        assert.isAtLeast(Math.min(...page.textSizes), 7.99, name)
      }
    }
  })

  it("stands each column of numbers under a right-aligned header, and text under a left-aligned one", () => {
    let numeric = 0
    for (const [name, workbook] of books) {
      for (const sheet of workbook.sheets) {
        const header = headerRowOf(sheet)
        const [, last] = /\$(\d+)$/.exec(sheet.names.get("_xlnm._FilterDatabase") ?? "") ?? []
        const body = sheet.rows.filter((r) => r.r > header && r.r <= Number(last))
        const headerCells = sheet.rows.find((r) => r.r === header)?.cells ?? []
        for (const cell of headerCells) {
          const values = body.flatMap((r) => r.cells.filter((c) => c.column === cell.column && (c.text !== undefined || c.number !== undefined)))
          if (values.length === 0) continue
          const numbers = values.every((c) => c.number !== undefined)
          if (numbers) numeric++
          assert.strictEqual(workbook.styles[cell.style]?.horizontal === "right", numbers, `${name}, ${sheet.name}: ${cell.text ?? ""}`)
        }
      }
    }
    assert.isAbove(numeric, 20)
  })
})

describe("the progress workbook", () => {
  it("ends its summary with the whole span's totals, in bold, as the page and the JSON have them", () => {
    const json = JSON.parse(ok(relink(["report", "progress", "--events", sim.eventsPath, "--from", "2025-12-01", "--to", "2026-11-30", "--format", "json", "--quiet"])).stdout) as {
      readonly span: Readonly<Record<string, number>>
      readonly measures: ReadonlyArray<{ readonly id: string }>
    }
    const workbook = book("progress")
    const summary = sheetOf(workbook, "汇总")
    const row = summary.rows.find((r) => r.cells[0]?.text === "全期")
    assert.isDefined(row)
    if (row === undefined) return
    assert.deepStrictEqual(
      row.cells.map((c) => c.text ?? c.number),
      ["全期", "2025-12-01", "2026-11-30", ...json.measures.map((m) => (m.id === "medianDaysToFound" ? Math.round((json.span[m.id] ?? 0) * 10) / 10 : json.span[m.id]))]
    )
    assert.isTrue(row.cells.every((c) => workbook.styles[c.style]?.bold))
    // Below the table, out of its filter.
    const [, last] = /\$(\d+)$/.exec(summary.names.get("_xlnm._FilterDatabase") ?? "") ?? []
    assert.isAbove(row.r, Number(last))
  })
})

describe("organisations of one name", () => {
  it("have their ids in their sheets' names, titles and footers", () => {
    for (const name of ["unlinked", "unlinkedEn"] as const) {
      const workbook = book(name)
      const print = name === "unlinked" ? "（打印）" : " (print)"
      const names = workbook.sheets.map((s) => s.name)
      assert.includeMembers(names, ["第一党支部 org-a", `第一党支部 org-a${print}`, "第一党支部 org-b", `第一党支部 org-b${print}`, "成都嘉和教育咨询有限公司第一党支部"])
      for (const orgId of ["org-a", "org-b"]) {
        for (const sheet of workbook.sheets.filter((s) => s.name.startsWith(`第一党支部 ${orgId}`))) {
          assert.include(sheet.rows[0]?.cells[0]?.text, `第一党支部 ${orgId}`, sheet.name)
          assert.include(sheet.footer, `&L`, sheet.name)
          assert.include(sheet.footer, `第一党支部 ${orgId}`, sheet.name)
        }
      }
    }
  })

  it("keep a sheet name's suffix whole within 31 UTF-16 units, the name before it cut", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom("", " org-5101-0047", "（打印）", " org-0000001 (print)"), (wanted, suffix) => {
        const used = new Set<string>()
        const first = Xlsx.sheetName(wanted, used, suffix)
        const second = Xlsx.sheetName(wanted, used, suffix)
        for (const name of [first, second]) assert.isAtMost(name.length, 31)
        assert.isTrue(first.endsWith(suffix.trimEnd()), first)
        assert.notStrictEqual(first.toLowerCase(), second.toLowerCase())
        assert.include(second, suffix.trimEnd())
      })
    )
  })
})
