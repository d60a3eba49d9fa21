/**
 * A repeated eventId through the worker (docs/events.md#repeated-event-ids): the first copy wins, a
 * later copy with the same content is a duplicate (merged again, changing nothing), one with other
 * content goes to the dead-letter topic with its bytes and the reason, and is not applied — the
 * embedded scan of the same lines decides the same.
 */
import { readFileSync } from "node:fs"
import { Kafka } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const SAMPLE = new URL("../fixtures/events-60-members.ndjson", import.meta.url)
const sampleLines = readFileSync(SAMPLE, "utf8").split("\n").filter((l) => l.length > 0)
const ASOF = Date.parse("2026-11-27T23:59:59+08:00")

type Wire = Record<string, unknown>
const parse = (line: string): Wire => {
  const value: unknown = JSON.parse(line)
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not an object: ${line}`)
  return Object.fromEntries(Object.entries(value))
}
const ofType = (type: string) => sampleLines.filter((l) => parse(l)["type"] === type)

// Conflicts that would each change the outcome if applied: a recent contact for members the fixture
// may have lost, a registration at another branch, an organisation renamed. Each has its first
// copy's Kafka key (memberId, else eventId), so it lands on the first copy's partition, after it.
const contacts = [...new Map(ofType("ContactRecorded").map((l) => [parse(l)["memberId"], l])).values()].slice(0, 8)
const conflicting = [
  ...contacts.map((l) => JSON.stringify({ ...parse(l), occurredAt: "2026-11-20T09:00:00+08:00", channel: "visit" })),
  ...ofType("MemberRegistered").slice(0, 2).map((l) => JSON.stringify({ ...parse(l), category: parse(l)["category"] === "full" ? "probationary" : "full" })),
  ...ofType("OrgRegistered").slice(1, 2).map((l) => JSON.stringify({ ...parse(l), name: "改名的党支部" }))
]
// Duplicates in another form: keys reversed, spaced out, a field the contract does not know.
const duplicates = contacts.slice(0, 4).map((l) => JSON.stringify(Object.fromEntries(Object.entries({ ...parse(l), note: "again" }).reverse()), null, 1))

const brokers = () => serviceEnv().KAFKA_BROKERS
const mongoUri = () => serviceEnv().MONGODB_URI

describe("worker: a repeated eventId with other content", () => {
  let setup: W.Setup
  let worker: W.WorkerProcess
  const lines = [...sampleLines, ...conflicting, ...duplicates]

  beforeAll(async () => {
    const running = await W.workerOn(brokers(), mongoUri(), lines, ASOF)
    setup = running.setup
    worker = running.worker
  })
  afterAll(async () => {
    await worker?.stop("SIGKILL")
  })

  it("sends each conflicting copy, and only those, to the dead-letter topic with its bytes, the tag and the reason", async () => {
    const kafka = new Kafka({ clientId: "dlt-reader", brokers: setup.brokers.split(","), logLevel: 0 })
    const consumer = kafka.consumer({ groupId: `dlt-${setup.groupId}` })
    await consumer.connect()
    await consumer.subscribe({ topic: `${setup.topic}.DLT`, fromBeginning: true })
    const received: Array<{ value: string; tag: string; reason: string }> = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({
          value: message.value?.toString("utf8") ?? "",
          tag: message.headers?.["relink-error-tag"]?.toString() ?? "",
          reason: message.headers?.["relink-error-reason"]?.toString() ?? ""
        })
      }
    })
    const deadline = Date.now() + 60_000
    while (received.length < conflicting.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    // A moment longer: a duplicate sent there by mistake would come after the conflicts.
    await new Promise((r) => setTimeout(r, 2_000))
    await consumer.disconnect()
    expect(received.map((r) => r.value).sort()).toEqual([...conflicting].sort())
    for (const letter of received) {
      const eventId = String(parse(letter.value)["eventId"])
      expect(letter.tag).toBe("ConflictingDuplicate")
      expect(letter.reason).toMatch(
        new RegExp(`^duplicate eventId ${JSON.stringify(eventId)} with different content than the copy from ${setup.topic.replace(/\./g, "\\.")} partition \\d+ offset \\d+$`)
      )
    }
  })

  it("applies the first copies only: exactly the embedded scan's outcome, which the conflicts would change", async () => {
    const state = await W.snapshot(setup)
    expect(W.differences(W.scanOf(lines, ASOF), state)).toEqual([])
    // Not vacuous: had the conflicting copies come first, the outcome would differ.
    expect(W.differences(W.scanOf([...conflicting, ...sampleLines], ASOF), state)).not.toEqual([])
  })

  it("stores each eventId once, with the digest of its first copy's content", async () => {
    const distinct = [...new Set(sampleLines.map((l) => String(parse(l)["eventId"])))]
    expect(await W.withStore(setup, (store) => store.countEvents)).toBe(distinct.length)
    const copies = await W.withStore(setup, (store) => store.storedCopies(distinct))
    expect([...copies.values()].every((c) => typeof c.digest === "string" && c.digest.length > 0)).toBe(true)
  })

  it("logs a warning for each conflict", () => {
    // At least: a batch retried after a failure warns again.
    expect(worker.output.filter((l) => l.includes("conflicting duplicate sent to the dead-letter topic")).length).toBeGreaterThanOrEqual(conflicting.length)
  })
})
