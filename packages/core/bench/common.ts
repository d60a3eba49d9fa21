/**
 * Small helpers shared by the core benchmarks: command-line options, timing, formatting, memory.
 * Benchmarks print labelled blocks of plain text so that `pnpm bench` output can be pasted into a
 * report as it is.
 */
import { availableParallelism, loadavg } from "node:os"
import { parseArgs } from "node:util"

/** `--name value` options as whole numbers, with defaults; `--quick` is left to each bench. */
export const numberOptions = <K extends string>(defaults: Readonly<Record<K, number>>): Record<K, number> & { readonly quick: boolean } => {
  const names = Object.keys(defaults) as Array<K>
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      ...Object.fromEntries(names.map((name) => [name, { type: "string" as const }]))
    } as Record<string, { readonly type: "string" | "boolean" }>,
    strict: true
  })
  const numbers: Record<string, number> = { ...defaults }
  for (const name of names) {
    const raw: unknown = values[name]
    if (typeof raw !== "string") continue
    const n = Number(raw.replaceAll("_", ""))
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${name} must be a number ≥ 0, got ${raw}`)
    numbers[name] = n
  }
  return { ...(numbers as Record<K, number>), quick: values["quick"] === true }
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = (): number => performance.now()

/** Runs `f` and returns its result with the elapsed milliseconds. */
export const timed = <A>(f: () => A): { readonly result: A; readonly ms: number } => {
  const start = now()
  const result = f()
  return { result, ms: now() - start }
}

/** 1234567 → "1,234,567". */
export const int = (n: number): string => Math.round(n).toLocaleString("en-US")

/** A rate per second from a count and milliseconds. */
export const perSecond = (count: number, ms: number): string => `${int((count * 1000) / ms)}/s`

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

/** Microseconds with two significant decimals. */
export const micros = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`

/** Peak resident set size of this process so far, in MB. */
export const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024

/** Current heap used, in MB (after a GC when exposed with --expose-gc). */
export const heapUsedMb = (): number => process.memoryUsage().heapUsed / 1024 / 1024

/** Load average and cores, to print next to every number: the machine is shared. */
export const machine = (): string => {
  const [one, five] = loadavg()
  return `node ${process.version}, ${availableParallelism()} cores, load ${one?.toFixed(2)} (1 min) ${five?.toFixed(2)} (5 min)`
}

/** A quantile of sorted numbers (nearest rank). */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

export const header = (title: string): void => {
  console.log("")
  console.log(`== ${title} ==`)
  console.log(`   ${machine()}`)
}

/** One labelled line: "  label ........ value". */
export const line = (label: string, value: string): void => {
  console.log(`   ${label.padEnd(44, " ")} ${value}`)
}

/** Fixed instant every bench simulates up to, so that runs are comparable. */
export const asOf = Date.parse("2026-11-27T00:00:00+08:00")
