/**
 * The worker's traces, recorded by an in-memory tracer over the in-memory store: a sweep is one
 * trace, a `relink.sweep` span with every span it makes under it; a batch's span links to the
 * spans that produced its messages (their `traceparent` headers).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { MatchRule, Policy } from "@relink/core"
import { type Consumer, Producer, TraceContext } from "@relink/kafka"
import { Pii } from "@relink/mongo"
import * as Engine from "../src/Engine.ts"
import * as Pipeline from "../src/Pipeline.ts"
import * as Store from "../src/Store.ts"
import * as Sweeper from "../src/Sweeper.ts"
import * as MemoryStore from "./support/MemoryStore.ts"
import { recorder } from "./support/SpanRecorder.ts"

const JANUARY = Date.parse("2026-01-15T00:00:00+08:00")
const NOVEMBER = Date.parse("2026-11-27T00:00:00+08:00")

const events = [
  { eventId: "e-0", type: "OrgRegistered", occurredAt: "2025-01-01T09:00:00+08:00", orgId: "org-a", name: "第一支部", kind: "branch", region: "510107" },
  { eventId: "e-1", type: "MemberRegistered", occurredAt: "2026-01-05T09:00:00+08:00", orgId: "org-a", memberId: "m-1", name: "张伟", idNumber: "11010519491231002X", category: "full" },
  { eventId: "e-2", type: "ContactRecorded", occurredAt: "2026-01-10T09:30:00+08:00", orgId: "org-a", memberId: "m-1", channel: "meeting" },
  { eventId: "e-3", type: "MemberRegistered", occurredAt: "2026-01-05T09:00:00+08:00", orgId: "org-a", memberId: "m-2", name: "李娜", idNumber: "110105196803150046", category: "full" }
]

const message = (offset: number, value: string, headers: Consumer.Message["headers"] = {}): Consumer.Message => ({
  topic: "events",
  partition: 0,
  offset: String(offset),
  key: null,
  value: Buffer.from(value),
  headers
})

const batchOf = (messages: ReadonlyArray<Consumer.Message>): Consumer.Batch => ({ topic: "events", partition: 0, messages, commit: Effect.void, heartbeat: Effect.void, abandon: Effect.void, pause: Effect.void })

const parentId = (span: Tracer.Span): string | undefined => Option.getOrUndefined(span.parent)?.spanId

/** The worker's services over the in-memory store; `sent` keeps what was published. */
const withWorker = <A, E>(effect: Effect.Effect<A, E, Engine.Engine | Producer.Producer | Store.Store>) => {
  const sent: Array<{ readonly topic: string; readonly messages: ReadonlyArray<Producer.OutgoingMessage> }> = []
  const producer = { send: (topic: string, messages: ReadonlyArray<Producer.OutgoingMessage>) => Effect.sync(() => void sent.push({ topic, messages })) }
  return Effect.gen(function* () {
    const engine = yield* Engine.make({ policy: Policy.defaults, rule: MatchRule.chinese, flagsTopic: "flags" })
    const result = yield* Effect.provideService(effect, Engine.Engine, engine)
    return { result, sent }
  }).pipe(
    Effect.provideService(Producer.Producer, producer),
    Effect.provideService(Store.Store, MemoryStore.make(MemoryStore.server(), MemoryStore.direct, () => NOVEMBER)),
    Effect.provide(Pii.layer(Redacted.make("tracing-test-key-0123456789abcdef")))
  )
}

describe("the worker's traces", () => {
  it.effect("a sweep is one trace: a relink.sweep span, and the stages it runs under it", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recorder()
      const { result: reviewed, sent } = yield* withWorker(
        Effect.gen(function* () {
          yield* TestClock.setTime(JANUARY)
          yield* Pipeline.processBatch(batchOf(events.map((e, i) => message(i, JSON.stringify(e)))))
          // Ten months later the members are lost: only the sweep can tell.
          yield* TestClock.setTime(NOVEMBER)
          return yield* Sweeper.sweepOnce.pipe(Effect.provideService(Tracer.Tracer, tracer))
        })
      )
      assert.strictEqual(reviewed, 2)
      assert.isTrue(sent.some((s) => s.topic === "flags"), "the sweep published the status changes")
      const roots = spans.filter((s) => Option.isNone(s.parent))
      assert.deepStrictEqual(roots.map((s) => s.name), ["relink.sweep"])
      const sweep = roots[0] as Tracer.NativeSpan
      assert.deepStrictEqual(new Set(spans.map((s) => s.traceId)), new Set([sweep.traceId]))
      const children = spans.filter((s) => parentId(s) === sweep.spanId).map((s) => s.name)
      for (const stage of ["relink.apply members", "relink.stage outputs", "relink.rematch"]) assert.include(children, stage)
      assert.strictEqual(sweep.attributes.get("relink.reviewed"), 2)
      assert.isTrue(spans.every((s) => s.status._tag === "Ended"))
    })
  )

  it.effect("a sweep with nothing due is one trace too", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recorder()
      const { result: reviewed } = yield* withWorker(Sweeper.sweepOnce.pipe(Effect.provideService(Tracer.Tracer, tracer)))
      assert.strictEqual(reviewed, 0)
      assert.deepStrictEqual(spans.filter((s) => Option.isNone(s.parent)).map((s) => s.name), ["relink.sweep"])
      assert.strictEqual(new Set(spans.map((s) => s.traceId)).size, 1)
    })
  )

  it.effect("a batch's span links to the span of each producer of its messages, once each, and continues none of their traces", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recorder()
      const traced = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Tracer.Tracer, tracer)
      // Two producers' spans, as `relink publish` or another service's producer would have them.
      const first = yield* traced(Effect.currentSpan.pipe(Effect.withSpan("kafka.produce")))
      const second = yield* traced(Effect.currentSpan.pipe(Effect.withSpan("kafka.produce")))
      const produced = (span: Tracer.Span) => ({ [TraceContext.header]: TraceContext.traceparent(span) })
      const messages = [
        message(0, JSON.stringify(events[0]), produced(first)),
        message(1, JSON.stringify(events[1]), produced(first)),
        message(2, JSON.stringify(events[2]), { [TraceContext.header]: Buffer.from(TraceContext.traceparent(second)) }),
        message(3, JSON.stringify(events[3])),
        message(4, "{not json", { [TraceContext.header]: "not a traceparent" })
      ]
      yield* withWorker(traced(Pipeline.processBatch(batchOf(messages))))
      const batch = spans.find((s) => s.name === "relink.batch")
      assert.isDefined(batch)
      if (batch === undefined) return
      assert.deepStrictEqual(
        batch.links.map((l) => [l.span.traceId, l.span.spanId]),
        [
          [first.traceId, first.spanId],
          [second.traceId, second.spanId]
        ]
      )
      assert.isTrue(Option.isNone(batch.parent), "a batch starts a trace of its own")
      assert.notInclude([first.traceId, second.traceId], batch.traceId)
      // Its stages are under it.
      assert.include(spans.filter((s) => parentId(s) === batch.spanId).map((s) => s.name), "relink.store events")
    })
  )

  it("links a batch to at most as many producers as OpenTelemetry keeps", () => {
    const messages = Array.from({ length: Pipeline.maxLinks + 50 }, (_, i) =>
      message(i, "{}", { [TraceContext.header]: `00-${String(i + 1).padStart(32, "0")}-${String(i + 1).padStart(16, "0")}-01` })
    )
    const links = Pipeline.producerLinks(batchOf(messages))
    assert.strictEqual(links.length, Pipeline.maxLinks)
    assert.strictEqual(new Set(links.map((l) => l.span.spanId)).size, Pipeline.maxLinks)
  })
})
