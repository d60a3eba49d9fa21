/**
 * A one-line progress display on standard error, redrawn in place, only when standard error is a
 * terminal: piped or redirected output stays quiet. Counts only — never event contents.
 */
import * as Terminal from "./render/Terminal.ts"

export interface Progress {
  /** Call often; redraws at most every 200 ms. */
  readonly update: (counts: Counts) => void
  /** Shows a phase without counts ("evaluating 1,000,000 members …"). */
  readonly status: (text: string) => void
  /** Clears the line. */
  readonly done: () => void
}

export interface Counts {
  readonly label: string
  readonly events: number
  readonly malformed?: number
  readonly total?: number
}

export const number = (n: number): string => Math.round(n).toLocaleString("en-US")

/** `1 member`, `2,000 members`: a number and its noun, singular for one. */
export const count = (n: number, singular: string, plural = `${singular}s`): string => `${number(n)} ${Math.round(n) === 1 ? singular : plural}`

/** `1.2M/s`, `250k/s`. */
export const rate = (perSecond: number): string =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)}M/s` : perSecond >= 1e3 ? `${(perSecond / 1e3).toFixed(0)}k/s` : `${perSecond.toFixed(0)}/s`

const quiet: Progress = { update: () => undefined, status: () => undefined, done: () => undefined }

export const make = (options: { readonly unit: string; readonly enabled?: boolean }): Progress => {
  const enabled = options.enabled ?? process.stderr.isTTY === true
  if (!enabled) return quiet
  const started = performance.now()
  // Not 0: performance.now() counts from the start of the process (or worker thread), which may be under 200 ms ago.
  let last = Number.NEGATIVE_INFINITY
  let drawn = false
  const draw = (line: string) => {
    const columns = process.stderr.columns > 20 ? process.stderr.columns : 120
    // The line names input files: cleaned, so only this prefix drives the terminal.
    process.stderr.write(`\r\x1b[2K${Terminal.clean(line).slice(0, columns - 1)}`)
    drawn = true
  }
  return {
    update: (counts) => {
      const now = performance.now()
      if (now - last < 200) return
      last = now
      const seconds = (now - started) / 1000
      const parts = [
        counts.total === undefined
          ? `${number(counts.events)} ${options.unit}`
          : `${number(counts.events)}/${number(counts.total)} ${options.unit} (${((counts.events / Math.max(1, counts.total)) * 100).toFixed(0)}%)`,
        seconds > 0 ? rate(counts.events / seconds) : "",
        counts.malformed === undefined ? "" : `${number(counts.malformed)} malformed`,
        `${seconds.toFixed(0)}s`
      ].filter((p) => p !== "")
      draw(`${counts.label}: ${parts.join(" · ")}`)
    },
    status: (text) => draw(text),
    done: () => {
      if (drawn) process.stderr.write("\r\x1b[2K")
      drawn = false
    }
  }
}
