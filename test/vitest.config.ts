import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// One runner, three projects: `unit` needs nothing but Node; `integration` gets a real Kafka broker
// and a MongoDB-wire server from the global setup (or uses KAFKA_BROKERS / MONGODB_URI as given);
// `consumer` packs the packages and installs them with npm outside the workspace (needs the registry).
const conditions = ["@relink/source", "module", "node", "development|production"]

// The tests start `node` on the TypeScript sources hundreds of times (the CLI, the worker), each
// stripping the types of the same files again; Node's compile cache keeps the stripped and compiled
// modules between processes (checked against each file's contents), for the processes the test
// files start and the ones those start.
process.env["NODE_COMPILE_CACHE"] ??= join(tmpdir(), "relink-node-compile-cache")

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  // Workspace packages are tested from their TypeScript sources, as Node runs them (.npmrc).
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@relink/source"] } },
  test: {
    // Vitest's default is one worker less than the cores: on a 2-core machine, one test file at a
    // time, with one core idle while a test waits for the process it started. Two at a time there;
    // integration files still run one at a time (fileParallelism: false).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "services/*/test/**/*.test.ts"],
          testTimeout: 60_000
        }
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/globalSetup.ts"],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false
        }
      },
      {
        extends: true,
        test: {
          name: "consumer",
          include: ["test/consumer/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 900_000
        }
      }
    ]
  }
})
