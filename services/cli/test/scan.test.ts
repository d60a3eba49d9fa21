import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import ExcelJS from "exceljs"
import { Matching, MatchRule, Policy, Scan } from "@relink/core"
import { bin, parseCsv, ok, relink, simulate, tempDir } from "./helpers.ts"

const AS_OF_INSTANT = Date.parse("2026-11-27T23:59:59+08:00")

interface MemberRow {
  readonly kind: "member"
  readonly memberId: string
  readonly status: string
  readonly responsibleOrgId: string
  readonly assistingOrgId: string | null
  readonly flags: ReadonlyArray<string>
  readonly reasons: ReadonlyArray<{ rule: string; since?: string }>
  readonly lastContactAt: string | null
  readonly nextReviewAt: string | null
}
interface MatchRow {
  readonly kind: "match"
  readonly observationEventId: string
  readonly memberId: string
  readonly decision: string
  readonly weight: number
  readonly probability: number
  readonly explanation: Matching.Explanation & { readonly text: string }
}
type Row = MemberRow | MatchRow

const parseJsonl = (text: string): Array<Row> =>
  text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Row)

describe("relink scan", () => {
  const sim = simulate(400, 3, ["--malformed", "6"])
  const expected = Scan.run(sim.events, { asOf: AS_OF_INSTANT, policy: Policy.defaults })

  it("writes one member row and one match row per proposal, as the core computed them", () => {
    const out = tempDir("scan")
    const run = ok(relink(["scan", "--events", sim.eventsPath, "--as-of", "2026-11-27", "--out", join(out, "scan.jsonl")]))
    const rows = parseJsonl(readFileSync(join(out, "scan.jsonl"), "utf8"))
    const members = rows.filter((r): r is MemberRow => r.kind === "member")
    const matches = rows.filter((r): r is MatchRow => r.kind === "match")
    assert.strictEqual(members.length, expected.evaluations.length)
    assert.strictEqual(matches.length, expected.proposals.length)
    assert.isAbove(matches.length, 0)
    for (const [i, e] of expected.evaluations.entries()) {
      const row = members[i] as MemberRow
      assert.deepStrictEqual(Object.keys(row), ["kind", "memberId", "status", "responsibleOrgId", "assistingOrgId", "flags", "reasons", "lastContactAt", "nextReviewAt"])
      assert.strictEqual(row.memberId, e.memberId)
      assert.strictEqual(row.status, e.status)
      assert.strictEqual(row.responsibleOrgId, e.responsibleOrgId)
      assert.strictEqual(row.assistingOrgId, e.assistingOrgId ?? null)
      assert.deepStrictEqual(row.flags, e.flags)
      assert.deepStrictEqual(row.reasons.map((r) => r.rule), e.reasons.map((r) => r.rule))
      assert.strictEqual(row.lastContactAt === null ? undefined : Date.parse(row.lastContactAt), e.lastContact?.at)
      assert.strictEqual(row.nextReviewAt === null ? undefined : Date.parse(row.nextReviewAt), e.nextReviewAt)
    }
    for (const [i, p] of expected.proposals.entries()) {
      const row = matches[i] as MatchRow
      assert.deepStrictEqual(Object.keys(row), ["kind", "observationEventId", "memberId", "decision", "weight", "probability", "explanation"])
      assert.strictEqual(row.observationEventId, p.observationEventId)
      assert.strictEqual(row.memberId, p.memberId)
      assert.strictEqual(row.decision, p.decision)
      assert.closeTo(row.weight, p.weight, 0.001)
      assert.strictEqual(row.probability, p.probability)
      assert.deepStrictEqual(row.explanation.comparisons, p.explanation.comparisons)
      assert.strictEqual(row.explanation.text, Matching.explain(p.explanation, MatchRule.chinese, "zh"))
    }
    assert.include(run.stderr, "6 malformed lines skipped")
  })

  it("skips malformed lines, counts them and writes each to the rejects file with its line number and reason", () => {
    const out = tempDir("rejects")
    const run = ok(relink(["scan", "--events", sim.eventsPath, "--as-of", "2026-11-27", "--out", join(out, "scan.jsonl")]))
    const rejectsPath = join(out, "scan.rejects.ndjson")
    assert.include(run.stderr, rejectsPath)
    const rejects = readFileSync(rejectsPath, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { file: string; line: number; tag: string; reason: string; text: string })
    assert.deepStrictEqual(rejects.map((r) => r.line), sim.manifest.malformed.map((m) => m.line))
    for (const reject of rejects) {
      assert.strictEqual(reject.file, sim.eventsPath)
      assert.strictEqual(reject.text, sim.lines[reject.line - 1])
      assert.include(["NotJson", "UnknownEventType", "InvalidEvent"], reject.tag)
      assert.isAbove(reject.reason.length, 0)
    }
    assert.deepStrictEqual(new Set(rejects.map((r) => r.tag)), new Set(["NotJson", "UnknownEventType", "InvalidEvent"]))
    // Everything else was processed: the same members as a scan of the valid lines alone.
    const rows = parseJsonl(readFileSync(join(out, "scan.jsonl"), "utf8"))
    assert.strictEqual(rows.filter((r) => r.kind === "member").length, expected.evaluations.length)
  })

  it("puts the rejects where --rejects says, and creates no rejects file when every line is good", () => {
    const out = tempDir("rejects-flag")
    ok(relink(["scan", "--events", sim.eventsPath, "--as-of", "2026-11-27", "--rejects", join(out, "bad.ndjson"), "--out", join(out, "x.jsonl")]))
    assert.strictEqual(readFileSync(join(out, "bad.ndjson"), "utf8").trim().split("\n").length, 6)
    const clean = tempDir("clean")
    writeFileSync(join(clean, "events.ndjson"), sim.lines.filter((_, i) => !sim.manifest.malformed.some((m) => m.line === i + 1)).join("\n"))
    const run = ok(relink(["scan", "--events", join(clean, "events.ndjson"), "--as-of", "2026-11-27", "--out", join(clean, "scan.jsonl")]))
    assert.include(run.stderr, "no malformed lines")
    assert.isFalse(existsSync(join(clean, "scan.rejects.ndjson")))
  })

  it("reads a directory of files (plain and gzip) and standard input to the same result", () => {
    const dir = tempDir("dir")
    const half = Math.floor(sim.lines.length / 2)
    writeFileSync(join(dir, "a.ndjson"), `${sim.lines.slice(0, half).join("\n")}\n`)
    writeFileSync(join(dir, "b.ndjson.gz"), gzipSync(`${sim.lines.slice(half).join("\r\n")}\r\n`))
    writeFileSync(join(dir, "notes.txt"), "not events")
    const fromDir = ok(relink(["scan", "--events", dir, "--as-of", "2026-11-27", "--rejects", join(dir, "r.ndjson")]))
    const fromStdin = ok(relink(["scan", "--events", "-", "--as-of", "2026-11-27", "--rejects", join(dir, "r2.ndjson")], { input: sim.lines.join("\n") }))
    const fromFile = ok(relink(["scan", "--events", sim.eventsPath, "--as-of", "2026-11-27", "--rejects", join(dir, "r3.ndjson")]))
    assert.strictEqual(fromDir.stdout, fromFile.stdout)
    assert.strictEqual(fromStdin.stdout, fromFile.stdout)
    assert.include(fromDir.stderr, "from 2 files")
  })

  it("writes CSV (BOM, RFC 4180), JSON and XLSX with the same rows", async () => {
    const out = tempDir("formats")
    copyFileSync(sim.eventsPath, join(out, "events.ndjson"))
    const args = ["scan", "--events", join(out, "events.ndjson"), "--as-of", "2026-11-27", "--quiet"]
    const csv = ok(relink([...args, "--format", "csv"])).stdout
    assert.isTrue(csv.startsWith("\uFEFF"))
    const table = parseCsv(csv.slice(1))
    assert.deepStrictEqual(table[0]?.slice(0, 3), ["kind", "memberId", "status"])
    assert.strictEqual(table.length - 1, expected.evaluations.length + expected.proposals.length)
    assert.isTrue(table.slice(1).every((r) => r.length === table[0]?.length))
    const header = table[0] ?? []
    const match = table.find((r) => r[0] === "match")
    assert.strictEqual(Number(match?.[header.indexOf("probability")]), (expected.proposals[0] as Matching.Proposal).probability)
    const explanation = match?.[header.indexOf("explanation")]
    assert.strictEqual(explanation, Matching.explain((expected.proposals[0] as Matching.Proposal).explanation, MatchRule.chinese, "zh"))

    const json = JSON.parse(ok(relink([...args, "--format", "json"])).stdout) as { members: Array<MemberRow>; matches: Array<MatchRow>; events: number }
    assert.strictEqual(json.members.length, expected.evaluations.length)
    assert.strictEqual(json.matches.length, expected.proposals.length)
    assert.strictEqual(json.events, expected.events)

    ok(relink([...args, "--format", "xlsx", "--out", join(out, "scan.xlsx")]))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(join(out, "scan.xlsx"))
    assert.deepStrictEqual(workbook.worksheets.map((w) => w.name), ["summary", "members", "matches"])
    assert.strictEqual(workbook.getWorksheet("members")?.rowCount, expected.evaluations.length + 1)
    assert.strictEqual(workbook.getWorksheet("matches")?.rowCount, expected.proposals.length + 1)
  })

  it("stops quietly when the reader of standard output goes away (relink scan … | head)", () => {
    const script = `"${process.execPath}" "${bin}" scan --events "${sim.eventsPath}" --as-of 2026-11-27 --rejects /dev/null --quiet | head -c 100 > /dev/null; echo "status=\${PIPESTATUS[0]}"`
    const run = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 30_000 })
    assert.strictEqual(run.stdout.trim(), "status=141")
    assert.strictEqual(run.stderr, "")
  })
})
