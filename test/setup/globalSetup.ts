// Global setup of the `integration` vitest project: start Kafka and FerretDB (or take
// KAFKA_BROKERS / MONGODB_URI as given), hand the addresses to the tests, stop everything after.
import type { TestProject } from "vitest/node"
import type {} from "./context.ts"
import { startServices } from "./services.ts"

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await startServices()
  project.provide("KAFKA_BROKERS", services.env.KAFKA_BROKERS)
  project.provide("MONGODB_URI", services.env.MONGODB_URI)
  project.provide("SERVICES_STARTED", { kafka: services.kafka.kind === "local", mongo: services.mongo.kind === "local" })
  // Also as env vars, for code under test (and processes it spawns) that reads its configuration.
  process.env["KAFKA_BROKERS"] = services.env.KAFKA_BROKERS
  process.env["MONGODB_URI"] = services.env.MONGODB_URI
  return () => services.close()
}
