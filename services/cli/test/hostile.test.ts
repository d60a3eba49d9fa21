/**
 * Hostile and careless input at the command line: outputs never touch inputs, no all-clear on
 * nothing, limits on lines, rejects and numbers, prompt stops on signals, argument errors exit 2,
 * private files stay private.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { AS_OF, bin, oneLineError, ok, relink, simulate, tempDir } from "./helpers.ts"

const sim = simulate(80, 11, ["--malformed", "4"])
const original = readFileSync(sim.eventsPath)

/** A copy of the simulated export (with its malformed lines) at `path`. */
const exportAt = (path: string): string => {
  mkdirSync(join(path, ".."), { recursive: true })
  copyFileSync(sim.eventsPath, path)
  return path
}

const unchanged = (path: string) => assert.isTrue(readFileSync(path).equals(original), `${path} was changed`)

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)

/** Spawns the CLI, sends `signal` once `ready` holds, resolves with the exit code and the seconds it took to exit. */
const interrupt = (args: ReadonlyArray<string>, ready: () => boolean, signal: NodeJS.Signals): Promise<{ readonly code: number | null; readonly seconds: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: "ignore" })
    let sent = 0
    // Never outlives the test, whatever the command does.
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000)
    const poll = setInterval(() => {
      if (sent === 0 && ready()) {
        sent = performance.now()
        child.kill(signal)
        // A loop that never yields never sees the signal: give up on it.
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref()
      }
    }, 100)
    child.on("error", reject)
    child.on("exit", (code) => {
      clearInterval(poll)
      clearTimeout(deadline)
      resolve({ code, seconds: (performance.now() - sent) / 1000 })
    })
  })

describe("hostile and careless input", () => {
  it("1. never reads or destroys its input: a --rejects or default rejects file that is the input is refused, a directory skips the run's own outputs", () => {
    const dir = tempDir("in-rejects")
    const input = exportAt(join(dir, "in.ndjson"))
    assert.match(oneLineError(["scan", "--events", input, "--rejects", input, "--as-of", AS_OF], 2), /^relink: --rejects .*in\.ndjson is the input .*in\.ndjson/)
    unchanged(input)

    // Named like the default rejects file of --out: refused, the input intact.
    const named = exportAt(join(dir, "scan.rejects.ndjson"))
    assert.match(
      oneLineError(["scan", "--events", named, "--out", join(dir, "scan.jsonl"), "--as-of", AS_OF], 2),
      /^relink: the default rejects file .*scan\.rejects\.ndjson is the input .*name another with --rejects$/
    )
    unchanged(named)
    assert.isFalse(existsSync(join(dir, "scan.jsonl")))

    // Run twice into the directory it reads: the second run reads only the export, as the first did.
    const exports = tempDir("in-dir")
    exportAt(join(exports, "events.ndjson"))
    const args = ["scan", "--events", exports, "--out", join(exports, "scan.jsonl"), "--as-of", AS_OF]
    const first = ok(relink(args))
    const output = readFileSync(join(exports, "scan.jsonl"), "utf8")
    const second = ok(relink(args))
    assert.strictEqual(readFileSync(join(exports, "scan.jsonl"), "utf8"), output)
    const timeless = (stderr: string) => stderr.replace(/in [\d.]+ s \([^)]*\)/, "")
    assert.strictEqual(timeless(second.stderr), timeless(first.stderr))
    assert.include(second.stderr, `read ${sim.manifest.lines.toLocaleString("en-US")} lines from 1 file`)
    assert.strictEqual(lines(join(exports, "scan.rejects.ndjson")).length, 4)
  })

  it("2. refuses an --out that is the input, also through a symbolic link or a hard link", () => {
    const dir = tempDir("out-in")
    const input = exportAt(join(dir, "events.ndjson"))
    assert.match(oneLineError(["scan", "--events", input, "--out", input, "--as-of", AS_OF], 2), /^relink: --out .*events\.ndjson is the input .*choose another path$/)
    assert.match(oneLineError(["report", "unlinked", "--events", input, "--format", "csv", "--out", input, "--as-of", AS_OF], 2), /^relink: --out .* is the input /)
    symlinkSync(input, join(dir, "link.jsonl"))
    assert.match(oneLineError(["scan", "--events", input, "--out", join(dir, "link.jsonl"), "--as-of", AS_OF], 2), /^relink: --out .*link\.jsonl is the input /)
    linkSync(input, join(dir, "hard.jsonl"))
    assert.match(oneLineError(["scan", "--events", input, "--out", join(dir, "hard.jsonl"), "--as-of", AS_OF], 2), /^relink: --out .*hard\.jsonl is the input /)
    unchanged(input)
  })

  it("3. refuses an --out and a --rejects that are one file", () => {
    const dir = tempDir("out-rejects")
    const out = join(dir, "scan.jsonl")
    assert.match(
      oneLineError(["scan", "--events", sim.eventsPath, "--out", out, "--rejects", out, "--as-of", AS_OF], 2),
      /^relink: --out .*scan\.jsonl and --rejects .*scan\.jsonl are the same file; choose two paths$/
    )
    assert.isFalse(existsSync(out))
    writeFileSync(join(dir, "before.jsonl"), "kept\n")
    symlinkSync(join(dir, "before.jsonl"), join(dir, "alias.ndjson"))
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--out", join(dir, "before.jsonl"), "--rejects", join(dir, "alias.ndjson"), "--as-of", AS_OF], 2), /are the same file/)
    assert.strictEqual(readFileSync(join(dir, "before.jsonl"), "utf8"), "kept\n")
  })

  it("7. fails on an input with no valid event, and warns when most lines were rejected", () => {
    const dir = tempDir("nothing")
    writeFileSync(join(dir, "empty.ndjson"), "")
    assert.strictEqual(oneLineError(["scan", "--events", join(dir, "empty.ndjson"), "--out", join(dir, "a.jsonl")], 1), "relink: no valid event: the input holds no lines")
    writeFileSync(join(dir, "list.ndjson"), "name,phone\n张三,13800000000\n李四,13900000000\n")
    const rejects = join(dir, "r.ndjson")
    assert.strictEqual(
      oneLineError(["report", "unlinked", "--events", join(dir, "list.ndjson"), "--rejects", rejects, "--out", join(dir, "list.xlsx")], 1),
      `relink: no valid event in 3 lines (3 rejected: see ${rejects})`
    )
    assert.strictEqual(lines(rejects).length, 3)
    assert.isFalse(existsSync(join(dir, "a.jsonl")) || existsSync(join(dir, "list.xlsx")))

    const mostlyBad = [...sim.lines.slice(0, 2), "x", "y", "z", "{", "[1]"].join("\n")
    writeFileSync(join(dir, "mostly.ndjson"), mostlyBad)
    const run = ok(relink(["scan", "--events", join(dir, "mostly.ndjson"), "--out", join(dir, "m.jsonl"), "--quiet", "--as-of", AS_OF]))
    assert.match(run.stderr, /^relink: warning: 5 of 7 lines \(71%\) were rejected, see .*m\.rejects\.ndjson: is --events the export you meant\?\n$/)
  })

  it("8. rejects a line past --max-line-bytes with an excerpt, never buffers it, and stops on binary input", () => {
    const dir = tempDir("long")
    const long = `{"type":"MemberRegistered","name":"${"很".repeat(1_000_000)}"}`
    writeFileSync(join(dir, "events.ndjson"), [sim.lines[0], long, ...sim.lines.slice(1)].join("\n"))
    ok(relink(["scan", "--events", join(dir, "events.ndjson"), "--out", join(dir, "s.jsonl"), "--as-of", AS_OF]))
    const rejected = lines(join(dir, "s.rejects.ndjson")).map((l) => JSON.parse(l) as { line: number; tag: string; reason: string; text: string })
    const tooLong = rejected.find((r) => r.tag === "LineTooLong")
    assert.isDefined(tooLong)
    assert.strictEqual(tooLong?.line, 2)
    assert.match(tooLong?.reason ?? "", /^the line is 3000\d\d\d bytes long, more than --max-line-bytes 1048576/)
    assert.isAtMost(Buffer.byteLength(tooLong?.text ?? ""), 300)
    // The limit is a flag; a smaller one rejects shorter lines.
    writeFileSync(join(dir, "short.ndjson"), [...sim.lines, `{"type":"${"x".repeat(5000)}"}`].join("\n"))
    ok(relink(["scan", "--events", join(dir, "short.ndjson"), "--max-line-bytes", "1024", "--out", join(dir, "t.jsonl"), "--as-of", AS_OF]))
    assert.isTrue(lines(join(dir, "t.rejects.ndjson")).some((l) => l.includes('"LineTooLong"')))

    const started = performance.now()
    const zero = relink(["scan", "--events", "/dev/zero", "--out", join(dir, "z.jsonl")])
    assert.isBelow((performance.now() - started) / 1000, 20)
    assert.strictEqual(zero.status, 2)
    assert.match(zero.stderr, /^relink: \/dev\/zero: binary data, not NDJSON: line 1 runs past --max-line-bytes 1,048,576 and holds NUL bytes\n$/)
  })

  it("8. caps the rejects file at --max-rejects and says how many more were rejected", () => {
    const dir = tempDir("cap")
    writeFileSync(join(dir, "events.ndjson"), [...sim.lines, ...Array.from({ length: 30 }, (_, i) => `not json ${i}`)].join("\n"))
    const run = ok(relink(["scan", "--events", join(dir, "events.ndjson"), "--max-rejects", "10", "--out", join(dir, "s.jsonl"), "--as-of", AS_OF]))
    assert.strictEqual(lines(join(dir, "s.rejects.ndjson")).length, 10)
    assert.match(run.stderr, /34 malformed lines skipped, written to .*s\.rejects\.ndjson \(readable by its owner only\); it holds the first 10, 24 more were only counted \(--max-rejects\)/)
  })

  it("8. bounds every numeric flag: one line, exit code 2, no file left", () => {
    const dir = tempDir("bounds")
    const out = join(dir, "sim")
    assert.match(oneLineError(["simulate", "--members", "1e12", "--out", out], 2), /^relink simulate: Invalid value for flag --members: "1000000000000"\. Expected: an integer from 0 to 10,000,000/)
    assert.match(oneLineError(["simulate", "--members", "-1", "--out", out], 2), /--members/)
    assert.match(oneLineError(["simulate", "--malformed", "99999999999", "--out", out], 2), /--malformed: "99999999999"\. Expected: an integer from 0 to 1,000,000/)
    assert.match(oneLineError(["simulate", "--seed", "1e300", "--out", out], 2), /--seed/)
    assert.match(oneLineError(["demo", "--members", "20000000", "--out", out], 2), /--members/)
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--max-line-bytes", "10"], 2), /--max-line-bytes: "10"\. Expected: an integer from 1,024/)
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--max-rejects", "-1"], 2), /--max-rejects/)
    assert.isFalse(existsSync(out))
  })

  it("8. stops a long simulate promptly on SIGTERM (143) and SIGINT (130), leaving no half file and the previous export intact", async () => {
    const out = tempDir("signal")
    writeFileSync(join(out, "events.ndjson"), "the previous export\n")
    const writing = () => readdirSync(out).some((name) => name.includes("events.ndjson") && statSync(join(out, name)).size > 1000)
    const args = ["simulate", "--members", "2000000", "--out", out, "--quiet"]
    const term = await interrupt(args, writing, "SIGTERM")
    assert.strictEqual(term.code, 143)
    assert.isBelow(term.seconds, 5)
    assert.deepStrictEqual(readdirSync(out), ["events.ndjson"])
    assert.strictEqual(readFileSync(join(out, "events.ndjson"), "utf8"), "the previous export\n")
    const int = await interrupt(args, writing, "SIGINT")
    assert.strictEqual(int.code, 130)
    assert.isBelow(int.seconds, 5)
    assert.deepStrictEqual(readdirSync(out), ["events.ndjson"])
  }, 120_000)

  it("10. argument errors exit 2; an --out without an extension is xlsx; no workbook on standard output; a file in the way is not a directory", () => {
    const dir = tempDir("conventions")
    assert.match(oneLineError(["report", "unlinked", "--events", sim.eventsPath, "--as-of", "27/11/2026"], 2), /^relink: --as-of "27\/11\/2026" is not a date/)
    assert.strictEqual(oneLineError(["report", "unlinked", "--events", sim.eventsPath, "--out", join(dir, "list.pdf")], 2), 'relink: unknown format "pdf"; use --format xlsx|csv|json|html')
    assert.match(oneLineError(["report", "unlinked", "--events", sim.eventsPath, "--out", "-"], 2), /^relink: --out -: an XLSX workbook does not go to standard output/)
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--format", "xlsx", "--out", "-"], 2), /^relink: --out -: an XLSX workbook does not go to standard output/)
    assert.isFalse(existsSync(join(dir, "-")))

    ok(relink(["report", "unlinked", "--events", sim.eventsPath, "--as-of", AS_OF, "--out", join(dir, "list"), "--quiet"]))
    assert.strictEqual(readFileSync(join(dir, "list")).subarray(0, 2).toString("latin1"), "PK")

    writeFileSync(join(dir, "file"), "")
    assert.strictEqual(
      oneLineError(["scan", "--events", sim.eventsPath, "--out", join(dir, "file", "scan.jsonl"), "--rejects", join(dir, "r.ndjson"), "--as-of", AS_OF, "--quiet"], 1),
      `relink: cannot write ${join(dir, "file", "scan.jsonl")}: ${join(dir, "file")} is not a directory`
    )
  })

  it("12. creates rejects files and --reveal lists readable by their owner only, and says where they went", () => {
    const dir = tempDir("private")
    const run = ok(relink(["report", "unlinked", "--events", sim.eventsPath, "--as-of", AS_OF, "--reveal", "--format", "csv", "--out", join(dir, "list.csv")]))
    assert.strictEqual(statSync(join(dir, "list.csv")).mode & 0o777, 0o600)
    assert.strictEqual(statSync(join(dir, "list.rejects.ndjson")).mode & 0o777, 0o600)
    assert.include(run.stderr, `written to ${join(dir, "list.rejects.ndjson")} (readable by its owner only)`)
    assert.include(run.stderr, `the file is readable by its owner only: keep it confidential); wrote ${join(dir, "list.csv")}`)
    ok(relink(["report", "unlinked", "--events", sim.eventsPath, "--as-of", AS_OF, "--reveal", "--out", join(dir, "list.xlsx"), "--quiet"]))
    assert.strictEqual(statSync(join(dir, "list.xlsx")).mode & 0o777, 0o600)
    // A masked list keeps the usual permissions.
    ok(relink(["report", "unlinked", "--events", sim.eventsPath, "--as-of", AS_OF, "--format", "csv", "--out", join(dir, "masked.csv"), "--quiet"]))
    assert.notStrictEqual(statSync(join(dir, "masked.csv")).mode & 0o077, 0)
  })
})
