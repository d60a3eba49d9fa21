/**
 * `relink report review`: the queue of match proposals as the files a clerk decides in (XLSX, CSV,
 * JSON) and the page they read (HTML), each compared with `Review.queue` of the same events. The
 * workbook is read back with exceljs as `relink resolve` reads it: its drop-down, its locked and
 * unlocked cells, its protection and its very hidden metadata sheet.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { Result } from "effect"
import { Event, IdNumber, MatchRule, Policy, Report, Review, Scan } from "@relink/core"
import { oneLineError, ok, parseCsv, relink, tempDir } from "./helpers.ts"

const dir = tempDir("review")
const at = (day: string) => `${day}T09:00:00+08:00`
const idNumber = (first17: string) => first17 + IdNumber.checkCharacter(first17)
let serial = 0
const event = (type: string, day: string, fields: Record<string, unknown>) => ({ eventId: `e-${String(++serial).padStart(3, "0")}`, type, occurredAt: at(day), ...fields })
const org = (orgId: string, name: string, parentId: string | undefined, kind: "committee" | "branch") =>
  event("OrgRegistered", "2020-01-06", { orgId, name, kind, region: "510107", ...(parentId !== undefined && { parentId }) })
const member = (memberId: string, orgId: string, fields: Record<string, unknown>) => event("MemberRegistered", "2023-02-01", { memberId, orgId, category: "full", ...fields })

const WANG_A_ID = idNumber("11010519800101004")
const WANG_B_ID = idNumber("11010519800101006")
const CHEN_ID = idNumber("51010719850924671")
const ZHANG_ID = idNumber("51010719900315001")

/**
 * Two lost members alike enough that a record of either is to be verified for both (王芳, one
 * phone and birth date, at branches of two committees); a lost 陈伟 whom a record names by ID
 * number, and a lost 张伟 whom an inflow registration and a member's lead name by a homophone:
 * auto-links, for an audit. Nobody is in contact: every member is lost, its committee responsible.
 */
const wire = [
  org("org-root", "中共测试街道工作委员会", undefined, "committee"),
  org("c-a", "东城社区党委", "org-root", "committee"),
  org("c-b", "西城社区党委", "org-root", "committee"),
  org("org-a", "东城第一党支部", "c-a", "branch"),
  org("org-b", "西城第一党支部", "c-b", "branch"),
  member("m-wang-a", "org-a", { name: "王芳", idNumber: WANG_A_ID, phone: "13800138000", birthDate: "1980-01-01" }),
  member("m-wang-b", "org-b", { name: "王芳", idNumber: WANG_B_ID, phone: "13800138000", birthDate: "1980-01-01" }),
  member("m-chen", "org-a", { name: "陈伟", idNumber: CHEN_ID, phone: "13900139000", birthDate: "1985-09-24" }),
  member("m-zhang", "org-b", { name: "张伟", idNumber: ZHANG_ID, phone: "13700137000", birthDate: "1990-03-15" }),
  event("RecordObserved", "2026-10-01", { orgId: "org-root", identity: { name: "王芳", phone: "13800138000", birthDate: "1980-01-01" }, region: "440305", dataSource: "public-security" }),
  event("RecordObserved", "2026-10-02", { orgId: "org-root", identity: { name: "陈伟", idNumber: CHEN_ID }, region: "440305", dataSource: "social-security" }),
  event("InflowRegistered", "2026-10-03", { orgId: "org-b", identity: { name: "张玮", birthDate: "1990-03-15", phone: "13700137001" }, region: "510107" }),
  event("LeadReported", "2026-10-04", { orgId: "org-a", subject: { name: "章伟", birthDate: "1990-03-15" }, region: "510104", reporterMemberId: "m-chen", note: "在工地见过" })
]
const eventsPath = join(dir, "events.ndjson")
writeFileSync(eventsPath, wire.map((e) => JSON.stringify(e)).join("\n") + "\n")

const AS_OF = "2026-12-01"
const asOf = Date.parse(`${AS_OF}T23:59:59+08:00`)
const events = wire.map((e) => Event.decodeLine(JSON.stringify(e))).flatMap((r) => (Result.isSuccess(r) ? [r.success] : []))
const result = Scan.run(events, { asOf, policy: Policy.defaults })
const queueOf = (options: Partial<Review.Options> = {}): Review.ReviewQueue =>
  Review.queue(Report.fromScan(result), { includeSubtree: false, lang: "zh", reveal: false, blind: false, rule: MatchRule.chinese, ...options })

const base = ["report", "review", "--events", eventsPath, "--as-of", AS_OF]

/** Writes the queue with these flags to a fresh file and returns its path. */
const written = (name: string, flags: ReadonlyArray<string>): string => {
  const path = join(tempDir("review-out"), name)
  ok(relink([...base, ...flags, "--out", path, "--quiet"]))
  return path
}

const readXlsx = async (path: string): Promise<ExcelJS.Workbook> => {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  return workbook
}

/** A cell's text as the file holds it: a blank cell is "". */
const textOf = (cell: ExcelJS.Cell): string => {
  const value = cell.value
  if (value === null || value === undefined) return ""
  if (typeof value !== "string") throw new Error(`${cell.address} holds ${JSON.stringify(value)}, not text`)
  return value
}

/** The row, counted from 1, whose cells are the queue's headers (within the first five rows, as the contract says). */
const headerRowOf = (sheet: ExcelJS.Worksheet, headers: ReadonlyArray<string>): number => {
  for (let r = 1; r <= 5; r++) {
    const cells = headers.map((_, i) => sheet.getCell(r, i + 1).value)
    if (cells.every((c, i) => c === headers[i])) return r
  }
  return 0
}

/** The sheets holding the queue's rows (their header row names the key columns): the organisations'. */
const tableSheets = (workbook: ExcelJS.Workbook, headers: ReadonlyArray<string>) => workbook.worksheets.filter((s) => s.state === "visible" && headerRowOf(s, headers) > 0)

/** Every row of the tables, each as its cells by column id, with the sheet's row number: what `relink resolve` reads. */
const rowsOf = (workbook: ExcelJS.Workbook, columns: ReadonlyArray<Report.Column>, lang: Report.Lang) => {
  const headers = columns.map((c) => c[lang])
  return tableSheets(workbook, headers).flatMap((sheet) => {
    const header = headerRowOf(sheet, headers)
    const rows: Array<{ sheet: ExcelJS.Worksheet; line: number; cells: Record<string, string> }> = []
    for (let r = header + 1; textOf(sheet.getCell(r, 1 + columns.findIndex((c) => c.id === "observationEventId"))) !== ""; r++) {
      rows.push({ sheet, line: r, cells: Object.fromEntries(columns.map((c, i) => [c.id, textOf(sheet.getCell(r, i + 1))])) })
    }
    return rows
  })
}

/** The queue's rows as the files carry them: every column as text. */
const cellsOf = (queue: Review.ReviewQueue) => queue.rows.map((row) => Object.fromEntries(queue.columns.map((c) => [c.id, String(row[c.id] ?? "")])))

describe("relink report review", () => {
  it("writes the queue's rows on each responsible organisation's sheet, every cell as text, under the headers resolve reads", async () => {
    const queue = queueOf({ sampleAutoLinks: { count: 5, seed: 1 } })
    assert.isAbove(queue.rows.filter((r) => r.queueId === "review").length, 1)
    const workbook = await readXlsx(written("review.xlsx", ["--sample-auto-links", "5"]))
    assert.deepStrictEqual(
      workbook.worksheets.map((s) => [s.name, s.state]),
      [
        ["汇总", "visible"],
        ["东城社区党委", "visible"],
        ["东城社区党委（打印）", "visible"],
        ["西城社区党委", "visible"],
        ["西城社区党委（打印）", "visible"],
        ["relink", "veryHidden"]
      ]
    )
    const rows = rowsOf(workbook, Review.columns(false), "zh")
    assert.deepStrictEqual(
      rows.map((r) => r.cells),
      cellsOf(queue)
    )
    assert.deepStrictEqual(
      rows.map((r) => [r.sheet.name, r.line]),
      [
        ["东城社区党委", 3],
        ["东城社区党委", 4],
        ["西城社区党委", 3],
        ["西城社区党委", 4],
        ["西城社区党委", 5]
      ]
    )
    // The print sheets carry no key: nothing typed there could be read back.
    for (const name of ["东城社区党委（打印）", "西城社区党委（打印）", "汇总"]) {
      const sheet = workbook.getWorksheet(name)
      assert.isDefined(sheet)
      if (sheet === undefined) continue
      assert.strictEqual(headerRowOf(sheet, Review.keyColumns.map((c) => c.zh)), 0, name)
    }
  })

  it("offers 确认 / 否定 / 待定 in a drop-down with a prompt on every 结论 cell, unlocks only the clerk's cells and protects every sheet without a password", async () => {
    const workbook = await readXlsx(written("review.xlsx", ["--sample-auto-links", "5"]))
    const columns = Review.columns(false)
    const clerk = new Set(Review.clerkColumns.map((c) => c.id))
    const decision = columns.findIndex((c) => c.id === "decision") + 1
    const rows = rowsOf(workbook, columns, "zh")
    assert.strictEqual(rows.length, 5)
    for (const { sheet, line } of rows) {
      const validation = sheet.getCell(line, decision).dataValidation
      assert.deepInclude(validation, { type: "list", formulae: ['"确认,否定,待定"'], allowBlank: true, showInputMessage: true, showErrorMessage: true, errorStyle: "stop", promptTitle: "结论" }, `${sheet.name} row ${line}`)
      assert.match(validation.prompt ?? "", /确认.*否定.*待定/)
      columns.forEach((c, i) => {
        const locked = sheet.getCell(line, i + 1).protection?.locked !== false
        assert.strictEqual(locked, !clerk.has(c.id), `${sheet.name} row ${line}: ${c.zh}`)
      })
    }
    for (const word of ["确认", "否定", "待定"]) assert.isTrue(Object.values(Review.decisionWords).some((words) => words.includes(word)), word)
    for (const sheet of workbook.worksheets) {
      const protection = (sheet as ExcelJS.Worksheet & { sheetProtection?: Record<string, unknown> }).sheetProtection
      assert.strictEqual(protection?.sheet, true, sheet.name)
      // No password: no hash to check one against.
      assert.isUndefined(protection?.hashValue, sheet.name)
      assert.isUndefined(protection?.algorithmName, sheet.name)
      // Rows are not reordered: sorting stays off (filtering, which hides rows and edits none, is allowed).
      assert.notStrictEqual(protection?.sort, true, sheet.name)
      const table = rows.some((r) => r.sheet === sheet)
      // Outside the rows of the tables no cell is unlocked and none takes a decision: the header, the title, the summary, the print sheets.
      sheet.eachRow({ includeEmpty: true }, (row, r) => {
        row.eachCell({ includeEmpty: true }, (cell, c) => {
          if (table && rows.some((t) => t.sheet === sheet && t.line === r)) return
          assert.notStrictEqual(cell.protection?.locked, false, `${sheet.name} ${cell.address}`)
          assert.isUndefined(c === decision ? cell.dataValidation : undefined, `${sheet.name} ${cell.address}`)
        })
      })
    }
  })

  it("says on a very hidden sheet what the file is: its format, blind or not, its language, its date and the rule", async () => {
    const workbook = await readXlsx(written("review.xlsx", []))
    const meta = workbook.getWorksheet("relink")
    assert.strictEqual(meta?.state, "veryHidden")
    const rows: Array<[string, string]> = []
    meta?.eachRow((row) => rows.push([textOf(row.getCell(1)), textOf(row.getCell(2))]))
    assert.deepStrictEqual(rows, [
      ["format", "relink-review/1"],
      ["blind", "false"],
      ["lang", "zh"],
      ["asOf", "2026-12-01T23:59:59+08:00"],
      ["rule", Review.provenance(MatchRule.chinese, "zh")]
    ])
    // The summary says the same of the rule, warns that it was never trained here, counts the rows and says how to fill them in.
    const notes: Array<string> = []
    workbook.getWorksheet("汇总")?.eachRow((row) => notes.push(textOf(row.getCell(1))))
    assert.include(notes, "比对规则：内置默认规则。规则未经本地数据训练，请先运行 relink train")
    assert.include(notes, "待核实比对 2 条")
    assert.isTrue(notes.some((n) => n.includes("relink resolve --from")))
  })

  it("keeps each row's check true to what the row shows: read back, a clerk's decisions become events and an edited evidence cell is refused", async () => {
    const workbook = await readXlsx(written("review.xlsx", []))
    const rows = rowsOf(workbook, Review.columns(false), "zh")
    const filled = rows.map(({ line, cells }, i): Review.Filled => ({ line, cells: { ...cells, decision: i === 0 ? "确认" : "否定", reviewer: "李明" } }))
    const current: Review.Current = {
      proposal: (o, m) => result.proposals.find((p) => p.observationEventId === o && p.memberId === m),
      hasObservation: (o) => result.observations.has(o),
      member: (m) => result.members.get(m)
    }
    const decided = Review.decide(filled, { at: asOf, blind: false, current })
    assert.deepStrictEqual(decided.problems, [])
    assert.deepStrictEqual(
      decided.events.map((e) => [e.memberId, e.resolution, e.resolvedBy]),
      [
        ["m-wang-a", "confirmed", "李明"],
        ["m-wang-b", "rejected", "李明"]
      ]
    )
    const edited = filled.map((row, i) => (i === 0 ? { ...row, cells: { ...row.cells, probability: "0.999" } } : row))
    assert.deepStrictEqual(
      Review.decide(edited, { at: asOf, blind: false }).problems.map((p) => p.line),
      [3]
    )
  })

  it("--blind leaves out the probability, the waterfall and the kind in every format, and says it is blind", async () => {
    const queue = queueOf({ blind: true, sampleAutoLinks: { count: 5, seed: 1 } })
    const blindFlags = ["--blind", "--sample-auto-links", "5"]
    const workbook = await readXlsx(written("blind.xlsx", blindFlags))
    assert.deepStrictEqual(
      rowsOf(workbook, Review.columns(true), "zh").map((r) => r.cells),
      cellsOf(queue)
    )
    assert.strictEqual(rowsOf(workbook, Review.columns(false), "zh").length, 0)
    const meta: Array<string> = []
    workbook.getWorksheet("relink")?.eachRow((row) => meta.push(`${textOf(row.getCell(1))}=${textOf(row.getCell(2))}`))
    assert.include(meta, "blind=true")
    const json = JSON.parse(ok(relink([...base, ...blindFlags, "--format", "json", "--quiet"])).stdout) as { blind: boolean; columns: Array<string>; rows: Array<Record<string, string>> }
    assert.isTrue(json.blind)
    assert.deepStrictEqual(json.columns, Review.columns(true).map((c) => c.id))
    assert.deepStrictEqual(json.rows, cellsOf(queue))
    const csv = parseCsv(ok(relink([...base, ...blindFlags, "--format", "csv", "--quiet"])).stdout.slice(1))
    assert.deepStrictEqual(csv[0], Review.columns(true).map((c) => c.zh))
    for (const text of [JSON.stringify(json.rows), csv.join("\n")]) {
      for (const hidden of ["吻合概率", "逐项比对", "先验", "待核实", "抽查"]) assert.notInclude(text, hidden)
    }
    const page = ok(relink([...base, ...blindFlags, "--format", "html", "--quiet"])).stdout
    assert.include(page, "盲核")
    for (const hidden of [">吻合概率<", ">逐项比对<", "先验", "waterfall\">"]) assert.notInclude(page, hidden)
  })

  it("--sample-auto-links N adds N auto-links drawn for an audit, the same ones for the same seed, all of them when fewer", () => {
    const rowsWith = (flags: ReadonlyArray<string>) => (JSON.parse(ok(relink([...base, ...flags, "--format", "json", "--quiet"])).stdout) as { rows: Array<Record<string, string>> }).rows
    const audit = (rows: ReadonlyArray<Record<string, string>>) => rows.filter((r) => r.queue === "抽查（已自动关联）").map((r) => r.memberId)
    assert.deepStrictEqual(audit(rowsWith([])), [])
    const one = rowsWith(["--sample-auto-links", "1"])
    assert.strictEqual(audit(one).length, 1)
    assert.deepStrictEqual(one, cellsOf(queueOf({ sampleAutoLinks: { count: 1, seed: 1 } })))
    assert.deepStrictEqual(rowsWith(["--sample-auto-links", "1", "--seed", "1"]), one)
    assert.deepStrictEqual(rowsWith(["--sample-auto-links", "1", "--seed", "7"]), cellsOf(queueOf({ sampleAutoLinks: { count: 1, seed: 7 } })))
    assert.sameMembers(audit(rowsWith(["--sample-auto-links", "50"])), ["m-chen", "m-zhang", "m-zhang"])
    assert.match(oneLineError([...base, "--sample-auto-links", "0"], 2), /--sample-auto-links/)
  })

  it("writes the JSON of the contract: format, kind, blind, language, date, rule, the column ids and every row with every column as text", () => {
    const json = JSON.parse(ok(relink([...base, "--format", "json", "--quiet"])).stdout) as Record<string, unknown>
    assert.deepInclude(json, {
      format: "relink-review/1",
      kind: "review",
      blind: false,
      lang: "zh",
      asOf: "2026-12-01T23:59:59+08:00",
      basis: Review.provenance(MatchRule.chinese, "zh"),
      counts: { review: 2, autoLinks: 3 },
      columns: Review.columns(false).map((c) => c.id),
      rows: cellsOf(queueOf())
    })
  })

  it("writes CSV: a BOM, the headers in the file's language, one line per row", () => {
    for (const lang of ["zh", "en"] as const) {
      const text = ok(relink([...base, "--format", "csv", "--lang", lang, "--sample-auto-links", "5", "--quiet"])).stdout
      assert.isTrue(text.startsWith("\uFEFF"))
      const table = parseCsv(text.slice(1))
      const queue = queueOf({ lang, sampleAutoLinks: { count: 5, seed: 1 } })
      assert.deepStrictEqual(table[0], queue.columns.map((c) => c[lang]))
      assert.deepStrictEqual(table.slice(1), cellsOf(queue).map((cells) => queue.columns.map((c) => cells[c.id] ?? "")))
    }
  })

  it("writes the workbook in English with the English words in its drop-down", async () => {
    const workbook = await readXlsx(written("review-en.xlsx", ["--lang", "en"]))
    assert.deepStrictEqual(workbook.worksheets.map((s) => s.name)[0], "Summary")
    const columns = Review.columns(false)
    const rows = rowsOf(workbook, columns, "en")
    assert.deepStrictEqual(
      rows.map((r) => r.cells),
      cellsOf(queueOf({ lang: "en" }))
    )
    const decision = columns.findIndex((c) => c.id === "decision") + 1
    for (const { sheet, line } of rows) assert.deepStrictEqual(sheet.getCell(line, decision).dataValidation.formulae, ['"confirm,reject,pending"'])
    for (const word of ["confirm", "reject", "pending"]) assert.isTrue(Object.values(Review.decisionWords).some((words) => words.includes(word)), word)
    const meta: Array<string> = []
    workbook.getWorksheet("relink")?.eachRow((row) => meta.push(`${textOf(row.getCell(1))}=${textOf(row.getCell(2))}`))
    assert.include(meta, "lang=en")
  })

  it("renders a page with the waterfall a part a line, without the digest, the check or the clerk's columns, saying where decisions are made", () => {
    const page = ok(relink([...base, "--format", "html", "--sample-auto-links", "5", "--quiet"])).stdout
    assert.include(page, "<h1>待核实比对清单</h1>")
    assert.include(page, "规则未经本地数据训练")
    assert.include(page, "relink resolve --from")
    assert.match(page, /<ul class="waterfall"><li class="plus"><bdi>姓名 一致 \+\d+\.\d<\/bdi><\/li>.*<li class="minus"><bdi>先验 −\d+\.\d<\/bdi><\/li><\/ul>/)
    for (const row of queueOf().rows) {
      assert.notInclude(page, row.rowCheck)
      assert.notInclude(page, row.proposalDigest)
    }
    for (const header of ["校验码", "比对摘要", "结论", "核实人", "备注"]) assert.notInclude(page, `>${header}<`)
  })

  it("masks ID numbers, phones and birth dates on both sides unless --reveal", () => {
    const masked = ok(relink([...base, "--format", "json", "--sample-auto-links", "5", "--quiet"])).stdout
    const revealed = ok(relink([...base, "--format", "json", "--sample-auto-links", "5", "--reveal", "--quiet"])).stdout
    for (const full of [WANG_A_ID, CHEN_ID, "13800138000", "1980-01-01"]) {
      assert.notInclude(masked, full)
      assert.include(revealed, full)
    }
  })

  it("names the export and the day a trained rule (--rule) was trained on, and then gives no warning", () => {
    const trained = { events: "export.ndjson", at: "2026-11-30T08:00:00.000Z", members: 30000, observations: 6112, labels: 500 }
    const rulePath = join(dir, "rule.json")
    writeFileSync(rulePath, JSON.stringify({ ...MatchRule.chinese, trained }))
    const run = ok(relink([...base, "--rule", rulePath, "--format", "json"]))
    const json = JSON.parse(run.stdout) as { basis: string; rows: Array<Record<string, string>> }
    assert.strictEqual(json.basis, "比对规则：2026-11-30 由 relink train 在 export.ndjson 上训练（30000名党员，6112条线索，500条核实结论）")
    assert.deepStrictEqual(json.rows, cellsOf(queueOf()))
    assert.notInclude(run.stderr, "not trained")
  })

  it("writes review-<org|all>-<date>.xlsx in the working directory when no --out is given", () => {
    const cwd = tempDir("review-cwd")
    const run = ok(relink([...base, "--org", "c-a"], { cwd }))
    assert.include(run.stderr, "1 match to verify under 1 responsible organisation")
    assert.include(run.stderr, "not trained on local data")
    assert.isTrue(existsSync(join(cwd, "review-c-a-2026-12-01.xlsx")))
  })
})
