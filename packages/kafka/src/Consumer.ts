/**
 * A kafkajs consumer group as an Effect Stream of batches, with backpressure: kafkajs does not
 * fetch a partition's next batch until the stream's consumer calls the batch's `commit`. Offsets
 * are resolved and committed only by `commit` — after the caller's writes succeeded — so a crash
 * before it redelivers the batch (at-least-once; the writes are idempotent).
 */
import { Context, Deferred, Effect, Layer, Queue, Stream } from "effect"
import type { Consumer as KafkaJsConsumer, IHeaders } from "kafkajs"
import { Client } from "./Client.ts"
import { fromUnknown, KafkaError } from "./KafkaError.ts"

export interface Message {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: IHeaders
}

export interface Batch {
  readonly topic: string
  readonly partition: number
  readonly messages: ReadonlyArray<Message>
  /** Resolves and commits every offset of the batch, and lets kafkajs fetch the next one. */
  readonly commit: Effect.Effect<void, KafkaError>
  /** Keeps the group session alive while a batch takes long (e.g. retries while MongoDB is down). */
  readonly heartbeat: Effect.Effect<void, KafkaError>
  /** Gives the batch up uncommitted (the group moved on): its messages go to whoever owns the partition now. */
  readonly abandon: Effect.Effect<void>
  /**
   * Gives the batch up uncommitted and fetches nothing more of its partition until the consumer
   * starts again (kafkajs keeps the pause across rebalances): for a batch that fails the same way
   * however often it is tried. The consumer's other partitions go on.
   */
  readonly pause: Effect.Effect<void>
}

export interface Options {
  readonly groupId: string
  readonly topics: ReadonlyArray<string>
  readonly fromBeginning: boolean
  /** kafkajs session timeout; a batch must commit or heartbeat within it. */
  readonly sessionTimeoutMs?: number
  /**
   * Largest batch fetched from one partition. Larger batches mean fewer, larger bulk writes: a
   * member's events in one batch cost one write.
   */
  readonly maxBytesPerPartition?: number
}

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString()

/** Batches from the consumer group; connecting, subscribing and disconnecting are scoped to the stream. */
export const batches = (options: Options): Stream.Stream<Batch, KafkaError, Client> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const { kafka } = yield* Client
      return Stream.callback<Batch, KafkaError>(
        (queue) =>
          Effect.gen(function* () {
            const context = yield* Effect.context<never>()
            const run = Effect.runPromiseWith(context)
            const pending = new Set<Deferred.Deferred<void, KafkaError>>()
            const consumer: KafkaJsConsumer = yield* Effect.acquireRelease(
              Effect.tryPromise({
                try: async () => {
                  const c = kafka.consumer({
                    groupId: options.groupId,
                    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
                    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
                    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
                    maxBytes: 8 * (options.maxBytesPerPartition ?? 4 * 1024 * 1024),
                    allowAutoTopicCreation: false,
                    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 }
                  })
                  await c.connect()
                  return c
                },
                catch: fromUnknown("consumer connect")
              }),
              (c) =>
                Effect.gen(function* () {
                  // A batch still waiting for its commit is abandoned: it is redelivered later.
                  for (const done of pending) yield* Deferred.fail(done, new KafkaError({ operation: "consume", reason: "consumer stopped" }))
                  yield* Effect.promise(() => c.disconnect().catch(() => undefined))
                })
            )
            yield* Effect.tryPromise({
              try: () => consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning }),
              catch: fromUnknown("subscribe")
            })
            consumer.on(consumer.events.CRASH, (event) => {
              const error = event.payload.error
              if (event.payload.restart) return
              void run(Queue.fail(queue, new KafkaError({ operation: "consume", reason: error.message, cause: error })))
            })
            yield* Effect.tryPromise({
              try: () =>
                consumer.run({
                  autoCommit: false,
                  eachBatchAutoResolve: false,
                  eachBatch: async ({ batch, resolveOffset, heartbeat, pause, isRunning, isStale }) => {
                    if (batch.isEmpty() || !isRunning() || isStale()) return
                    const done = await run(Deferred.make<void, KafkaError>())
                    pending.add(done)
                    const last = batch.lastOffset()
                    const commit = Effect.tryPromise({
                      try: async () => {
                        resolveOffset(last)
                        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: nextOffset(last) }])
                      },
                      catch: fromUnknown("commit")
                    }).pipe(Effect.tap(() => Deferred.succeed(done, undefined)))
                    await run(
                      Queue.offer(queue, {
                        topic: batch.topic,
                        partition: batch.partition,
                        messages: batch.messages.map((m) => ({
                          topic: batch.topic,
                          partition: batch.partition,
                          offset: m.offset,
                          key: m.key,
                          value: m.value,
                          headers: m.headers ?? {}
                        })),
                        commit,
                        heartbeat: Effect.tryPromise({ try: () => heartbeat(), catch: fromUnknown("heartbeat") }),
                        abandon: Effect.asVoid(Deferred.succeed(done, undefined)),
                        // Paused before the batch is let go, so that kafkajs fetches nothing more of it.
                        pause: Effect.sync(() => void pause()).pipe(Effect.andThen(Deferred.succeed(done, undefined)), Effect.asVoid)
                      })
                    )
                    try {
                      await run(Deferred.await(done))
                    } finally {
                      pending.delete(done)
                    }
                  }
                }),
              catch: fromUnknown("consumer run")
            })
          }),
        { bufferSize: 1, strategy: "suspend" }
      )
    })
  )

export class Consumer extends Context.Service<Consumer, { readonly batches: Stream.Stream<Batch, KafkaError> }>()(
  "@relink/kafka/Consumer"
) {}

export const layer = (options: Options) =>
  Layer.effect(
    Consumer,
    Effect.map(Effect.context<Client>(), (context) => ({ batches: batches(options).pipe(Stream.provideContext(context)) }))
  )
