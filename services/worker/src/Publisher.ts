/**
 * Sends staged outputs to Kafka and marks them published. Delivery is at-least-once: a crash
 * between the send and the mark sends the same `outputId` again, which consumers drop.
 */
import { Effect } from "effect"
import { Producer } from "@relink/kafka"
import * as Store from "./Store.ts"

export const publish = (outputs: ReadonlyArray<Store.OutboxDoc>) =>
  Effect.gen(function* () {
    if (outputs.length === 0) return
    const producer = yield* Producer.Producer
    const store = yield* Store.Store
    const byTopic = new Map<string, Array<Store.OutboxDoc>>()
    for (const o of outputs) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    for (const [topic, docs] of byTopic) {
      yield* producer.send(
        topic,
        docs.map((o) => ({ key: o.key, value: o.value, headers: { "relink-output-id": o._id } }))
      )
    }
    yield* store.markPublished(outputs.map((o) => o._id))
  })

/** Publishes whatever a previous run staged but did not get to send. */
export const flush = Effect.gen(function* () {
  const store = yield* Store.Store
  for (;;) {
    const pending = yield* store.unpublishedOutputs(500)
    if (pending.length === 0) return
    yield* publish(pending)
  }
})
