/**
 * Reading outputs back with readers other than the writer: the parts of an XLSX straight from its
 * zip (no exceljs), Python's openpyxl, LibreOffice headless, and Chromium (through playwright-core)
 * for the pages. The last three are optional: a test using them is skipped, with a message saying
 * what to install, where they are absent.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { inflateRawSync } from "node:zlib"
import { type BrowserContext, chromium as playwright } from "playwright-core"
import { tempDir } from "./helpers.ts"

/** Every file of a zip archive, by name, as UTF-8 text (from its central directory). */
export const unzip = (path: string): Map<string, string> => {
  const zip = readFileSync(path)
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (end < 0) throw new Error(`${path}: no zip end of central directory`)
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const parts = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${i}`)
    const method = zip.readUInt16LE(at + 10)
    const size = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extra = zip.readUInt16LE(at + 30)
    const comment = zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength).replace(/^\//, "")
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(start, start + size)
    parts.set(name, (method === 8 ? inflateRawSync(data) : data).toString("utf8"))
    at += 46 + nameLength + extra + comment
  }
  return parts
}

/** A reader that may be missing: its output, or why it cannot run. */
export type Reader = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly missing: string }

const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import openpyxl"]).status === 0)

/** Runs a Python script with openpyxl (python3-openpyxl); `args` go to `sys.argv[1:]`. */
export const openpyxl = (script: string, args: ReadonlyArray<string>): Reader => {
  if (python === undefined) return { ok: false, missing: "python3 with openpyxl is not installed (apt-get install python3-openpyxl)" }
  const run = spawnSync(python, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  if (run.status !== 0) throw new Error(`openpyxl failed: ${run.stderr}`)
  return { ok: true, stdout: run.stdout }
}

const soffice = spawnSync("soffice", ["--version"], { encoding: "utf8" }).status === 0

/**
 * Converts `path` with LibreOffice headless to `to` (a filter, e.g. "fods") and returns the
 * converted files' text by name. `infilter` is the import filter, for CSV.
 */
export const libreOffice = (path: string, to: string, infilter?: string): { readonly ok: true; readonly files: Map<string, string> } | { readonly ok: false; readonly missing: string } => {
  if (!soffice) return { ok: false, missing: "LibreOffice is not installed (apt-get install --no-install-recommends libreoffice-calc)" }
  const out = tempDir("soffice")
  const run = spawnSync(
    "soffice",
    ["--headless", `-env:UserInstallation=file://${tempDir("soffice-profile")}`, ...(infilter === undefined ? [] : [`--infilter=${infilter}`]), "--convert-to", to, "--outdir", out, path],
    { encoding: "utf8", timeout: 120_000 }
  )
  if (run.status !== 0) throw new Error(`soffice failed: ${run.stderr}`)
  return { ok: true, files: new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")])) }
}

/** Debian's Chromium: playwright-core drives it and downloads no browser of its own. */
const CHROMIUM = "/usr/bin/chromium"

/**
 * Headless Chromium with a fresh profile and a viewport of `width` × `height` CSS pixels, or why it
 * cannot run. The caller closes the context.
 */
export const chromium = async (width: number, height: number): Promise<{ readonly ok: true; readonly context: BrowserContext } | { readonly ok: false; readonly missing: string }> => {
  if (!existsSync(CHROMIUM)) return { ok: false, missing: `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)` }
  const context = await playwright.launchPersistentContext(tempDir("chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    // Nothing but the page: no network of its own, no first-run, sync or component updates.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })
  return { ok: true, context }
}
