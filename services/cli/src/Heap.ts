/**
 * The CLI's heap policy. An embedded scan holds about a gigabyte per million members, which it only
 * ever grows, and left alone V8 lets that heap grow to anywhere from 1.5 to 2.9 GiB on one input.
 * So the CLI bounds how far the heap grows past what is live (`boundGrowth`), and the scan asks for
 * a full collection between evaluating and matching (`collectNow`): the projections it released
 * while evaluating are then room for matching, not garbage that matching grows the heap past. See
 * docs/benchmarks.md.
 *
 * Node exposes `gc` only behind `--expose-gc`; V8 reads that flag when a context is created, so a
 * new context made after setting it has the function.
 */
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

let gc: (() => void) | undefined

/** Runs a full, compacting collection now. */
export const collectNow = (): void => {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc")
    gc = runInNewContext("gc") as () => void
  }
  gc()
}

/**
 * How far the heap may grow past what the last full collection left before the next one, in
 * percent, process-wide. V8 picks the factor from how fast collection ran against allocation, up to
 * 4× — capped only at halfway to its limit (4 GiB by default): over the same million members that
 * puts a scan's peak anywhere from 1.5 to 2.9 GiB from run to run.
 */
export const boundGrowth = (percent: number): void => setFlagsFromString(`--heap-growing-percent=${percent}`)
