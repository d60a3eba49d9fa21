/** Running the real `relink` executable in a child process, and a shared simulated data set. */
import { assert } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Result } from "effect"
import { Event, IdNumber, Phone } from "@relink/core"

export const root = fileURLToPath(new URL("../../..", import.meta.url))
export const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

export interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `relink-${name}-`))

/** Commands run in a scratch directory, so default outputs (rejects, spreadsheets) never land in the repository. */
const scratch = tempDir("cwd")

/** `node services/cli/src/bin.ts …args`, with optional standard input. */
export interface RunOptions {
  readonly input?: string
  readonly cwd?: string
  /** The whole environment of the command (default: this process's). */
  readonly env?: NodeJS.ProcessEnv
  /** Milliseconds after which the command is killed (its status is then null): a hang fails, never stalls. */
  readonly timeout?: number
}

export const relink = (args: ReadonlyArray<string>, options: RunOptions = {}): Run => {
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? scratch,
    input: options.input ?? "",
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...(options.env ?? process.env), NO_COLOR: "1" },
    ...(options.timeout !== undefined && { timeout: options.timeout, killSignal: "SIGKILL" as const })
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** Fails the test with the command's standard error when it did not exit 0. */
export const ok = (run: Run): Run => {
  if (run.status !== 0) throw new Error(`relink exited ${run.status}: ${run.stderr}`)
  return run
}

export const AS_OF = "2026-11-27"

export interface Simulated {
  readonly dir: string
  readonly eventsPath: string
  readonly manifest: {
    readonly members: number
    readonly shape: string
    readonly events: number
    readonly lines: number
    readonly malformed: ReadonlyArray<{ readonly line: number; readonly kind: string }>
  }
  /** Every line of the file. */
  readonly lines: ReadonlyArray<string>
  /** The events that decode. */
  readonly events: ReadonlyArray<Event.Event>
}

/** Simulates into a fresh directory and reads the result back. */
export const simulate = (members: number, seed: number, extra: ReadonlyArray<string> = []): Simulated => {
  const dir = tempDir(`sim-${members}-${seed}`)
  ok(relink(["simulate", "--members", String(members), "--seed", String(seed), "--as-of", AS_OF, "--out", dir, ...extra]))
  const eventsPath = join(dir, "events.ndjson")
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Simulated["manifest"]
  const lines = extra.includes("--gzip") ? [] : readFileSync(eventsPath, "utf8").split("\n").filter((l) => l.length > 0)
  const events = lines
    .map(Event.decodeLine)
    .filter(Result.isSuccess)
    .map((r) => r.success)
  return { dir, eventsPath, manifest, lines, events }
}

/**
 * Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF), splitting on each of `separators`
 * outside quotes: "," as RFC 4180 says, ",;\t" as a LibreOffice profile that also splits on
 * semicolons and tabs does.
 */
export const parseCsv = (text: string, separators = ","): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (separators.includes(c)) {
      row.push(field)
      field = ""
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field)
      rows.push(row)
      row = []
      field = ""
      i++
    } else field += c
  }
  if (field !== "" || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/**
 * Every full ID number and phone of the simulated members, as written and normalised (18-character
 * ID, 11-digit phone), to prove they stay masked.
 */
export const personalData = (events: ReadonlyArray<Event.Event>): { readonly ids: ReadonlyArray<string>; readonly phones: ReadonlyArray<string> } => {
  const ids = new Set<string>()
  const phones = new Set<string>()
  for (const e of events) {
    if (e.type === "MemberRegistered") {
      const id = Event.reveal(e.idNumber)
      ids.add(id)
      const normalised = IdNumber.normalizeLoose(id)
      if (normalised !== undefined) ids.add(normalised)
      if (e.phone !== undefined) {
        const phone = Event.reveal(e.phone)
        phones.add(phone)
        const digits = Phone.normalizeLoose(phone)
        if (digits !== undefined) phones.add(digits)
      }
    }
  }
  return { ids: [...ids], phones: [...phones] }
}

/** One line on standard error, nothing on standard output, the given exit code: returns the line. */
export const oneLineError = (args: ReadonlyArray<string>, code: number, options: RunOptions = {}): string => {
  const run = relink(args, options)
  assert.strictEqual(run.status, code, run.stderr)
  assert.strictEqual(run.stdout, "")
  const lines = run.stderr.split("\n").filter((l) => l.length > 0)
  assert.strictEqual(lines.length, 1, run.stderr)
  return lines[0] as string
}
