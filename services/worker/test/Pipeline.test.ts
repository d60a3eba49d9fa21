/**
 * One batch through the worker's pipeline, over the in-memory store and a producer that keeps what
 * it is sent: a message the core decoder rejects goes to the dead-letter topic with the decoder's
 * tag and reason, and the events beside it are stored; MongoDB away is waited out with backoff;
 * an error that retrying cannot mend (stored data that does not decode, a key that opens nothing, a
 * write the server refuses) stops the partition at once, uncommitted, with one log line and the
 * data-errors counter.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, Metric, Redacted, References, Result } from "effect"
import { TestClock } from "effect/testing"
import { Event, MatchRule, Policy } from "@relink/core"
import { type Consumer, DeadLetter, type Producer as ProducerShape, Producer } from "@relink/kafka"
import { MongoError, Pii } from "@relink/mongo"
import * as Engine from "../src/Engine.ts"
import * as Metrics from "../src/Metrics.ts"
import * as Pipeline from "../src/Pipeline.ts"
import * as Store from "../src/Store.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const NOW = Date.parse("2026-11-27T00:00:00+08:00")
const KEY = "pipeline-test-key-0123456789abcdef"
const contact = (eventId: string) => ({ eventId, type: "ContactRecorded", occurredAt: "2026-03-01T09:30:00+08:00", orgId: "org-a", memberId: "m-1", channel: "meeting" })
const lead = { eventId: "e-2", type: "LeadReported", occurredAt: "2026-03-02T09:30:00+08:00", orgId: "org-a", subject: { name: "张伟", phone: "13800138000" } }

const message = (offset: number, value: string): Consumer.Message => ({ topic: "events", partition: 0, offset: String(offset), key: null, value: Buffer.from(value), headers: {} })

/** A batch of these values that counts how it was let go: committed, abandoned or paused. */
const batchOf = (values: ReadonlyArray<string>) => {
  const settled = { commits: 0, abandons: 0, pauses: 0 }
  const batch: Consumer.Batch = {
    topic: "events",
    partition: 0,
    messages: values.map((value, i) => message(i, value)),
    commit: Effect.sync(() => void settled.commits++),
    heartbeat: Effect.void,
    abandon: Effect.sync(() => void settled.abandons++),
    pause: Effect.sync(() => void settled.pauses++)
  }
  return { batch, settled }
}

interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/**
 * Runs one batch on a worker over `server` (the store's round trips through `roundTrip`, personal
 * data under `key`); returns what was sent, by topic, how the batch was let go and the lines logged.
 */
const runBatch = (
  values: ReadonlyArray<string>,
  options: { readonly server?: MemoryStore.Server; readonly roundTrip?: MemoryStore.RoundTrip; readonly key?: string } = {}
) => {
  const server = options.server ?? MemoryStore.server()
  const { batch, settled } = batchOf(values)
  const sent: Array<{ readonly topic: string; readonly messages: ReadonlyArray<ProducerShape.OutgoingMessage> }> = []
  const producer = { send: (topic: string, messages: ReadonlyArray<ProducerShape.OutgoingMessage>) => Effect.sync(() => void sent.push({ topic, messages })) }
  const logs: Array<LogLine> = []
  const collector = Logger.make((line) => {
    logs.push({ level: line.logLevel, message: String(line.message), annotations: line.fiber.getRef(References.CurrentLogAnnotations) })
  })
  return Effect.gen(function* () {
    const engine = yield* Engine.make({ policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags" })
    yield* Pipeline.processBatch(batch).pipe(Effect.provideService(Engine.Engine, engine))
    return { sent, server, settled, logs }
  }).pipe(
    Effect.provideService(Producer.Producer, producer),
    Effect.provideService(Store.Store, MemoryStore.make(server, options.roundTrip ?? MemoryStore.direct, () => NOW)),
    Effect.provide(Pii.layer(Redacted.make(options.key ?? KEY))),
    Effect.provide(Logger.layer([collector]))
  )
}

/** A connection whose first `n` round trips fail with an error of `kind`, and that counts them. */
const failingFirst = (n: number, kind: MongoError.Kind) => {
  const failures = { count: 0 }
  const roundTrip: MemoryStore.RoundTrip = (operation, size, apply) =>
    failures.count < n
      ? Effect.suspend(() => {
          failures.count++
          return Effect.fail(new MongoError.MongoError({ operation, reason: `${kind} for the test`, kind }))
        })
      : MemoryStore.direct(operation, size, apply)
  return { roundTrip, failures }
}

const dataErrors = (error: string) => Effect.map(Metric.value(Metric.withAttributes(Metrics.dataErrors, { error })), (state) => state.count)

/** A server holding a member stored by a batch of its own, under the test's key. */
const storedMember = Effect.suspend(() => Effect.map(runBatch([JSON.stringify(contact("e-1"))]), ({ server }) => server))

/** What a batch that stops its partition shows: paused once, never committed or retried, one error line. */
const assertStopped = (result: Effect.Success<ReturnType<typeof runBatch>>, tag: string) => {
  assert.deepStrictEqual(result.settled, { commits: 0, abandons: 0, pauses: 1 })
  assert.deepStrictEqual(result.logs.filter((l) => l.message.includes("retrying")), [])
  const errors = result.logs.filter((l) => l.level === "Error")
  assert.strictEqual(errors.length, 1)
  assert.include(errors[0]?.message ?? "", "partition stopped at offset 0, nothing from there on committed until the worker restarts: ")
  assert.deepInclude(errors[0]?.annotations ?? {}, { topic: "events", partition: 0, error: tag })
  assert.deepStrictEqual(result.sent.filter((s) => s.topic === "flags"), [])
}

describe("the worker's pipeline", () => {
  it.effect("dead-letters a message naming a key twice, with the core decoder's tag and reason, and stores the events beside it", () =>
    Effect.gen(function* () {
      const twice = JSON.stringify(lead).replace('"phone"', '"name":"李娜","phone"')
      const { sent, server, settled } = yield* runBatch([JSON.stringify(contact("e-1")), twice, JSON.stringify(lead)])
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
      assert.deepStrictEqual(settled, { commits: 1, abandons: 0, pauses: 0 })
    })
  )

  it.effect("retries a batch with backoff while MongoDB is unavailable, and commits it once MongoDB answers", () =>
    Effect.gen(function* () {
      const { roundTrip, failures } = failingFirst(3, "Unavailable")
      const fiber = yield* Effect.forkChild(runBatch([JSON.stringify(contact("e-1"))], { roundTrip }))
      while (failures.count === 0) yield* Effect.yieldNow
      // The first retry waits 200 ms: nothing is tried again before.
      yield* TestClock.adjust("150 millis")
      assert.strictEqual(failures.count, 1)
      yield* TestClock.adjust("10 seconds")
      const { server, settled, logs } = yield* Fiber.join(fiber)
      assert.strictEqual(failures.count, 3)
      assert.deepStrictEqual(settled, { commits: 1, abandons: 0, pauses: 0 })
      assert.deepStrictEqual([...server.members.keys()], ["m-1"])
      assert.strictEqual(logs.filter((l) => l.level === "Warn" && l.message.startsWith("batch failed, retrying")).length, 3)
      assert.deepStrictEqual(logs.filter((l) => l.level === "Error"), [])
    })
  )

  // Live clock: were the error retried, the backoff's real sleeps would run into the timeout.
  it.live("stops the partition on a stored member that does not decode, naming the document and never its content", () =>
    Effect.gen(function* () {
      const server = yield* storedMember
      const pii = yield* Pii.make(Redacted.make(KEY))
      const stored = server.members.get("m-1")
      assert.isDefined(stored)
      if (stored !== undefined) server.members.set("m-1", { ...stored, state: pii.encrypt(JSON.stringify({ memberId: "m-1", name: "张伟" })) })
      const before = yield* dataErrors("StoredDataError")
      const result = yield* runBatch([JSON.stringify(contact("e-3"))], { server }).pipe(Effect.timeout("10 seconds"))
      assertStopped(result, "StoredDataError")
      const line = result.logs.find((l) => l.level === "Error")?.message ?? ""
      assert.include(line, "the stored members document m-1 does not decode: state.")
      assert.notInclude(line, "张伟")
      assert.strictEqual((yield* dataErrors("StoredDataError")) - before, 1)
    })
  )

  it.live("stops the partition on members sealed under another key, as PiiKeyMismatch", () =>
    Effect.gen(function* () {
      const server = yield* storedMember
      const before = yield* dataErrors("PiiKeyMismatch")
      const result = yield* runBatch([JSON.stringify(contact("e-3"))], { server, key: "another-pipeline-key-0123456789" }).pipe(Effect.timeout("10 seconds"))
      assertStopped(result, "PiiKeyMismatch")
      assert.include(result.logs.find((l) => l.level === "Error")?.message ?? "", "RELINK_PII_KEY")
      assert.strictEqual((yield* dataErrors("PiiKeyMismatch")) - before, 1)
    })
  )

  it.live("stops the partition on a write MongoDB refuses, without sending it again", () =>
    Effect.gen(function* () {
      // Only the first round trip is refused: a retry would go through and commit.
      const { roundTrip, failures } = failingFirst(1, "Rejected")
      const before = yield* dataErrors("MongoError")
      const result = yield* runBatch([JSON.stringify(contact("e-1"))], { roundTrip }).pipe(Effect.timeout("10 seconds"))
      assertStopped(result, "MongoError")
      assert.deepInclude(result.logs.find((l) => l.level === "Error")?.annotations ?? {}, { kind: "Rejected" })
      assert.strictEqual(failures.count, 1)
      assert.strictEqual((yield* dataErrors("MongoError")) - before, 1)
    })
  )
})

describe("Pipeline.isRetryable", () => {
  it("retries what can pass and nothing that fails the same way every time", () => {
    const mongo = (kind: MongoError.Kind) => new MongoError.MongoError({ operation: "write members", reason: "…", kind })
    assert.isTrue(Pipeline.isRetryable(mongo("Unavailable")))
    assert.isTrue(Pipeline.isRetryable(mongo("Timeout")))
    assert.isTrue(Pipeline.isRetryable(mongo("WriteConflict")))
    assert.isFalse(Pipeline.isRetryable(mongo("Rejected")))
    assert.isFalse(Pipeline.isRetryable(mongo("DuplicateKey")))
    assert.isFalse(Pipeline.isRetryable(mongo("Other")))
    assert.isFalse(Pipeline.isRetryable(new Pii.PiiKeyMismatch()))
  })
})
