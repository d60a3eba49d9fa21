// The setup itself: given services are used untouched, and local services can be stopped,
// started and restarted in place (what the fault tests build on).
import { existsSync, readFileSync } from "node:fs"
import { randomUUID } from "node:crypto"
import { Kafka, logLevel, Partitioners } from "kafkajs"
import { MongoClient } from "mongodb"
import { describe, expect, it } from "vitest"
import { serviceEnv } from "../setup/context.ts"
import { ExternalServiceError } from "../setup/errors.ts"
import { spawnCount } from "../setup/processes.ts"
import { startServices } from "../setup/services.ts"

const env = serviceEnv()

/** Direct children of this test process, from /proc. */
const childPids = (): number[] =>
  readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter((pid) => pid !== "")
    .map(Number)

const ping = async (uri: string): Promise<boolean> => {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_500 })
  try {
    const reply = await client.db("admin").command({ ping: 1 })
    return reply["ok"] === 1
  } catch {
    return false
  } finally {
    await client.close()
  }
}

const kafkaClient = (brokers: string) =>
  new Kafka({ clientId: "relink-setup-test", brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 2 } })

describe("service setup", () => {
  it("uses KAFKA_BROKERS and MONGODB_URI as given and starts nothing", async () => {
    const spawnedBefore = spawnCount()
    const childrenBefore = childPids()

    const services = await startServices({ env: { KAFKA_BROKERS: env.KAFKA_BROKERS, MONGODB_URI: env.MONGODB_URI } })

    expect(spawnCount()).toBe(spawnedBefore)
    expect(childPids()).toEqual(childrenBefore)
    expect(services.kafka.kind).toBe("external")
    expect(services.mongo.kind).toBe("external")
    expect(services.dataDir).toBeUndefined()
    expect(services.env).toEqual({ KAFKA_BROKERS: env.KAFKA_BROKERS, MONGODB_URI: env.MONGODB_URI })
    await expect(services.kafka.stop()).rejects.toBeInstanceOf(ExternalServiceError)
    await expect(services.mongo.restart()).rejects.toBeInstanceOf(ExternalServiceError)

    // close() leaves given services running.
    await services.close()
    expect(await ping(services.env.MONGODB_URI)).toBe(true)
    const admin = kafkaClient(services.env.KAFKA_BROKERS).admin()
    await admin.connect()
    const cluster = await admin.describeCluster()
    await admin.disconnect()
    expect(cluster.brokers.length).toBeGreaterThan(0)
  })

  it.skipIf(!env.started.mongo)("stops, starts and restarts a local FerretDB on the same port and data", async () => {
    // Only MongoDB is missing from the env, so only FerretDB is started.
    const services = await startServices({ env: { KAFKA_BROKERS: env.KAFKA_BROKERS } })
    const { mongo, dataDir } = services
    try {
      expect(services.kafka.kind).toBe("external")
      expect(mongo.kind).toBe("local")
      expect(mongo.url).not.toBe(env.MONGODB_URI)
      expect(dataDir !== undefined && existsSync(dataDir)).toBe(true)

      const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 20_000, heartbeatFrequencyMS: 500 })
      const docs = client.db("relink_handles").collection<{ _id: string; n: number }>("docs")
      await docs.insertOne({ _id: "kept", n: 1 })

      await mongo.restart()
      expect(mongo.isRunning()).toBe(true)
      expect(await docs.findOne({ _id: "kept" })).toEqual({ _id: "kept", n: 1 })

      await mongo.stop()
      expect(mongo.isRunning()).toBe(false)
      expect(await ping(mongo.url)).toBe(false)

      await mongo.start()
      expect(await ping(mongo.url)).toBe(true)

      // A crash (SIGKILL) loses nothing that was acknowledged.
      await docs.insertOne({ _id: "before-crash", n: 2 })
      await mongo.stop({ force: true })
      await mongo.start()
      expect(await docs.countDocuments()).toBe(2)
      await client.close()
    } finally {
      await services.close()
    }
    expect(mongo.isRunning()).toBe(false)
    expect(dataDir !== undefined && existsSync(dataDir)).toBe(false)
    expect(await ping(mongo.url)).toBe(false)
  })

  it.skipIf(!env.started.kafka)("stops, starts and restarts a local Kafka broker on the same port and data", async () => {
    const services = await startServices({ env: { MONGODB_URI: env.MONGODB_URI } })
    const { kafka, dataDir } = services
    try {
      expect(kafka.kind).toBe("local")
      expect(kafka.url).not.toBe(env.KAFKA_BROKERS)
      const client = kafkaClient(kafka.url)
      const topic = `handles-${randomUUID()}`
      const admin = client.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
      await admin.disconnect()
      const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner })
      await producer.connect()
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: String(i) })) })
      await producer.disconnect()

      await kafka.restart()
      expect(await endOffset(kafka.url, topic)).toBe("100")

      await kafka.stop({ force: true })
      expect(kafka.isRunning()).toBe(false)
      await kafka.start()
      expect(await endOffset(kafka.url, topic)).toBe("100")
    } finally {
      await services.close()
    }
    expect(kafka.isRunning()).toBe(false)
    expect(dataDir !== undefined && existsSync(dataDir)).toBe(false)
  })
})

const endOffset = async (brokers: string, topic: string): Promise<string | undefined> => {
  const admin = kafkaClient(brokers).admin()
  await admin.connect()
  try {
    const [partition] = await admin.fetchTopicOffsets(topic)
    return partition?.high
  } finally {
    await admin.disconnect()
  }
}
