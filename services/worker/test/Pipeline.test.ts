/**
 * One batch through the worker's pipeline, over the in-memory store and a producer that keeps what
 * it is sent: a message the core decoder rejects goes to the dead-letter topic with the decoder's
 * tag and reason, and the events beside it are stored.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Result } from "effect"
import { Event, MatchRule, Policy } from "@relink/core"
import { type Consumer, DeadLetter, type Producer as ProducerShape, Producer } from "@relink/kafka"
import { Pii } from "@relink/mongo"
import * as Engine from "../src/Engine.ts"
import * as Pipeline from "../src/Pipeline.ts"
import * as Store from "../src/Store.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const NOW = Date.parse("2026-11-27T00:00:00+08:00")
const contact = { eventId: "e-1", type: "ContactRecorded", occurredAt: "2026-03-01T09:30:00+08:00", orgId: "org-a", memberId: "m-1", channel: "meeting" }
const lead = { eventId: "e-2", type: "LeadReported", occurredAt: "2026-03-02T09:30:00+08:00", orgId: "org-a", subject: { name: "张伟", phone: "13800138000" } }

const message = (offset: number, value: string): Consumer.Message => ({ topic: "events", partition: 0, offset: String(offset), key: null, value: Buffer.from(value), headers: {} })

/** Runs one batch; returns what was sent, by topic, and what the store holds after it. */
const runBatch = (values: ReadonlyArray<string>) => {
  const server = MemoryStore.server()
  const sent: Array<{ readonly topic: string; readonly messages: ReadonlyArray<ProducerShape.OutgoingMessage> }> = []
  const producer = { send: (topic: string, messages: ReadonlyArray<ProducerShape.OutgoingMessage>) => Effect.sync(() => void sent.push({ topic, messages })) }
  const batch: Consumer.Batch = { topic: "events", partition: 0, messages: values.map((value, i) => message(i, value)), commit: Effect.void, heartbeat: Effect.void, abandon: Effect.void }
  return Effect.gen(function* () {
    const engine = yield* Engine.make({ policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags" })
    yield* Pipeline.processBatch(batch).pipe(Effect.provideService(Engine.Engine, engine))
    return { sent, server }
  }).pipe(
    Effect.provideService(Producer.Producer, producer),
    Effect.provideService(Store.Store, MemoryStore.make(server, MemoryStore.direct, () => NOW)),
    Effect.provide(Pii.layer(Redacted.make("pipeline-test-key-0123456789abcdef")))
  )
}

describe("the worker's pipeline", () => {
  it.effect("dead-letters a message naming a key twice, with the core decoder's tag and reason, and stores the events beside it", () =>
    Effect.gen(function* () {
      const twice = JSON.stringify(lead).replace('"phone"', '"name":"李娜","phone"')
      const { sent, server } = yield* runBatch([JSON.stringify(contact), twice, JSON.stringify(lead)])
      const dead = sent.filter((s) => s.topic === "events.DLT").flatMap((s) => s.messages)
      assert.strictEqual(dead.length, 1)
      const decoded = Event.decodeLine(twice)
      assert.isTrue(Result.isFailure(decoded))
      if (Result.isFailure(decoded)) {
        assert.strictEqual(decoded.failure._tag, "DuplicateKey")
        assert.deepInclude(dead[0]?.headers ?? {}, {
          [DeadLetter.headers.errorTag]: "DuplicateKey",
          [DeadLetter.headers.reason]: decoded.failure.reason,
          [DeadLetter.headers.offset]: "1"
        })
        assert.include(decoded.failure.reason, "subject.name")
      }
      assert.strictEqual(dead[0]?.value.toString(), twice)
      assert.deepStrictEqual([...server.events.keys()].sort(), ["e-1", "e-2"])
    })
  )
})
