/**
 * The worker's metrics, as Effect `Metric`s: counters, the consumer lag, and histograms of batch
 * and stage latency and of batch size. `/metrics` renders them with Effect's Prometheus exporter
 * (`effect/observability/PrometheusMetrics`), after Node's process and runtime metrics (CPU,
 * memory, event-loop delay, GC pauses) from prom-client's default collectors. Nothing here writes
 * the exposition format by hand.
 */
import { Clock, Context, Effect, Layer, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { collectDefaultMetrics, Registry } from "prom-client"

/** Milliseconds on the monotonic clock: durations stay real when the evaluation clock is fixed (RELINK_NOW). */
export const monotonicMillis = Effect.map(Clock.monotonicTimeNanos, (nanos) => Number(nanos / 1_000_000n))

const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

export const events = counter("relink_events_total", "Events decoded and applied, duplicates included.")
export const duplicates = counter("relink_events_duplicate_total", "Redelivered or duplicated events (already stored).")
export const conflicts = counter("relink_events_conflict_total", "Later copies of an eventId with other content than the first (dead-lettered, not applied).")
export const deadLetters = counter("relink_dead_letters_total", "Messages sent to the dead-letter topic: malformed ones and conflicting duplicates.")
export const batches = counter("relink_batches_total", "Kafka batches processed and committed.")
export const statusChanges = counter("relink_status_changes_total", "Member status changes published.")
export const proposals = counter("relink_match_proposals_total", "Match proposals published.")
export const sweeps = counter("relink_sweeps_total", "Sweeps run.")
export const mongoCommands = counter("relink_mongo_commands_total", "Commands sent to MongoDB: its round trips.")
export const dataErrors = counter(
  "relink_data_errors_total",
  "Partitions stopped on an error retrying cannot mend (label error): stored data that does not decode, an operation MongoDB refuses, a PII key that opens nothing."
)

export const consumerLag = Metric.gauge("relink_consumer_lag", {
  description: "Messages of the input topic the group has not committed, over all its partitions."
})

/** From 5 ms to two minutes: a batch of one event on MongoDB to a large batch on FerretDB under load. */
const secondsBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

export const batchDuration = Metric.histogram("relink_batch_duration_seconds", {
  description: "Time from a batch's first attempt to its commit, retries included.",
  boundaries: secondsBoundaries
})
export const stageDuration = Metric.histogram("relink_stage_duration_seconds", {
  description: "Time spent in each stage of a batch (label stage), each attempt counted.",
  boundaries: secondsBoundaries
})
export const batchEvents = Metric.histogram("relink_batch_events", {
  description: "Messages per Kafka batch.",
  boundaries: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
})
export const sweepDuration = Metric.histogram("relink_sweep_duration_seconds", {
  description: "Time one sweep took.",
  boundaries: secondsBoundaries
})

/** The stages a batch goes through, as the `stage` label of `relink_stage_duration_seconds`. */
export type Stage = "decode" | "store events" | "store records" | "apply members" | "rematch" | "review branches" | "stage outputs" | "publish" | "commit"

/**
 * Runs `effect` as a span named `relink.<stage>` (a child of the batch's span) and records its
 * duration under `stage`, whether it succeeds or fails.
 */
export const observed =
  (stage: Stage) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function* () {
      const started = yield* monotonicMillis
      return yield* effect.pipe(
        Effect.ensuring(
          Effect.flatMap(monotonicMillis, (finished) => Metric.update(Metric.withAttributes(stageDuration, { stage }), (finished - started) / 1000))
        )
      )
    }).pipe(Effect.withSpan(`relink.${stage}`))

export interface MetricsShape {
  /** Whether the worker consumes: what /readyz answers. */
  ready: boolean
  /** The exposition text of every metric, for /metrics. */
  readonly render: Effect.Effect<string>
}

export class Metrics extends Context.Service<Metrics, MetricsShape>()("@relink/worker/Metrics") {}

export const make = Effect.sync((): MetricsShape => {
  // A registry of the worker's own: the default one is shared by whatever else loads prom-client.
  const runtime = new Registry()
  collectDefaultMetrics({ register: runtime })
  // Gauges named like counters: promtool's lint rejects them, and the heap and event loop tell more.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) runtime.removeSingleMetric(name)
  return {
    ready: false,
    render: Effect.gen(function* () {
      const node = yield* Effect.promise(() => runtime.metrics())
      return `${node}\n${yield* PrometheusMetrics.format()}`
    })
  }
})

export const layer = Layer.effect(Metrics, make)
