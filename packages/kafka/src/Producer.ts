/** A kafkajs producer (acks from all in-sync replicas), connected for the scope's lifetime. Outputs carry deterministic ids, so a resend is harmless. */
import { Context, Effect, Layer } from "effect"
import { type IHeaders, Partitioners } from "kafkajs"
import { Client } from "./Client.ts"
import { fromUnknown, type KafkaError } from "./KafkaError.ts"

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
      : Effect.tryPromise({
          try: () => producer.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m })) }),
          catch: fromUnknown(`send to ${topic}`)
        }).pipe(Effect.asVoid)
  return { send }
})

export const layer = Layer.effect(Producer, make)
