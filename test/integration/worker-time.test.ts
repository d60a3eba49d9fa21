/**
 * Time-driven changes: nobody sends an event when months pass. The worker runs on a controlled
 * clock (RELINK_NOW); restarting it later in time lets the sweeper find the members whose
 * `nextReviewAt` has come. Each threshold crossing must be published exactly once.
 */
import { Kafka } from "kafkajs"
import { describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"
import * as W from "./support/worker.ts"

const at = (day: string) => Date.parse(`${day}T09:00:00+08:00`)
const event = (eventId: string, type: string, day: string, fields: Record<string, unknown>) =>
  JSON.stringify({ eventId, type, occurredAt: `${day}T09:00:00+08:00`, orgId: "org-branch", ...fields })

const events = [
  event("o-1", "OrgRegistered", "2024-12-01", { orgId: "org-committee", name: "中共某街道工作委员会", kind: "committee", region: "510107" }),
  event("o-2", "OrgRegistered", "2024-12-01", { orgId: "org-branch", name: "某社区党支部", kind: "branch", region: "510107", parentId: "org-committee" }),
  // 王芳: registered, one phone call, then silence.
  event("e-1", "MemberRegistered", "2025-01-01", { memberId: "m-quiet", name: "王芳", idNumber: "11010519491231002X", category: "full" }),
  event("e-2", "ContactRecorded", "2025-01-02", { memberId: "m-quiet", channel: "phone" }),
  // 李强: suspended on 2025-02-01; two years later removal is due.
  event("e-3", "MemberRegistered", "2025-01-01", { memberId: "m-suspended", name: "李强", idNumber: "510107198509246713", category: "full" }),
  event("e-4", "StatusDecided", "2025-02-01", { memberId: "m-suspended", decision: "suspend" })
]

interface Change {
  readonly outputId: string
  readonly memberId: string
  readonly from: string | null
  readonly to: string
  readonly responsibleOrgId: string
  readonly reasons: ReadonlyArray<string>
}

const readChanges = async (setup: W.Setup): Promise<ReadonlyArray<Change>> => {
  const kafka = new Kafka({ clientId: "flags-reader", brokers: setup.brokers.split(","), logLevel: 0 })
  const consumer = kafka.consumer({ groupId: `flags-${setup.groupId}-${Date.now()}` })
  await consumer.connect()
  await consumer.subscribe({ topic: `${setup.topic}.flags`, fromBeginning: true })
  const changes: Array<Change> = []
  let last = Date.now()
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = JSON.parse(message.value?.toString("utf8") ?? "{}") as Change & { type: string }
      if (value.type === "MemberStatusChanged") changes.push(value)
      last = Date.now()
    }
  })
  // Joining the group takes a few seconds; then wait until the topic has been quiet for a while.
  const started = Date.now()
  while (Date.now() - Math.max(last, started + 8_000) < 3_000) await new Promise((r) => setTimeout(r, 250))
  await consumer.disconnect()
  return changes
}

describe("the sweeper on a controlled clock", () => {
  it("publishes each threshold crossing (3 months, 6 months, 12 months, 2 years) exactly once", async () => {
    const env = serviceEnv()
    const setup = W.freshSetup(env.KAFKA_BROKERS, env.MONGODB_URI, at("2025-01-10"), 2)
    await W.createTopics(setup)
    await W.publish(setup, events)

    const runAt = async (day: string) => {
      const worker = W.startWorker({ ...setup, asOf: at(day) })
      try {
        await W.waitForCatchUp(setup)
        // The first sweep runs at start-up; give it a moment to publish.
        for (let i = 0; i < 40 && !worker.output.some((l) => l.includes("worker consuming")); i++) await new Promise((r) => setTimeout(r, 250))
        await new Promise((r) => setTimeout(r, 2_000))
      } finally {
        const exit = await worker.stop()
        expect(exit.code).toBe(0)
      }
    }
    await runAt("2025-01-10") // 王芳 active (not news), 李强 suspended
    await runAt("2025-04-03") // 3 months since the last contact: at risk
    await runAt("2025-07-03") // 6 months: lost (and 6 months without meetings or dues)
    await runAt("2026-01-03") // 12 months: escalated to the street committee
    await runAt("2027-02-02") // 李强 suspended for 2 years: removal due
    await runAt("2027-02-02") // nothing new: nothing published again

    const changes = await readChanges(setup)
    // Per member in publication order (each member's changes share a partition; members may interleave).
    const summary = changes.map((c) => `${c.memberId} ${c.from ?? "-"}→${c.to} ${c.responsibleOrgId} ${[...c.reasons].sort().join(",")}`)
    const of = (memberId: string) => summary.filter((s) => s.startsWith(`${memberId} `))
    expect(of("m-quiet")).toEqual([
      "m-quiet active→at-risk org-branch contact-warning",
      "m-quiet at-risk→lost org-branch article9-review,lost-contact",
      "m-quiet lost→lost org-committee article9-review,escalated,lost-contact"
    ])
    expect(of("m-suspended")).toEqual(["m-suspended -→suspended org-branch suspended", "m-suspended suspended→suspended org-branch removal-due,suspended"])
    expect(summary.length).toBe(5)
    expect(new Set(changes.map((c) => c.outputId)).size).toBe(changes.length)
  })
})
