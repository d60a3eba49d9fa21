// What the integration global setup hands to test files through vitest's provide/inject.
// Test files call `serviceEnv()`; the global setup writes the same keys.
import { inject } from "vitest"

declare module "vitest" {
  export interface ProvidedContext {
    KAFKA_BROKERS: string
    MONGODB_URI: string
    /** Which services the setup started itself (false: given by env var, not ours to stop). */
    SERVICES_STARTED: { kafka: boolean; mongo: boolean }
  }
}

export const serviceEnv = () => ({
  KAFKA_BROKERS: inject("KAFKA_BROKERS"),
  MONGODB_URI: inject("MONGODB_URI"),
  started: inject("SERVICES_STARTED")
})
