/**
 * Preloaded into a relink process by stalls.bench.ts (`node --import`): the longest time its event
 * loop went without a turn, from the first turn after start-up to the exit, written as JSON to the
 * file named by RELINK_STALLS when the process exits. A signal's handler runs only at a turn, so this
 * bounds how late a command sees SIGINT or SIGTERM.
 */
import { writeFileSync } from "node:fs"

const started = performance.now()
let last: number | undefined
let longest = { ms: 0, at: 0 }

setInterval(() => {
  const now = performance.now()
  if (last !== undefined && now - last > longest.ms) longest = { ms: now - last, at: (last - started) / 1000 }
  last = now
}, 10).unref()

process.on("exit", () => {
  const file = process.env["RELINK_STALLS"]
  if (file !== undefined) writeFileSync(file, JSON.stringify({ longestMs: Math.round(longest.ms), atSeconds: longest.at, seconds: (performance.now() - started) / 1000 }))
})
