// Kafka and a MongoDB-wire server for the integration tests, and the `pnpm services` command.
//
// With KAFKA_BROKERS / MONGODB_URI set, those services are used as given and nothing is started.
// Otherwise a real Kafka broker and FerretDB are started on free loopback ports in a fresh
// temporary directory, which `close()` (or an interruption) removes again.
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { startFerretDb } from "./ferretdb.ts"
import { externalHandle, type ServiceHandle } from "./handle.ts"
import { startKafka } from "./kafka.ts"
import { progress, seconds } from "./log.ts"
import { isAlive, removeTempDir, shutdownAll, trackTempDir } from "./processes.ts"

export type { ServiceHandle } from "./handle.ts"

export interface ServiceEnv {
  readonly KAFKA_BROKERS: string
  readonly MONGODB_URI: string
}

export interface Services {
  readonly kafka: ServiceHandle
  readonly mongo: ServiceHandle
  /** The values to hand to tests and to the code under test. */
  readonly env: ServiceEnv
  /** Temporary directory holding the data and logs of the local services, if any were started. */
  readonly dataDir: string | undefined
  /** Stop the local services and delete their directory. External services are left alone. */
  close(): Promise<void>
}

export interface StartOptions {
  /** Where KAFKA_BROKERS / MONGODB_URI are read from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

const given = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined)

/** Use the services named by the environment, starting whichever is not named. */
export const startServices = async (options: StartOptions = {}): Promise<Services> => {
  const env = options.env ?? process.env
  const kafkaBrokers = given(env["KAFKA_BROKERS"])
  const mongodbUri = given(env["MONGODB_URI"])
  const started = Date.now()

  let dataDir: string | undefined
  if (kafkaBrokers === undefined || mongodbUri === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), "relink-services-"))
    trackTempDir(dataDir)
  }
  const local = (name: string) => join(dataDir ?? tmpdir(), name)
  const orphanDir = dataDir ?? ""

  // Both start concurrently: on a cold machine the Maven resolve and the Go build overlap.
  const [kafka, mongo] = await Promise.allSettled([
    kafkaBrokers === undefined ? startKafka(local("kafka"), orphanDir) : externalHandle("Kafka", "KAFKA_BROKERS", kafkaBrokers),
    mongodbUri === undefined ? startFerretDb(local("mongodb"), orphanDir) : externalHandle("MongoDB", "MONGODB_URI", mongodbUri)
  ])

  const close = async () => {
    const handles = [kafka, mongo].flatMap((r) => (r.status === "fulfilled" && r.value.kind === "local" ? [r.value] : []))
    await Promise.all(handles.map((handle) => handle.stop()))
    if (dataDir !== undefined) removeTempDir(dataDir)
  }

  if (kafka.status === "rejected" || mongo.status === "rejected") {
    await close()
    const errors: unknown[] = [kafka, mongo].flatMap((r) => (r.status === "rejected" ? [r.reason] : []))
    if (errors.length === 1) throw errors[0]
    const messages = errors.map((e) => `- ${e instanceof Error ? e.message : String(e)}`).join("\n")
    throw new AggregateError(errors, `neither Kafka nor FerretDB could be started:\n${messages}`)
  }
  if (dataDir !== undefined) progress(`services ready in ${seconds(started)} (data in ${dataDir})`)
  return {
    kafka: kafka.value,
    mongo: mongo.value,
    env: { KAFKA_BROKERS: kafka.value.url, MONGODB_URI: mongo.value.url },
    dataDir,
    close
  }
}

// pnpm forwards no signal to its script: when only the pnpm process is killed (a process manager,
// a CI timeout), this process would keep both services running. So the CLI also stops when the
// package manager that launched it is gone.
const launcherPid = (): number | undefined => {
  let pid = process.ppid
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, 2)
      if (argv.some((arg) => /^(pnpm|npm|npm-cli|yarn)(\.c?js)?$/.test(basename(arg)))) return pid
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
    } catch {
      return undefined
    }
  }
  return undefined
}

// `pnpm services`: start both, print the two KEY=value lines on stdout, run until interrupted.
const main = async (): Promise<void> => {
  let services: Services | undefined
  const stop = async (reason: string) => {
    progress(`${reason}: stopping…`)
    const started = Date.now()
    await services?.close()
    await shutdownAll()
    progress(`stopped in ${seconds(started)}`)
    // Interrupted during start-up is a failure; stopping a running pair is the normal end.
    process.exit(services === undefined ? 1 : 0)
  }
  // `on`, not `once`: the setup's own signal cleanup sees this listener and leaves exiting to it.
  let stopping = false
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, (s) => {
      if (stopping) return
      stopping = true
      void stop(s)
    })
  }

  const launcher = launcherPid()
  if (launcher !== undefined) {
    setInterval(() => {
      if (!isAlive(launcher) && !stopping) {
        stopping = true
        void stop(`launcher ${launcher} exited`)
      }
    }, 1_000)
  }

  try {
    services = await startServices()
  } catch (error) {
    progress(error instanceof Error ? (error.stack ?? error.message) : String(error))
    await shutdownAll()
    process.exit(1)
  }
  process.stdout.write(`KAFKA_BROKERS=${services.env.KAFKA_BROKERS}\nMONGODB_URI=${services.env.MONGODB_URI}\n`)
  progress("running; Ctrl-C (SIGINT) or SIGTERM stops both")
  // The service processes are in their own process groups; keep this process alive for them.
  setInterval(() => undefined, 1 << 30)
}

if (import.meta.main) await main()
