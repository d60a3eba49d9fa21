/**
 * `relink resolve`: review files built here as `relink report review` writes them (the layout of
 * docs/review.md: XLSX with its very hidden `relink` sheet, CSV, JSON), filled in as a clerk
 * would, read back into `MatchResolved` events; and the files it refuses, each with its message.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import fc from "fast-check"
import { Cause, Effect, Exit, Result } from "effect"
import { Event, IdNumber, MatchRule, Policy, Report, Review, Scan } from "@relink/core"
import * as ReviewFile from "../src/read/ReviewFile.ts"
import * as Zip from "../src/read/Zip.ts"
import * as Csv from "../src/render/Csv.ts"
import { type Run, ok, oneLineError, relink, tempDir } from "./helpers.ts"
import * as Zips from "./zips.ts"

const AS_OF = "2026-11-27"
const asOf = Date.parse("2026-11-27T23:59:59+08:00")

type Wire = Record<string, unknown>

const surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"]
const givenNames = ["芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]

/**
 * Pairs of lost members alike enough that a record of either is a review for both: one name, phone
 * and birth date, two ID numbers, homed at two branches (c-a and c-b are responsible); one record
 * of each pair, naming no ID number. Pair i's members are m-i-a and m-i-b.
 */
const fixture = (pairs: number): ReadonlyArray<Wire> => {
  let sequence = 0
  const event = (type: string, when: string, fields: Wire): Wire => ({ eventId: `e-${++sequence}`, type, occurredAt: `${when}T09:00:00+08:00`, orgId: "org-root", ...fields })
  const org = (orgId: string, parentId?: string) => event("OrgRegistered", "2023-01-01", { orgId, name: `组织${orgId}`, kind: "branch", region: "510107", ...(parentId && { parentId }) })
  const events = [org("org-root"), org("c-a", "org-root"), org("c-b", "org-root"), org("org-a", "c-a"), org("org-b", "c-b")]
  for (let i = 0; i < pairs; i++) {
    const birth = new Date(Date.UTC(1960, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
    const person = { name: `${surnames[i % 20]}${givenNames[Math.floor(i / 20) % 20]}`, phone: `138${String(10_000_000 + i)}`, birthDate: birth }
    const id = (sequence: string) => {
      const first17 = `110105${birth.replaceAll("-", "")}${sequence}`
      return first17 + IdNumber.checkCharacter(first17)
    }
    for (const [side, orgId, number] of [["a", "org-a", "004"], ["b", "org-b", "006"]] as const) {
      events.push(event("MemberRegistered", "2023-02-01", { orgId, memberId: `m-${i}-${side}`, ...person, idNumber: id(number), gender: "F", category: "full" }))
    }
  }
  for (let i = 0; i < pairs; i++) {
    const member = events.find((e) => e.memberId === `m-${i}-a`) as Wire
    events.push(event("RecordObserved", "2026-10-01", { identity: { name: member.name, phone: member.phone, birthDate: member.birthDate }, region: "440305", dataSource: "public-security" }))
  }
  return events
}

const ndjson = (events: ReadonlyArray<Wire>): string => events.map((e) => `${JSON.stringify(e)}\n`).join("")

const decoded = (events: ReadonlyArray<Wire>): ReadonlyArray<Event.Event> =>
  events.map((e) => {
    const result = Event.decodeUnknown(e)
    if (Result.isFailure(result)) throw new Error(result.failure.reason)
    return result.success
  })

const scan = (events: ReadonlyArray<Event.Event>) => Scan.run(events, { asOf, policy: Policy.defaults })

const queueOf = (events: ReadonlyArray<Wire>, blind = false): Review.ReviewQueue =>
  Review.queue(Report.fromScan(scan(decoded(events))), { includeSubtree: true, lang: "zh", reveal: false, blind, rule: MatchRule.chinese })

/** What a clerk writes in a row: 结论, 核实人, 备注. */
type Clerk = Partial<Record<"decision" | "reviewer" | "remark", string>>
type Fill = (row: Review.Row) => Clerk

const cellsOf = (queue: Review.ReviewQueue, row: Review.Row, clerk: Clerk): ReadonlyArray<string> =>
  queue.columns.map((c) => (c.id in clerk ? (clerk[c.id as keyof Clerk] ?? "") : String(row[c.id] ?? "")))

const savedAt = new Date("2026-11-30T10:15:00+08:00")

interface XlsxOptions {
  /** Which copy of each row the clerk fills: the organisation's sheet, or 全部组织. */
  readonly on?: "organisation" | "all"
  readonly meta?: ReadonlyArray<readonly [string, string]> | null
  /** Changes a row's cells after filling, as someone editing a locked cell would. */
  readonly edit?: (row: Review.Row, cells: Array<string>) => void
}

/** The workbook `report review` writes: a sheet per responsible organisation and 全部组织, title row above the header, the meta sheet very hidden. */
const writeXlsx = async (path: string, queue: Review.ReviewQueue, fill: Fill, options: XlsxOptions = {}): Promise<string> => {
  const book = new ExcelJS.Workbook()
  book.created = savedAt
  book.modified = savedAt
  const sheet = (name: string, rows: ReadonlyArray<Review.Row>, filled: boolean) => {
    const ws = book.addWorksheet(name)
    ws.addRow([`待核实比对清单 ${name}`])
    ws.addRow(queue.columns.map((c) => c.zh))
    for (const row of rows) {
      const cells = [...cellsOf(queue, row, filled ? fill(row) : {})]
      if (filled) options.edit?.(row, cells)
      ws.addRow(cells)
    }
  }
  const on = options.on ?? "organisation"
  for (const orgId of [...new Set(queue.rows.map((r) => r.responsibleOrgId))]) sheet(orgId, queue.rows.filter((r) => r.responsibleOrgId === orgId), on === "organisation")
  sheet("全部组织", queue.rows, on === "all")
  if (options.meta !== null) {
    const meta = book.addWorksheet("relink", { state: "veryHidden" })
    meta.addRows(
      (options.meta ?? [
        ["format", Review.format],
        ["blind", String(queue.blind)],
        ["lang", "zh"],
        ["asOf", new Date(queue.asOf).toISOString()],
        ["rule", String(queue.basis)]
      ]).map(([k, v]) => [k, v])
    )
  }
  await book.xlsx.writeFile(path)
  return path
}

const writeCsv = (path: string, queue: Review.ReviewQueue, fill: Fill, edit?: XlsxOptions["edit"]): string => {
  const lines = queue.rows.map((row) => {
    const cells = [...cellsOf(queue, row, fill(row))]
    edit?.(row, cells)
    return Csv.record(cells)
  })
  writeFileSync(path, Csv.BOM + Csv.record(queue.columns.map((c) => c.zh)) + lines.join(""))
  return path
}

const writeJson = (path: string, queue: Review.ReviewQueue, fill: Fill): string => {
  const rows = queue.rows.map((row) => Object.fromEntries(queue.columns.map((c, i) => [c.id, cellsOf(queue, row, fill(row))[i]])))
  const file = { format: Review.format, kind: "review", blind: queue.blind, lang: "zh", asOf: new Date(queue.asOf).toISOString(), basis: queue.basis, columns: queue.columns.map((c) => c.id), rows }
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`)
  return path
}

const resolve = (args: ReadonlyArray<string>): Run => relink(["resolve", ...args])

const eventsIn = (path: string): ReadonlyArray<Event.MatchResolved> =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((line) => {
      const result = Event.decodeLine(line)
      if (Result.isFailure(result) || result.success.type !== "MatchResolved") throw new Error(`not a MatchResolved: ${line}`)
      // The wire form round-trips: encoding the decoded event gives the line back.
      assert.strictEqual(JSON.stringify(Event.encode(result.success)), line)
      return result.success
    })

/** Pair 0: m-0-a confirmed by 李明 with a remark, m-0-b rejected; pair 1 left pending or blank. */
const clerk: Fill = (row) =>
  row.memberId === "m-0-a" ? { decision: "确认", reviewer: "李明", remark: "电话核实" } : row.memberId === "m-0-b" ? { decision: "否定" } : row.memberId === "m-1-a" ? { decision: "待定" } : {}

const small = fixture(2)
const smallQueue = queueOf(small)

describe("relink resolve", () => {
  it("turns a filled workbook into one MatchResolved per decided row, at the workbook's saved time, with 核实人 or --reviewer and 备注", async () => {
    const dir = tempDir("resolve-xlsx")
    const from = await writeXlsx(join(dir, "review.xlsx"), smallQueue, clerk)
    const run = ok(resolve(["--from", from, "--reviewer", "王科长", "--out", join(dir, "decisions.ndjson")]))
    const events = eventsIn(join(dir, "decisions.ndjson"))
    const observation = smallQueue.rows.find((r) => r.memberId === "m-0-a")?.observationEventId
    assert.deepStrictEqual(
      events.map((e) => [e.memberId, e.observationEventId, e.resolution, e.resolvedBy, e.note, e.orgId, e.occurredAt, e.source]),
      [
        ["m-0-a", observation, "confirmed", "李明", "电话核实", "c-a", savedAt.getTime(), "relink resolve"],
        ["m-0-b", observation, "rejected", "王科长", undefined, "c-b", savedAt.getTime(), "relink resolve"]
      ]
    )
    const row = smallQueue.rows.find((r) => r.memberId === "m-0-a") as Review.Row
    assert.strictEqual(events[0]?.eventId, Review.eventIdOf(row, "confirmed"))
    assert.match(run.stderr, /read 4 rows from .*review\.xlsx \(xlsx, 3 sheets\): 李明: 1 confirmed, 0 rejected, 0 pending; 王科长: 0 confirmed, 1 rejected, 2 pending; 0 stale, 0 applied before, 0 refused \(not checked against any sources.*\); wrote 2 events to /, run.stderr)
  })

  it("reads the decisions from whichever copy the clerk filled, the organisation's sheet or 全部组织, each once", async () => {
    const dir = tempDir("resolve-copies")
    for (const on of ["organisation", "all"] as const) {
      const from = await writeXlsx(join(dir, `${on}.xlsx`), smallQueue, clerk, { on })
      const run = ok(resolve(["--from", from, "--out", join(dir, `${on}.ndjson`)]))
      assert.deepStrictEqual(eventsIn(join(dir, `${on}.ndjson`)).map((e) => [e.memberId, e.resolution]), [["m-0-a", "confirmed"], ["m-0-b", "rejected"]])
      assert.match(run.stderr, /read 4 rows .*no reviewer named: 0 confirmed, 1 rejected, 2 pending; 李明: 1 confirmed, 0 rejected, 0 pending;/, run.stderr)
    }
  })

  it("gives byte-identical events for the same file read twice, in each form; the CSV and JSON at the file's time", async () => {
    const dir = tempDir("resolve-twice")
    const files = [
      await writeXlsx(join(dir, "review.xlsx"), smallQueue, clerk),
      writeCsv(join(dir, "review.csv"), smallQueue, clerk),
      writeJson(join(dir, "review.json"), smallQueue, clerk),
      // The form is told by content, not by name.
      writeCsv(join(dir, "review.xlsx.txt"), smallQueue, clerk)
    ]
    const fileTime = new Date("2026-12-01T08:00:00+08:00")
    for (const file of files.slice(1)) utimesSync(file, fileTime, fileTime)
    const outputs = files.map((file) => {
      const [first, second] = [1, 2].map((n) => {
        ok(resolve(["--from", file, "--out", `${file}.${n}.ndjson`, "--quiet"]))
        return readFileSync(`${file}.${n}.ndjson`, "utf8")
      })
      assert.strictEqual(first, second, file)
      return eventsIn(`${file}.1.ndjson`)
    })
    assert.deepStrictEqual(outputs[0]?.map((e) => e.occurredAt), [savedAt.getTime(), savedAt.getTime()])
    for (const events of outputs.slice(1)) {
      assert.deepStrictEqual(events.map((e) => e.occurredAt), [fileTime.getTime(), fileTime.getTime()])
      // The same decisions, whatever the form.
      assert.deepStrictEqual(events.map((e) => ({ ...e, occurredAt: 0 })), outputs[0]?.map((e) => ({ ...e, occurredAt: 0 })))
    }
    // --at says when instead.
    ok(resolve(["--from", files[1] as string, "--at", "2026-11-28T18:00:00+08:00", "--out", join(dir, "at.ndjson"), "--quiet"]))
    assert.deepStrictEqual(eventsIn(join(dir, "at.ndjson")).map((e) => e.occurredAt), [Date.parse("2026-11-28T18:00:00+08:00"), Date.parse("2026-11-28T18:00:00+08:00")])
  })

  it("reads a blind queue's rows as blind", async () => {
    const dir = tempDir("resolve-blind")
    const queue = queueOf(small, true)
    const from = await writeXlsx(join(dir, "blind.xlsx"), queue, clerk)
    const run = ok(resolve(["--from", from, "--out", join(dir, "blind.ndjson")]))
    assert.strictEqual(eventsIn(join(dir, "blind.ndjson")).length, 2)
    assert.match(run.stderr, /\(xlsx, 3 sheets, blind\)/, run.stderr)
    ok(resolve(["--from", writeCsv(join(dir, "blind.csv"), queue, clerk), "--out", join(dir, "blind-csv.ndjson")]))
    assert.strictEqual(eventsIn(join(dir, "blind-csv.ndjson")).length, 2)
  })

  it("against the events: writes what holds, then counts it as applied when the events hold it", async () => {
    const dir = tempDir("resolve-applied")
    writeFileSync(join(dir, "events.ndjson"), ndjson(small))
    const from = await writeXlsx(join(dir, "review.xlsx"), smallQueue, clerk)
    const first = ok(resolve(["--from", from, "--events", join(dir, "events.ndjson"), "--as-of", AS_OF, "--out", join(dir, "decisions.ndjson")]))
    assert.match(first.stderr, /0 stale, 0 applied before, 0 refused; wrote 2 events/, first.stderr)
    writeFileSync(join(dir, "after.ndjson"), ndjson(small) + readFileSync(join(dir, "decisions.ndjson"), "utf8"))
    // As of a day the decisions are in.
    const again = ok(resolve(["--from", from, "--events", join(dir, "after.ndjson"), "--as-of", "2026-11-30", "--out", join(dir, "again.ndjson")]))
    assert.match(again.stderr, /0 stale, 2 applied before, 0 refused; wrote 0 events/, again.stderr)
    assert.strictEqual(readFileSync(join(dir, "again.ndjson"), "utf8"), "")
  })
})

interface Case {
  readonly name: string
  /** Writes the file into `dir`; returns the arguments after `resolve`. */
  readonly make: (dir: string) => Promise<ReadonlyArray<string>>
  readonly exit: number
  /** Every line of standard error, in order. */
  readonly stderr: ReadonlyArray<RegExp>
  /** The events written (member, resolution), or null for nothing written. */
  readonly written: ReadonlyArray<readonly [string, string]> | null
}

const out = (dir: string) => ["--out", join(dir, "decisions.ndjson")]
const against = (dir: string, events: ReadonlyArray<Wire>) => {
  writeFileSync(join(dir, "events.ndjson"), ndjson(events))
  return ["--events", join(dir, "events.ndjson"), "--as-of", AS_OF, "--quiet"]
}
const decideAll: Fill = (row) => ({ decision: row.memberId.endsWith("-a") ? "确认" : "否定" })
const xlsx = (dir: string, fill: Fill, options?: XlsxOptions) => writeXlsx(join(dir, "review.xlsx"), smallQueue, fill, options)
const REFUSED_ALL = (n: number) => new RegExp(`^relink: .*review\\.(xlsx|csv): ${n === 1 ? "1 row" : `${n} rows`} refused, nothing written: correct (it|them), or give --partial to write the rows that hold$`)

export const badFiles: ReadonlyArray<Case> = [
  {
    name: "an export of events, not a review file",
    make: async (dir) => {
      writeFileSync(join(dir, "events.ndjson"), ndjson(small))
      return ["--from", join(dir, "events.ndjson"), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: .*events\.ndjson: not a review file of relink report review: one JSON object per line \(an export of events\?\), not a review queue$/],
    written: null
  },
  {
    name: "a workbook without the relink sheet",
    make: async (dir) => ["--from", await xlsx(dir, decideAll, { meta: null }), ...out(dir)],
    exit: 2,
    stderr: [/^relink: .*review\.xlsx: not a review file of relink report review: no "relink" sheet$/],
    written: null
  },
  {
    name: "a workbook of another format version",
    make: async (dir) => ["--from", await xlsx(dir, decideAll, { meta: [["format", "relink-review/2"], ["blind", "false"]] }), ...out(dir)],
    exit: 2,
    stderr: [/^relink: .*review\.xlsx: not a review file of relink report review: format "relink-review\/2", not relink-review\/1$/],
    written: null
  },
  {
    name: "a CSV saved in GBK",
    make: async (dir) => {
      writeFileSync(join(dir, "review.csv"), Buffer.from([0xcf, 0xdf, 0xcb, 0xf7, 0xb1, 0xe0, 0xba, 0xc5, 0x0d, 0x0a]))
      return ["--from", join(dir, "review.csv"), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: .*review\.csv: not a review file of relink report review: not UTF-8 text: save it as CSV UTF-8/],
    written: null
  },
  {
    name: "an evidence cell changed (线索姓名)",
    make: async (dir) => {
      const column = smallQueue.columns.findIndex((c) => c.id === "obsName")
      return ["--from", await xlsx(dir, decideAll, { edit: (row, cells) => void (row.memberId === "m-1-a" && (cells[column] = "王小芳")) }), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: .*review\.xlsx: sheet c-a, row 4: refused: a key or evidence cell was changed: the row check does not match what the row shows$/, REFUSED_ALL(1)],
    written: null
  },
  {
    name: "a key cell changed (党员编号)",
    make: async (dir) => {
      const column = smallQueue.columns.findIndex((c) => c.id === "memberId")
      return ["--from", await xlsx(dir, decideAll, { edit: (row, cells) => void (row.memberId === "m-0-b" && (cells[column] = "m-1-b")) }), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: .*review\.xlsx: sheet c-b, row 3: refused: a key or evidence cell was changed/, REFUSED_ALL(1)],
    written: null
  },
  {
    name: "an unknown key: an observation the events do not hold",
    make: async (dir) => {
      const observation = smallQueue.rows.find((r) => r.memberId === "m-1-a")?.observationEventId
      return ["--from", await xlsx(dir, decideAll), ...against(dir, small.filter((e) => e.eventId !== observation)), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: .*sheet c-a, row 4: refused: unknown key: the sources hold no observation e-\d+$/, /^relink: .*sheet c-b, row 4: refused: unknown key/, REFUSED_ALL(2)],
    written: null
  },
  {
    name: "an unknown decision word",
    make: async (dir) => ["--from", await xlsx(dir, (row) => (row.memberId === "m-1-b" ? { decision: "好的" } : decideAll(row))), ...out(dir)],
    exit: 2,
    stderr: [/^relink: .*sheet c-b, row 4: refused: 结论 "好的" is not one of 确认, confirm, confirmed, 否定, reject, rejected, 待定, pending$/, REFUSED_ALL(1)],
    written: null
  },
  {
    name: "one observation confirmed for two members",
    make: async (dir) => ["--from", await xlsx(dir, (row) => ({ decision: row.memberId.startsWith("m-0-") ? "确认" : "" })), ...out(dir)],
    exit: 2,
    stderr: [/^relink: .*sheet c-a, row 3: refused: observation e-\d+ is confirmed for another member in this file too$/, /^relink: .*sheet c-b, row 3: refused: observation e-\d+ is confirmed for two members: m-0-a \(row 1\) and m-0-b$/, REFUSED_ALL(2)],
    written: null
  },
  {
    name: "--partial with an unknown word: the rows that hold are written",
    make: async (dir) => ["--from", await xlsx(dir, (row) => (row.memberId === "m-1-b" ? { decision: "yes" } : decideAll(row))), "--partial", "--quiet", ...out(dir)],
    exit: 0,
    stderr: [/^relink: .*sheet c-b, row 4: refused: 结论 "yes" is not one of/],
    written: [["m-0-a", "confirmed"], ["m-1-a", "confirmed"], ["m-0-b", "rejected"]]
  },
  {
    name: "a row resolved since, against the events: stale, skipped",
    make: async (dir) => {
      const observation = smallQueue.rows.find((r) => r.memberId === "m-0-a")?.observationEventId
      const since = { eventId: "elsewhere-1", type: "MatchResolved", occurredAt: "2026-11-20T09:00:00+08:00", orgId: "c-b", observationEventId: observation, memberId: "m-0-b", resolution: "confirmed" }
      return ["--from", await xlsx(dir, decideAll), ...against(dir, [...small, since]), ...out(dir)]
    },
    exit: 0,
    stderr: [
      /^relink: warning: .*sheet c-a, row 3: stale, skipped: the proposal no longer stands \(the observation was settled, or the member is linked\)$/,
      /^relink: warning: .*sheet c-b, row 3: stale, skipped: the pair was confirmed since \(elsewhere-1\)$/
    ],
    written: [["m-1-a", "confirmed"], ["m-1-b", "rejected"]]
  },
  {
    name: "a CSV with a quote left open",
    make: async (dir) => {
      writeFileSync(join(dir, "review.csv"), `${Csv.record(smallQueue.columns.map((c) => c.zh))}"e-1,m-0-a\r\n`)
      return ["--from", join(dir, "review.csv"), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: .*review\.csv: not a review file of relink report review: line 2: a quoted field is never closed$/],
    written: null
  },
  {
    name: "a zip bomb: an entry declaring more than the bound",
    make: async (dir) => {
      writeFileSync(join(dir, "bomb.xlsx"), Zips.zipOf([{ name: "xl/worksheets/sheet1.xml", content: Buffer.alloc(1024), declared: 300 << 20 }]))
      return ["--from", join(dir, "bomb.xlsx"), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: --from .*bomb\.xlsx: more than 268,435,456 bytes \(256 MiB\), the most a review workbook inflates to$/],
    written: null
  },
  {
    name: "a zip bomb: an entry inflating past what its directory declares",
    make: async (dir) => {
      writeFileSync(join(dir, "liar.xlsx"), Zips.zipOf([{ name: "xl/sharedStrings.xml", content: Buffer.alloc(16 << 20), declared: 1000 }]))
      return ["--from", join(dir, "liar.xlsx"), ...out(dir)]
    },
    exit: 2,
    stderr: [/^relink: --from .*liar\.xlsx: more than 268,435,456 bytes \(256 MiB\), the most a review workbook inflates to$/],
    written: null
  },
  {
    name: "an endless file (/dev/zero)",
    make: async (dir) => ["--from", "/dev/zero", ...out(dir)],
    exit: 2,
    stderr: [/^relink: --from \/dev\/zero: more than 67,108,864 bytes \(64 MiB\), the most a review file takes$/],
    written: null
  }
]

describe("relink resolve refuses", () => {
  for (const c of badFiles) {
    it(`${c.name}: exit ${c.exit}, ${c.written === null ? "nothing written" : `${c.written.length} events written`}`, async () => {
      const dir = tempDir("resolve-bad")
      const run = resolve(await c.make(dir))
      assert.strictEqual(run.status, c.exit, run.stderr)
      const lines = run.stderr.split("\n").filter((l) => l.length > 0)
      assert.strictEqual(lines.length, c.stderr.length, run.stderr)
      c.stderr.forEach((pattern, i) => assert.match(lines[i] as string, pattern, run.stderr))
      if (c.written === null) assert.isFalse(existsSync(join(dir, "decisions.ndjson")))
      else assert.deepStrictEqual(eventsIn(join(dir, "decisions.ndjson")).map((e): readonly [string, string] => [e.memberId, e.resolution]), c.written)
    })
  }
})

describe("reading hostile bytes", () => {
  const csv = Buffer.from(Csv.BOM + Csv.record(smallQueue.columns.map((c) => c.zh)) + smallQueue.rows.map((row) => Csv.record(cellsOf(smallQueue, row, clerk(row)))).join(""))
  const json = (() => {
    const dir = tempDir("resolve-fuzz")
    return readFileSync(writeJson(join(dir, "review.json"), smallQueue, clerk))
  })()
  /** Some bytes of the file overwritten, cut or repeated. */
  const mangled = (bytes: Buffer) =>
    fc
      .array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .chain((flips) => fc.nat({ max: bytes.length }).map((cut) => ({ flips, cut })))
      .map(({ flips, cut }) => {
        const copy = Buffer.from(bytes)
        for (const [at, byte] of flips) copy[at] = byte
        return copy.subarray(0, Math.max(1, cut))
      })

  it("a review file with any bytes changed is read or refused as no review file, never a crash; an event only ever for a row of the queue as written", async () => {
    for (const bytes of [csv, json]) {
      await fc.assert(
        fc.asyncProperty(mangled(bytes), async (changed) => {
          const exit = await Effect.runPromiseExit(ReviewFile.read(changed, "review"))
          if (Exit.isFailure(exit)) {
            const error = Cause.squash(exit.cause)
            assert.include(["NotAReviewFile"], (error as { readonly _tag?: string })._tag, String(error))
            return
          }
          const decided = Review.decide(exit.value.rows, { at: 0, blind: exit.value.blind })
          // Every event is one the queue's rows give, to the organisation the row names.
          const possible = new Map(smallQueue.rows.flatMap((row) => (["confirmed", "rejected"] as const).map((r) => [Review.eventIdOf(row, r), row.responsibleOrgId] as const)))
          for (const event of decided.events) assert.strictEqual(possible.get(event.eventId), event.orgId, JSON.stringify(event))
        }),
        { numRuns: 200 }
      )
    }
  })

  it("measures any bytes as a zip archive or refuses them, never inflating past the bound", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(bytes)])
        const measured = Zip.measure(zip, 1 << 20)
        if (Result.isSuccess(measured)) assert.isAtMost(measured.success.inflated, 1 << 20)
      })
    )
  })
})

describe("relink resolve's flags", () => {
  it("refuses a wrong mix in one line, exit 2, before reading anything", () => {
    const usage = (args: ReadonlyArray<string>) => oneLineError(["resolve", "--from", "/nonexistent/review.xlsx", ...args], 2)
    assert.strictEqual(usage([]), "relink resolve: say where the decisions go: --out FILE (- for standard output) or --brokers HOST:PORT (Kafka) (see relink resolve --help)")
    assert.match(usage(["--out", "x.ndjson", "--brokers", "localhost:9092"]), /^relink resolve: --out and --brokers exclude each other/)
    assert.match(usage(["--out", "x.ndjson", "--topic", "t"]), /^relink resolve: --topic and --partitions go with --brokers/)
    assert.match(usage(["--out", "x.ndjson", "--as-of", AS_OF]), /^relink resolve: --as-of, --orgs, --rule and --database go with --events or --mongo/)
    assert.match(usage(["--out", "x.ndjson", "--events", "e.ndjson", "--mongo", "mongodb://localhost"]), /^relink resolve: --events and --mongo exclude each other/)
    assert.strictEqual(usage(["--out", "x.ndjson", "--at", "yesterday"]), 'relink: --at "yesterday" is not a date (2026-11-27) or an ISO instant with an offset (2026-11-27T18:00:00+08:00)')
  })

  it("never writes over the file it reads", async () => {
    const dir = tempDir("resolve-clash")
    const from = writeCsv(join(dir, "review.csv"), smallQueue, clerk)
    const before = readFileSync(from)
    assert.match(oneLineError(["resolve", "--from", from, "--out", from], 2), /^relink: --out .*review\.csv is the input .*review\.csv: writing it would destroy what is read; choose another path$/)
    assert.isTrue(readFileSync(from).equals(before))
  })
})

describe("a round trip of 500 decisions", () => {
  it("loses none and applies none twice: each pair once, the confirmed member found, the rejected never proposed again; the same file again writes nothing", async () => {
    const dir = tempDir("resolve-500")
    const events = fixture(250)
    const queue = queueOf(events)
    assert.strictEqual(queue.rows.length, 500)
    // Each pair: one confirmed, the other rejected, which one alternating.
    const fill: Fill = (row) => {
      const pair = Number(row.memberId.split("-")[1])
      return { decision: row.memberId.endsWith(pair % 2 === 0 ? "-a" : "-b") ? "确认" : "否定", reviewer: `核实员${pair % 7}` }
    }
    const from = await writeXlsx(join(dir, "review.xlsx"), queue, fill)
    const args = ["--from", from, ...against(dir, events)]
    ok(resolve([...args, "--out", join(dir, "decisions.ndjson")]))
    const written = eventsIn(join(dir, "decisions.ndjson"))
    assert.strictEqual(written.length, 500)
    assert.strictEqual(new Set(written.map((e) => e.eventId)).size, 500)
    assert.strictEqual(new Set(written.map((e) => `${e.observationEventId}|${e.memberId}`)).size, 500)
    // As of after the decisions (the workbook was saved after the queue was made).
    const after = Scan.run([...decoded(events), ...written], { asOf: savedAt.getTime(), policy: Policy.defaults })
    assert.deepStrictEqual(after.proposals, [])
    for (const row of queue.rows) {
      const expected = fill(row).decision === "确认" ? "confirmed" : "rejected"
      assert.strictEqual(after.members.get(row.memberId)?.resolutions[row.observationEventId]?.value, expected, row.memberId)
    }
    // Again, against the events with the decisions: every row applied, nothing written.
    writeFileSync(join(dir, "events.ndjson"), ndjson(events) + readFileSync(join(dir, "decisions.ndjson"), "utf8"))
    const again = ok(resolve(["--from", from, "--events", join(dir, "events.ndjson"), "--as-of", "2026-11-30", "--out", join(dir, "again.ndjson")]))
    assert.match(again.stderr, /0 stale, 500 applied before, 0 refused; wrote 0 events/, again.stderr)
    assert.strictEqual(readFileSync(join(dir, "again.ndjson"), "utf8"), "")
  })
})
