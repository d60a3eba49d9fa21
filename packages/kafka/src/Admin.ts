/** Topic set-up: the worker creates the topics it uses when they are missing (idempotent). */
import { Effect, type Scope } from "effect"
import type { Admin } from "kafkajs"
import { Client } from "./Client.ts"
import { fromUnknown, type KafkaError } from "./KafkaError.ts"

/** A connected kafkajs admin client for the scope, disconnected when it closes. */
export const scopedAdmin: Effect.Effect<Admin, KafkaError, Client | Scope.Scope> = Effect.gen(function* () {
  const { kafka } = yield* Client
  return yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const admin = kafka.admin()
        await admin.connect()
        return admin
      },
      catch: fromUnknown("admin connect")
    }),
    (admin) => Effect.promise(() => admin.disconnect().catch(() => undefined))
  )
})

/** Runs `use` with a connected kafkajs admin client, disconnected afterwards whatever happens. */
export const withAdmin = <A>(operation: string, use: (admin: Admin) => Promise<A>): Effect.Effect<A, KafkaError, Client> =>
  Effect.scoped(Effect.flatMap(scopedAdmin, (admin) => Effect.tryPromise({ try: () => use(admin), catch: fromUnknown(operation) })))

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
