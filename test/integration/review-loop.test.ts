/**
 * 组织找党员's loop end to end, against real Kafka and a MongoDB-wire server: simulate an export
 * (with a few records of look-alikes of unlinked members added, people who are no member: what a
 * clerk rejects), publish it, let the worker store it; write the review queue from MongoDB as an
 * XLSX, every auto-link drawn for an audit too (a small simulated world proposes few reviews); fill in the
 * decisions as a clerk would, with exceljs, from the simulation's truth; `relink resolve` them to an
 * NDJSON file, `relink publish` it, let the worker apply it. Then the lists read from MongoDB show the
 * confirmed members found and who checked them, no decided pair is proposed again, and reading the
 * same workbook in again changes nothing — through `resolve` and through the worker.
 */
import { spawnSync } from "node:child_process"
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import ExcelJS from "exceljs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const BIN = fileURLToPath(new URL("../../services/cli/src/bin.ts", import.meta.url))
const AS_OF = "2026-11-27"
const AS_OF_MS = Date.parse("2026-11-27T23:59:59+08:00")
const REVIEWER = "测试核实员"
/** When the clerk decided: before the end of the simulated world's last day, which the worker takes as now. */
const DECIDED_AT = "2026-11-27T12:00:00+08:00"
/** Records of people who are no member, each with the name, birth date and hukou of an unlinked member. */
const LOOKALIKES = 4

const cleanEnv = (extra: Record<string, string>): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(KAFKA_|MONGODB_|RELINK_)/.test(name)) env[name] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

const scratch = mkdtempSync(join(tmpdir(), "relink-review-loop-"))

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const relink = (args: ReadonlyArray<string>): Run => {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: scratch, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: cleanEnv({ RELINK_PII_KEY: W.PII_KEY }) })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const ok = (run: Run): Run => {
  if (run.status !== 0) throw new Error(`relink exited ${run.status}: ${run.stderr}`)
  return run
}

interface Decision {
  readonly observationEventId: string
  readonly memberId: string
  readonly decision: "确认" | "否定"
}

interface QueueJson {
  readonly rows: ReadonlyArray<{ readonly observationEventId: string; readonly memberId: string }>
}

/**
 * Fills every queue row of the workbook as a clerk who knows the truth would: 确认 for the member
 * the observation is about, 否定 otherwise. Returns what it decided.
 */
const fill = async (from: string, to: string, truth: ReadonlyMap<string, string | null>): Promise<ReadonlyArray<Decision>> => {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(from)
  const decided = new Map<string, Decision>()
  for (const sheet of workbook.worksheets) {
    let header: Map<string, number> | undefined
    sheet.eachRow((row) => {
      const cells = new Map<string, number>()
      row.eachCell((cell, column) => cells.set(String(cell.value ?? ""), column))
      if (header === undefined) {
        if (cells.has("校验码") && cells.has("结论")) header = cells
        return
      }
      const observationEventId = String(row.getCell(header.get("线索编号") ?? 0).value ?? "")
      const memberId = String(row.getCell(header.get("党员编号") ?? 0).value ?? "")
      if (observationEventId === "" || memberId === "") return
      const decision = truth.get(observationEventId) === memberId ? "确认" : "否定"
      row.getCell(header.get("结论") ?? 0).value = decision
      row.getCell(header.get("核实人") ?? 0).value = REVIEWER
      if (decision === "确认") row.getCell(header.get("备注") ?? 0).value = "电话核实"
      decided.set(`${observationEventId} ${memberId}`, { observationEventId, memberId, decision })
    })
  }
  await workbook.xlsx.writeFile(to)
  return [...decided.values()]
}

describe("the review loop against real Kafka and a MongoDB-wire server", () => {
  const { KAFKA_BROKERS, MONGODB_URI } = serviceEnv()
  const setup = W.freshSetup(KAFKA_BROKERS, MONGODB_URI, AS_OF_MS)
  const sim = join(scratch, "sim")
  const mongo = ["--mongo", MONGODB_URI, "--database", setup.database]
  const list = ["--as-of", AS_OF, "--quiet"]
  const audit = ["--sample-auto-links", "1000"]
  let worker: W.WorkerProcess | undefined
  let decided: ReadonlyArray<Decision> = []
  let queueBefore: QueueJson
  let resolved: Run

  /** The export and the decisions, as one directory of events: what --events reads to agree with --mongo. */
  const exported = join(scratch, "export")

  beforeAll(async () => {
    ok(relink(["simulate", "--members", "600", "--seed", "28", "--as-of", AS_OF, "--out", sim, "--quiet"]))
    const labels = JSON.parse(readFileSync(join(sim, "labels.json"), "utf8")) as ReadonlyArray<{ eventId: string; memberId: string | null }>
    const truth = new Map<string, string | null>(labels.map((l) => [l.eventId, l.memberId]))
    const unlinked = new Set(
      (JSON.parse(ok(relink(["report", "unlinked", "--events", join(sim, "events.ndjson"), "--format", "json", ...list])).stdout) as QueueJson).rows.map((r) => r.memberId)
    )
    const lookalikes = readFileSync(join(sim, "events.ndjson"), "utf8")
      .split("\n")
      .flatMap((line) => {
        const event = line.startsWith("{") ? (JSON.parse(line) as { type?: string; memberId?: string; name?: string; birthDate?: string; hukouRegion?: string; orgId?: string }) : {}
        return event.type === "MemberRegistered" && unlinked.has(event.memberId ?? "") && event.birthDate !== undefined && event.hukouRegion !== undefined ? [event] : []
      })
      .slice(0, LOOKALIKES)
      .map((member, i) => ({
        eventId: `e-lookalike-${i}`,
        type: "RecordObserved",
        occurredAt: "2026-10-01T10:00:00+08:00",
        orgId: member.orgId,
        identity: { name: member.name, birthDate: member.birthDate, hukouRegion: member.hukouRegion },
        region: member.hukouRegion,
        dataSource: "community"
      }))
    expect(lookalikes).toHaveLength(LOOKALIKES)
    appendFileSync(join(sim, "events.ndjson"), lookalikes.map((e) => `${JSON.stringify(e)}\n`).join(""))
    for (const e of lookalikes) truth.set(e.eventId, null)
    await W.createTopics(setup)
    ok(relink(["publish", "--events", join(sim, "events.ndjson"), "--brokers", KAFKA_BROKERS, "--topic", setup.topic, "--partitions", String(setup.partitions), "--quiet"]))
    worker = W.startWorker(setup)
    await W.waitForCatchUp(setup, 150_000, [worker])
    queueBefore = JSON.parse(ok(relink(["report", "review", ...mongo, ...audit, "--format", "json", ...list])).stdout) as QueueJson
    ok(relink(["report", "review", ...mongo, ...audit, "--format", "xlsx", "--out", join(scratch, "review.xlsx"), ...list]))
    decided = await fill(join(scratch, "review.xlsx"), join(scratch, "review-filled.xlsx"), truth)
    resolved = ok(relink(["resolve", "--from", join(scratch, "review-filled.xlsx"), ...mongo, "--as-of", AS_OF, "--at", DECIDED_AT, "--out", join(scratch, "decisions.ndjson")]))
    ok(relink(["publish", "--events", join(scratch, "decisions.ndjson"), "--brokers", KAFKA_BROKERS, "--topic", setup.topic, "--partitions", String(setup.partitions), "--quiet"]))
    await W.waitForCatchUp(setup, 150_000, [worker])
    mkdirSync(exported)
    cpSync(join(sim, "events.ndjson"), join(exported, "events.ndjson"))
    cpSync(join(scratch, "decisions.ndjson"), join(exported, "decisions.ndjson"))
  })

  afterAll(async () => {
    await worker?.stop()
  })

  it("writes one decision per queue row, the confirmed ones the simulation's truth", () => {
    expect(queueBefore.rows.length).toBeGreaterThan(5)
    expect(decided).toHaveLength(queueBefore.rows.length)
    expect(decided.some((d) => d.decision === "确认")).toBe(true)
    expect(decided.some((d) => d.decision === "否定")).toBe(true)
    const events = readFileSync(join(scratch, "decisions.ndjson"), "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { type: string; observationEventId: string; memberId: string; resolution: string; resolvedBy?: string })
    expect(events.map((e) => `${e.observationEventId} ${e.memberId} ${e.resolution}`).sort()).toEqual(
      decided.map((d) => `${d.observationEventId} ${d.memberId} ${d.decision === "确认" ? "confirmed" : "rejected"}`).sort()
    )
    expect(events.every((e) => e.type === "MatchResolved" && e.resolvedBy === REVIEWER)).toBe(true)
    expect(resolved.stderr).toContain(REVIEWER)
  })

  it("proposes no decided pair again, from MongoDB as from the export with the decisions", () => {
    const fromMongo = ok(relink(["report", "review", ...mongo, ...audit, "--format", "json", ...list])).stdout
    const after = JSON.parse(fromMongo) as QueueJson
    const pairs = new Set(decided.map((d) => `${d.observationEventId} ${d.memberId}`))
    expect(after.rows.filter((r) => pairs.has(`${r.observationEventId} ${r.memberId}`))).toEqual([])
    expect(fromMongo).toBe(ok(relink(["report", "review", "--events", exported, ...audit, "--format", "json", ...list])).stdout)
    const scan = ok(relink(["scan", ...mongo, "--format", "jsonl", ...list])).stdout
    for (const d of decided) expect(scan).not.toContain(`"observationEventId":"${d.observationEventId}","memberId":"${d.memberId}"`)
  })

  it("counts members found by a confirmed registration under 找回, the MatchResolved the finding event, as the export does", () => {
    const span = ["--from", "2026-06-01", "--to", AS_OF, "--format", "json", "--quiet"]
    const fromMongo = ok(relink(["report", "progress", ...mongo, ...span])).stdout
    expect(fromMongo).toBe(ok(relink(["report", "progress", "--events", exported, ...span])).stdout)
    const found = (JSON.parse(fromMongo) as { found: ReadonlyArray<{ memberId: string; event: string; at: string }> }).found
    const confirmed = new Set(decided.filter((d) => d.decision === "确认").map((d) => d.memberId))
    // The simulation's own reviewers resolve some observations too, earlier: these are the clerk's.
    const byDecision = found.filter((f) => f.event === "MatchResolved" && f.at === DECIDED_AT)
    expect(byDecision.length).toBeGreaterThan(0)
    expect(byDecision.every((f) => confirmed.has(f.memberId))).toBe(true)
  })

  it("names who checked a confirmed lead in the unlinked list from MongoDB", () => {
    const rows = (JSON.parse(ok(relink(["report", "unlinked", ...mongo, "--format", "json", ...list])).stdout) as { rows: ReadonlyArray<{ leads: string }> }).rows
    expect(rows.some((r) => r.leads.includes(`（${REVIEWER}核实：电话核实）`))).toBe(true)
  })

  it("reading the same workbook in again changes nothing: resolve writes no event, and the worker stores none", async () => {
    const again = ok(relink(["resolve", "--from", join(scratch, "review-filled.xlsx"), ...mongo, "--as-of", AS_OF, "--at", DECIDED_AT, "--out", join(scratch, "again.ndjson")]))
    expect(readFileSync(join(scratch, "again.ndjson"), "utf8")).toBe("")
    expect(again.stderr).toMatch(new RegExp(`${decided.length} (rows )?applied before`))
    // Published again anyway (the same bytes as the first time): every event is a duplicate.
    const before = ok(relink(["report", "unlinked", ...mongo, "--format", "json", ...list])).stdout
    const stored = await W.storedEventIds(setup)
    ok(relink(["publish", "--events", join(scratch, "decisions.ndjson"), "--brokers", KAFKA_BROKERS, "--topic", setup.topic, "--partitions", String(setup.partitions), "--quiet"]))
    await W.waitForCatchUp(setup, 150_000, worker === undefined ? [] : [worker])
    expect((await W.storedEventIds(setup)).size).toBe(stored.size)
    expect(ok(relink(["report", "unlinked", ...mongo, "--format", "json", ...list])).stdout).toBe(before)
  })

  it("a roster imported into Kafka (relink import --brokers) reaches the worker, and the same roster again stores nothing new", async () => {
    const branches = readFileSync(join(sim, "events.ndjson"), "utf8")
      .split("\n")
      .flatMap((line) => {
        const event = line.startsWith("{") ? (JSON.parse(line) as { type?: string; kind?: string; name?: string }) : {}
        return event.type === "OrgRegistered" && event.kind === "branch" && event.name !== undefined ? [event.name] : []
      })
    const branch = branches.find((name) => branches.indexOf(name) === branches.lastIndexOf(name))
    expect(branch).toBeDefined()
    const roster = join(scratch, "roster.csv")
    writeFileSync(roster, `姓名,公民身份号码,所在党支部,人员类别\n新党员,11010519491231002X,${branch},预备党员\n`)
    const importing = ["import", "--kind", "roster", "--from", roster, "--as-of", AS_OF, "--events", join(sim, "events.ndjson"), "--brokers", KAFKA_BROKERS, "--topic", setup.topic, "--partitions", String(setup.partitions), "--report", join(scratch, "roster-report.xlsx")]
    const before = await W.storedEventIds(setup)
    expect(ok(relink(importing)).stderr).toMatch(/published 1 event to /)
    await W.waitForCatchUp(setup, 150_000, worker === undefined ? [] : [worker])
    const stored = await W.storedEventIds(setup)
    const imported = [...stored].filter((id) => !before.has(id))
    expect(imported).toHaveLength(1)
    expect(imported[0]).toMatch(/^import-[0-9a-f]{32}$/)
    // The export given does not hold what was published: the same event again, by the same id, which the worker already has.
    ok(relink(importing))
    await W.waitForCatchUp(setup, 150_000, worker === undefined ? [] : [worker])
    expect((await W.storedEventIds(setup)).size).toBe(stored.size)
  })
})
