/**
 * How far a consumer group has got through a topic: per partition, the offset it committed against
 * the end of the log, and the lag (messages not yet committed) over every partition. Read from the
 * admin API, so it counts partitions no member has fetched yet and is the same whichever worker
 * asks.
 */
import { Duration, Effect, Schedule } from "effect"
import type { Admin as KafkaJsAdmin } from "kafkajs"
import { scopedAdmin, withAdmin } from "./Admin.ts"
import type { Client } from "./Client.ts"
import { fromUnknown, type KafkaError } from "./KafkaError.ts"

export interface PartitionProgress {
  readonly partition: number
  /** The next offset the group will read, as committed; undefined when it committed none. */
  readonly committed: string | undefined
  /** The end of the log (the offset the next message will get). */
  readonly end: string
  /** Messages after the committed offset (from the start of the log when none is committed). */
  readonly lag: number
}

export interface Progress {
  readonly topic: string
  readonly partitions: ReadonlyArray<PartitionProgress>
  readonly lag: number
}

const read = async (admin: KafkaJsAdmin, groupId: string, topic: string): Promise<Progress> => {
  const [committed, offsets] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)])
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]))
  const partitions = offsets
    .map((p) => {
      const at = done.get(p.partition)
      const from = at === undefined || BigInt(at) < 0n ? undefined : at
      return { partition: p.partition, committed: from, end: p.high, lag: Number(BigInt(p.high) - BigInt(from ?? p.low)) }
    })
    .sort((a, b) => a.partition - b.partition)
  return { topic, partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) }
}

/** The group's progress through the topic now. */
export const of = (groupId: string, topic: string): Effect.Effect<Progress, KafkaError, Client> =>
  withAdmin("fetch offsets", (admin) => read(admin, groupId, topic))

/**
 * Reads the group's progress every `every` on one admin connection, handing each reading to
 * `onProgress`; runs until interrupted, failing when a reading fails.
 */
export const watch = <E, R>(
  groupId: string,
  topic: string,
  every: Duration.Input,
  onProgress: (progress: Progress) => Effect.Effect<void, E, R>
): Effect.Effect<never, KafkaError | E, Client | R> =>
  Effect.scoped(
    Effect.gen(function* () {
      const admin = yield* scopedAdmin
      const reading = Effect.tryPromise({ try: () => read(admin, groupId, topic), catch: fromUnknown("fetch offsets") })
      return yield* reading.pipe(Effect.flatMap(onProgress), Effect.repeat(Schedule.spaced(every)), Effect.andThen(Effect.never))
    })
  )

/** The committed offsets as one short text for a log line: `0:1200/1200 1:980/1010` (committed/end; `-` for none). */
export const describe = (progress: Progress): string =>
  progress.partitions.map((p) => `${p.partition}:${p.committed ?? "-"}/${p.end}`).join(" ")
