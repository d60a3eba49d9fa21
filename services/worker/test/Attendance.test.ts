/**
 * An activity's attendees in the worker: each gets the meeting contact a `ContactRecorded` would
 * give, whichever batch the activity and the members' other events arrive in, and the stored state
 * is the embedded scan's.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Event, MatchRule, Policy } from "@relink/core"
import { Pii } from "@relink/mongo"
import * as Store from "../src/Store.ts"
import * as Engine from "../src/Engine.ts"
import * as Snapshot from "../src/Snapshot.ts"
import * as Agreement from "../../../test/support/Agreement.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const ASOF = Date.parse("2026-06-30T09:00:00+08:00")
const settings: Engine.Settings = { policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags", strandedAfterMs: 0 }
const piiLayer = Pii.layer(Redacted.make("attendance-test-key-0123456789abcdef"))

const at = (day: string) => `${day}T09:00:00+08:00`
const lines = [
  { eventId: "o-1", type: "OrgRegistered", occurredAt: at("2025-01-01"), orgId: "fb-sz", name: "驻深圳流动党员党支部", kind: "floating-branch", region: "440300" },
  // The activity comes before the registrations it names, and names a member twice.
  { eventId: "a-1", type: "OrgActivityRecorded", occurredAt: at("2026-06-10"), orgId: "fb-sz", activity: "members-meeting", attendees: ["m-1", "m-2", "m-1"] },
  { eventId: "g-1", type: "GuidanceRecorded", occurredAt: at("2026-06-12"), orgId: "c-home", targetOrgId: "fb-sz", channel: "visit" },
  { eventId: "r-1", type: "BranchReported", occurredAt: at("2026-06-15"), orgId: "fb-sz", homeOrgId: "b-home", memberIds: ["m-1"] },
  ...["m-1", "m-2", "m-3"].map((memberId) => ({ eventId: `reg-${memberId}`, type: "MemberRegistered", occurredAt: at("2025-01-10"), orgId: "fb-sz", memberId, name: "张伟", idNumber: "11010519491231002X", category: "full" }))
].map((e) => JSON.stringify(e))

const arrivals = lines.map((line, offset): Engine.Arrival => {
  const decoded = Event.decodeLine(line)
  if (decoded._tag !== "Success") throw new Error(`malformed fixture line: ${line}`)
  return { event: decoded.success, raw: Buffer.from(line), origin: { topic: "events", partition: 0, offset: String(offset) } }
})

describe("the worker with OrgActivityRecorded", () => {
  it.effect("gives each attendee a meeting contact, in whichever batch, and agrees with the embedded scan", () =>
    Effect.gen(function* () {
      for (const batchSize of [1, 2, lines.length]) {
        const server = MemoryStore.server()
        const store = MemoryStore.make(server, MemoryStore.direct, () => ASOF)
        const engine = yield* Engine.make(settings).pipe(Effect.provideService(Store.Store, store), Effect.provide(piiLayer))
        for (let i = 0; i < arrivals.length; i += batchSize) yield* engine.ingest(arrivals.slice(i, i + batchSize), ASOF)
        const snapshot = yield* Snapshot.load(ASOF).pipe(Effect.provideService(Store.Store, store), Effect.provide(piiLayer))
        assert.deepStrictEqual(Agreement.differences(Agreement.scanOf(lines, ASOF), snapshot), [], `batches of ${batchSize}`)
        const meetings = ["m-1", "m-2", "m-3"].map((id) => snapshot.members.get(id)?.contacts.meeting)
        assert.deepStrictEqual(meetings, [Date.parse(at("2026-06-10")), Date.parse(at("2026-06-10")), undefined], `batches of ${batchSize}`)
      }
    })
  )
})
