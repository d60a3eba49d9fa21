// Child processes of the test setup: tool lookup, one-shot commands, long-running services, and the
// cleanup that guarantees none of them outlives the Node process that started them.
//
// Every child runs in its own process group (detached) so that we, not the terminal, decide when
// it stops, and so that a whole group (e.g. `go build` and its compilers) can be signalled at once.
// Three layers make sure nothing is orphaned:
//   1. normal teardown stops each service gracefully (SIGTERM, then SIGKILL after a grace period);
//   2. SIGINT/SIGTERM/SIGHUP and process exit stop/kill whatever is still registered here and
//      remove registered temporary directories;
//   3. a tiny `sh` watchdog per service kills it within ~1 s if this process dies by SIGKILL.
import { spawn, type ChildProcess } from "node:child_process"
import { accessSync, constants as fsConstants, createWriteStream, readFileSync, rmSync } from "node:fs"
import { delimiter, join } from "node:path"
import { CommandFailedError, MissingToolError } from "./errors.ts"

export interface ExitStatus {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly error?: Error
}

export interface StopOptions {
  /** SIGKILL at once (simulates a crash) instead of SIGTERM and a grace period. */
  readonly force?: boolean
  readonly graceMs?: number
}

export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Resolves (never rejects) once the process has exited and been reaped. */
  readonly exited: Promise<ExitStatus>
  exitStatus(): ExitStatus | undefined
  stop(options?: StopOptions): Promise<void>
}

export interface SpawnOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** stdout and stderr are appended here. */
  readonly logFile: string
  /** Directory the watchdog deletes after killing the service, should this process die first. */
  readonly orphanDir?: string
}

const DEFAULT_GRACE_MS = 20_000

// ---------------------------------------------------------------------------------------------
// Tools

export const findTool = (tool: string): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue
    const candidate = join(dir, tool)
    try {
      accessSync(candidate, fsConstants.X_OK)
      return candidate
    } catch {
      // not in this PATH entry
    }
  }
  return undefined
}

export const requireTool = (tool: string, purpose: string): string => {
  const found = findTool(tool)
  if (found === undefined) throw new MissingToolError(tool, purpose)
  return found
}

// ---------------------------------------------------------------------------------------------
// Registry and cleanup

const live = new Set<ManagedProcess>()
const tempDirs = new Set<string>()
let hooksInstalled = false
let shutdown: Promise<void> | undefined
let spawned = 0

/** Number of processes this module has spawned, for tests asserting that nothing was started. */
export const spawnCount = (): number => spawned

/** Remove `dir` (recursively) when the process exits or is interrupted, unless untracked first. */
export const trackTempDir = (dir: string): void => {
  installHooks()
  tempDirs.add(dir)
}

export const removeTempDir = (dir: string): void => {
  tempDirs.delete(dir)
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
}

/**
 * Gracefully stop every registered process and remove every tracked directory. Idempotent: the
 * signal handlers and the `pnpm services` command share one shutdown.
 */
export const shutdownAll = (): Promise<void> => {
  shutdown ??= (async () => {
    await Promise.all([...live].map((p) => p.stop({ graceMs: 10_000 })))
    for (const dir of [...tempDirs]) removeTempDir(dir)
  })()
  return shutdown
}

export const isShuttingDown = (): boolean => shutdown !== undefined


const onSignal = (signal: NodeJS.Signals): void => {
  // If someone else listens (vitest, the services CLI), they decide how to exit. Otherwise restore
  // the default action once stopped, so the process still dies by this signal as it would have.
  const handledElsewhere = process.listenerCount(signal) > 1
  void shutdownAll().finally(() => {
    if (handledElsewhere) return
    process.removeListener(signal, onSignal)
    process.kill(process.pid, signal)
  })
}

// `exit` handlers must be synchronous: kill whatever is left and wait (briefly) until it is gone
// before deleting the directories it writes to. Vitest exits ~1 ms after Ctrl-C, so this is the
// path that runs there.
const onExit = (): void => {
  const pids = [...live].map((p) => p.pid)
  for (const pid of pids) signalGroup(pid, "SIGKILL")
  const deadline = Date.now() + 3_000
  while (pids.some(isAlive) && Date.now() < deadline) sleepSync(20)
  for (const dir of [...tempDirs]) {
    try {
      removeTempDir(dir)
    } catch {
      // best effort while exiting
    }
  }
}

const installHooks = (): void => {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on("exit", onExit)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal)
}

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

// A reaped child has no /proc entry; an unreaped one is a zombie ('Z'). Either way it is dead.
export const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Spawning

// Polls once a second; when the parent ($1) is gone but the service group ($2) is still there,
// terminates the group and deletes its directory ($3, optional). Exits by itself as soon as the
// service does.
const WATCHDOG = `
while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
kill -0 "$1" 2>/dev/null && exit 0
kill -s TERM -- "-$2" 2>/dev/null && sleep 5; kill -s KILL -- "-$2" 2>/dev/null
[ -n "$3" ] && rm -rf -- "$3"
exit 0`

const startWatchdog = (pid: number, orphanDir: string): void => {
  const args = ["-c", WATCHDOG, "relink-watchdog", String(process.pid), String(pid), orphanDir]
  const watchdog = spawn("sh", args, {
    stdio: "ignore",
    detached: true
  })
  watchdog.on("error", () => undefined)
  watchdog.unref()
}

const launch = (name: string, command: string, args: readonly string[], options: SpawnOptions) => {
  if (isShuttingDown()) throw new Error(`not starting ${name}: the test services are shutting down`)
  installHooks()
  const log = createWriteStream(options.logFile, { flags: "a" })
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"]
  })
  spawned++
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })

  let status: ExitStatus | undefined
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("error", (error) => {
      // spawn failures (ENOENT, EACCES) arrive here without an exit event
      if (child.pid === undefined) {
        status = { code: null, signal: null, error }
        log.end(`${error.message}\n`)
        resolve(status)
      }
    })
    child.once("close", (code, signal) => {
      status = { code, signal }
      log.end()
      resolve(status)
    })
  })

  const managed: ManagedProcess = {
    name,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exited,
    exitStatus: () => status,
    stop: async ({ force = false, graceMs = DEFAULT_GRACE_MS } = {}) => {
      if (status !== undefined || child.pid === undefined) return
      signalGroup(child.pid, force ? "SIGKILL" : "SIGTERM")
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), graceMs)
      })
      if ((await Promise.race([exited, timedOut])) === "timeout") {
        signalGroup(child.pid, "SIGKILL")
        await exited
      }
      clearTimeout(timer)
    }
  }
  if (child.pid !== undefined) {
    live.add(managed)
    void exited.then(() => live.delete(managed))
  }
  return { managed, child }
}

/** Start a long-running service process with output to its log file, guarded by a watchdog. */
export const spawnService = (
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions
): ManagedProcess => {
  const { managed } = launch(name, command, args, options)
  if (managed.pid > 0) startWatchdog(managed.pid, options.orphanDir ?? "")
  return managed
}

/**
 * Run a one-shot command to completion. Output is appended to `logFile`; stdout is also returned.
 * Failure raises a CommandFailedError carrying the tail of the output.
 */
export const runCommand = async (
  what: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions
): Promise<string> => {
  const { managed, child } = launch(what, command, args, options)
  const chunks: Buffer[] = []
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk))
  const status = await managed.exited
  if (status.code !== 0) {
    const reason = status.error?.message ?? tailFile(options.logFile)
    throw new CommandFailedError(what, [command, ...args].join(" "), status.code, reason)
  }
  return Buffer.concat(chunks).toString("utf8")
}

/** The last `lines` lines of a log file, or a note that it is missing. */
export const tailFile = (file: string, lines = 40): string => {
  try {
    const text = readFileSync(file, "utf8").trimEnd()
    return text === "" ? "(log is empty)" : text.split("\n").slice(-lines).join("\n")
  } catch {
    return `(no log at ${file})`
  }
}
