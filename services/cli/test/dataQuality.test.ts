import { assert, describe, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { Event, Policy, Report, Scan } from "@relink/core"
import { Result } from "effect"
import { AS_OF, ok, parseCsv, relink, simulate, tempDir } from "./helpers.ts"
import { readWorkbook } from "./readers.ts"

const AS_OF_INSTANT = Date.parse(`${AS_OF}T23:59:59+08:00`)

/** Registrations with one problem each, next to a simulated population that has none (written without mistakes). */
const problems: ReadonlyArray<{ readonly idNumber: string; readonly fields?: Record<string, string>; readonly field: string; readonly code: string }> = [
  { idNumber: "110105194912310021", field: "idNumber", code: "check-character" },
  { idNumber: "11010519491231002", field: "idNumber", code: "length" },
  { idNumber: "11O10519491231002X", field: "idNumber", code: "charset" },
  { idNumber: "990105194912310026", field: "idNumber", code: "region" },
  { idNumber: "110105194902300029", field: "idNumber", code: "birth-date" },
  { idNumber: "11010519491231002X", fields: { joinedAt: "1920-01-01" }, field: "joinedAt", code: "before-founding" },
  { idNumber: "11010519491231002X", fields: { birthDate: "2027-01-01" }, field: "birthDate", code: "after-registration" }
]

describe("relink report data-quality", () => {
  const sim = simulate(150, 4, ["--mistake-rate", "0"])
  const homes = [...new Set(sim.events.flatMap((e) => (e.type === "MemberRegistered" ? [e.orgId] : [])))]
  const added = problems.map((p, i) =>
    JSON.stringify({
      eventId: `dq-${i}`,
      type: "MemberRegistered",
      occurredAt: "2025-01-01T09:00:00+08:00",
      orgId: homes[i % 3],
      memberId: `m-dq-${i}`,
      name: `数据${i}`,
      idNumber: p.idNumber,
      category: "full",
      ...p.fields
    })
  )
  const dir = tempDir("dq")
  const eventsPath = join(dir, "events.ndjson")
  writeFileSync(eventsPath, [...sim.lines, ...added, ""].join("\n"))
  const events = [...sim.events, ...added.map(Event.decodeLine).filter(Result.isSuccess).map((r) => r.success)]
  const input = Report.fromScan(Scan.run(events, { asOf: AS_OF_INSTANT, policy: Policy.defaults }))
  const expected = Report.dataQuality(input, { includeSubtree: false, lang: "zh", reveal: false })
  const base = ["report", "data-quality", "--events", eventsPath, "--as-of", AS_OF, "--quiet"]
  const fullIds = problems.map((p) => p.idNumber)

  it("lists each problem once, naming the field and what is wrong, grouped by the home branch (JSON)", () => {
    const report = JSON.parse(ok(relink([...base, "--format", "json"])).stdout) as {
      columns: Array<{ id: string; header: string }>
      summary: Array<{ orgId: string; total: number }>
      rows: Array<Report.DataQualityRow>
    }
    assert.deepStrictEqual(report.rows, JSON.parse(JSON.stringify(expected.rows)))
    assert.deepStrictEqual(report.columns.map((c) => c.id), Report.dataQualityColumns.map((c) => c.id))
    assert.deepStrictEqual(
      report.rows.map((r) => `${r.memberId} ${r.fieldId} ${r.codeId}`).sort(),
      problems.map((p, i) => `m-dq-${i} ${p.field} ${p.code}`).sort()
    )
    for (const row of report.rows) {
      const i = Number(row.memberId.slice("m-dq-".length))
      assert.strictEqual(row.responsibleOrgId, homes[i % 3])
      const malformed = problems[i]?.field === "idNumber"
      assert.strictEqual(row.idNumber.endsWith("（有误）"), malformed, row.idNumber)
    }
    assert.strictEqual(report.summary.reduce((n, g) => n + g.total, 0), problems.length)
  })

  it("masks ID numbers in every format, marks a malformed one, and shows them with --reveal", async () => {
    const texts = ["csv", "json", "html"].map((format) => ok(relink([...base, "--format", format])).stdout)
    const xlsxPath = join(dir, "dq.xlsx")
    ok(relink([...base, "--out", xlsxPath]))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(xlsxPath)
    const cells: Array<string> = []
    for (const sheet of workbook.worksheets) sheet.eachRow((row) => row.eachCell((cell) => void cells.push(String(cell.value))))
    for (const text of [...texts, cells.join("\n")]) {
      for (const id of fullIds) assert.notInclude(text, id)
      assert.include(text, "110105********0021（有误）")
      assert.include(text, "********（有误）")
    }
    const csv = parseCsv(ok(relink([...base, "--format", "csv"])).stdout.slice(1))
    assert.isTrue(csv.slice(1).every((r) => /^(\d{6}\*{8}[\dX]{4}|\*{8})(（有误）)?$/.test(r[1] ?? "")), JSON.stringify(csv))
    const revealed = ok(relink([...base, "--format", "csv", "--reveal"])).stdout
    assert.include(revealed, "110105194912310021（有误）")
    assert.include(revealed, "11010519491231002（有误）")
    const en = ok(relink([...base, "--format", "csv", "--lang", "en"])).stdout
    assert.include(en, "110105********0021 (invalid)")
  })

  it("names only ID numbers as masked or in full — in every sheet's title and footer, the page, the summary and --reveal's help — having no phone column", () => {
    for (const revealed of [false, true]) {
      const said = revealed ? "含完整身份证号，注意保密" : "身份证号已部分隐去"
      const flags = revealed ? ["--reveal"] : []
      const path = join(dir, `dq-privacy-${revealed}.xlsx`)
      ok(relink([...base, ...flags, "--out", path]))
      const workbook = readWorkbook(path)
      assert.isAbove(workbook.sheets.length, 2)
      for (const sheet of workbook.sheets) {
        for (const text of [sheet.rows[0]?.cells[0]?.text, sheet.footer]) {
          assert.include(text, said, sheet.name)
          assert.notInclude(text, "电话", sheet.name)
        }
      }
      const page = ok(relink([...base, ...flags, "--format", "html"])).stdout
      assert.include(page, `>${said}<`)
      assert.notInclude(page, "电话")
      const en = ok(relink([...base, ...flags, "--format", "html", "--lang", "en"])).stdout
      assert.include(en, revealed ? ">contains full ID numbers: confidential<" : ">ID numbers are partly masked<")
    }
    const summary = ok(relink([...base.filter((a) => a !== "--quiet"), "--reveal", "--format", "json", "--out", join(dir, "dq-privacy.json")])).stderr
    assert.include(summary, "(full ID numbers: the file is readable by its owner only: keep it confidential)")
    const help = (kind: string) => ok(relink(["report", kind, "--help"])).stdout.split("\n").find((l) => l.trim().startsWith("--reveal")) ?? ""
    assert.match(help("data-quality"), /Show full ID numbers\. .*\(110105\*{8}002X\)/)
    assert.notInclude(help("data-quality"), "phone")
    for (const kind of ["unlinked", "early-warning"]) assert.match(help(kind), /Show full ID numbers and phones\. .*\(110105\*{8}002X, 138\*{4}5678\)/, kind)
  })

  it("writes CSV with the list's headers in Chinese and English", () => {
    const zh = parseCsv(ok(relink([...base, "--format", "csv"])).stdout.slice(1))
    assert.deepStrictEqual(zh[0], Report.dataQualityColumns.map((c) => c.zh))
    assert.strictEqual(zh.length - 1, problems.length)
    assert.isTrue(zh.slice(1).some((r) => r[4] === "身份证号" && r[5] === "校验码错误"))
    const en = parseCsv(ok(relink([...base, "--format", "csv", "--lang", "en"])).stdout.slice(1))
    assert.deepStrictEqual(en[0], Report.dataQualityColumns.map((c) => c.en))
    assert.isTrue(en.slice(1).some((r) => r[4] === "date joined" && r[5] === "before the Party was founded (1 July 1921)"))
  })

  it("writes an XLSX with a summary per organisation and field, and per organisation its sheet and its print sheet", async () => {
    const path = join(dir, "dq-zh.xlsx")
    ok(relink([...base, "--out", path]))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(path)
    const [summary, ...rest] = workbook.worksheets
    assert.deepStrictEqual((summary?.getRow(2).values as Array<unknown>).slice(1), [
      "负责更正的党组织",
      "组织编号",
      "身份证号",
      "出生日期",
      "性别",
      "入党日期",
      "登记时间",
      "合计"
    ])
    const sheets = rest.filter((_, i) => i % 2 === 0)
    const printSheets = rest.filter((_, i) => i % 2 === 1)
    assert.strictEqual(sheets.length, new Set(expected.rows.map((r) => r.responsibleOrgId)).size)
    assert.strictEqual(printSheets.length, sheets.length)
    for (const ws of [sheets, printSheets]) assert.strictEqual(ws.reduce((n, s) => n + s.rowCount - 2, 0), problems.length)
    for (const sheet of sheets) assert.deepStrictEqual((sheet.getRow(2).values as Array<unknown>).slice(1), Report.dataQualityColumns.map((c) => c.zh))
    for (const sheet of printSheets) assert.deepStrictEqual((sheet.getRow(2).values as Array<unknown>).slice(1), ["姓名", "身份证号", "状态", "问题字段", "问题说明", "登记时间", "建议处置"])
  })

  it("renders an HTML page titled as the data-quality list, with a row per problem", () => {
    const html = ok(relink([...base, "--format", "html"])).stdout
    assert.include(html, "登记信息数据质量问题名单")
    assert.include(html, "按问题字段")
    assert.strictEqual(html.match(/<tr>/g)?.length, problems.length + 1)
  })

  it("scoped to an organisation, lists only the members whose home branch it is", () => {
    const orgId = homes[0] as string
    const report = JSON.parse(ok(relink([...base, "--org", orgId, "--format", "json"])).stdout) as { rows: Array<Report.DataQualityRow> }
    assert.isAbove(report.rows.length, 0)
    assert.isTrue(report.rows.every((r) => r.responsibleOrgId === orgId))
    assert.strictEqual(report.rows.length, problems.filter((_, i) => i % 3 === 0).length)
  })

  it("marks a malformed ID number in the unlinked list too", () => {
    const unlinked = ok(relink(["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--quiet", "--format", "csv"])).stdout
    assert.include(unlinked, "110105********0021（有误）")
  })
})
