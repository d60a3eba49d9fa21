import { assert, describe, it } from "@effect/vitest"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { oneLineError, relink, ok, tempDir } from "./helpers.ts"

const SAMPLE = new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url).pathname

describe("relink command line", () => {
  it("prints complete help for the command and each subcommand", () => {
    const top = ok(relink(["--help"])).stdout
    for (const sub of ["simulate", "scan", "report", "orgs", "worker", "publish"]) assert.include(top, sub)
    const scan = ok(relink(["scan", "--help"])).stdout
    for (const flag of ["--events", "--orgs", "--mongo", "--database", "--as-of", "--format", "--out", "--rejects", "--quiet"]) assert.include(scan, flag)
    const report = ok(relink(["report", "unlinked", "--help"])).stdout
    for (const flag of ["--events", "--mongo", "--database", "--as-of", "--org", "--include-subtree", "--format", "--lang", "--reveal", "--out", "--rejects"]) {
      assert.include(report, flag)
    }
    const simulate = ok(relink(["simulate", "--help"])).stdout
    for (const flag of ["--members", "--seed", "--as-of", "--shape", "--out", "--malformed", "--gzip"]) assert.include(simulate, flag)
    assert.include(ok(relink(["--version"])).stdout, "0.1.0")
  })

  it("answers wrong arguments with one line and exit code 2", () => {
    assert.strictEqual(oneLineError(["scan", "--bogus"], 2), "relink scan: Unrecognized flag: --bogus in command relink scan (see relink scan --help)")
    assert.strictEqual(
      oneLineError(["scan"], 2),
      "relink scan: say where to read from: --events FILE|DIR|- (an export of events) or --mongo URI (the worker's database) (see relink scan --help)"
    )
    assert.match(oneLineError(["scan", "--events", SAMPLE, "--format", "pdf"], 2), /^relink scan: Invalid value for flag --format: "pdf"\. Expected: "jsonl" \| "csv" \| "xlsx" \| "json"/)
    assert.match(oneLineError(["report", "unlinked", "--events", SAMPLE, "--format", "docx"], 2), /Invalid value for flag --format: "docx"/)
    assert.match(oneLineError(["report", "unlinked", "--events", SAMPLE, "--lang", "fr"], 2), /--lang/)
    assert.match(oneLineError(["simulate", "--members", "many", "--out", "x"], 2), /--members/)
    assert.match(oneLineError(["frobnicate"], 2), /^relink: Unknown subcommand "frobnicate"/)
    assert.match(oneLineError(["scan", "--events", SAMPLE, "--as-of", "27/11/2026"], 2), /^relink: --as-of "27\/11\/2026" is not a date \(2026-11-27\) or an ISO instant/)
    assert.match(oneLineError(["scan", "--events", SAMPLE, "--as-of", "2026-02-30"], 2), /--as-of/)
  })

  it("answers failures with one line and exit code 1", () => {
    const missing = join(tempDir("missing"), "nope.ndjson")
    assert.strictEqual(oneLineError(["scan", "--events", missing], 1), `relink: events file or directory not found: ${missing}`)
    const empty = tempDir("empty")
    assert.strictEqual(
      oneLineError(["scan", "--events", empty], 1),
      `relink: cannot read events from directory ${empty}: it holds no *.ndjson, *.ndjson.gz or *.jsonl files`
    )
    const broken = tempDir("gz")
    writeFileSync(join(broken, "events.ndjson.gz"), "this is not gzip")
    assert.match(oneLineError(["scan", "--events", join(broken, "events.ndjson.gz"), "--quiet"], 1), /^relink: cannot read .*events\.ndjson\.gz: /)
    const blocked = tempDir("blocked")
    mkdirSync(join(blocked, "out.jsonl"))
    assert.match(oneLineError(["scan", "--events", SAMPLE, "--out", join(blocked, "out.jsonl"), "--quiet"], 1), /^relink: cannot write .*out\.jsonl: /)
  })

  it("accepts a date or an ISO instant for --as-of, and leaves out events after it", () => {
    const early = ok(relink(["scan", "--events", SAMPLE, "--as-of", "2024-01-01T00:00:00+08:00"]))
    assert.match(early.stderr, /events after --as-of left out/)
    const late = ok(relink(["scan", "--events", SAMPLE, "--as-of", "2026-11-27"]))
    assert.notMatch(late.stderr, /left out/)
    assert.strictEqual(late.stdout.trim().split("\n").filter((l) => l.includes('"kind":"member"')).length, 60)
  })

  it("reads organisations kept in a separate file with --orgs", () => {
    const dir = tempDir("orgs")
    const lines = readFileSync(SAMPLE, "utf8").split("\n").filter((l) => l.length > 0)
    writeFileSync(join(dir, "orgs.ndjson"), lines.filter((l) => l.includes('"type":"OrgRegistered"')).join("\n"))
    writeFileSync(join(dir, "members.ndjson"), lines.filter((l) => !l.includes('"type":"OrgRegistered"')).join("\n"))
    const apart = ok(relink(["report", "unlinked", "--orgs", join(dir, "orgs.ndjson"), "--events", join(dir, "members.ndjson"), "--as-of", "2026-11-27", "--format", "csv", "--quiet"]))
    const together = ok(relink(["report", "unlinked", "--events", SAMPLE, "--as-of", "2026-11-27", "--format", "csv", "--quiet"]))
    assert.strictEqual(apart.stdout, together.stdout)
    assert.include(together.stdout, "成都恒通农业有限公司党支部")
  })

  it("lists the organisation tree with the ids --org takes", () => {
    const text = ok(relink(["orgs", "--events", SAMPLE, "--as-of", "2026-11-27", "--quiet"])).stdout
    assert.match(text, /^org-5101-0001 {2}中共成都市武侯区委员会 {2}\(committee, 510107\)/)
    assert.match(text, /\n {2}org-5101-0005 {2}中共浆洗街街道工作委员会 {2}\(committee, 510107\).*\n {4}org-5101-0006 {2}成都恒通农业有限公司党支部 {2}\(branch, 510107\) — 38 members, 4 unlinked to find/)
    const json = ok(relink(["orgs", "--events", SAMPLE, "--as-of", "2026-11-27", "--format", "json", "--quiet"]))
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { orgId: string; members: number })
    assert.strictEqual(json.reduce((n, o) => n + o.members, 0), 60)
  })

  it("demo: simulates, writes the spreadsheet and the page, and says where they are", () => {
    const out = join(tempDir("demo"), "demo")
    const run = ok(relink(["demo", "--members", "300", "--out", out]))
    assert.include(run.stdout, `Spreadsheet:  ${join(out, "unlinked.xlsx")}`)
    assert.include(run.stdout, `Web page:     ${join(out, "unlinked.html")}`)
    // The simulation writes a few registrations with a mistake: the data-quality page lists them.
    assert.match(run.stdout, new RegExp(`Data quality: ${join(out, "data-quality.html")} {3}\\([1-9]\\d* problems? in registrations to correct\\)`))
    // Started as an installed relink is (not by the workspace's pnpm script): the hints say relink.
    assert.include(run.stdout, `Next: relink orgs --events ${join(out, "events.ndjson")}`)
    for (const file of ["events.ndjson", "labels.json", "manifest.json", "unlinked.xlsx", "unlinked.html", "data-quality.html"]) assert.isTrue(existsSync(join(out, file)), file)
  })

  it("counts one of a thing in the singular in every summary, and says the end of the span as --to gave it", () => {
    const dir = tempDir("one")
    const stderrOf = (args: ReadonlyArray<string>) => ok(relink(args)).stderr
    const all = [
      stderrOf(["simulate", "--members", "1", "--seed", "1", "--as-of", "2026-11-27", "--out", join(dir, "sim")]),
      stderrOf(["scan", "--events", join(dir, "sim"), "--as-of", "2026-11-27", "--out", join(dir, "scan.jsonl")]),
      stderrOf(["report", "unlinked", "--events", join(dir, "sim"), "--as-of", "2026-11-27", "--out", join(dir, "list.csv")]),
      stderrOf(["report", "progress", "--events", join(dir, "sim"), "--to", "2026-11-30", "--out", join(dir, "progress.json")])
    ].join("")
    assert.include(all, "simulated 1 member:")
    assert.include(all, "1 member (0 unlinked)")
    assert.include(all, "1 member at 13 monthly bounds")
    assert.include(all, "still unlinked at the end of 2026-11-30;")
    assert.notMatch(all, /(^|\D)1 (members|lines|events|organisations)\b/m)
  })
})
