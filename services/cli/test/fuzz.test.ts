/**
 * Random bytes and random near-valid events, mixed into a real export, through `scan` and `report`
 * in every format: nothing crashes, every valid event still counts, every file parses with a
 * standard reader, and no CSV cell can run as a formula.
 */
import { assert, describe, it } from "@effect/vitest"
import { parse as parseCsv } from "csv-parse/sync"
import ExcelJS from "exceljs"
import fc from "fast-check"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parse as parseHtml } from "parse5"
import { Result } from "effect"
import { Event, Policy, Scan } from "@relink/core"
import { AS_OF, relink, tempDir } from "./helpers.ts"

const fixture = readFileSync(new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
const asOf = Date.parse(`${AS_OF}T23:59:59+08:00`)

/** Text a hostile or careless export holds: formulas, controls, bidi overrides, XML-forbidden and odd characters. */
const nasty = fc.oneof(
  fc.constantFrom("=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tlead", "\rcr", "\u202Eevil", "a\u0007\u001b[31mb", "\uFFFE", "\uD800", "𠀀𠀁", "", " "),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ minLength: 33_000, maxLength: 33_100 }).map((s) => `长${s}`)
)

/** A fixture event with one field replaced, dropped or made nasty: valid or not, the decoder decides. */
const nearValid = fc.tuple(fc.constantFrom(...fixture), fc.nat(), fc.oneof(nasty, fc.integer(), fc.constant(null), fc.constant(undefined))).map(([line, pick, value]) => {
  const event = JSON.parse(line) as Record<string, unknown>
  const keys = Object.keys(event)
  const key = keys[pick % keys.length] ?? "name"
  return Buffer.from(JSON.stringify({ ...event, [key]: value }), "utf8")
})

/** A valid event of a new member whose name and organisation text are hostile. */
const hostileMember = fc.tuple(fc.nat({ max: 9999 }), nasty).map(([n, name]) =>
  Buffer.from(
    JSON.stringify({ eventId: `fz-${n}`, type: "MemberRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: "org-5101-0006", memberId: `m-fz-${n}`, name, idNumber: "11010519491231002X", category: "full" }),
    "utf8"
  )
)

const garbage = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), nearValid, hostileMember)

/** The export: the fixture's lines with garbage spliced in at random places. */
const exportBytes = fc.array(fc.tuple(fc.nat({ max: fixture.length }), garbage), { minLength: 5, maxLength: 40 }).map((inserts) => {
  const lines: Array<Buffer> = fixture.map((line) => Buffer.from(line, "utf8"))
  for (const [at, bytes] of inserts) lines.splice(at, 0, bytes)
  return Buffer.concat(lines.flatMap((line) => [line, Buffer.from("\n")]))
})

/** What the CLI must accept, decided line by line by core's decoder, as the CLI's splitter cuts lines. */
const accepted = (bytes: Buffer): ReadonlyArray<Event.Event> => {
  const events: Array<Event.Event> = []
  let start = 0
  for (let end = bytes.indexOf(0x0a); start < bytes.length; end = bytes.indexOf(0x0a, start)) {
    const stop = end === -1 ? bytes.length : end
    let line = bytes.subarray(start, stop > start && bytes[stop - 1] === 0x0d ? stop - 1 : stop)
    if (start === 0 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3)
    if (line.length > 0) {
      const decoded = Event.decodeBytes(line)
      if (Result.isSuccess(decoded)) events.push(decoded.success)
    }
    start = stop + 1
  }
  return events
}

const FORMULA = /^[=+\-@\t\r]/

const assertCsv = (path: string) => {
  const rows = parseCsv(readFileSync(path), { bom: true, relax_column_count: false }) as ReadonlyArray<ReadonlyArray<string>>
  assert.isAbove(rows.length, 0, path)
  for (const row of rows) for (const cell of row) assert.notMatch(cell, FORMULA, `${path}: ${JSON.stringify(cell.slice(0, 40))}`)
}

const assertXlsx = async (path: string) => {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  assert.isAbove(workbook.worksheets.length, 0, path)
  workbook.eachSheet((sheet) =>
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        assert.notStrictEqual(cell.type, ExcelJS.ValueType.Formula, `${path}: a formula at ${cell.address}`)
        if (typeof cell.value === "string") assert.isAtMost(cell.value.length, 32_767, `${path}: ${cell.address}`)
      })
    )
  )
}

const assertHtml = (path: string) => {
  const errors: Array<string> = []
  parseHtml(readFileSync(path, "utf8"), { onParseError: (error) => errors.push(`${error.code} at ${error.startLine}:${error.startCol}`) })
  assert.deepStrictEqual(errors, [], path)
}

const assertJson = (path: string, lines: boolean) => {
  const text = readFileSync(path, "utf8")
  if (lines) for (const line of text.split("\n").filter((l) => l.length > 0)) JSON.parse(line)
  else JSON.parse(text)
}

describe("relink on random and hostile exports", () => {
  it("never crashes, counts every valid event, and writes files standard readers parse with no live formula", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(exportBytes, async (bytes) => {
        const dir = tempDir("fuzz")
        const input = join(dir, "export.ndjson")
        writeFileSync(input, bytes)
        const expected = Scan.run(accepted(bytes), { asOf, policy: Policy.defaults })
        const run = (args: ReadonlyArray<string>, out: string) => {
          const result = relink([...args, "--events", input, "--as-of", AS_OF, "--out", join(dir, out), "--rejects", join(dir, `${out}.rejects.ndjson`), "--quiet"])
          assert.strictEqual(result.status, 0, `relink ${args.join(" ")}: ${result.stderr}`)
          return join(dir, out)
        }

        const jsonl = readFileSync(run(["scan", "--format", "jsonl"], "scan.jsonl"), "utf8").split("\n").filter((l) => l.length > 0)
        const members = jsonl.map((l) => JSON.parse(l) as { kind: string; memberId?: string }).filter((row) => row.kind === "member")
        assert.deepStrictEqual(members.map((row) => row.memberId).sort(), expected.evaluations.map((e) => e.memberId).sort())
        assert.strictEqual(jsonl.length - members.length, expected.proposals.length)
        assertJson(run(["scan", "--format", "json"], "scan.json"), false)
        assertCsv(run(["scan", "--format", "csv"], "scan.csv"))
        await assertXlsx(run(["scan", "--format", "xlsx"], "scan.xlsx"))

        for (const list of ["unlinked", "data-quality"]) {
          assertCsv(run(["report", list, "--format", "csv"], `${list}.csv`))
          await assertXlsx(run(["report", list, "--format", "xlsx"], `${list}.xlsx`))
          assertHtml(run(["report", list, "--format", "html"], `${list}.html`))
          assertJson(run(["report", list, "--format", "json"], `${list}.json`), false)
        }
      }),
      // Each run spawns the command 12 times: shrinking a failure would take hours, so the first one is reported with its seed.
      { numRuns: 3, endOnFailure: true }
    )
  })
})
