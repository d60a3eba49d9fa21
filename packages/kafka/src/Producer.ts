/**
 * A kafkajs producer (acks from all in-sync replicas), connected for the scope's lifetime. Outputs
 * carry deterministic ids, so a resend is harmless. Each send is a `kafka.produce` span, and its
 * messages carry that span's W3C `traceparent`, so a consumer's trace continues from it.
 */
import { Context, Effect, Layer, Option } from "effect"
import { type IHeaders, Partitioners } from "kafkajs"
import { Client } from "./Client.ts"
import { fromUnknown, type KafkaError } from "./KafkaError.ts"
import * as TraceContext from "./TraceContext.ts"

export interface OutgoingMessage {
  readonly key: string | Buffer | null
  readonly value: string | Buffer
  readonly headers?: IHeaders
}

export class Producer extends Context.Service<
  Producer,
  { readonly send: (topic: string, messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<void, KafkaError> }
>()("@relink/kafka/Producer") {}

export const make = Effect.gen(function* () {
  const { kafka } = yield* Client
  const producer = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const p = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner })
        await p.connect()
        return p
      },
      catch: fromUnknown("producer connect")
    }),
    (p) => Effect.promise(() => p.disconnect().catch(() => undefined))
  )
  const send = (topic: string, messages: ReadonlyArray<OutgoingMessage>) =>
    messages.length === 0
      ? Effect.void
      : Effect.gen(function* () {
          const span = yield* Effect.option(Effect.currentSpan)
          const trace = Option.isSome(span) ? { [TraceContext.header]: TraceContext.traceparent(span.value) } : {}
          yield* Effect.tryPromise({
            try: () => producer.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m, headers: { ...trace, ...m.headers } })) }),
            catch: fromUnknown(`send to ${topic}`)
          })
        }).pipe(
          Effect.withSpan("kafka.produce", {
            kind: "producer",
            attributes: { "messaging.system": "kafka", "messaging.destination.name": topic, "messaging.batch.message_count": messages.length }
          })
        )
  return { send }
})

export const layer = Layer.effect(Producer, make)
