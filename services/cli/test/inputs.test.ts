/**
 * Every input bounded by what is read: a rule from a device or a FIFO, events from /dev/zero, an
 * endless stream, a gzip file under another name, concatenated files with byte order marks, a
 * directory with entries that cannot be read, JSON naming a key twice, rules that make weights
 * infinite or decisions degenerate. Each one line and a documented exit code, or read as it is.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { Effect, Exit } from "effect"
import { MatchRule } from "@relink/core"
import * as Bounded from "../src/Bounded.ts"
import { AS_OF, bin, oneLineError, ok, relink, type Run, simulate, tempDir } from "./helpers.ts"

const sim = simulate(60, 12)
const KEY = "inputs-test-key-0123456789abcdef"

const rejectsOf = (path: string): ReadonlyArray<{ readonly line: number; readonly tag: string; readonly reason: string }> =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { line: number; tag: string; reason: string })

/** Runs `relink …args` with `feed` (a shell command) writing its standard input. */
const fedBy = (feed: string, args: ReadonlyArray<string>, cwd: string): Run => {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")
  const run = spawnSync("sh", ["-c", `${feed} | ${quoted}`], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** A FIFO with a writer that never stops; the writer is stopped when `use` returns. */
const endlessFifo = <A>(dir: string, use: (path: string) => A): A => {
  const path = join(dir, "endless.fifo")
  assert.strictEqual(spawnSync("mkfifo", [path]).status, 0)
  const writer = spawn("sh", ["-c", `yes > '${path}'`], { stdio: "ignore" })
  try {
    return use(path)
  } finally {
    writer.kill("SIGKILL")
  }
}

const seconds = <A>(f: () => A): { readonly result: A; readonly seconds: number } => {
  const started = performance.now()
  const result = f()
  return { result, seconds: (performance.now() - started) / 1000 }
}

describe("inputs bounded by what is read", () => {
  it("cuts a --rule that is a device or an endless FIFO at the rule file's limit: one line, exit code 2, promptly", () => {
    const dir = tempDir("rule-device")
    const zero = seconds(() => oneLineError(["scan", "--events", sim.eventsPath, "--rule", "/dev/zero"], 2))
    assert.strictEqual(zero.result, "relink: --rule /dev/zero: more than 16,777,216 bytes (16 MiB), the most a rule file takes")
    assert.isBelow(zero.seconds, 30)
    const fifo = endlessFifo(dir, (path) => oneLineError(["train", "--events", sim.eventsPath, "--rule", path], 2))
    assert.match(fifo, /^relink: --rule .*endless\.fifo: more than 16,777,216 bytes \(16 MiB\), the most a rule file takes$/)
    // The worker reads its --rule the same way, before it connects to anything.
    const env = { ...process.env, RELINK_PII_KEY: KEY }
    assert.match(oneLineError(["worker", "--brokers", "localhost:1", "--mongo", "mongodb://localhost:1", "--rule", "/dev/zero"], 2, { env }), /^relink: --rule \/dev\/zero: more than 16,777,216 bytes/)
  })

  it("stops on --events or --orgs that are binary data, naming the input: one line, exit code 2", () => {
    const dir = tempDir("binary")
    for (const args of [["--events", "/dev/zero"], ["--events", sim.eventsPath, "--orgs", "/dev/zero"]]) {
      assert.strictEqual(
        oneLineError(["scan", ...args, "--out", join(dir, "s.jsonl"), "--rejects", join(dir, "r.ndjson")], 2),
        "relink: /dev/zero: binary data, not NDJSON: line 1 runs past --max-line-bytes 1,048,576 and holds NUL bytes"
      )
    }
    assert.isFalse(existsSync(join(dir, "s.jsonl")))
  })

  it("stops an endless stream of anything but events once 100,000 lines were rejected and they are most of the lines", () => {
    const dir = tempDir("endless")
    const run = seconds(() => fedBy("yes", ["scan", "--events", "-", "--out", join(dir, "s.jsonl"), "--rejects", join(dir, "r.ndjson")], dir))
    assert.strictEqual(run.result.status, 2, run.result.stderr)
    assert.strictEqual(
      run.result.stderr,
      `relink: standard input: 100,000 of the first 100,000 lines were rejected, see ${join(dir, "r.ndjson")}: not an export of events, reading stopped\n`
    )
    assert.isBelow(run.seconds, 60)
    assert.strictEqual(rejectsOf(join(dir, "r.ndjson")).length, 10_000)
    assert.isFalse(existsSync(join(dir, "s.jsonl")))
  })

  it("cuts the events at --max-input-bytes, all files together and decompressed, naming the file it passed the limit in", () => {
    const dir = tempDir("max-input")
    const limit = 64 * 1024
    assert.strictEqual(
      oneLineError(["scan", "--events", "/dev/urandom", "--max-input-bytes", String(limit), "--out", join(dir, "s.jsonl"), "--rejects", join(dir, "r.ndjson")], 2),
      "relink: /dev/urandom: more than 65,536 bytes (64 KiB), the most --max-input-bytes lets a run read from its events (all files together, decompressed)"
    )
    // Each file under the limit, the two together over it: the second is named.
    const exports = join(dir, "exports")
    mkdirSync(exports)
    let taken = 0
    while (Buffer.byteLength(sim.lines.slice(0, taken).join("\n")) < limit * 0.6) taken++
    const half = sim.lines.slice(0, taken).join("\n")
    assert.isAbove(Buffer.byteLength(half), limit / 2)
    assert.isBelow(Buffer.byteLength(half), limit)
    writeFileSync(join(exports, "a.ndjson"), `${half}\n`)
    writeFileSync(join(exports, "b.ndjson.gz"), gzipSync(`${half}\n`))
    assert.match(oneLineError(["scan", "--events", exports, "--max-input-bytes", String(limit), "--out", join(dir, "s.jsonl")], 2), /^relink: .*b\.ndjson\.gz: more than 65,536 bytes/)
    ok(relink(["scan", "--events", exports, "--max-input-bytes", String(2 * limit), "--out", join(dir, "s.jsonl"), "--as-of", AS_OF, "-q"]))
    assert.match(oneLineError(["scan", "--events", sim.eventsPath, "--max-input-bytes", "1000"], 2), /--max-input-bytes: "1000"\. Expected: an integer from 1,024/)
  })
})

describe("Bounded.readFile", () => {
  it("reads a file up to its limit whole, and refuses one byte more with the input and the limit named", async () => {
    const dir = tempDir("bounded")
    const limit = { bytes: 1000, input: "--labels l.json", what: "the most a label file takes" }
    writeFileSync(join(dir, "at.json"), "x".repeat(1000))
    writeFileSync(join(dir, "over.json"), "x".repeat(1001))
    assert.strictEqual((await Effect.runPromise(Bounded.readFile(join(dir, "at.json"), limit))).length, 1000)
    const over = await Effect.runPromise(Effect.flip(Bounded.readFile(join(dir, "over.json"), limit)))
    assert.strictEqual(over.message, "--labels l.json: more than 1,000 bytes, the most a label file takes")
    const missing = await Effect.runPromise(Effect.flip(Bounded.readFile(join(dir, "missing.json"), limit)))
    assert.deepInclude(missing, { _tag: "ReadFailed", reason: "no such file or directory" })
    assert.strictEqual((await Effect.runPromise(Effect.flip(Bounded.readFile("/dev/zero", limit))))._tag, "InputTooLarge")
  })

  it("closes the file when interrupted while it waits for bytes", async () => {
    const dir = tempDir("bounded-fifo")
    const path = join(dir, "slow.fifo")
    const marker = join(dir, "marker")
    assert.strictEqual(spawnSync("mkfifo", [path]).status, 0)
    // Opens the FIFO, waits, then writes: the write fails (EPIPE) only if the reader closed its end.
    const writer = spawn("sh", ["-c", `trap '' PIPE; exec 3>'${path}'; sleep 1; if echo x >&3; then echo open > '${marker}'; else echo closed > '${marker}'; fi`], { stdio: "ignore" })
    const exited = new Promise((resolve) => writer.on("exit", resolve))
    const exit = await Effect.runPromise(Effect.exit(Effect.timeout(Bounded.readFile(path, { bytes: 1000, input: path, what: "a test" }), "300 millis")))
    assert.isTrue(Exit.isFailure(exit))
    await exited
    assert.strictEqual(readFileSync(marker, "utf8"), "closed\n")
  })
})

describe("events read as they were meant", () => {
  it("tolerates a byte order mark opening any line, as concatenated files have them", () => {
    const dir = tempDir("bom")
    const bom = "\uFEFF"
    writeFileSync(join(dir, "both.ndjson"), `${bom}${sim.lines.slice(0, 50).join("\n")}\n${bom}${sim.lines.slice(50).join("\n")}\n`)
    ok(relink(["scan", "--events", join(dir, "both.ndjson"), "--out", join(dir, "both.jsonl"), "--rejects", join(dir, "r.ndjson"), "--as-of", AS_OF, "-q"]))
    ok(relink(["scan", "--events", sim.eventsPath, "--out", join(dir, "plain.jsonl"), "--rejects", join(dir, "r.ndjson"), "--as-of", AS_OF, "-q"]))
    assert.strictEqual(readFileSync(join(dir, "both.jsonl"), "utf8"), readFileSync(join(dir, "plain.jsonl"), "utf8"))
    assert.isFalse(existsSync(join(dir, "r.ndjson")))
  })

  it("reads gzip by its first bytes whatever the name, from a file or standard input; a truncated one is an error naming it", () => {
    const dir = tempDir("gzip")
    const compressed = gzipSync(readFileSync(sim.eventsPath))
    writeFileSync(join(dir, "events.ndjson"), compressed)
    ok(relink(["scan", "--events", sim.eventsPath, "--out", join(dir, "plain.jsonl"), "--as-of", AS_OF, "-q"]))
    ok(relink(["scan", "--events", join(dir, "events.ndjson"), "--out", join(dir, "named.jsonl"), "--as-of", AS_OF, "-q"]))
    const piped = ok(fedBy(`cat '${join(dir, "events.ndjson")}'`, ["scan", "--events", "-", "--as-of", AS_OF, "-q"], dir))
    const plain = readFileSync(join(dir, "plain.jsonl"), "utf8")
    assert.strictEqual(readFileSync(join(dir, "named.jsonl"), "utf8"), plain)
    assert.strictEqual(piped.stdout, plain)
    writeFileSync(join(dir, "cut.jsonl"), compressed.subarray(0, compressed.length >> 1))
    assert.strictEqual(oneLineError(["scan", "--events", join(dir, "cut.jsonl"), "--out", join(dir, "cut.out.jsonl")], 1), `relink: cannot read ${join(dir, "cut.jsonl")}: truncated gzip stream`)
  })

  it("refuses a directory holding an event file it cannot read, naming it, rather than skipping it", () => {
    const dir = tempDir("entries")
    writeFileSync(join(dir, "a.ndjson"), readFileSync(sim.eventsPath))
    symlinkSync(join(dir, "gone.ndjson"), join(dir, "b.ndjson"))
    assert.strictEqual(
      oneLineError(["scan", "--events", dir, "--out", join(dir, "s.jsonl")], 1),
      `relink: cannot read events from directory ${dir}: ${join(dir, "b.ndjson")} is a symbolic link to a file that does not exist`
    )
    writeFileSync(join(dir, "gone.ndjson"), "")
    mkdirSync(join(dir, "c.jsonl"))
    assert.strictEqual(oneLineError(["scan", "--events", dir, "--out", join(dir, "s.jsonl")], 1), `relink: cannot read events from directory ${dir}: ${join(dir, "c.jsonl")} is a directory, not a file of events`)
    // Other entries are not events and are not read.
    writeFileSync(join(dir, "notes.txt"), "")
  })

  it("rejects a line naming a key twice, with its path, and reads the rest", () => {
    const dir = tempDir("duplicate-key")
    const registration = sim.lines.find((l) => l.includes('"MemberRegistered"')) ?? ""
    const twice = registration.replace('"name":', '"name":"李娜","name":')
    writeFileSync(join(dir, "events.ndjson"), [...sim.lines, twice].join("\n"))
    const run = ok(relink(["scan", "--events", join(dir, "events.ndjson"), "--out", join(dir, "s.jsonl"), "--as-of", AS_OF]))
    assert.include(run.stderr, "1 malformed line skipped")
    assert.deepStrictEqual(
      rejectsOf(join(dir, "s.rejects.ndjson")).map((r) => ({ line: r.line, tag: r.tag, reason: r.reason })),
      [{ line: sim.lines.length + 1, tag: "DuplicateKey", reason: 'duplicate key "name": its object names it twice' }]
    )
  })
})

describe("rules checked before they are used", () => {
  it("refuses a rule whose weights are infinite or whose decisions are degenerate, naming the field, in every command that reads one", () => {
    const dir = tempDir("degenerate-rule")
    const write = (name: string, rule: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(rule))
      return join(dir, name)
    }
    const prior = write("prior.json", { ...MatchRule.chinese, prior: 1 })
    const thresholds = write("thresholds.json", { ...MatchRule.chinese, reviewProbability: 0.999999, autoLinkProbability: 0.99 })
    const empty = write("empty.json", { ...MatchRule.chinese, comparisons: [] })
    assert.strictEqual(oneLineError(["scan", "--events", sim.eventsPath, "--rule", prior], 2), `relink: --rule: ${prior}: prior is 1: every pair would be a match`)
    assert.strictEqual(
      oneLineError(["report", "unlinked", "--events", sim.eventsPath, "--rule", thresholds, "--out", join(dir, "l.xlsx")], 2),
      `relink: --rule: ${thresholds}: reviewProbability 0.999999 is above autoLinkProbability 0.99: auto-linking must take the higher probability`
    )
    assert.strictEqual(oneLineError(["train", "--events", sim.eventsPath, "--rule", empty], 2), `relink: --rule: ${empty}: comparisons is empty: every pair would weigh the prior alone`)
    const env = { ...process.env, RELINK_PII_KEY: KEY }
    assert.strictEqual(
      oneLineError(["worker", "--brokers", "localhost:1", "--mongo", "mongodb://localhost:1", "--rule", prior], 2, { env }),
      `relink: --rule: ${prior}: prior is 1: every pair would be a match`
    )
    assert.isFalse(existsSync(join(dir, "l.xlsx")))
  })
})
