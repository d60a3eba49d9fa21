/**
 * Time-driven changes: nobody sends an event when six months pass. Each member and each floating
 * organisation's health stores `nextReviewAt`; the sweeper re-evaluates those whose instant has come (an indexed query, so a
 * sweep costs O(changes), not O(members)) and publishes what changed. Each sweep is one trace: a
 * `relink.sweep` span, and under it the stages, MongoDB commands and Kafka sends it made.
 */
import { Clock, Effect, Metric } from "effect"
import { Engine } from "./Engine.ts"
import * as Metrics from "./Metrics.ts"
import * as Publisher from "./Publisher.ts"

const PAGE = 500

/** One sweep: re-evaluates every due member and floating organisation, page by page, until none is due; a span of its own. */
export const sweepOnce = Effect.gen(function* () {
  const engine = yield* Engine
  const started = yield* Metrics.monotonicMillis
  let reviewed = 0
  for (;;) {
    const now = yield* Clock.currentTimeMillis
    const page = yield* engine.sweep(now, PAGE)
    yield* Publisher.publish(page.outputs)
    reviewed += page.reviewed
    if (!page.more) break
  }
  const seconds = ((yield* Metrics.monotonicMillis) - started) / 1000
  yield* Metric.update(Metrics.sweeps, 1)
  yield* Metric.update(Metrics.sweepDuration, seconds)
  yield* Effect.annotateCurrentSpan({ "relink.reviewed": reviewed })
  if (reviewed > 0) yield* Effect.logInfo("sweep re-evaluated members").pipe(Effect.annotateLogs({ reviewed, seconds }))
  return reviewed
}).pipe(Effect.withSpan("relink.sweep"))
