/** Topic set-up: the worker creates the topics it uses when they are missing (idempotent). */
import { Effect } from "effect"
import type { Admin } from "kafkajs"
import { Client } from "./Client.ts"
import { fromUnknown, type KafkaError } from "./KafkaError.ts"

/** Runs `use` with a connected kafkajs admin client, disconnected afterwards whatever happens. */
export const withAdmin = <A>(operation: string, use: (admin: Admin) => Promise<A>): Effect.Effect<A, KafkaError, Client> =>
  Effect.gen(function* () {
    const { kafka } = yield* Client
    return yield* Effect.acquireUseRelease(
      Effect.tryPromise({
        try: async () => {
          const admin = kafka.admin()
          await admin.connect()
          return admin
        },
        catch: fromUnknown("admin connect")
      }),
      (admin) => Effect.tryPromise({ try: () => use(admin), catch: fromUnknown(operation) }),
      (admin) => Effect.promise(() => admin.disconnect().catch(() => undefined))
    )
  })

export interface TopicSpec {
  readonly topic: string
  readonly numPartitions: number
}

export const ensureTopics = (topics: ReadonlyArray<TopicSpec>): Effect.Effect<void, KafkaError, Client> =>
  withAdmin("create topics", async (admin) => {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((t) => !existing.has(t.topic))
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions, replicationFactor: -1 }))
      })
    }
  })
