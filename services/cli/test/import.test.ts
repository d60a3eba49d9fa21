/**
 * `relink import` as a department runs it: the mapping printed, the events appended to the export,
 * the per-row report beside them, the same sheet again adding nothing; a wrong invocation or a
 * workbook it refuses is one line and exit code 2, with nothing written; personal data stays out of
 * the report and the terminal.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { Result } from "effect"
import { Event } from "@relink/core"
import { ok, oneLineError, relink, tempDir } from "./helpers.ts"
import { unzip } from "./readers.ts"
import * as Zips from "./zips.ts"

const env = { ...process.env, RELINK_PII_KEY: "import-test-key-of-32-characters" }

const ORGS = [
  { eventId: "o-1", type: "OrgRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: "org-cg", name: "城关镇党委", kind: "committee", region: "510107" },
  { eventId: "o-2", type: "OrgRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: "org-sq", name: "城关社区党支部", kind: "branch", region: "510107", parentId: "org-cg" }
]

const ZHANG = "510107198503120415"
const LI = "510107199007151620"
const LI_PHONE = "13900001234"

/** 城关社区's roster in October and in November: 李娜 goes away, 王芳 joins, 张伟 changes phone. */
const october = ["城关社区党员花名册", "序号,姓名,公民身份号码,所在党支部,联系电话,外出时间,外出地点,外出原因", `1,张伟,${ZHANG},城关社区党支部,13812345678,,,`, `2,李娜,${LI},城关社区党支部,${LI_PHONE},,,`, "合计,2人,,,,,,"]
const november = [
  "城关社区党员花名册",
  "序号,姓名,公民身份号码,所在党支部,联系电话,外出时间,外出地点,外出原因",
  `1,张伟,${ZHANG},城关社区党支部,13812345670,,,`,
  `2,李娜,${LI},城关社区党支部,${LI_PHONE},2026.11.3,440305 深圳市南山区,务工`,
  "3,王芳,440305197809205134,城关社区党支部,,,,",
  "4,赵磊,5.10107E+17,城关社区党支部,,,,"
]

const setUp = () => {
  const dir = tempDir("import")
  writeFileSync(join(dir, "orgs.ndjson"), ORGS.map((o) => `${JSON.stringify(o)}\n`).join(""))
  writeFileSync(join(dir, "2026-10.csv"), `${october.join("\n")}\n`)
  writeFileSync(join(dir, "2026-11.csv"), `${november.join("\n")}\n`)
  return dir
}

const importing = (dir: string, month: "2026-10" | "2026-11", extra: ReadonlyArray<string> = []) =>
  relink(["import", "--kind", "roster", "--from", join(dir, `${month}.csv`), "--as-of", `${month}-${month === "2026-10" ? "31" : "30"}`, "--events", join(dir, "orgs.ndjson"), "--out", join(dir, "events.ndjson"), ...extra], { env })

const eventsIn = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => Result.getOrThrow(Event.decodeLine(l)))

/** The text of every cell of every sheet of a workbook, a sheet a line per row. */
const workbookText = async (path: string): Promise<string> => {
  const book = new ExcelJS.Workbook()
  await book.xlsx.readFile(path)
  return book.worksheets.map((s) => s.getSheetValues().map((row) => (Array.isArray(row) ? row.map((v) => (v === null || v === undefined ? "" : String(v))).join("|") : "")).join("\n")).join("\n")
}

describe("relink import", () => {
  it("prints the mapping, appends the events that explain each month's roster, and nothing for a sheet imported before", async () => {
    const dir = setUp()
    const first = ok(importing(dir, "2026-10"))
    assert.match(first.stderr, /the mapping chosen\n {2}header row 2\n {2}A 序号 → \(not read\)\n {2}B 姓名 → name\n {2}C 公民身份号码 → idNumber/)
    assert.match(first.stderr, /3 rows as of 2026-10-31: 2 imported, 0 unchanged, 1 rejected/)
    assert.deepStrictEqual(
      eventsIn(join(dir, "events.ndjson")).map((e) => e.type),
      ["MemberRegistered", "MemberRegistered"]
    )
    ok(importing(dir, "2026-11"))
    const events = eventsIn(join(dir, "events.ndjson"))
    // 张伟's new phone and 王芳 from the roster's day, 李娜's period away from its own; 赵磊's ID number, stored as a number, is no one's.
    assert.deepStrictEqual(
      events
        .slice(2)
        .map((e) => `${e.type} ${Event.encode(e).occurredAt}`)
        .sort(),
      ["MemberRegistered 2026-11-30T00:00:00+08:00", "MemberUpdated 2026-11-30T00:00:00+08:00", "OutflowReported 2026-11-03T00:00:00+08:00"]
    )
    const before = readFileSync(join(dir, "events.ndjson"))
    for (const month of ["2026-10", "2026-11"] as const) {
      const again = ok(importing(dir, month))
      assert.match(again.stderr, /nothing new for/)
    }
    assert.isTrue(readFileSync(join(dir, "events.ndjson")).equals(before))
  })
  it("writes the per-row report beside the events: every row with its outcome, the cell and the reason, and no ID number or phone", async () => {
    const dir = setUp()
    ok(importing(dir, "2026-10"))
    ok(importing(dir, "2026-11"))
    const report = join(dir, "2026-11-导入结果.xlsx")
    const text = await workbookText(report)
    assert.include(text, "3|已导入|1|张伟")
    assert.include(text, "4|已导入|1|李娜")
    assert.include(text, "5|已导入|1|王芳")
    assert.match(text, /6\|未导入\|0\|\|\|C6\|身份证号被存为数字\|公民身份号码: /)
    for (const secret of [ZHANG, LI, LI_PHONE, "13812345670"]) assert.notInclude(text, secret)
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(report)
    assert.deepStrictEqual(
      book.worksheets.map((s) => s.name),
      ["汇总", "逐行结果", "待决定", "列映射"]
    )
  })

  it("lists a member the next roster does not show for a decision, and ends no one", async () => {
    const dir = setUp()
    ok(importing(dir, "2026-10"))
    writeFileSync(join(dir, "2026-11.csv"), `${november.filter((line) => !line.includes("李娜")).join("\n")}\n`)
    const run = ok(importing(dir, "2026-11"))
    assert.match(run.stderr, /1 member to decide/)
    assert.notInclude(
      eventsIn(join(dir, "events.ndjson")).map((e) => e.type),
      "StatusDecided"
    )
    assert.include(await workbookText(join(dir, "2026-11-导入结果.xlsx")), "李娜|城关社区党支部|m-")
    assert.include(await workbookText(join(dir, "2026-11-导入结果.xlsx")), "花名册未列入")
  })

  it("writes nothing on a dry run but the report, and the events to standard output with --out -", () => {
    const dir = setUp()
    const dry = ok(relink(["import", "--kind", "roster", "--from", join(dir, "2026-10.csv"), "--as-of", "2026-10-31", "--events", join(dir, "orgs.ndjson"), "--dry-run"], { env, cwd: dir }))
    assert.match(dry.stderr, /dry run: 2 events not written/)
    assert.deepStrictEqual(readdirSync(dir).sort(), ["2026-10-导入结果.xlsx", "2026-10.csv", "2026-11.csv", "orgs.ndjson"])
    const stdout = ok(relink(["import", "--kind", "roster", "--from", join(dir, "2026-10.csv"), "--as-of", "2026-10-31", "--events", join(dir, "orgs.ndjson"), "--out", "-", "--quiet"], { env, cwd: dir }))
    assert.strictEqual(stdout.stdout.trim().split("\n").length, 2)
  })

  it("refuses a sheet without a column its kind needs, naming it, and reads it with a mapping file", () => {
    const dir = setUp()
    writeFileSync(join(dir, "odd.csv"), `姓名,证件号,所在党支部\n张伟,${ZHANG},城关社区党支部\n`)
    const args = ["import", "--kind", "roster", "--from", join(dir, "odd.csv"), "--as-of", "2026-10-31", "--events", join(dir, "orgs.ndjson"), "--out", join(dir, "events.ndjson")]
    const refused = relink(args, { env })
    assert.strictEqual(refused.status, 2)
    assert.match(refused.stderr, /B 证件号 → \(not read\)/)
    assert.match(refused.stderr, /odd\.csv: cannot be imported: no column holds 公民身份号码 \(idNumber\): name it in a --mapping file \(docs\/import\.md\)\n$/)
    assert.isFalse(existsSync(join(dir, "events.ndjson")))
    writeFileSync(join(dir, "mapping.json"), JSON.stringify({ columns: { 证件号: "idNumber" } }))
    const mapped = ok(relink([...args, "--mapping", join(dir, "mapping.json")], { env }))
    assert.match(mapped.stderr, /B 证件号 → idNumber \(mapping file\)/)
    assert.strictEqual(eventsIn(join(dir, "events.ndjson")).length, 1)
  })

  const refusedFiles: ReadonlyArray<{ readonly name: string; readonly bytes: () => Buffer; readonly line: RegExp }> = [
    {
      name: "a macro-enabled workbook",
      bytes: () => Zips.zipOf([{ name: "xl/workbook.xml", content: Buffer.from("<workbook/>") }, { name: "xl/vbaProject.bin", content: Buffer.from("VBA") }]),
      line: /^relink: .*sheet\.xlsx: not a spreadsheet relink imports: a macro-enabled workbook \(\.xlsm\)/
    },
    {
      name: "an encrypted workbook",
      bytes: () => {
        const bytes = Buffer.alloc(4096, 0xff)
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(bytes)
        Buffer.from("EncryptionInfo", "utf16le").copy(bytes, 1024)
        return bytes
      },
      line: /^relink: .*sheet\.xlsx: not a spreadsheet relink imports: an encrypted \(password-protected\) workbook: save it without a password$/
    },
    {
      name: "a zip bomb",
      bytes: () => Zips.zipOf([{ name: "xl/worksheets/sheet1.xml", content: Buffer.alloc(1024), declared: 300 << 20 }]),
      line: /^relink: --from .*sheet\.xlsx: more than 268,435,456 bytes \(256 MiB\), the most a workbook inflates to$/
    },
    { name: "an image", bytes: () => Buffer.from("89504e470d0a1a0a0000000d4948445200", "hex"), line: /^relink: .*sheet\.xlsx: not a spreadsheet relink imports: / }
  ]

  for (const c of refusedFiles) {
    it(`refuses ${c.name} in one line, exit code 2, and writes nothing`, () => {
      const dir = tempDir("import-refused")
      writeFileSync(join(dir, "sheet.xlsx"), c.bytes())
      const line = oneLineError(["import", "--kind", "roster", "--from", join(dir, "sheet.xlsx"), "--out", join(dir, "events.ndjson")], 2, { env, cwd: dir })
      assert.match(line, c.line)
      assert.deepStrictEqual(readdirSync(dir), ["sheet.xlsx"])
    })
  }

  it("says in one line what is wrong with an invocation, exit code 2", () => {
    const dir = setUp()
    const from = join(dir, "2026-10.csv")
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp, NodeJS.ProcessEnv]> = [
      [["--kind", "roster"], /say which sheet to import: --from/, env],
      [["--from", from, "--out", join(dir, "e.ndjson")], /say what the sheet is: --kind roster\|floating\|dues\|attendance\|orgs/, env],
      [["--template", "roster", "--from", from], /--template KIND writes a blank workbook: give it without --from and --kind/, env],
      [["--kind", "roster", "--from", from], /say where the events go: --out FILE/, env],
      [["--kind", "roster", "--from", from, "--out", join(dir, "e.ndjson.gz")], /--out is appended to: give an uncompressed \.ndjson file/, env],
      [["--kind", "roster", "--from", from, "--out", join(dir, "e.ndjson")], /no key for personal data at rest: set RELINK_PII_KEY/, { ...env, RELINK_PII_KEY: "" }],
      [["--kind", "ledger", "--from", from], /--kind/, env]
    ]
    for (const [args, message, environment] of cases) assert.match(oneLineError(["import", ...args], 2, { env: environment, cwd: dir }), message)
    assert.deepStrictEqual(readdirSync(dir).sort(), ["2026-10.csv", "2026-11.csv", "orgs.ndjson"])
  })

  it("writes a blank template of each kind that it then reads without a mapping file", async () => {
    const dir = tempDir("import-template")
    ok(relink(["import", "--template", "dues"], { env, cwd: dir }))
    assert.deepStrictEqual(readdirSync(dir), ["党费收缴明细-模板.xlsx"])
    const entries = unzip(join(dir, "党费收缴明细-模板.xlsx"))
    assert.isTrue([...entries.keys()].some((name) => name.startsWith("xl/worksheets/")))
    const dry = ok(relink(["import", "--kind", "dues", "--from", join(dir, "党费收缴明细-模板.xlsx"), "--dry-run", "--report", join(dir, "r.xlsx")], { env, cwd: dir }))
    assert.match(dry.stderr, /0 rows as of/)
    assert.notMatch(dry.stderr, /missing/)
  })
})
