/**
 * One Kafka batch, end to end: decode → dead-letter what is malformed → fold into MongoDB (which
 * dead-letters later copies of an eventId with other content) → publish outputs → commit offsets.
 * A failure that can pass (MongoDB or Kafka unavailable, a timeout, a write conflict) retries the
 * whole batch with exponential backoff, heartbeating so the group keeps the partition; one that
 * fails the same way every time (stored data that does not decode, a write the server refuses, a
 * PII key that opens nothing) stops the batch's partition, uncommitted, with one log line and
 * `relink_data_errors_total`. Offsets are never committed before the writes they cover. An attempt
 * runs to completion once started, so SIGTERM finishes the batch in flight before the worker stops.
 */
import { Clock, Duration, Effect, Metric, Option, Schedule, type Tracer } from "effect"
import { Event } from "@relink/core"
import { type Consumer, DeadLetter, type KafkaError, KafkaConfig, Producer, TraceContext } from "@relink/kafka"
import type { MongoError, Pii } from "@relink/mongo"
import { Engine, type Arrival, type Outcome } from "./Engine.ts"
import * as Metrics from "./Metrics.ts"
import * as Publisher from "./Publisher.ts"
import type * as StoredData from "./StoredData.ts"

const backoff = Schedule.exponential(Duration.millis(200), 2).pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(10))))
)

/** What a batch's span says of it: where its messages come from (no content, so no personal data). */
const batchAttributes = (batch: Consumer.Batch) => ({
  "messaging.system": "kafka",
  "messaging.destination.name": batch.topic,
  "messaging.destination.partition.id": String(batch.partition),
  "messaging.batch.message_count": batch.messages.length,
  "relink.offset.first": batch.messages[0]?.offset ?? "",
  "relink.offset.last": batch.messages.at(-1)?.offset ?? ""
})

/** As many links as a span keeps by default in OpenTelemetry's SDKs (`OTEL_SPAN_LINK_COUNT_LIMIT`). */
export const maxLinks = 128

/**
 * Links from a batch's span to the spans that produced its messages (their `traceparent`
 * headers), each span once, in the order of the messages, at most {@link maxLinks}: a batch
 * consumes messages of many traces, so it continues none of them and links to each.
 */
export const producerLinks = (batch: Consumer.Batch): ReadonlyArray<Tracer.SpanLink> => {
  const links = new Map<string, Tracer.SpanLink>()
  for (const message of batch.messages) {
    if (links.size === maxLinks) break
    const span = TraceContext.fromHeaders(message.headers)
    if (span !== undefined && !links.has(`${span.traceId}-${span.spanId}`)) links.set(`${span.traceId}-${span.spanId}`, { span, attributes: {} })
  }
  return [...links.values()]
}

/** What an attempt at a batch can fail with. */
export type BatchError = KafkaError.KafkaError | MongoError.MongoError | StoredData.StoredDataError | Pii.PiiKeyMismatch

/**
 * Whether a failed batch is worth trying again: Kafka away, or MongoDB away, out of time or
 * contended, can pass; stored data that does not decode, an operation the server refuses and a
 * key that opens nothing fail the same way every time. (A Kafka error saying the group moved on
 * is neither: the batch is someone else's now.)
 */
export const isRetryable = (error: BatchError): boolean => {
  switch (error._tag) {
    case "KafkaError":
      return true
    case "MongoError":
      return error.isRetryable
    case "StoredDataError":
    case "PiiKeyMismatch":
      return false
  }
}

/** How a batch ended: committed, given up to the group's new owner of the partition, or its partition stopped. */
type Settled =
  | { readonly _tag: "committed"; readonly outcome: Outcome }
  | { readonly _tag: "abandoned" }
  | { readonly _tag: "stopped"; readonly error: BatchError["_tag"] }

const groupMovedOn = (error: BatchError): boolean => error._tag === "KafkaError" && error.memberLost === true

/**
 * Stops the batch's partition on an error retrying cannot mend: one line for the operator (the
 * error names documents and fields, never their values), the counter, and the partition paused
 * with the batch uncommitted, so that nothing past it is committed and the other partitions go on.
 */
const stopPartition = (batch: Consumer.Batch, error: BatchError) =>
  Effect.logError(
    `partition stopped at offset ${batch.messages[0]?.offset ?? "?"}, nothing from there on committed until the worker restarts: ${error.message}`
  ).pipe(
    Effect.annotateLogs({ topic: batch.topic, partition: batch.partition, error: error._tag, ...(error._tag === "MongoError" && { kind: error.kind }) }),
    Effect.andThen(Metric.update(Metric.withAttributes(Metrics.dataErrors, { error: error._tag }), 1)),
    Effect.andThen(batch.pause)
  )

/** Log lines written inside the current span carry its trace and span ids, to be joined to the trace. */
const withTraceIds = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
    Option.isNone(span) ? effect : effect.pipe(Effect.annotateLogs({ trace_id: span.value.traceId, span_id: span.value.spanId }))
  )

export const processBatch = (batch: Consumer.Batch) =>
  Effect.scoped(Effect.gen(function* () {
    const engine = yield* Engine
    const producer = yield* Producer.Producer
    const arrivals: Array<Arrival> = []
    /** The message of each arrival, by index. */
    const messages: Array<Consumer.Message> = []
    const deadLetters: Array<Producer.OutgoingMessage> = []
    const started = yield* Metrics.monotonicMillis
    yield* Effect.gen(function* () {
      for (const message of batch.messages) {
        const raw = message.value ?? Buffer.alloc(0)
        const decoded = Event.decodeBytes(raw)
        if (decoded._tag === "Success") {
          arrivals.push({ event: decoded.success, raw, origin: { topic: message.topic, partition: message.partition, offset: message.offset } })
          messages.push(message)
        } else {
          deadLetters.push(DeadLetter.make(message, decoded.failure))
          yield* Effect.logWarning("malformed message sent to the dead-letter topic").pipe(
            Effect.annotateLogs({ topic: message.topic, partition: message.partition, offset: message.offset, error: decoded.failure._tag, reason: decoded.failure.reason })
          )
        }
      }
    }).pipe(Metrics.observed("decode"))
    let attempts = 0
    const attempt = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const outcome = yield* engine.ingest(arrivals, now)
      const conflicting = outcome.conflicts.flatMap(({ index, error }) => {
        const message = messages[index]
        return message === undefined ? [] : [{ message, error }]
      })
      for (const { message, error } of conflicting) {
        yield* Effect.logWarning("conflicting duplicate sent to the dead-letter topic").pipe(
          Effect.annotateLogs({ topic: message.topic, partition: message.partition, offset: message.offset, error: error._tag, reason: error.reason })
        )
      }
      yield* Effect.gen(function* () {
        yield* producer.send(KafkaConfig.deadLetterTopic(batch.topic), [...deadLetters, ...conflicting.map(({ message, error }) => DeadLetter.make(message, error))])
        // After a failure, publish everything still staged, whichever attempt staged it: an earlier
        // attempt's outputs may differ from this one's when another worker wrote in between.
        yield* attempts++ === 0 ? Publisher.publish(outcome.outputs) : Publisher.flush
      }).pipe(Metrics.observed("publish"))
      yield* batch.commit.pipe(Metrics.observed("commit"))
      return outcome
    }).pipe(Effect.uninterruptible)
    // Heartbeat while the batch is in hand, so a long outage does not cost the partition.
    yield* batch.heartbeat.pipe(Effect.ignore, Effect.repeat(Schedule.spaced(Duration.seconds(2))), Effect.forkScoped)
    const worthRetrying = (error: BatchError) => isRetryable(error) && !groupMovedOn(error)
    const result = yield* attempt.pipe(
      Effect.tapError((error) =>
        worthRetrying(error)
          ? Effect.logWarning(`batch failed, retrying: ${error.message}`).pipe(
              Effect.annotateLogs({ topic: batch.topic, partition: batch.partition, error: error._tag })
            )
          : Effect.void
      ),
      Effect.retry({ schedule: backoff, while: worthRetrying }),
      Effect.map((outcome): Settled => ({ _tag: "committed", outcome })),
      Effect.catch((error): Effect.Effect<Settled> =>
        groupMovedOn(error)
          ? // The writes are idempotent, so leaving the batch uncommitted loses nothing.
            Effect.logWarning(`batch abandoned, the group rebalanced: ${error.message}`).pipe(
              Effect.andThen(batch.abandon),
              Effect.as({ _tag: "abandoned" })
            )
          : stopPartition(batch, error).pipe(Effect.as({ _tag: "stopped", error: error._tag }))
      )
    )
    if (result._tag === "abandoned") return yield* Effect.annotateCurrentSpan({ "relink.outcome": "abandoned" })
    if (result._tag === "stopped") return yield* Effect.annotateCurrentSpan({ "relink.outcome": "stopped", "relink.error": result.error })
    const outcome = result.outcome
    yield* Effect.annotateCurrentSpan({
      "relink.outcome": "committed",
      "relink.events.new": outcome.newEvents,
      "relink.events.duplicate": outcome.duplicates,
      "relink.dead_letters": deadLetters.length + outcome.conflicts.length,
      "relink.status_changes": outcome.statusChanges,
      "relink.proposals": outcome.proposals,
      "relink.branch_changes": outcome.branchChanges
    })
    const finished = yield* Metrics.monotonicMillis
    yield* Metric.update(Metrics.batchDuration, (finished - started) / 1000)
    yield* Metric.update(Metrics.batchEvents, batch.messages.length)
    yield* Metric.update(Metrics.batches, 1)
    yield* Metric.update(Metrics.events, arrivals.length - outcome.conflicts.length)
    yield* Metric.update(Metrics.duplicates, outcome.duplicates)
    yield* Metric.update(Metrics.conflicts, outcome.conflicts.length)
    yield* Metric.update(Metrics.deadLetters, deadLetters.length + outcome.conflicts.length)
    yield* Metric.update(Metrics.statusChanges, outcome.statusChanges)
    yield* Metric.update(Metrics.proposals, outcome.proposals)
  })).pipe(withTraceIds, Effect.withSpan("relink.batch", { attributes: batchAttributes(batch), kind: "consumer", links: producerLinks(batch) }))
