/**
 * The worker's metrics in Prometheus text format: a handful of counters and gauges, kept in one
 * service so /metrics renders a consistent snapshot.
 */
import { Clock, Context, Effect, Layer } from "effect"

export interface Snapshot {
  eventsProcessed: number
  eventsDuplicate: number
  /** Later copies of an eventId with other content than the first: dead-lettered, not applied. */
  eventsConflicting: number
  deadLetters: number
  batches: number
  batchSecondsSum: number
  batchSecondsMax: number
  statusChanges: number
  proposals: number
  sweeps: number
  sweepSecondsSum: number
  sweepSecondsLast: number
  /**
   * Messages the group has not committed, over every partition of the input topic, as last read
   * from the admin API; undefined until the first reading.
   */
  consumerLag: number | undefined
  /** Events per second over the last minute. */
  eventsPerSecond: number
  lastBatchAt: number
  ready: boolean
}

export interface MetricsShape {
  readonly snapshot: Snapshot
  readonly render: () => string
  readonly noteEvents: (count: number, at: number) => void
  /** Adds a counter read when /metrics is rendered (a value another service keeps). */
  readonly registerCounter: (name: string, help: string, read: () => number) => void
}

export class Metrics extends Context.Service<Metrics, MetricsShape>()("@relink/worker/Metrics") {}

/** Milliseconds on the monotonic clock: durations and rates stay real when the evaluation clock is fixed (RELINK_NOW). */
export const monotonicMillis = Effect.map(Clock.monotonicTimeNanos, (nanos) => Number(nanos / 1_000_000n))

export const make = Effect.sync(() => {
  const snapshot: Snapshot = {
    eventsProcessed: 0,
    eventsDuplicate: 0,
    eventsConflicting: 0,
    deadLetters: 0,
    batches: 0,
    batchSecondsSum: 0,
    batchSecondsMax: 0,
    statusChanges: 0,
    proposals: 0,
    sweeps: 0,
    sweepSecondsSum: 0,
    sweepSecondsLast: 0,
    consumerLag: undefined,
    eventsPerSecond: 0,
    lastBatchAt: 0,
    ready: false
  }
  // One bucket per second over the last 60 seconds, for a rate that needs no Prometheus query.
  const window: Array<{ second: number; count: number }> = []
  const noteEvents = (count: number, at: number) => {
    const second = Math.floor(at / 1000)
    const last = window.at(-1)
    if (last !== undefined && last.second === second) last.count += count
    else window.push({ second, count })
    while (window.length > 0 && (window[0]?.second ?? second) <= second - 60) window.shift()
    snapshot.eventsPerSecond = window.reduce((sum, b) => sum + b.count, 0) / 60
  }
  const line = (name: string, type: "counter" | "gauge", help: string, value: number) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`
  const counters: Array<{ readonly name: string; readonly help: string; readonly read: () => number }> = []
  const registerCounter = (name: string, help: string, read: () => number) => {
    counters.push({ name, help, read })
  }
  const render = () => {
    const cpu = process.cpuUsage()
    return [
      line("process_cpu_user_seconds_total", "counter", "User CPU time of the worker process.", cpu.user / 1e6),
      line("process_cpu_system_seconds_total", "counter", "System CPU time of the worker process.", cpu.system / 1e6),
      ...counters.map((c) => line(c.name, "counter", c.help, c.read())),
      line("relink_events_total", "counter", "Events decoded and applied (duplicates included).", snapshot.eventsProcessed),
      line("relink_events_duplicate_total", "counter", "Redelivered or duplicated events (already stored).", snapshot.eventsDuplicate),
      line("relink_events_conflict_total", "counter", "Later copies of an eventId with other content than the first (dead-lettered, not applied).", snapshot.eventsConflicting),
      line("relink_dead_letters_total", "counter", "Messages sent to the dead-letter topic: malformed ones and conflicting duplicates.", snapshot.deadLetters),
      line("relink_batches_total", "counter", "Kafka batches processed and committed.", snapshot.batches),
      line("relink_batch_seconds_sum", "counter", "Total time spent processing batches.", snapshot.batchSecondsSum),
      line("relink_batch_seconds_max", "gauge", "Slowest batch so far.", snapshot.batchSecondsMax),
      line("relink_events_per_second", "gauge", "Events applied per second over the last minute.", snapshot.eventsPerSecond),
      ...(snapshot.consumerLag === undefined
        ? []
        : [line("relink_consumer_lag", "gauge", "Messages of the input topic the group has not committed, over all its partitions.", snapshot.consumerLag)]),
      line("relink_status_changes_total", "counter", "Member status changes published.", snapshot.statusChanges),
      line("relink_match_proposals_total", "counter", "Match proposals published.", snapshot.proposals),
      line("relink_sweeps_total", "counter", "Sweeps run.", snapshot.sweeps),
      line("relink_sweep_seconds_sum", "counter", "Total time spent sweeping.", snapshot.sweepSecondsSum),
      line("relink_sweep_seconds_last", "gauge", "Duration of the last sweep.", snapshot.sweepSecondsLast)
    ].join("")
  }
  return { snapshot, render, noteEvents, registerCounter }
})

export const layer = Layer.effect(Metrics, make)
