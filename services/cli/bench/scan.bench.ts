/**
 * `relink scan` end to end over a large export: events/s and peak RSS of the child process; with
 * `--progress 1`, then `relink report progress` over 24 monthly periods of the same export, and the
 * ratio of its time to the scan's; with `--branches 1`, `relink report branches` as of the scan's
 * instant, and the same ratio.
 *
 *   pnpm exec node services/cli/bench/scan.bench.ts                    # 1,000,000 members (~15M events)
 *   pnpm exec node services/cli/bench/scan.bench.ts --members 100000   # a quick run
 *   pnpm exec node services/cli/bench/scan.bench.ts --progress 1       # and the progress report
 *   pnpm exec node services/cli/bench/scan.bench.ts --branches 1       # and the branches report
 *
 * The export is generated once with `relink simulate` into a directory under the system's temp
 * directory (or --dir) and reused while its manifest matches. The scan runs in a child process
 * exactly as a user runs it (`relink scan --events FILE --as-of … --out …`); its peak RSS is read
 * from /proc/<pid>/status (VmHWM) while it runs and from the child's own resource usage at exit.
 * Goals: ≥ 200,000 events/s end to end, peak RSS ≤ 2 GB; the progress report ≤ 3× the scan, the
 * branches report ≤ 1.5×.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    dir: { type: "string" },
    format: { type: "string", default: "jsonl" },
    progress: { type: "string", default: "0" },
    branches: { type: "string", default: "0" }
  }
})
const members = Number(values.members)
const seed = Number(values.seed)
if (!Number.isInteger(members) || members <= 0) throw new RangeError("--members must be a whole number > 0")
const dir = values.dir ?? join(tmpdir(), `relink-bench-${members}-${seed}`)
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const AS_OF = "2026-11-27"
const GOAL_RATE = 200_000
const GOAL_RSS = 2 * 1024 ** 3

const eventsPath = join(dir, "events.ndjson")
const manifestPath = join(dir, "manifest.json")

interface Manifest {
  readonly members: number
  readonly seed: number
  readonly events: number
  readonly lines: number
}
const readManifest = (): Manifest | undefined => {
  try {
    return JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest
  } catch {
    return undefined
  }
}

let manifest = readManifest()
if (manifest === undefined || manifest.members !== members || manifest.seed !== seed || !existsSync(eventsPath)) {
  console.log(`generating ${members.toLocaleString("en-US")} members into ${dir} …`)
  const started = performance.now()
  const run = spawnSync(process.execPath, [bin, "simulate", "--members", String(members), "--seed", String(seed), "--as-of", AS_OF, "--out", dir], {
    stdio: ["ignore", "inherit", "inherit"]
  })
  if (run.status !== 0) throw new Error(`relink simulate exited ${run.status}`)
  console.log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  manifest = readManifest()
  if (manifest === undefined) throw new Error("no manifest after simulate")
} else {
  console.log(`reusing ${eventsPath}`)
}

const bytes = statSync(eventsPath).size
console.log(`export: ${manifest.lines.toLocaleString("en-US")} lines, ${(bytes / 1024 ** 2).toFixed(0)} MiB, ${members.toLocaleString("en-US")} members`)

const vmHwm = (pid: number): number | undefined => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

interface Run {
  readonly seconds: number
  readonly peak: number
  readonly cpu: { readonly userSeconds: number; readonly systemSeconds: number } | undefined
}

/** Runs `relink <args>` in a child process as a user does; its wall time, peak RSS and CPU. */
const run = async (args: ReadonlyArray<string>): Promise<Run> => {
  const started = performance.now()
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "inherit", "pipe"], env: { ...process.env, RELINK_STATS: "1" } })
  let stderr = ""
  child.stderr.setEncoding("utf8")
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk
  })
  let peakPolled = 0
  const poll = setInterval(() => {
    const hwm = child.pid === undefined ? undefined : vmHwm(child.pid)
    if (hwm !== undefined) peakPolled = Math.max(peakPolled, hwm)
  }, 50)
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)))
  clearInterval(poll)
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) {
    console.error(stderr)
    throw new Error(`relink ${args[0] ?? ""} exited ${code}`)
  }
  const stats = /relink-stats (\{.*\})/.exec(stderr)
  const own = stats === null ? undefined : (JSON.parse(stats[1] as string) as { maxRssBytes: number; userSeconds: number; systemSeconds: number })
  for (const line of stderr.split("\n")) if (line.length > 0 && !line.startsWith("relink-stats")) console.log(`  relink: ${line}`)
  return { seconds, peak: Math.max(peakPolled, own?.maxRssBytes ?? 0), cpu: own }
}

const cpuText = (r: Run) => (r.cpu === undefined ? "" : `cpu: ${r.cpu.userSeconds.toFixed(1)} s user, ${r.cpu.systemSeconds.toFixed(1)} s system`)

const scanned = await run(["scan", "--events", eventsPath, "--as-of", AS_OF, "--format", values.format, "--out", join(dir, `scan.${values.format}`)])
const rate = manifest.lines / scanned.seconds
console.log(
  [
    `scan end to end: ${scanned.seconds.toFixed(1)} s, ${Math.round(rate).toLocaleString("en-US")} events/s (goal ≥ ${GOAL_RATE.toLocaleString("en-US")}) ${rate >= GOAL_RATE ? "ok" : "MISSED"}`,
    `peak RSS: ${(scanned.peak / 1024 ** 2).toFixed(0)} MiB (goal ≤ ${(GOAL_RSS / 1024 ** 2).toFixed(0)} MiB) ${scanned.peak <= GOAL_RSS ? "ok" : "MISSED"}`,
    cpuText(scanned)
  ]
    .filter((l) => l.length > 0)
    .join("\n")
)

if (values.progress === "1") {
  // 24 calendar months up to the export's day: 25 bounds, each member evaluated at every one.
  const progressed = await run(["report", "progress", "--events", eventsPath, "--from", "2024-11-28", "--to", AS_OF, "--every", "month", "--format", "json", "--out", join(dir, "progress.json")])
  const ratio = progressed.seconds / scanned.seconds
  console.log(
    [
      `progress report, 24 monthly periods: ${progressed.seconds.toFixed(1)} s, ${ratio.toFixed(2)}× the scan (goal ≤ 3×) ${ratio <= 3 ? "ok" : "MISSED"}`,
      `peak RSS: ${(progressed.peak / 1024 ** 2).toFixed(0)} MiB`,
      cpuText(progressed)
    ]
      .filter((l) => l.length > 0)
      .join("\n")
  )
}

if (values.branches === "1") {
  const branches = await run(["report", "branches", "--events", eventsPath, "--as-of", AS_OF, "--format", "json", "--out", join(dir, "branches.json")])
  const ratio = branches.seconds / scanned.seconds
  console.log(
    [
      `branches report: ${branches.seconds.toFixed(1)} s, ${ratio.toFixed(2)}× the scan (goal ≤ 1.5×) ${ratio <= 1.5 ? "ok" : "MISSED"}`,
      `peak RSS: ${(branches.peak / 1024 ** 2).toFixed(0)} MiB`,
      cpuText(branches)
    ]
      .filter((l) => l.length > 0)
      .join("\n")
  )
}
