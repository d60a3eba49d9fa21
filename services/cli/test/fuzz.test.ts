/**
 * Random bytes and random near-valid events, mixed into a real export, through `scan` and `report`
 * in every format: nothing crashes, every valid event still counts, every file parses with a
 * standard reader, and no CSV cell can run as a formula. Then every command with hostile
 * organisation ids and names, hostile output paths, devices for inputs and outputs, and signals at
 * random moments: each run ends with a file a reader opens or one clean line and a non-zero exit,
 * writes nothing outside where it was pointed, and leaves no temporary file.
 */
import { assert, describe, it } from "@effect/vitest"
import { parse as parseCsv } from "csv-parse/sync"
import ExcelJS from "exceljs"
import fc from "fast-check"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parse as parseHtml } from "parse5"
import { Result } from "effect"
import { Event, Policy, Scan } from "@relink/core"
import { AS_OF, bin, relink, simulate, tempDir } from "./helpers.ts"

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

/** Organisation ids and names as an attacker or a careless export writes them (1–128 characters, as the contract allows). */
const hostileId = fc.oneof(
  fc.constantFrom("../../../escaped", "/etc/passwd", "..", "a/b\\c", "\u202Eevil\u2066", "CON", "~root", "-rf", " ", "x".repeat(128), "组织/../党支部", "😀".repeat(20)),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 })
)
const hostileName = fc.oneof(nasty, fc.constantFrom(`${"党".repeat(30)}😀支部`, "\u202E\u2066\u2069\u200F名", "\u001b]0;pwned\u0007\u001b[2J"))

/** A file name the user chose: spaces, a leading dash, a line break, bidi controls, 300 bytes, a subdirectory. */
const outName = fc.constantFrom("list", "a b", "-dash", "名单", "new\nline", "\u202Eevil", "x".repeat(300), "sub/dir/deep", "😀")

/** What a command reads and where it writes: a normal file or a device. */
const eventsInput = fc.constantFrom("file", "file", "file", "/dev/null", "/dev/zero")
const ruleInput = fc.constantFrom(undefined, undefined, "/dev/null", "/dev/zero", "garbage", "degenerate")
const outTarget = fc.constantFrom("file", "file", "file", "default", "stdout", "/dev/null", "/dev/full")

/** A command's arguments for an organisation, the extension of its output file ("" for standard output only), and whether it takes --rule and --as-of. */
type Template = { readonly args: (orgId: string) => ReadonlyArray<string>; readonly ext: string; readonly rule: boolean; readonly asOf: boolean }
const templates: ReadonlyArray<Template> = [
  ...["jsonl", "json", "csv", "xlsx"].map((format) => ({ args: () => ["scan", "--format", format], ext: format === "jsonl" ? "ndjson" : format, rule: true, asOf: true })),
  ...["unlinked", "data-quality", "early-warning", "review", "branches"].flatMap((list) =>
    ["xlsx", "csv", "json", "html"].map((format) => ({ args: (orgId: string) => ["report", list, "--org", orgId, "--include-subtree", "--format", format], ext: format, rule: true, asOf: true }))
  ),
  ...["xlsx", "csv", "json", "html"].map((format) => ({
    args: (orgId: string) => ["report", "progress", "--org", orgId, "--from", "2026-01-01", "--to", AS_OF, "--format", format],
    ext: format,
    rule: false,
    asOf: false
  })),
  { args: () => ["orgs", "--format", "json"], ext: "", rule: false, asOf: true },
  { args: () => ["orgs"], ext: "", rule: false, asOf: true },
  { args: () => ["train", "--pairs", "1000"], ext: "json", rule: true, asOf: true }
]

/** What a terminal must never get on standard error: controls but the line break, and bidi controls. */
// eslint-disable-next-line no-control-regex -- finding controls is the point
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

/** Every path under `dir`, relative, directories included. */
const tree = (dir: string, prefix = ""): ReadonlyArray<string> =>
  readdirSync(join(dir, prefix)).flatMap((name) => {
    const path = join(prefix, name)
    return statSync(join(dir, path)).isDirectory() ? [path, ...tree(dir, path)] : [path]
  })

const parses = async (path: string, ext: string): Promise<void> => {
  if (ext === "xlsx") await assertXlsx(path)
  else if (ext === "csv") assertCsv(path)
  else if (ext === "html") assertHtml(path)
  else if (ext === "json") assertJson(path, false)
  else if (ext === "ndjson") assertJson(path, true)
}

describe("every command against hostile ids, names, paths and devices", () => {
  it("ends with a file a reader opens or one clean line and a non-zero exit; writes only where pointed; leaves no temporary file", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ template: fc.constantFrom(...templates), orgId: hostileId, orgName: hostileName, memberName: hostileName, out: outName, events: eventsInput, rule: ruleInput, target: outTarget }),
        async (c) => {
          const base = tempDir("fuzz-commands")
          const cwd = join(base, "a", "b", "cwd")
          mkdirSync(join(base, "in"), { recursive: true })
          mkdirSync(cwd, { recursive: true })
          const at = "2020-01-06T09:00:00+08:00"
          const hostileEvents = [
            { eventId: "fz-org", type: "OrgRegistered", occurredAt: at, orgId: c.orgId, name: c.orgName, parentId: "org-5101-0001", kind: "branch", region: "510107" },
            { eventId: "fz-m", type: "MemberRegistered", occurredAt: at, orgId: c.orgId, memberId: "m-fz", name: c.memberName, idNumber: "11010519491231002X", category: "full" }
          ]
          const eventsPath = join(base, "in", "events.ndjson")
          writeFileSync(eventsPath, [...fixture, ...hostileEvents.map((e) => JSON.stringify(e))].join("\n") + "\n")
          const rulePath = join(base, "in", "rule.json")
          if (c.rule === "garbage") writeFileSync(rulePath, "\u0000{not a rule")
          if (c.rule === "degenerate") writeFileSync(rulePath, JSON.stringify({ prior: 1, comparisons: [], autoLinkProbability: 0.5, reviewProbability: 0.9 }))
          const rule = c.rule === undefined || !c.template.rule ? [] : ["--rule", c.rule.startsWith("/dev/") ? c.rule : rulePath]
          const outPath = c.target === "file" ? join(base, "out", `${c.out}${c.template.ext === "" ? "" : `.${c.template.ext}`}`) : c.target
          const out = c.target === "default" ? [] : c.target === "stdout" ? (c.template.ext === "xlsx" ? [] : ["--out", "-"]) : c.template.ext === "" ? [] : ["--out", outPath]
          const events = c.events === "file" ? eventsPath : c.events
          const args = [...c.template.args(c.orgId), "--events", events, ...(c.template.asOf ? ["--as-of", AS_OF] : []), ...rule, ...out, "--quiet"]
          const run = relink(args, { cwd, timeout: 120_000 })
          const what = `relink ${JSON.stringify(args)} exited ${run.status}: ${run.stderr}`
          assert.include([0, 1, 2], run.status, what)
          assert.notMatch(run.stderr, UNPRINTABLE, what)
          assert.notInclude(run.stderr, "unexpected error", what)
          if (run.status !== 0) {
            const lines = run.stderr.split("\n").filter((l) => l.length > 0)
            assert.strictEqual(lines.length, 1, what)
            assert.match(lines[0] ?? "", /^relink/, what)
          }
          // Written where pointed and nowhere else: the working directory holds default workbooks and rejects (beside the workbook's name) only.
          assert.isFalse(existsSync(join(base, "escaped")), what)
          assert.deepStrictEqual(readdirSync(join(base, "a")), ["b"], what)
          assert.deepStrictEqual(readdirSync(join(base, "a", "b")), ["cwd"], what)
          for (const name of readdirSync(cwd)) assert.match(name, /^(((unlinked|data-quality|early-warning|review|progress|branches)-[\p{L}\p{N}._-]+-|scan-)\d{4}-\d{2}-\d{2}(\.xlsx|\.rejects\.ndjson)|relink-rejects\.ndjson)$/u, what)
          assert.deepStrictEqual(
            tree(base).filter((p) => /\.tmp$/.test(p)),
            [],
            what
          )
          if (run.status === 0 && c.target === "file" && c.template.ext !== "") await parses(outPath, c.template.ext)
          if (run.status === 0 && c.target === "stdout" && c.template.ext !== "xlsx" && c.template.ext !== "") {
            const written = join(base, "stdout")
            writeFileSync(written, run.stdout)
            await parses(written, c.template.ext)
          }
        }
      ),
      // Each run spawns the command once: a failure is reported with its seed, unshrunk.
      { numRuns: 30, endOnFailure: true }
    )
  })

  it("stops on SIGINT or SIGTERM at any moment within 2 seconds, with 130 or 143, the previous output intact or the new one whole, and no temporary file", { timeout: 600_000 }, async () => {
    const sim = simulate(4000, 3)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), fc.constantFrom<NodeJS.Signals>("SIGINT", "SIGTERM"), fc.integer({ min: 200, max: 4000 }), async (template, signal, delay) => {
        const dir = tempDir("fuzz-signals")
        const ext = template.ext === "" ? "txt" : template.ext
        const outPath = join(dir, `previous.${ext}`)
        writeFileSync(outPath, "previous")
        const args = [...template.args("org-5101-0001"), "--events", sim.eventsPath, ...(template.asOf ? ["--as-of", AS_OF] : []), ...(template.ext === "" ? [] : ["--out", outPath]), "--quiet"]
        const ended = await new Promise<{ readonly code: number | null; readonly seconds: number | undefined }>((resolve, reject) => {
          // Standard output read and dropped: "ignore" would hand the child the null device read-write, which relink takes for a closed one.
          const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] })
          child.stdout.resume()
          let sent: number | undefined
          const kill = setTimeout(() => child.kill("SIGKILL"), 120_000)
          const timer = setTimeout(() => {
            sent = performance.now()
            child.kill(signal)
          }, delay)
          child.on("error", reject)
          child.on("exit", (code, killedBy) => {
            clearTimeout(kill)
            clearTimeout(timer)
            // Signalled before Node installed its handlers (while loading): the shell's status is 128 + the signal's number, as a handler exits.
            const status = code ?? (killedBy === "SIGINT" ? 130 : killedBy === "SIGTERM" ? 143 : null)
            resolve({ code: status, seconds: sent === undefined ? undefined : (performance.now() - sent) / 1000 })
          })
        })
        const what = `relink ${args.join(" ")}, ${signal} after ${delay} ms: exit ${ended.code} ${ended.seconds ?? "before the signal"} s later`
        if (ended.seconds === undefined) assert.strictEqual(ended.code, 0, what)
        else {
          assert.include([signal === "SIGINT" ? 130 : 143, 0], ended.code, what)
          assert.isAtMost(ended.seconds, 2, what)
          // Never a half file: the previous output, or (a signal just after the new one was renamed into place) the new one whole.
          if (ended.code !== 0 && readFileSync(outPath, "utf8") !== "previous") await parses(outPath, template.ext)
        }
        assert.deepStrictEqual(readdirSync(dir).filter((n) => n.endsWith(".tmp")), [], what)
      }),
      { numRuns: 8, endOnFailure: true }
    )
  })
})

