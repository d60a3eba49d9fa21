// One handle per service. Fault tests stop, start and restart a local service through it; the
// address (ports) and the data directory stay the same across restarts, so clients reconnect to
// the same URL and find their data again.
import { ExternalServiceError, ServiceStartError } from "./errors.ts"
import { sleep, tailFile, type ManagedProcess, type StopOptions } from "./processes.ts"

export type ServiceName = "Kafka" | "FerretDB" | "MongoDB" | "npm registry"
export type EnvVar = "KAFKA_BROKERS" | "MONGODB_URI"

export interface ServiceHandle {
  readonly name: ServiceName
  /** `local`: started and owned by the test setup. `external`: given by an env var; never touched. */
  readonly kind: "local" | "external"
  readonly envVar: EnvVar
  /** The value for `envVar`: `host:port` for Kafka, a `mongodb://` URI for MongoDB. */
  readonly url: string
  /** Log of a local service (deleted with its data directory on teardown). */
  readonly logFile: string | undefined
  isRunning(): boolean
  /** Start again after `stop()` (same port, same data). No-op while running. */
  start(): Promise<void>
  /** Stop gracefully, or with `{ force: true }` kill at once like a crash. No-op when stopped. */
  stop(options?: StopOptions): Promise<void>
  restart(options?: StopOptions): Promise<void>
}

export const externalHandle = (name: ServiceName, envVar: EnvVar, url: string): ServiceHandle => {
  const refuse = (operation: string) => Promise.reject(new ExternalServiceError(name, operation, envVar))
  return {
    name,
    kind: "external",
    envVar,
    url,
    logFile: undefined,
    isRunning: () => true,
    start: () => refuse("start"),
    stop: () => refuse("stop"),
    restart: () => refuse("restart")
  }
}

/**
 * A handle over `launch`, which spawns the service and resolves once it answers requests.
 * Operations are serialised so a test cannot interleave a stop with a start.
 */
export const localHandle = (
  name: ServiceName,
  envVar: EnvVar,
  url: string,
  logFile: string,
  launch: () => Promise<ManagedProcess>
): ServiceHandle => {
  let current: ManagedProcess | undefined
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <A>(operation: () => Promise<A>): Promise<A> => {
    const next = queue.then(operation, operation)
    queue = next.catch(() => undefined)
    return next
  }
  const running = () => current !== undefined && current.exitStatus() === undefined
  const start = async () => {
    if (!running()) current = await launch()
  }
  const stop = async (options?: StopOptions) => {
    await current?.stop(options)
    current = undefined
  }
  return {
    name,
    kind: "local",
    envVar,
    url,
    logFile,
    isRunning: running,
    start: () => serial(start),
    stop: (options) => serial(() => stop(options)),
    restart: (options) =>
      serial(async () => {
        await stop(options)
        await start()
      })
  }
}

export interface ReadinessOptions {
  readonly service: ServiceName
  readonly child: ManagedProcess
  /** Throws until the service answers a real request. */
  readonly probe: () => Promise<void>
  readonly timeoutMs: number
}

/**
 * Poll `probe` until it succeeds. Fails fast, with the log tail, when the process exits; on timeout
 * kills the process and reports the last probe error and the log tail.
 */
export const waitUntilReady = async ({ service, child, probe, timeoutMs }: ReadinessOptions): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  let lastError: string | undefined
  for (;;) {
    const status = child.exitStatus()
    if (status !== undefined) {
      const how = status.error?.message ?? (status.signal !== null ? `signal ${status.signal}` : `code ${status.code}`)
      throw new ServiceStartError(service, `the process exited (${how})`, child.logFile, tailFile(child.logFile))
    }
    try {
      await probe()
      return
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    }
    if (Date.now() > deadline) {
      await child.stop({ force: true })
      const reason = `not ready after ${timeoutMs / 1000}s (last probe error: ${lastError ?? "none"})`
      throw new ServiceStartError(service, reason, child.logFile, tailFile(child.logFile))
    }
    await sleep(250)
  }
}
