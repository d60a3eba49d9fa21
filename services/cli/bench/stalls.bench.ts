/**
 * How late each command can see a signal: the longest time its event loop goes without a turn
 * after start-up (no signal handler runs in between), over a large export. Every command runs in a
 * child process as a user runs it, with services/cli/bench/stall-monitor.ts preloaded.
 *
 *   pnpm exec node services/cli/bench/stalls.bench.ts                    # 200,000 members (~4.5M events)
 *   pnpm exec node services/cli/bench/stalls.bench.ts --members 20000    # a quick run
 *
 * The export is generated once with `relink simulate` into a directory under the system's temp
 * directory (or --dir) and reused while its manifest matches. Goal: no stall over 1 s, so that with
 * the second of grace for finalizers (services/cli/src/Lifecycle.ts) every command ends within 2 s
 * of a signal.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, openSync, readFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "200000" },
    seed: { type: "string", default: "1" },
    dir: { type: "string" }
  }
})
const members = Number(values.members)
const seed = Number(values.seed)
if (!Number.isInteger(members) || members <= 0) throw new RangeError("--members must be a whole number > 0")
const dir = values.dir ?? join(tmpdir(), `relink-bench-${members}-${seed}`)
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const monitor = fileURLToPath(new URL("./stall-monitor.ts", import.meta.url))
const AS_OF = "2026-11-27"
const GOAL_MS = 1000

const events = join(dir, "events.ndjson")
const manifestPath = join(dir, "manifest.json")
const manifest = (): { readonly members: number; readonly seed: number } | undefined => {
  try {
    return JSON.parse(readFileSync(manifestPath, "utf8")) as { readonly members: number; readonly seed: number }
  } catch {
    return undefined
  }
}
const found = manifest()
if (found === undefined || found.members !== members || found.seed !== seed || !existsSync(events)) {
  console.log(`generating ${members.toLocaleString("en-US")} members into ${dir} …`)
  const generated = spawnSync(process.execPath, [bin, "simulate", "--members", String(members), "--seed", String(seed), "--as-of", AS_OF, "--out", dir, "--quiet"], { stdio: "inherit" })
  if (generated.status !== 0) throw new Error(`relink simulate exited ${generated.status}`)
}

const out = mkdtempSync(join(tmpdir(), "relink-stalls-"))
const commands: ReadonlyArray<ReadonlyArray<string>> = [
  ["simulate", "--members", String(members), "--seed", "2", "--as-of", AS_OF, "--out", join(out, "simulated")],
  ["scan", "--events", events, "--as-of", AS_OF, "--out", join(out, "scan.jsonl")],
  ["scan", "--events", events, "--as-of", AS_OF, "--format", "xlsx", "--out", join(out, "scan.xlsx")],
  ["report", "unlinked", "--events", events, "--as-of", AS_OF, "--out", join(out, "unlinked.xlsx")],
  ["report", "unlinked", "--events", events, "--as-of", AS_OF, "--out", join(out, "unlinked.html")],
  ["report", "data-quality", "--events", events, "--as-of", AS_OF, "--out", join(out, "data-quality.csv")],
  ["report", "early-warning", "--events", events, "--as-of", AS_OF, "--out", join(out, "early-warning.json")],
  ["report", "progress", "--events", events, "--to", AS_OF, "--out", join(out, "progress.html")],
  ["orgs", "--events", events, "--as-of", AS_OF],
  ["train", "--events", events, "--as-of", AS_OF, "--out", join(out, "rule.json")]
]

const discard = openSync("/dev/null", "w")
console.log(`stalls: ${members.toLocaleString("en-US")} members (seed ${seed}), ${events}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
console.log("command | longest stall | at | run")
for (const args of commands) {
  const report = join(out, "stalls.json")
  const run = spawnSync(process.execPath, ["--import", monitor, bin, ...args, "--quiet"], {
    // Written to and discarded: "ignore" would be a closed standard output, which relink refuses.
    stdio: ["ignore", discard, "inherit"],
    env: { ...process.env, RELINK_STALLS: report }
  })
  if (run.status !== 0) throw new Error(`relink ${args.join(" ")} exited ${run.status}`)
  const { longestMs, atSeconds, seconds } = JSON.parse(readFileSync(report, "utf8")) as { readonly longestMs: number; readonly atSeconds: number; readonly seconds: number }
  const name = args.slice(0, args[0] === "report" ? 2 : 1).join(" ") + (args.includes("--format") ? ` --format ${args[args.indexOf("--format") + 1]}` : args[0] === "report" ? ` (${args.at(-1)?.split(".").pop()})` : "")
  console.log(`${name} | ${longestMs} ms${longestMs > GOAL_MS ? " (over the goal)" : ""} | ${atSeconds.toFixed(1)} s | ${seconds.toFixed(1)} s`)
}
