import { readFileSync } from "node:fs"
import { Kafka } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BranchHealth, Policy, type Projection } from "@relink/core"
import { Simulation } from "@relink/simulation"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const SAMPLE = new URL("../fixtures/events-60-members.ndjson", import.meta.url)
const sampleLines = readFileSync(SAMPLE, "utf8").split("\n").filter((l) => l.length > 0)
// The fixture was simulated as of the end of this day: every event in it is at or before ASOF, as the worker sees them.
const ASOF = Date.parse("2026-11-27T23:59:59+08:00")

/** The floating branch in Shenzhen (Nanshan) of the fixture's district committee, and what it did. */
const BRANCH = "org-5101-0002"
const branchLines = [
  { eventId: "b-1", type: "OrgActivityRecorded", occurredAt: "2026-10-20T19:00:00+08:00", orgId: BRANCH, activity: "committee-meeting", attendees: ["m-0000013"] },
  { eventId: "b-2", type: "GuidanceRecorded", occurredAt: "2026-09-02T10:00:00+08:00", orgId: "org-5101-0001", targetOrgId: BRANCH, channel: "visit" },
  { eventId: "b-3", type: "BranchReported", occurredAt: "2026-07-01T10:00:00+08:00", orgId: BRANCH, homeOrgId: "org-5101-0001", memberIds: ["m-0000013"] }
].map((e) => JSON.stringify(e))

const brokers = () => serviceEnv().KAFKA_BROKERS
const mongoUri = () => serviceEnv().MONGODB_URI

/** Malformed messages of every kind the contract can be broken in, with the reason each must carry. */
const malformed: ReadonlyArray<readonly [string, string, string]> = [
  ["not JSON", "{eventId: e-1", "NotJson"],
  ["an array", "[1,2,3]", "UnknownEventType"],
  ["unknown type", JSON.stringify({ eventId: "bad-1", type: "MemberTeleported", occurredAt: "2026-01-01T00:00:00+08:00", orgId: "o" }), "UnknownEventType"],
  ["missing type", JSON.stringify({ eventId: "bad-2", occurredAt: "2026-01-01T00:00:00+08:00", orgId: "o" }), "UnknownEventType"],
  ["time without offset", JSON.stringify({ eventId: "bad-3", type: "ContactRecorded", occurredAt: "2026-01-01T09:00:00", orgId: "o", memberId: "m", channel: "phone" }), "InvalidEvent"],
  ["unknown channel", JSON.stringify({ eventId: "bad-4", type: "ContactRecorded", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o", memberId: "m", channel: "fax" }), "InvalidEvent"],
  ["missing memberId", JSON.stringify({ eventId: "bad-5", type: "ReturnReported", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o" }), "InvalidEvent"],
  ["eventId too long", JSON.stringify({ eventId: "x".repeat(200), type: "ReturnReported", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o", memberId: "m" }), "InvalidEvent"],
  ["bad region", JSON.stringify({ eventId: "bad-6", type: "OrgRegistered", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o", name: "支部", kind: "branch", region: "51" }), "InvalidEvent"],
  ["inflow with neither member nor identity", JSON.stringify({ eventId: "bad-7", type: "InflowRegistered", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o", region: "510107" }), "InvalidEvent"],
  ["negative validity", JSON.stringify({ eventId: "bad-8", type: "TransferIssued", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o", memberId: "m", transferId: "t", toOrgId: "p", validDays: -3 }), "InvalidEvent"],
  ["bad category", JSON.stringify({ eventId: "bad-9", type: "MemberRegistered", occurredAt: "2026-01-01T09:00:00+08:00", orgId: "o", memberId: "m", name: "张伟", idNumber: "11010519491231002X", category: "honorary" }), "InvalidEvent"],
  ["binary garbage", "\u0000\u0001\u00ff not text", "NotJson"]
]

describe("worker against real Kafka and a MongoDB-wire server", () => {
  let setup: W.Setup
  let worker: W.WorkerProcess
  const lines = [...sampleLines, ...branchLines, ...malformed.map(([, line]) => line)]

  beforeAll(async () => {
    const running = await W.workerOn(brokers(), mongoUri(), lines, ASOF)
    setup = running.setup
    worker = running.worker
  })
  afterAll(async () => {
    await worker?.stop("SIGKILL")
  })

  it("ends with exactly the embedded scan's statuses, responsible organisations and proposals", async () => {
    const state = await W.snapshot(setup)
    const scan = W.scanOf(lines, ASOF)
    expect(scan.evaluations.length).toBe(60)
    expect(scan.proposals.length).toBeGreaterThan(0)
    expect(W.differences(scan, state)).toEqual([])
  })

  it("stores each event once, however often it was redelivered", async () => {
    const distinct = new Set([...sampleLines, ...branchLines].map((l) => (JSON.parse(l) as { eventId: string }).eventId))
    expect(distinct.size).toBeLessThan(sampleLines.length)
    expect(await W.withStore(setup, (store) => store.countEvents)).toBe(distinct.size)
  })

  it("sends every malformed message to the dead-letter topic with its bytes and the reason, and keeps going", async () => {
    const kafka = new Kafka({ clientId: "dlt-reader", brokers: setup.brokers.split(","), logLevel: 0 })
    const consumer = kafka.consumer({ groupId: `dlt-${setup.groupId}` })
    await consumer.connect()
    await consumer.subscribe({ topic: `${setup.topic}.DLT`, fromBeginning: true })
    const received: Array<{ value: string; tag: string; reason: string; offset: string }> = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({
          value: message.value?.toString("utf8") ?? "",
          tag: message.headers?.["relink-error-tag"]?.toString() ?? "",
          reason: message.headers?.["relink-error-reason"]?.toString() ?? "",
          offset: message.headers?.["relink-origin-offset"]?.toString() ?? ""
        })
      }
    })
    const deadline = Date.now() + 60_000
    while (received.length < malformed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    await consumer.disconnect()
    expect(received.length).toBe(malformed.length)
    for (const [name, line, tag] of malformed) {
      const letter = received.find((r) => r.value === line)
      expect(letter, name).toBeDefined()
      expect(letter?.tag, name).toBe(tag)
      expect(letter?.reason.length, name).toBeGreaterThan(0)
      expect(letter?.offset, name).toMatch(/^\d+$/)
    }
  })

  it("stores the organisations' records as the embedded scan folds them, and publishes a floating branch's health as the scan evaluates it", async () => {
    const state = await W.snapshot(setup)
    const scan = W.scanOf(lines, ASOF)
    expect(scan.records.get(BRANCH)?.guidedBy).toEqual({ "org-5101-0001": Date.parse("2026-09-02T10:00:00+08:00") })
    expect(state.records).toEqual(scan.records)
    const members = scan.evaluations.map((evaluation) => ({ evaluation, projection: scan.members.get(evaluation.memberId) as Projection.Projection }))
    const expected = BranchHealth.evaluateAll({ records: scan.records, orgs: scan.orgs, members, asOf: ASOF, policy: Policy.defaults }).find((h) => h.orgId === BRANCH)
    expect(expected?.grade).not.toBe("normal")
    // Every BranchHealthChanged of the branch, keyed by it; the last (the highest stored version) says what the scan says.
    const kafka = new Kafka({ clientId: "branch-health-reader", brokers: setup.brokers.split(","), logLevel: 0 })
    const consumer = kafka.consumer({ groupId: `branch-health-${setup.groupId}` })
    await consumer.connect()
    await consumer.subscribe({ topic: `${setup.topic}.flags`, fromBeginning: true })
    const changes: Array<{ key: string; outputId: string; to: string; findings: ReadonlyArray<{ rule: string }> }> = []
    let last = Date.now()
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value?.toString("utf8") ?? "{}") as { type: string; orgId?: string; outputId: string; to: string; findings: ReadonlyArray<{ rule: string }> }
        if (value.type === "BranchHealthChanged" && value.orgId === BRANCH) changes.push({ key: message.key?.toString("utf8") ?? "", ...value })
        last = Date.now()
      }
    })
    const started = Date.now()
    while (Date.now() - started < 60_000 && (changes.length === 0 || Date.now() - Math.max(last, started + 8_000) < 3_000)) await new Promise((r) => setTimeout(r, 250))
    await consumer.disconnect()
    expect(changes.length).toBeGreaterThan(0)
    expect(new Set(changes.map((c) => c.key))).toEqual(new Set([BRANCH]))
    const latest = changes.reduce((a, b) => (Number(b.outputId.split("|").at(-1)) > Number(a.outputId.split("|").at(-1)) ? b : a))
    expect(latest.to).toBe(expected?.grade)
    expect(latest.findings.map((f) => f.rule)).toEqual(expected?.findings.map((f) => f.rule))
  })

  it("never writes a full ID number or phone number to its logs", async () => {
    const secrets = new Set<string>()
    for (const line of sampleLines) {
      for (const match of line.matchAll(/"(?:idNumber|phone)":"([^"]+)"/g)) secrets.add(match[1] as string)
    }
    expect(secrets.size).toBeGreaterThan(50)
    expect(worker.output.length).toBeGreaterThan(0)
    const leaks = worker.output.filter((line) => [...secrets].some((s) => line.includes(s) || line.includes(s.replace(/\D/g, ""))))
    expect(leaks).toEqual([])
  })

  it("stops cleanly on SIGTERM with exit code 0", async () => {
    const exit = await worker.stop("SIGTERM")
    expect(exit).toEqual({ code: 0, signal: null })
  })
})

describe("worker on a simulated stream of more than 20,000 events", () => {
  it("ends with exactly the embedded scan's statuses, responsible organisations and proposals", async () => {
    // Duplicated and locally reordered deliveries come with the simulation (≈1 % redelivered).
    const lines = [...Simulation.events({ members: 1500, seed: 20261127, asOf: ASOF })].map((e) => JSON.stringify(e))
    expect(lines.length).toBeGreaterThan(20_000)
    const setup = W.freshSetup(brokers(), mongoUri(), ASOF)
    await W.createTopics(setup)
    await W.publish(setup, lines)
    const worker = W.startWorker(setup)
    try {
      await W.waitForCatchUp(setup)
    } finally {
      await worker.stop()
    }
    const scan = W.scanOf(lines, ASOF)
    expect(scan.proposals.length).toBeGreaterThan(20)
    expect(new Set(scan.evaluations.map((e) => e.status)).size).toBeGreaterThan(6)
    expect(W.differences(scan, await W.snapshot(setup))).toEqual([])
  })
})
