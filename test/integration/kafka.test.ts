// A consumer group with manual commits against the real broker: every message is processed once,
// even when the consumer is replaced halfway, and what was committed is not read again.
import { randomUUID } from "node:crypto"
import { Kafka, logLevel, Partitioners, type Admin } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"

const TOTAL = 10_000
const PARTITIONS = 3
const FIRST_CONSUMER_STOPS_AFTER = 4_000

const kafka = new Kafka({
  clientId: "relink-integration",
  brokers: serviceEnv().KAFKA_BROKERS.split(","),
  logLevel: logLevel.ERROR
})

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

const withTimeout = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Run one consumer of `groupId` until it has processed `limit` messages. Processing = recording the
 * value; after each batch the consumer commits exactly the offsets it processed, and once past the
 * limit it processes nothing more, so "processed" and "committed" stay the same set.
 */
const consume = async (groupId: string, topic: string, limit: number): Promise<number[]> => {
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 16 * 1024, maxWaitTimeInMs: 500 })
  const processed: number[] = []
  let stopping = false
  let reachedLimit = (): void => undefined
  const done = new Promise<void>((resolve) => {
    reachedLimit = resolve
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      if (stopping) return
      let next: string | undefined
      for (const message of batch.messages) {
        processed.push(Number(message.value?.toString()))
        resolveOffset(message.offset)
        next = (BigInt(message.offset) + 1n).toString()
      }
      if (next !== undefined) {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }])
      }
      await heartbeat()
      if (processed.length >= limit) {
        stopping = true
        reachedLimit()
      }
    }
  })
  try {
    await withTimeout(done, 120_000, `${limit} messages (got ${processed.length})`)
  } finally {
    await consumer.disconnect()
  }
  return processed
}

/** A fresh member of `groupId` that joins, fetches a few times, and reports what it received. */
const consumeLeftovers = async (groupId: string, topic: string): Promise<number[]> => {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 })
  const received: number[] = []
  let fetchesAfterJoin = 0
  let joined = false
  const settled = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true
    })
    consumer.on(consumer.events.FETCH, () => {
      if (joined && ++fetchesAfterJoin >= 3) resolve()
    })
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      received.push(Number(message.value?.toString()))
    }
  })
  try {
    await withTimeout(settled, 60_000, "the leftover consumer to join and fetch")
  } finally {
    await consumer.disconnect()
  }
  return received
}

const committedTotal = async (admin: Admin, groupId: string, topic: string): Promise<number> => {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0)
}

describe("Kafka consumer group with manual offset commits", () => {
  const admin = kafka.admin()
  const topic = `it-relink-${randomUUID()}`
  const groupId = `it-group-${randomUUID()}`

  beforeAll(async () => {
    await admin.connect()
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true
    })
    expect(created).toBe(true)
  })

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await admin.disconnect()
  })

  it("produces 10,000 messages across all partitions", async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      for (let start = 0; start < TOTAL; start += 1_000) {
        await producer.send({
          topic,
          acks: -1,
          messages: range(start, start + 1_000).map((i) => ({ key: `member-${i % 101}`, value: String(i) }))
        })
      }
    } finally {
      await producer.disconnect()
    }
    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets).toHaveLength(PARTITIONS)
    expect(offsets.reduce((sum, { high }) => sum + Number(high), 0)).toBe(TOTAL)
    expect(offsets.every(({ high }) => Number(high) > 0)).toBe(true)
  })

  it("consumes each message once across a consumer restart", async () => {
    const first = await consume(groupId, topic, FIRST_CONSUMER_STOPS_AFTER)
    expect(first.length).toBeGreaterThanOrEqual(FIRST_CONSUMER_STOPS_AFTER)
    expect(first.length).toBeLessThan(TOTAL)
    expect(await committedTotal(admin, groupId, topic)).toBe(first.length)

    // A new consumer instance in the same group resumes from the committed offsets.
    const second = await consume(groupId, topic, TOTAL - first.length)
    const firstSet = new Set(first)
    expect(second.filter((value) => firstSet.has(value))).toEqual([])
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(range(0, TOTAL))

    // Everything is committed: the group's offsets are the partitions' ends, and one more member
    // of the group receives nothing.
    const ends = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    const byPartition = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, offset]))
    for (const { partition, high } of ends) expect(byPartition.get(partition)).toBe(high)
    expect(await consumeLeftovers(groupId, topic)).toEqual([])
  })
})
