// FerretDB as the MongoDB-wire server for tests (no mongod can be installed here): SQLite backend,
// telemetry off, on a free loopback port, with its data in a fresh directory. The binary is built
// from the Go module proxy once and cached.
import { spawnSync } from "node:child_process"
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MongoClient } from "mongodb"
import { cacheDir, cachePath, installAtomically } from "./cache.ts"
import { localHandle, waitUntilReady, type ServiceHandle } from "./handle.ts"
import { progress, seconds } from "./log.ts"
import { freePorts, LOOPBACK } from "./ports.ts"
import { removeTempDir, requireTool, runCommand, spawnService, trackTempDir } from "./processes.ts"

const FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
const FERRETDB_VERSION = "v1.24.2"

const binaryPath = () => cachePath(`ferretdb-${FERRETDB_VERSION}`, "ferretdb")

// A binary from plain `go install …@v1.24.2` panics at start-up: the module lacks the generated
// build/version/version.txt. So an old cached binary is checked before it is trusted.
const isUsable = (binary: string): boolean => {
  const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 })
  return result.status === 0 && result.stdout.includes(`version: ${FERRETDB_VERSION}`)
}

// Module-cache files are read-only; the build copy must be writable (for version.txt, and so it
// can be deleted without root).
const makeWritable = (dir: string): void => {
  chmodSync(dir, 0o755)
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) makeWritable(path)
    else chmodSync(path, 0o644)
  }
}

/**
 * Build ferretdb the way its release process does: the module source from the Go module proxy
 * (`go mod download`), plus the version.txt its build normally generates, then `go build`.
 */
const buildFerretDb = async (go: string, target: string): Promise<void> => {
  const dir = cacheDir(`ferretdb-${FERRETDB_VERSION}`)
  const logFile = join(dir, "build.log")
  // Pure-Go SQLite (modernc): no C compiler needed.
  const env = { ...process.env, CGO_ENABLED: "0" }

  const downloaded = await runCommand("go mod download (FerretDB)", go, ["mod", "download", "-json", `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    cwd: dir,
    env,
    logFile
  })
  const { Dir: moduleDir } = JSON.parse(downloaded) as { Dir?: string }
  if (moduleDir === undefined) throw new Error(`go mod download did not report a directory for ${FERRETDB_MODULE}; see ${logFile}`)

  const source = mkdtempSync(join(dir, "src-"))
  trackTempDir(source)
  try {
    cpSync(moduleDir, source, { recursive: true })
    makeWritable(source)
    writeFileSync(join(source, "build", "version", "version.txt"), `${FERRETDB_VERSION}\n`)
    await installAtomically(target, async (tmp) => {
      const args = ["build", "-trimpath", "-buildvcs=false", "-o", tmp, "./cmd/ferretdb"]
      await runCommand("go build (FerretDB)", go, args, { cwd: source, env, logFile })
    })
  } finally {
    removeTempDir(source)
  }
}

/** Path of a working ferretdb binary, building it on the first run. */
export const ensureFerretDb = async (): Promise<string> => {
  const binary = binaryPath()
  if (isUsable(binary)) return binary
  const go = requireTool("go", "build FerretDB, the MongoDB-wire server used by the tests")
  const started = Date.now()
  progress(`building FerretDB ${FERRETDB_VERSION} with go (first run only; a few minutes)…`)
  const heartbeat = setInterval(() => progress(`still building FerretDB… ${seconds(started)}`), 30_000)
  try {
    await buildFerretDb(go, binary)
  } finally {
    clearInterval(heartbeat)
  }
  if (!isUsable(binary)) throw new Error(`the FerretDB build at ${binary} does not run; see ${join(binary, "..", "build.log")}`)
  progress(`FerretDB ${FERRETDB_VERSION} built in ${seconds(started)}`)
  return binary
}

/** Answers only when a real command goes through the official driver. */
const probeMongo = async (uri: string): Promise<void> => {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 })
  try {
    await client.db("admin").command({ ping: 1 })
  } finally {
    await client.close()
  }
}

/**
 * Start FerretDB with its SQLite files under `dir`; the handle restarts it on the same port and
 * data. `orphanDir` is deleted by the watchdog if this process dies without stopping FerretDB.
 */
export const startFerretDb = async (dir: string, orphanDir = dir): Promise<ServiceHandle> => {
  const binary = await ensureFerretDb()
  const started = Date.now()
  const [port] = await freePorts(1)
  if (port === undefined) throw new Error("no free port for FerretDB")
  const uri = `mongodb://${LOOPBACK}:${port}/`
  const dataDir = join(dir, "data")
  const stateDir = join(dir, "state")
  mkdirSync(dataDir, { recursive: true })
  mkdirSync(stateDir, { recursive: true })
  const logFile = join(dir, "ferretdb.log")
  const args = [
    `--listen-addr=${LOOPBACK}:${port}`,
    "--handler=sqlite",
    // No fsync on each commit: the tests crash FerretDB (SIGKILL), never the machine, and what a
    // killed process committed is in the page cache all the same. Waiting for the disk on every
    // commit made the worker tests about a fifth slower.
    `--sqlite-url=file:${dataDir}/?_pragma=synchronous(off)`,
    `--state-dir=${stateDir}`,
    "--telemetry=disable",
    // "-" turns off the debug/metrics HTTP listener, which would otherwise take port 8088.
    "--debug-addr=-"
  ]
  const launch = async () => {
    const child = spawnService("ferretdb", binary, args, {
      cwd: dir,
      logFile,
      orphanDir,
      env: { ...process.env, DO_NOT_TRACK: "1" }
    })
    await waitUntilReady({ service: "FerretDB", child, probe: () => probeMongo(uri), timeoutMs: 60_000 })
    return child
  }
  const handle = localHandle("FerretDB", "MONGODB_URI", uri, logFile, launch)
  await handle.start()
  progress(`FerretDB ${FERRETDB_VERSION} ready at ${uri} in ${seconds(started)}`)
  return handle
}
