import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { OrgTree, Policy, Report, Scan, Status } from "@relink/core"
import { parseCsv, ok, personalData, relink, root, simulate, tempDir } from "./helpers.ts"

const AS_OF_INSTANT = Date.parse("2026-11-27T23:59:59+08:00")

describe("relink report unlinked", () => {
  const sim = simulate(1200, 11, ["--malformed", "3"])
  const result = Scan.run(sim.events, { asOf: AS_OF_INSTANT, policy: Policy.defaults })
  const unlinked = result.evaluations.filter((e) => Status.unlinked.has(e.status))
  const evaluationOf = new Map(result.evaluations.map((e) => [e.memberId, e]))
  const personal = personalData(sim.events)
  const base = ["report", "unlinked", "--events", sim.eventsPath, "--as-of", "2026-11-27"]

  /** A street committee whose subtree holds some, but not all, unlinked members. */
  const scopeOrg = (() => {
    const candidates = [...result.orgs.orgs.values()]
      .filter((o) => o.kind === "committee" && OrgTree.parentOf(result.orgs, o.orgId) !== undefined)
      .map((o) => {
        const scope = OrgTree.subtree(result.orgs, o.orgId)
        return { orgId: o.orgId, scope, inside: unlinked.filter((e) => scope.has(e.homeOrgId) || scope.has(e.responsibleOrgId)).length }
      })
      .filter((c) => c.inside > 0 && c.inside < unlinked.length)
      .sort((a, b) => b.inside - a.inside)
    const best = candidates[0]
    if (best === undefined) throw new Error("the simulation has no committee with unlinked members below it")
    return best
  })()

  it("writes an XLSX with a summary sheet, then per responsible organisation its sheet and its print sheet, titled with its id, headers in Chinese and frozen", async () => {
    const out = tempDir("xlsx")
    const path = join(out, "unlinked.xlsx")
    const run = ok(relink([...base, "--out", path]))
    assert.include(run.stderr, `wrote ${path}`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(path)
    const [summary, ...rest] = workbook.worksheets
    assert.isDefined(summary)
    if (summary === undefined) return
    assert.strictEqual(summary.name, "汇总")
    assert.strictEqual(summary.getCell(1, 1).value, "失联党员名单 · 全部组织 · 截至 2026-11-27 · 身份证号、联系电话已部分隐去")
    assert.deepStrictEqual((summary.getRow(2).values as Array<unknown>).slice(1), ["责任党组织", "组织编号", "停止党籍", "转接逾期", "失联", "流出未报到", "合计"])
    const responsible = new Set(unlinked.map((e) => e.responsibleOrgId))
    assert.strictEqual(rest.length, 2 * responsible.size)
    const sheets = rest.filter((_, i) => i % 2 === 0)
    const printSheets = rest.filter((_, i) => i % 2 === 1)
    const names = new Set<string>()
    let rows = 0
    for (const [i, sheet] of sheets.entries()) {
      const print = printSheets[i] as ExcelJS.Worksheet
      for (const ws of [sheet, print]) {
        assert.isAtMost([...ws.name].length, 31)
        assert.notMatch(ws.name, /[[\]:*?/\\]/)
        assert.isFalse(names.has(ws.name.toLowerCase()), `unique ${ws.name}`)
        names.add(ws.name.toLowerCase())
      }
      assert.strictEqual(print.name, `${sheet.name}（打印）`)
      for (const ws of [summary, sheet, print]) {
        assert.strictEqual(ws.views[0]?.state, "frozen")
        assert.strictEqual((ws.views[0] as { ySplit?: number }).ySplit, 2)
      }
      assert.deepStrictEqual((sheet.getRow(2).values as Array<unknown>).slice(1), Report.columns.map((c) => c.zh))
      Report.columns.forEach((c, col) => assert.strictEqual(sheet.getColumn(col + 1).width, c.width))
      assert.deepStrictEqual((print.getRow(2).values as Array<unknown>).slice(1), ["姓名", "身份证号", "联系电话", "状态", "失联天数", "最后联系时间及方式", "外出地点", "线索", "建议处置"])
      // The summary row of this organisation counts exactly the rows of its sheet, per status.
      const summaryRow = (summary.getRow(i + 3).values as Array<unknown>).slice(1)
      const orgId = summaryRow[1] as string
      assert.strictEqual(sheet.getCell(1, 1).value, `失联党员名单 · ${String(summaryRow[0])} ${orgId} · 截至 2026-11-27 · 身份证号、联系电话已部分隐去`)
      const orgRows = sheet.rowCount - 2
      assert.strictEqual(print.rowCount - 2, orgRows, print.name)
      rows += orgRows
      assert.strictEqual(summaryRow[6], orgRows, sheet.name)
      const statusCells: Array<unknown> = []
      sheet.eachRow((row, n) => {
        if (n > 2) statusCells.push(row.getCell(7).value)
      })
      const labels = ["停止党籍", "转接逾期", "失联", "流出未报到"]
      labels.forEach((label, k) => assert.strictEqual(summaryRow[2 + k], statusCells.filter((s) => s === label).length))
      assert.isTrue(responsible.has(orgId))
      assert.strictEqual(orgRows, unlinked.filter((e) => e.responsibleOrgId === orgId).length)
      // Masked ID numbers, on the print sheet as on the organisation's; a malformed number (the simulation writes a few) marked as such.
      for (const ws of [sheet, print]) {
        ws.eachRow((row, n) => {
          if (n > 2) assert.match(String(row.getCell(2).value), /^(\d{6}\*{8}[\dX]{4}|\*{8})(（有误）)?$|^$|^\*+$/)
        })
      }
    }
    assert.strictEqual(rows, unlinked.length)
    const totalRow = (summary.getRow(sheets.length + 3).values as Array<unknown>).slice(1)
    assert.strictEqual(totalRow[0], "合计")
    assert.strictEqual(totalRow[6], unlinked.length)
  })

  it("scoped to an organisation's subtree, lists no member outside it and misses none inside", () => {
    const run = ok(relink([...base, "--org", scopeOrg.orgId, "--include-subtree", "--format", "json", "--quiet"]))
    const report = JSON.parse(run.stdout) as { orgId: string; rows: Array<Report.Row> }
    assert.strictEqual(report.orgId, scopeOrg.orgId)
    assert.strictEqual(report.rows.length, scopeOrg.inside)
    for (const row of report.rows) {
      const evaluation = evaluationOf.get(row.memberId)
      assert.isDefined(evaluation)
      assert.isTrue(scopeOrg.scope.has(evaluation?.homeOrgId ?? "") || scopeOrg.scope.has(row.responsibleOrgId), `${row.memberId} is inside`)
    }
    const outside = unlinked.filter((e) => !scopeOrg.scope.has(e.homeOrgId) && !scopeOrg.scope.has(e.responsibleOrgId))
    assert.isAbove(outside.length, 0)
    const listed = new Set(report.rows.map((r) => r.memberId))
    for (const e of outside) assert.isFalse(listed.has(e.memberId))
  })

  it("masks ID numbers and phones by default in every format and shows them with --reveal", () => {
    const outputs = ["csv", "json", "html"].map((format) => ok(relink([...base, "--format", format, "--quiet"])).stdout)
    for (const text of outputs) {
      for (const id of personal.ids) assert.notInclude(text, id)
      for (const phone of personal.phones) assert.notInclude(text, phone)
    }
    const csv = parseCsv(ok(relink([...base, "--format", "csv", "--quiet"])).stdout.slice(1))
    assert.isTrue(csv.slice(1).every((r) => /^(\d{6}\*{8}[\dX]{4}|\*{8})(（有误）)?$/.test(r[1] ?? "")))
    const revealed = parseCsv(ok(relink([...base, "--format", "csv", "--reveal", "--quiet"])).stdout.slice(1))
    // Revealed, ID numbers and phones are written as they are: a CSV has no types (the XLSX keeps them text).
    const ids = new Set(personal.ids)
    assert.isTrue(revealed.slice(1).every((r) => ids.has((r[1] ?? "").replace(/（有误）$/, ""))))
    assert.isTrue(revealed.slice(1).some((r) => /^1[3-9]\d{9}$/.test(r[2] ?? "")))
  })

  it("writes CSV for Excel: BOM, CRLF, RFC 4180 quoting, headers in the chosen language", () => {
    const zh = ok(relink([...base, "--format", "csv", "--quiet"])).stdout
    assert.isTrue(zh.startsWith("\uFEFF"))
    assert.include(zh, "\r\n")
    assert.notMatch(zh.replaceAll("\r\n", ""), /\n/)
    const table = parseCsv(zh.slice(1))
    assert.deepStrictEqual(table[0], Report.columns.map((c) => c.zh))
    assert.strictEqual(table.length - 1, unlinked.length)
    assert.isTrue(table.every((r) => r.length === Report.columns.length))
    const en = parseCsv(ok(relink([...base, "--format", "csv", "--lang", "en", "--quiet"])).stdout.slice(1))
    assert.deepStrictEqual(en[0], Report.columns.map((c) => c.en))
    assert.isTrue(en.slice(1).every((r) => ["suspended", "transfer overdue", "lost contact", "floating, unregistered"].includes(r[6] ?? "")))
  })

  it("takes the format from the --out extension", () => {
    const out = tempDir("ext")
    ok(relink([...base, "--out", join(out, "list.csv"), "--quiet"]))
    assert.isTrue(readFileSync(join(out, "list.csv"), "utf8").startsWith("\uFEFF姓名"))
    const bad = relink([...base, "--out", join(out, "list.txt")])
    assert.strictEqual(bad.status, 2)
    assert.strictEqual(bad.stderr.trim(), 'relink: unknown format "txt"; use --format xlsx|csv|json|html')
  })

  it("renders one self-contained HTML page with charts, and headless Chromium shows it", (context) => {
    const out = tempDir("html")
    const path = join(out, "unlinked.html")
    ok(relink([...base, "--format", "html", "--out", path, "--quiet"]))
    const html = readFileSync(path, "utf8")
    assert.include(html, "<svg")
    assert.include(html, "失联党员名单")
    assert.notMatch(html, /<script|<link|<img|@import|url\(|src=|href=/i)
    assert.strictEqual(html.match(/<tr>/g)?.length, unlinked.length + 1)
    const chromium = spawnSync("chromium", ["--version"], { encoding: "utf8" })
    if (chromium.error !== undefined || chromium.status !== 0) {
      console.warn("chromium is not installed (apt-get install chromium): skipping the screenshot of the HTML report")
      context.skip()
      return
    }
    const artifacts = join(root, "test", "artifacts")
    mkdirSync(artifacts, { recursive: true })
    const screenshot = join(artifacts, "relink-report-unlinked.png")
    const shot = spawnSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${tempDir("chromium")}`,
        `--screenshot=${screenshot}`,
        "--window-size=1400,1000",
        `file://${path}`
      ],
      { encoding: "utf8", timeout: 90_000 }
    )
    assert.isTrue(existsSync(screenshot), `no screenshot: ${shot.stderr}`)
    assert.isAbove(statSync(screenshot).size, 20_000)
  })

  it("names an unknown organisation in one line and says how to list the ids", () => {
    const run = relink([...base, "--org", "org-nowhere"])
    assert.strictEqual(run.status, 1)
    const lines = run.stderr.trim().split("\n")
    const last = lines[lines.length - 1] ?? ""
    assert.match(last, /^relink: organisation "org-nowhere" is not registered in the events/)
    assert.include(last, `relink orgs --events ${sim.eventsPath}`)
    assert.notInclude(last, "Did you mean", "nothing registered is close to org-nowhere")
  })

  it("suggests the registered ids a mistyped organisation id is close to, and no others", () => {
    const run = relink([...base, "--org", "org-5101-0002x"])
    assert.strictEqual(run.status, 1)
    const suggested = /Did you mean ([^?]+)\?/.exec(run.stderr)?.[1]?.split(", ") ?? []
    assert.strictEqual(suggested[0], "org-5101-0002")
    assert.isAtMost(suggested.length, 3)
    const unrelated = relink([...base, "--org", "org-9999-9999"])
    assert.strictEqual(unrelated.status, 1)
    assert.notInclude(unrelated.stderr, "Did you mean")
  })
})
