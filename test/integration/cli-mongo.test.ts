/**
 * The `relink` command end to end against the real services: simulate an export, `relink publish`
 * it into Kafka, run `relink worker` as a child process until it has caught up, stop it with
 * SIGTERM (exit 0), then read the worker's MongoDB state with `--mongo` and compare with the
 * embedded scan of the same export: the same unlinked, data-quality and early-warning lists, the
 * same screening progress, the same scan rows, byte for byte. Members with malformed ID numbers are added to the export, and a message that is
 * not UTF-8 to the topic.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Kafka } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const BIN = fileURLToPath(new URL("../../services/cli/src/bin.ts", import.meta.url))
const AS_OF = "2026-11-27"
const AS_OF_MS = Date.parse("2026-11-27T23:59:59+08:00")
const SIMULATED = 400
const SEED = 11
/** Registrations whose ID number fails GB 11643: a wrong check character, 17 characters, the letter O for a zero. */
const MALFORMED_IDS = ["110105194912310021", "11010519491231002", "11O10519491231002X"]
const MEMBERS = SIMULATED + MALFORMED_IDS.length
/** A message whose value is not UTF-8 (0xFF inside the name). */
const NOT_UTF8 = Buffer.concat([
  Buffer.from('{"eventId":"e-not-utf8","type":"MemberRegistered","occurredAt":"2025-01-01T09:00:00+08:00","orgId":"org-x","memberId":"m-not-utf8","name":"张'),
  Buffer.from([0xff]),
  Buffer.from('伟","idNumber":"11010519491231002X","category":"full"}')
])

/** The environment without any Kafka, MongoDB or relink setting the shell may have: the flags say it all. */
const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(KAFKA_|MONGODB_|RELINK_)/.test(name)) env[name] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

const scratch = mkdtempSync(join(tmpdir(), "relink-cli-mongo-"))

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const relink = (args: ReadonlyArray<string>, env: Record<string, string> = { RELINK_PII_KEY: W.PII_KEY }): Run => {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: scratch, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: cleanEnv(env) })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const ok = (run: Run): Run => {
  if (run.status !== 0) throw new Error(`relink exited ${run.status}: ${run.stderr}`)
  return run
}

/** One line on standard error, nothing on standard output, a non-zero exit. */
const oneLineError = (run: Run): string => {
  expect(run.status).not.toBe(0)
  expect(run.stdout).toBe("")
  const lines = run.stderr.split("\n").filter((l) => l.length > 0)
  expect(lines, run.stderr).toHaveLength(1)
  return lines[0] as string
}

describe("relink publish, relink worker and --mongo against real Kafka and a MongoDB-wire server", () => {
  const { KAFKA_BROKERS, MONGODB_URI } = serviceEnv()
  const setup = W.freshSetup(KAFKA_BROKERS, MONGODB_URI, AS_OF_MS)
  const eventsPath = join(scratch, "sim", "events.ndjson")
  const mongo = ["--mongo", MONGODB_URI, "--database", setup.database]
  let lines: ReadonlyArray<string> = []
  let worker: ChildProcess | undefined
  let workerOutput = ""
  let published: Run
  let stopped: { code: number | null; signal: NodeJS.Signals | null }

  beforeAll(async () => {
    ok(relink(["simulate", "--members", String(SIMULATED), "--seed", String(SEED), "--as-of", AS_OF, "--malformed", "5", "--out", join(scratch, "sim"), "--quiet"]))
    const home = /"type":"MemberRegistered".*?"orgId":"([^"]+)"/.exec(readFileSync(eventsPath, "utf8"))?.[1]
    appendFileSync(
      eventsPath,
      MALFORMED_IDS.map(
        (idNumber, i) =>
          `${JSON.stringify({ eventId: `e-dq-${i}`, type: "MemberRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: home, memberId: `m-dq-${i}`, name: `数据${i}`, idNumber, category: "full" })}\n`
      ).join("")
    )
    lines = readFileSync(eventsPath, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
    published = ok(relink(["publish", "--events", eventsPath, "--brokers", KAFKA_BROKERS, "--topic", setup.topic, "--partitions", String(setup.partitions)]))
    const producer = new Kafka({ clientId: "not-utf8", brokers: KAFKA_BROKERS.split(","), logLevel: 0 }).producer()
    await producer.connect()
    await producer.send({ topic: setup.topic, messages: [{ key: "m-not-utf8", value: NOT_UTF8 }] })
    await producer.disconnect()
    const child = spawn(
      process.execPath,
      [
        BIN,
        "worker",
        "--brokers",
        KAFKA_BROKERS,
        ...mongo,
        "--topic",
        setup.topic,
        "--flags-topic",
        `${setup.topic}.flags`,
        "--group",
        setup.groupId,
        "--http-port",
        "0",
        "--partitions",
        String(setup.partitions),
        "--now",
        AS_OF
      ],
      { cwd: scratch, env: cleanEnv({ RELINK_PII_KEY: W.PII_KEY, RELINK_SWEEP_INTERVAL_MS: "2000" }), stdio: ["ignore", "pipe", "pipe"] }
    )
    worker = child
    child.stdout.on("data", (chunk: Buffer) => (workerOutput += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (workerOutput += chunk.toString("utf8")))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
    await Promise.race([
      W.waitForCatchUp(setup),
      exited.then((exit) => Promise.reject(new Error(`relink worker exited early (${JSON.stringify(exit)}): ${workerOutput.slice(-2000)}`)))
    ])
    child.kill("SIGTERM")
    stopped = await exited
  })

  afterAll(() => {
    if (worker !== undefined && worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL")
  })

  it("publishes every line of the export and says how many", () => {
    expect(published.stderr).toMatch(new RegExp(`^published ${lines.length.toLocaleString("en-US")} lines to ${setup.topic} in `))
  })

  it("runs the worker from flags until SIGTERM, then exits 0", () => {
    expect(stopped, workerOutput.slice(-2000)).toEqual({ code: 0, signal: null })
    expect(workerOutput).toContain("worker consuming")
  })

  it("gives the same unlinked list from MongoDB as from the export, byte for byte", () => {
    const fromEvents = ok(relink(["report", "unlinked", "--events", eventsPath, "--format", "json", "--as-of", AS_OF, "--quiet"])).stdout
    const fromMongo = ok(relink(["report", "unlinked", ...mongo, "--format", "json", "--as-of", AS_OF, "--quiet"])).stdout
    const parsed = JSON.parse(fromMongo) as { rows: ReadonlyArray<unknown> }
    expect(parsed.rows.length).toBeGreaterThan(10)
    expect(fromMongo).toBe(fromEvents)
    // The same in English with an organisation's subtree, and as CSV.
    const orgs = (JSON.parse(ok(relink(["orgs", ...mongo, "--format", "json", "--as-of", AS_OF, "--quiet"])).stdout.split("\n")[0] ?? "{}") as { orgId: string })
    const scoped = ["--org", orgs.orgId, "--include-subtree", "--lang", "en", "--as-of", AS_OF, "--quiet"]
    expect(ok(relink(["report", "unlinked", ...mongo, ...scoped, "--format", "csv"])).stdout).toBe(
      ok(relink(["report", "unlinked", "--events", eventsPath, ...scoped, "--format", "csv"])).stdout
    )
  })

  it("gives one branch's lists from MongoDB as from the export, reading only the members the branch can hold", () => {
    const tree = ok(relink(["orgs", ...mongo, "--format", "json", "--as-of", AS_OF, "--quiet"]))
      .stdout.split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { orgId: string; parentId: string | null; depth: number; members: number; unlinked: number })
    const below = (orgId: string): number => tree.filter((o) => o.parentId === orgId).reduce((n, o) => n + o.members + below(o.orgId), 0)
    // The largest subtree below the root homing at most half the members (the 驻外 branches home none): a
    // read for it also opens the members who left it by transfer, but not all.
    const total = tree.reduce((n, o) => n + o.members, 0)
    const held = (o: (typeof tree)[number]) => o.members + below(o.orgId)
    const branch = tree.filter((o) => o.depth >= 1 && held(o) > 0 && held(o) <= total / 2).sort((a, b) => held(b) - held(a))[0]
    const leaf = tree.filter((o) => o.members > 0 && !tree.some((t) => t.parentId === o.orgId)).sort((a, b) => b.unlinked - a.unlinked)[0]
    if (branch === undefined || leaf === undefined) throw new Error("the simulated tree has no branch below its root")
    for (const scope of [["--org", branch.orgId, "--include-subtree"], ["--org", branch.orgId], ["--org", leaf.orgId]]) {
      for (const kind of ["unlinked", "data-quality", "early-warning"]) {
        const list = [kind, ...scope, "--format", "json", "--as-of", AS_OF]
        const fromMongo = ok(relink(["report", ...list, ...mongo]))
        expect(fromMongo.stdout, scope.join(" ")).toBe(ok(relink(["report", ...list, "--events", eventsPath, "--quiet"])).stdout)
        const read = Number(/^read ([\d,]+) members of /.exec(fromMongo.stderr)?.[1]?.replaceAll(",", ""))
        expect(read, fromMongo.stderr).toBeGreaterThan(0)
        expect(read, fromMongo.stderr).toBeLessThan(MEMBERS)
      }
    }
  })

  it("gives the same data-quality list from MongoDB as from the export, byte for byte", () => {
    const list = ["--as-of", AS_OF, "--quiet"]
    const fromEvents = ok(relink(["report", "data-quality", "--events", eventsPath, "--format", "json", ...list])).stdout
    const fromMongo = ok(relink(["report", "data-quality", ...mongo, "--format", "json", ...list])).stdout
    const rows = (JSON.parse(fromMongo) as { rows: ReadonlyArray<{ memberId: string; fieldId: string; idNumber: string }> }).rows
    // The registrations appended with a malformed ID number, and those the simulation wrote with a mistake (labels.json).
    expect(rows.filter((r) => r.memberId.startsWith("m-dq-")).map((r) => `${r.memberId} ${r.fieldId}`)).toEqual(MALFORMED_IDS.map((_, i) => `m-dq-${i} idNumber`))
    const labels = JSON.parse(readFileSync(join(scratch, "sim", "labels.json"), "utf8")) as ReadonlyArray<{ readonly memberId: string | null; readonly mistake?: string }>
    const mistaken = labels.flatMap((l) => (l.mistake !== undefined && l.memberId !== null ? [l.memberId] : []))
    expect(new Set(rows.map((r) => r.memberId))).toEqual(new Set([...mistaken, ...MALFORMED_IDS.map((_, i) => `m-dq-${i}`)]))
    expect(rows.filter((r) => r.fieldId === "idNumber").every((r) => r.idNumber.endsWith("（有误）"))).toBe(true)
    expect(fromMongo).toBe(fromEvents)
    for (const format of ["csv", "html"]) {
      expect(ok(relink(["report", "data-quality", ...mongo, "--format", format, "--lang", "en", "--reveal", ...list])).stdout).toBe(
        ok(relink(["report", "data-quality", "--events", eventsPath, "--format", format, "--lang", "en", "--reveal", ...list])).stdout
      )
    }
  })

  it("gives the same screening progress and early-warning list from the events the worker stored as from the export, byte for byte", () => {
    const span = ["--from", "2025-12-01", "--to", AS_OF, "--format", "json", "--quiet"]
    const fromEvents = ok(relink(["report", "progress", "--events", eventsPath, ...span])).stdout
    const fromMongo = ok(relink(["report", "progress", ...mongo, ...span])).stdout
    const parsed = JSON.parse(fromMongo) as { periods: ReadonlyArray<unknown>; total: ReadonlyArray<{ unlinkedAtStart: number; newlyUnlinked: number }> }
    expect(parsed.periods).toHaveLength(12)
    expect(parsed.total.some((c) => c.unlinkedAtStart > 0 && c.newlyUnlinked > 0)).toBe(true)
    expect(fromMongo).toBe(fromEvents)
    const week = ["--from", "2026-09-01", "--to", AS_OF, "--every", "week", "--format", "csv", "--lang", "en", "--quiet"]
    expect(ok(relink(["report", "progress", ...mongo, ...week])).stdout).toBe(ok(relink(["report", "progress", "--events", eventsPath, ...week])).stdout)
    const list = ["--as-of", AS_OF, "--format", "json", "--quiet"]
    expect(ok(relink(["report", "early-warning", ...mongo, ...list])).stdout).toBe(ok(relink(["report", "early-warning", "--events", eventsPath, ...list])).stdout)
  })

  it("gives the same floating organisations' report from the records the worker stored as from the export, byte for byte", () => {
    const list = ["--as-of", AS_OF, "--quiet"]
    const fromEvents = ok(relink(["report", "branches", "--events", eventsPath, "--format", "json", ...list])).stdout
    expect(ok(relink(["report", "branches", ...mongo, "--format", "json", ...list])).stdout).toBe(fromEvents)
    const report = JSON.parse(fromEvents) as { groups: ReadonlyArray<{ orgId: string | null; branches: ReadonlyArray<{ daysSinceActivity: number | null; daysSinceGuidance: number | null }> }> }
    const branches = report.groups.flatMap((g) => g.branches)
    // The simulated organisations meet and are guided: the records, not only the tree, reached MongoDB.
    expect(branches.some((b) => b.daysSinceActivity !== null)).toBe(true)
    expect(branches.some((b) => b.daysSinceGuidance !== null)).toBe(true)
    const committee = report.groups.find((g) => g.orgId !== null)?.orgId ?? ""
    const scoped = ["--org", committee, "--include-subtree", "--format", "csv", ...list]
    expect(ok(relink(["report", "branches", ...mongo, ...scoped])).stdout).toBe(ok(relink(["report", "branches", "--events", eventsPath, ...scoped])).stdout)
  })

  it("sends a message that is not UTF-8 to the dead-letter topic with the byte, its bytes unchanged", async () => {
    const consumer = new Kafka({ clientId: "dlt-reader", brokers: KAFKA_BROKERS.split(","), logLevel: 0 }).consumer({ groupId: `dlt-${setup.groupId}` })
    await consumer.connect()
    await consumer.subscribe({ topic: `${setup.topic}.DLT`, fromBeginning: true })
    const letters: Array<{ value: Buffer; tag: string; reason: string }> = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push({
          value: message.value ?? Buffer.alloc(0),
          tag: message.headers?.["relink-error-tag"]?.toString() ?? "",
          reason: message.headers?.["relink-error-reason"]?.toString() ?? ""
        })
      }
    })
    const deadline = Date.now() + 60_000
    while (!letters.some((l) => l.tag === "InvalidUtf8") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    await consumer.disconnect()
    const letter = letters.find((l) => l.tag === "InvalidUtf8")
    expect(letter?.reason).toBe(`invalid UTF-8 at byte ${NOT_UTF8.indexOf(0xff) + 1}`)
    expect(letter?.value.equals(NOT_UTF8)).toBe(true)
  })

  it("gives the same scan rows from MongoDB as from the export: members, then proposals", () => {
    const fromEvents = ok(relink(["scan", "--events", eventsPath, "--format", "jsonl", "--as-of", AS_OF, "--quiet"])).stdout
    const fromMongo = ok(relink(["scan", ...mongo, "--format", "jsonl", "--as-of", AS_OF, "--quiet"])).stdout
    const rows = fromMongo.split("\n").filter((l) => l.length > 0)
    expect(rows.filter((r) => r.startsWith('{"kind":"member"'))).toHaveLength(MEMBERS)
    expect(rows.some((r) => r.startsWith('{"kind":"match"'))).toBe(true)
    expect(fromMongo).toBe(fromEvents)
    expect(ok(relink(["scan", ...mongo, "--format", "csv", "--as-of", AS_OF, "--quiet"])).stdout).toBe(
      ok(relink(["scan", "--events", eventsPath, "--format", "csv", "--as-of", AS_OF, "--quiet"])).stdout
    )
    expect(ok(relink(["orgs", ...mongo, "--as-of", AS_OF, "--quiet"])).stdout).toBe(ok(relink(["orgs", "--events", eventsPath, "--as-of", AS_OF, "--quiet"])).stdout)
  })

  it("says what it read from MongoDB, and refuses a key that is not the worker's", () => {
    const summary = ok(relink(["scan", ...mongo, "--format", "jsonl", "--as-of", AS_OF, "--out", join(scratch, "scan.jsonl")])).stderr
    expect(summary).toMatch(new RegExp(`^read ${MEMBERS} members, \\d+ organisations and [\\d,]+ stored events from MongoDB \\(database ${setup.database} at `))
    const wrongKey = oneLineError(relink(["report", "unlinked", ...mongo, "--format", "json", "--as-of", AS_OF], { RELINK_PII_KEY: "not-the-worker-key-0123456789" }))
    expect(wrongKey).toMatch(/^relink: cannot decrypt the personal data stored in database .*: RELINK_PII_KEY is not the key the worker wrote it with$/)
    const unknownOrg = relink(["report", "unlinked", ...mongo, "--org", "org-nowhere", "--format", "json", "--as-of", AS_OF])
    expect(unknownOrg.status).toBe(1)
    expect(unknownOrg.stderr).toContain(`is not registered in the worker's database`)
    expect(unknownOrg.stderr).toContain(`relink orgs --mongo ${MONGODB_URI} --database ${setup.database}`)
  })

  it("answers bad invocations with one line and a non-zero exit", () => {
    expect(oneLineError(relink(["worker"], {}))).toMatch(/^relink worker: no Kafka brokers: give --brokers .* or set KAFKA_BROKERS/)
    expect(oneLineError(relink(["worker", "--brokers", KAFKA_BROKERS, ...mongo], {}))).toMatch(/^relink worker: no key for personal data at rest: set RELINK_PII_KEY/)
    expect(oneLineError(relink(["report", "unlinked", "--events", eventsPath, ...mongo, "--format", "json"]))).toMatch(
      /^relink report unlinked: --events and --mongo exclude each other/
    )
    expect(oneLineError(relink(["scan", "--format", "jsonl"]))).toMatch(/^relink scan: say where to read from: --events .* or --mongo URI/)
    expect(oneLineError(relink(["report", "unlinked", "--mongo", "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500", "--format", "json"]))).toMatch(
      /^relink: MongoDB connect failed: /
    )
  })
})
