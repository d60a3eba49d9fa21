/**
 * Every command stops on a signal, whatever it is doing, and no output is lost without an error.
 * Each command runs as a real process on 20,000 simulated members and gets SIGINT or SIGTERM at a
 * moment it is busy (reading, evaluating, matching, training, writing) or blocked (on a broker or a
 * database that never answers, a FIFO or standard input that never ends, a standard output nobody
 * reads, a telemetry collector that never answers): it must exit within 2 s with 130 or 143
 * (`relink worker`: 0), leave the output it was replacing as it was, and leave no temporary file.
 * A closed or full standard output and an unwritable --out are one line and a non-zero exit, a
 * broken pipe is 141 (as SIGPIPE would end it), never a silent 0.
 *
 * The moments are read from the process as the kernel shows it (Linux /proc): how far it has read a
 * file, whether it uses the CPU, which files are in its output directory, what it said on standard
 * error.
 */
import { assert, describe, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from "node:fs"
import { type Server, createServer } from "node:net"
import { join } from "node:path"
import { AS_OF, bin, oneLineError, ok, relink, tempDir } from "./helpers.ts"

const members = tempDir("signals-sim")
ok(relink(["simulate", "--members", "20000", "--seed", "1", "--as-of", AS_OF, "--out", members, "--quiet"]))
const events = join(members, "events.ndjson")

/** What a previous run left at the output path: it must still be there, byte for byte. */
const PREVIOUS = Buffer.from("the previous output, kept whole\n")

const KEY = Buffer.alloc(32, 7).toString("base64")

/** This process's environment without the test services' settings. */
const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(KAFKA_|MONGODB_|RELINK_|OTEL_)/.test(name)))

/** Linux: a process's user and system CPU time so far, in clock ticks. */
const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return Number(fields[11]) + Number(fields[12])
}

/** Linux: how far the process has read `path` (the position of a descriptor open on it), or -1. */
const readPosition = (pid: number, path: string): number => {
  let position = -1
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== path) continue
      const match = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))
      position = Math.max(position, Number(match?.[1] ?? -1))
    } catch {
      // Closed meanwhile.
    }
  }
  return position
}

const temporaries = (dir: string): ReadonlyArray<string> => readdirSync(dir).filter((name) => /^\..*\.tmp$/.test(name))

/** A TCP server that accepts connections and never answers: a broker, a database or a collector that hangs. */
interface BlackHole {
  readonly port: number
  readonly connections: () => number
  readonly close: () => void
}

const blackHole = (): Promise<BlackHole> =>
  new Promise((resolve) => {
    let connections = 0
    const server: Server = createServer((socket) => {
      connections++
      socket.on("error", () => undefined)
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        connections: () => connections,
        close: () => {
          server.close()
          server.unref()
        }
      })
    })
  })

/** Runs `use` with a black hole listening, and closes it however `use` ends. */
const withBlackHole = async (use: (hole: BlackHole) => Promise<void>): Promise<void> => {
  const hole = await blackHole()
  try {
    await use(hole)
  } finally {
    hole.close()
  }
}

interface Watched {
  readonly child: ChildProcess
  readonly stderr: () => string
}

/** When to send the signal: polled every 50 ms. */
type Moment = (watched: Watched) => boolean

/** Once it has read `bytes` of the file: reading events. */
const reading = (path: string, bytes: number): Moment => ({ child }) => child.pid !== undefined && readPosition(child.pid, path) >= bytes

/** Once it has read the whole file and closed it: evaluating, matching, training, building a report. */
const read = (path: string): Moment => {
  const size = statSync(path).size
  let nearlyRead = false
  return ({ child }) => {
    const position = child.pid === undefined ? -1 : readPosition(child.pid, path)
    if (position >= size * 0.9) nearlyRead = true
    return nearlyRead && position === -1
  }
}

/** Once a temporary file is in the directory: writing an output. */
const writingIn = (dir: string): Moment => () => temporaries(dir).length > 0

/** Once it has used no CPU for half a second, after `after` held: waiting on something. */
const blocked = (after: Moment = () => true): Moment => {
  let since: { readonly at: number; readonly ticks: number } | undefined
  return (watched) => {
    const pid = watched.child.pid
    if (pid === undefined || !after(watched)) return false
    const ticks = cpuTicks(pid)
    const now = performance.now()
    if (since === undefined || ticks > since.ticks + 2) since = { at: now, ticks }
    return now - since.at >= 500
  }
}

interface Stopped {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Seconds from the signal to the exit. */
  readonly seconds: number
  readonly stderr: string
}

interface Options {
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** Read standard output (default); when false, nobody reads it. */
  readonly drainStdout?: boolean
}

/** Runs relink, sends `signal` at the moment, and resolves with how and how fast it ended. */
const stop = (args: ReadonlyArray<string>, moment: Moment, signal: NodeJS.Signals, options: Options): Promise<Stopped> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? cleanEnv()), NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
    if (options.drainStdout !== false) child.stdout?.resume()
    const watched: Watched = { child, stderr: () => stderr }
    let sent: number | undefined
    // Never outlives the test, whatever the command does.
    const deadline = setTimeout(() => child.kill("SIGKILL"), 90_000)
    const poll = setInterval(() => {
      if (sent !== undefined || child.exitCode !== null) return
      if (moment(watched)) {
        sent = performance.now()
        child.kill(signal)
        clearInterval(poll)
      }
    }, 50)
    child.on("error", reject)
    child.on("exit", (code, ended) => {
      clearInterval(poll)
      clearTimeout(deadline)
      child.stdin?.destroy()
      resolve({ code, signal: ended, seconds: sent === undefined ? Number.NaN : (performance.now() - sent) / 1000, stderr })
    })
  })

/** A directory with the output a previous run wrote at `name`. */
const withPrevious = (name: string): { readonly dir: string; readonly path: string } => {
  const dir = tempDir("signals-out")
  writeFileSync(join(dir, name), PREVIOUS)
  return { dir, path: join(dir, name) }
}

const measured: Array<string> = []

/** Asserts the command stopped as a signalled command must; records the row for the table printed at the end. */
const stoppedWell = (what: string, run: Stopped, signal: NodeJS.Signals, dir: string, previous: ReadonlyArray<string>, code = signal === "SIGINT" ? 130 : 143): void => {
  measured.push(`${what} | ${signal} | ${run.seconds.toFixed(2)} s | ${run.code ?? run.signal}`)
  assert.isFalse(Number.isNaN(run.seconds), `${what}: ended before the signal (${run.code}): ${run.stderr}`)
  assert.strictEqual(run.code, code, `${what}: ${run.stderr}`)
  assert.isBelow(run.seconds, 2, what)
  for (const path of previous) assert.isTrue(readFileSync(path).equals(PREVIOUS), `${what}: ${path} was changed`)
  assert.deepStrictEqual(temporaries(dir), [], `${what}: temporary files left`)
}

const interrupted = async (what: string, args: ReadonlyArray<string>, out: string, moment: (dir: string) => Moment, signal: NodeJS.Signals): Promise<void> => {
  const { dir, path } = withPrevious(out)
  const run = await stop([...args, "--out", path, "--rejects", join(dir, "rejects.ndjson")], moment(dir), signal, { cwd: dir })
  stoppedWell(what, run, signal, dir, [path])
  assert.isFalse(existsSync(join(dir, "rejects.ndjson")))
}

const afterReading = () => read(events)

describe("every command stops within 2 s of a signal, its previous output intact and no temporary file left", () => {
  it("simulate, while generating and writing events", async () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const { dir, path } = withPrevious("events.ndjson")
      const run = await stop(["simulate", "--members", "20000", "--seed", "2", "--out", dir, "--quiet"], writingIn(dir), signal, { cwd: dir })
      stoppedWell("simulate", run, signal, dir, [path])
      assert.deepStrictEqual(readdirSync(dir), ["events.ndjson"])
    }
  }, 120_000)

  it("scan: while reading the events, and while evaluating and matching them", async () => {
    const args = ["scan", "--events", events, "--as-of", AS_OF]
    await interrupted("scan (reading)", args, "scan.jsonl", () => reading(events, 20 << 20), "SIGINT")
    await interrupted("scan (evaluating)", args, "scan.jsonl", afterReading, "SIGTERM")
    await interrupted("scan --format xlsx (writing)", [...args, "--format", "xlsx"], "scan.xlsx", writingIn, "SIGINT")
    await interrupted("scan --format json (evaluating)", [...args, "--format", "json"], "scan.json", afterReading, "SIGINT")
  }, 240_000)

  it("report unlinked, data-quality, early-warning and progress, in each format, while building the report", async () => {
    const formats = ["xlsx", "csv", "json", "html"] as const
    const kinds = ["unlinked", "data-quality", "early-warning", "progress"] as const
    for (const [k, kind] of kinds.entries()) {
      for (const [f, format] of formats.entries()) {
        const signal = (k + f) % 2 === 0 ? "SIGINT" : "SIGTERM"
        const when = kind === "progress" ? ["--to", AS_OF] : ["--as-of", AS_OF]
        await interrupted(`report ${kind} --format ${format}`, ["report", kind, "--events", events, ...when], `${kind}.${format}`, afterReading, signal)
      }
    }
  }, 600_000)

  it("report unlinked, while writing the workbook", async () => {
    await interrupted("report unlinked (writing xlsx)", ["report", "unlinked", "--events", events, "--as-of", AS_OF], "unlinked.xlsx", writingIn, "SIGTERM")
  }, 120_000)

  it("orgs, train and demo, while working", async () => {
    const dir = tempDir("signals-orgs")
    stoppedWell("orgs", await stop(["orgs", "--events", events, "--as-of", AS_OF], afterReading(), "SIGINT", { cwd: dir }), "SIGINT", dir, [])
    await interrupted("train (training)", ["train", "--events", events, "--as-of", AS_OF], "rule.json", afterReading, "SIGTERM")
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      // The demo writes the events, then the list, into one directory.
      const { dir: out, path } = withPrevious("unlinked.xlsx")
      const run = await stop(["demo", "--members", "20000", "--out", out], writingIn(out), signal, { cwd: out })
      stoppedWell("demo", run, signal, out, [path])
    }
  }, 240_000)

  it("publish, blocked on brokers that never answer or refuse", async () =>
    withBlackHole(async (hole) => {
      const dir = tempDir("signals-publish")
      const env = cleanEnv()
      const answering = (n: number): Moment => () => hole.connections() >= n
      stoppedWell("publish (broker never answers)", await stop(["publish", "--events", events, "--brokers", `127.0.0.1:${hole.port}`], answering(1), "SIGINT", { cwd: dir, env }), "SIGINT", dir, [])
      stoppedWell("publish (broker refuses)", await stop(["publish", "--events", events, "--brokers", "127.0.0.1:1"], blocked(), "SIGTERM", { cwd: dir, env }), "SIGTERM", dir, [])
    }), 120_000)

  it("worker, blocked on Kafka and MongoDB that never answer: exits 0 on SIGTERM and SIGINT", async () =>
    withBlackHole(async (hole) => {
      const dir = tempDir("signals-worker")
      const env = { ...cleanEnv(), RELINK_PII_KEY: KEY }
      const address = `127.0.0.1:${hole.port}`
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        const before = hole.connections()
        const run = await stop(["worker", "--brokers", address, "--mongo", `mongodb://${address}`, "--http-port", "0"], () => hole.connections() > before, signal, { cwd: dir, env })
        stoppedWell("worker", run, signal, dir, [], 0)
      }
    }), 120_000)

  it("report --mongo, blocked on a server that never answers", async () =>
    withBlackHole(async (hole) => {
      const { dir, path } = withPrevious("unlinked.xlsx")
      const env = { ...cleanEnv(), RELINK_PII_KEY: KEY }
      const run = await stop(["report", "unlinked", "--mongo", `mongodb://127.0.0.1:${hole.port}`, "--out", path], () => hole.connections() > 0, "SIGTERM", { cwd: dir, env })
      stoppedWell("report unlinked --mongo", run, "SIGTERM", dir, [path])
    }), 60_000)

  it("scan, blocked reading a FIFO with no writer and a standard input that never ends", async () => {
    const { dir, path } = withPrevious("scan.jsonl")
    const fifo = join(dir, "events.ndjson")
    execFileSync("mkfifo", [fifo])
    const fromFifo = await stop(["scan", "--events", fifo, "--out", path], blocked(), "SIGTERM", { cwd: dir })
    stoppedWell("scan --events FIFO", fromFifo, "SIGTERM", dir, [path])
    const fromStdin = await stop(["scan", "--events", "-", "--out", path], blocked(), "SIGINT", { cwd: dir })
    stoppedWell("scan --events -", fromStdin, "SIGINT", dir, [path])
  }, 60_000)

  it("scan, blocked writing to a standard output nobody reads", async () => {
    const dir = tempDir("signals-stdout")
    const run = await stop(["scan", "--events", events, "--as-of", AS_OF], blocked(afterReading()), "SIGTERM", { cwd: dir, drainStdout: false })
    stoppedWell("scan > pipe nobody reads", run, "SIGTERM", dir, [])
  }, 60_000)

  it("scan, its span's export blocked on a collector that never answers", async () =>
    withBlackHole(async (hole) => {
      const { dir, path } = withPrevious("scan.jsonl")
      const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${hole.port}`, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }
      const run = await stop(["scan", "--events", events, "--as-of", AS_OF, "--out", path], afterReading(), "SIGINT", { cwd: dir, env })
      stoppedWell("scan with a collector that never answers", run, "SIGINT", dir, [path])
    }), 60_000)

  it("prints what it measured", () => {
    // command | signal | from the signal to the exit | exit code
    process.stdout.write(`${measured.join("\n")}\n`)
  })
})

describe("output that cannot be written is an error, never a silent exit 0", () => {
  const sample = new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url).pathname
  const shell = (script: string): { readonly status: number | null; readonly stderr: string } => {
    try {
      execFileSync("sh", ["-c", script], { cwd: tempDir("outputs"), env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] })
      return { status: 0, stderr: "" }
    } catch (error) {
      const failed = error as { readonly status: number | null; readonly stderr: Buffer }
      return { status: failed.status, stderr: failed.stderr.toString("utf8") }
    }
  }
  const node = `"${process.execPath}" "${bin}"`

  it("a closed standard output: exit 1 and one line, before anything is read", () => {
    for (const command of [`scan --events ${events}`, `report unlinked --events ${sample} --format csv`, `orgs --events ${sample}`, `train --events ${sample} --pairs 1000`]) {
      const started = performance.now()
      const run = shell(`${node} ${command} --as-of ${AS_OF} >&-`)
      assert.strictEqual(run.status, 1, run.stderr)
      assert.match(run.stderr, /^relink: cannot write standard output: it is closed; give --out FILE, or send it to \/dev\/null to discard it\n$/)
      // The scan of 20,000 members fails before reading them.
      if (command.startsWith("scan")) assert.isBelow((performance.now() - started) / 1000, 10)
    }
    // As `spawn` leaves it with "ignore".
    assert.match(oneLineErrorIgnoringStdout(["scan", "--events", sample, "--as-of", AS_OF]), /^relink: cannot write standard output: it is closed/)
    // /dev/null is a place to discard it, and takes it.
    assert.strictEqual(shell(`${node} scan --events ${sample} --as-of ${AS_OF} -q > /dev/null`).status, 0)
  })

  it("a full standard output: exit 1 and one line", () => {
    const run = shell(`${node} scan --events ${sample} --as-of ${AS_OF} -q > /dev/full`)
    assert.strictEqual(run.status, 1)
    assert.strictEqual(run.stderr, "relink: cannot write standard output: no space left on device\n")
  })

  it("a standard output closed by its reader: 141, as SIGPIPE would end it, and nothing more said", () => {
    const run = shell(`bash -c '${node} scan --events ${events} --as-of ${AS_OF} -q | head -c 100 > /dev/null; exit "\${PIPESTATUS[0]}"'`)
    assert.strictEqual(run.status, 141, run.stderr)
    assert.strictEqual(run.stderr, "")
  })

  it("an --out that cannot be written: exit 1 and one line, nothing left", () => {
    const dir = tempDir("unwritable")
    writeFileSync(join(dir, "file"), "")
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      [join(dir, "file", "list.csv"), /^relink: cannot write .*\/file\/list\.csv: .*\/file is not a directory$/],
      [join(dir, "file", "deeper", "list.csv"), /^relink: cannot write .*\/file\/deeper\/list\.csv: .*\/file is not a directory$/],
      ["/proc/relink-nowhere/list.csv", /^relink: cannot write \/proc\/relink-nowhere\/list\.csv: no such file or directory$/],
      ["/dev/full", /^relink: cannot write \/dev\/full: no space left on device$/]
    ]
    for (const [out, message] of cases) {
      assert.match(oneLineError(["report", "unlinked", "--events", sample, "--as-of", AS_OF, "--format", "csv", "--out", out, "--rejects", join(dir, "r.ndjson"), "-q"], 1), message)
    }
    assert.deepStrictEqual(readdirSync(dir), ["file"])
  })
})

/** One line on standard error from a command run with standard output closed as `spawn` closes it ("ignore"). */
const oneLineErrorIgnoringStdout = (args: ReadonlyArray<string>): string => {
  try {
    execFileSync(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"], cwd: tempDir("ignored") })
  } catch (error) {
    const failed = error as { readonly status: number | null; readonly stderr: Buffer }
    assert.strictEqual(failed.status, 1)
    const lines = failed.stderr.toString("utf8").split("\n").filter((l) => l.length > 0)
    assert.strictEqual(lines.length, 1)
    return lines[0] as string
  }
  throw new Error("exited 0 with standard output closed")
}
