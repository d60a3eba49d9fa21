/**
 * `relink import` on a county's roster: a simulated world of 10,000 members written as the roster
 * of one month's end and of the next (in the layout with title rows, merged branch cells, date cells
 * and a totals row, and as CSV), then imported as a user runs it, each in a child process: the first
 * roster (everyone registered), the same roster again (nothing new), the next month's (only what
 * changed). Prints the wall time of each, the command's start included.
 *
 *   pnpm exec node services/cli/bench/import.bench.ts                 # 10,000 members
 *   pnpm exec node services/cli/bench/import.bench.ts --members 2000
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { Result } from "effect"
import { Event } from "@relink/core"
import { Simulation } from "@relink/simulation"
import * as DepartmentSheets from "../test/departmentSheets.ts"

const { values } = parseArgs({ options: { members: { type: "string", default: "10000" }, dir: { type: "string" } } })
const members = Number(values.members)
const dir = mkdtempSync(join(values.dir ?? tmpdir(), "relink-import-"))
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const AS_OF = "2026-11-30"
const PREVIOUS = "2026-10-31"

const events = [...Simulation.events({ members, seed: 7, asOf: Date.parse(`${AS_OF}T23:59:59+08:00`), mistakeRate: 0 })].flatMap((encoded) => {
  const decoded = Event.decodeUnknown(encoded)
  return Result.isSuccess(decoded) ? [decoded.success] : []
})
const orgs = join(dir, "orgs.ndjson")
writeFileSync(orgs, events.filter((e) => e.type === "OrgRegistered").map((e) => `${JSON.stringify(Event.encode(e))}\n`).join(""))

const run = (label: string, args: ReadonlyArray<string>): void => {
  const started = performance.now()
  const child = spawnSync(process.execPath, ["--conditions=@relink/source", bin, "import", ...args, "--quiet"], {
    env: { ...process.env, RELINK_PII_KEY: "benchmark-key-of-32-characters!!" },
    encoding: "utf8"
  })
  const seconds = (performance.now() - started) / 1000
  if (child.status !== 0) throw new Error(`${label}: exit ${child.status}: ${child.stderr}`)
  console.log(`${label.padEnd(52)} ${seconds.toFixed(2).padStart(6)} s`)
}

console.log(`relink import, ${members.toLocaleString("en-US")} members (load average ${loadavg()[0]?.toFixed(2)})`)
for (const [layout, ext] of [
  [0, "xlsx"],
  [2, "csv"]
] as const) {
  const previous = join(dir, `roster-${PREVIOUS}.${ext}`)
  const current = join(dir, `roster-${AS_OF}.${ext}`)
  await DepartmentSheets.writeRosterAt(events, PREVIOUS, previous, layout)
  await DepartmentSheets.writeRosterAt(events, AS_OF, current, layout)
  const out = join(dir, `events-${ext}.ndjson`)
  const common = ["--kind", "roster", "--events", orgs, "--out", out, "--report", join(dir, `report-${ext}.xlsx`)]
  run(`${ext}: first roster (everyone registered)`, ["--from", previous, "--as-of", PREVIOUS, ...common])
  run(`${ext}: the same roster again (nothing new)`, ["--from", previous, "--as-of", PREVIOUS, ...common])
  run(`${ext}: next month's roster (what changed)`, ["--from", current, "--as-of", AS_OF, ...common])
}
rmSync(dir, { recursive: true, force: true })
