// What a user downloads and waits for: each package's tarball (packed as published) and the cold
// import time of @relink/core's built JavaScript in a fresh Node process.
//
//   pnpm exec node test/consumer/packages.bench.ts [--runs 15]
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { packAll, root } from "./pack.ts"

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } })
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`)

const destination = mkdtempSync(join(tmpdir(), "relink-pack-"))
try {
  const tarballs = packAll(destination)
  console.log("package                 packed KiB   files")
  for (const t of tarballs) console.log(`${t.name.padEnd(22)} ${(t.bytes / 1024).toFixed(1).padStart(11)} ${String(t.files.length).padStart(7)}`)
  console.log(`${"total".padEnd(22)} ${(tarballs.reduce((n, t) => n + t.bytes, 0) / 1024).toFixed(1).padStart(11)}`)
} finally {
  rmSync(destination, { recursive: true, force: true })
}

// Each run is a new process, so nothing is cached in memory; the file system cache is warm after
// the first run, as it is for a program started twice.
const entry = pathToFileURL(join(root, "packages", "core", "dist", "index.js")).href
const script = `const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t)`
const times = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }))).sort(
  (a, b) => a - b
)
const median = times[Math.floor(times.length / 2)] ?? Number.NaN
console.log(
  `cold import of @relink/core (dist), ${runs} processes, Node ${process.version}: median ${median.toFixed(1)} ms, min ${(times[0] ?? Number.NaN).toFixed(1)} ms, max ${(times.at(-1) ?? Number.NaN).toFixed(1)} ms`
)
