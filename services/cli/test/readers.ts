/**
 * Reading outputs back with readers other than the writer: the parts of an XLSX straight from its
 * zip (no exceljs), Python's openpyxl, LibreOffice headless, and Chromium (through playwright-core)
 * for the pages. The last three are optional: a test using them is skipped, with a message saying
 * what to install, where they are absent.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { inflateRawSync, inflateSync } from "node:zlib"
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

const MISSING_SOFFICE = "LibreOffice is not installed (apt-get install --no-install-recommends libreoffice-calc)"

/** Converts `path` with LibreOffice headless to `to` (a filter: "fods", "pdf"), in a fresh profile; the directory of the converted files. */
const convert = (path: string, to: string, infilter?: string): string => {
  const out = tempDir("soffice")
  const run = spawnSync(
    "soffice",
    ["--headless", `-env:UserInstallation=file://${tempDir("soffice-profile")}`, ...(infilter === undefined ? [] : [`--infilter=${infilter}`]), "--convert-to", to, "--outdir", out, path],
    { encoding: "utf8", timeout: 120_000 }
  )
  if (run.status !== 0) throw new Error(`soffice failed: ${run.stderr}`)
  return out
}

/**
 * Converts `path` with LibreOffice headless to `to` (a filter, e.g. "fods") and returns the
 * converted files' text by name. `infilter` is the import filter, for CSV.
 */
export const libreOffice = (path: string, to: string, infilter?: string): { readonly ok: true; readonly files: Map<string, string> } | { readonly ok: false; readonly missing: string } => {
  if (!soffice) return { ok: false, missing: MISSING_SOFFICE }
  const out = convert(path, to, infilter)
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

/** A page of a PDF: its size in points and the sizes, in points, of the text drawn on it. */
export interface PdfPage {
  readonly width: number
  readonly height: number
  readonly textSizes: ReadonlyArray<number>
}

/**
 * Prints `path` with LibreOffice headless as a PDF, as its print setup says, and reads each page's
 * size and its text sizes back (the `Tf` operators of its content streams; LibreOffice draws text
 * unscaled, with `1 0 0 1` text matrices, which is checked).
 */
export const printedByLibreOffice = (path: string): { readonly ok: true; readonly pages: ReadonlyArray<PdfPage> } | { readonly ok: false; readonly missing: string } => {
  if (!soffice) return { ok: false, missing: MISSING_SOFFICE }
  const out = convert(path, "pdf")
  const pdf = readFileSync(join(out, readdirSync(out)[0] ?? ""))
  const text = pdf.toString("latin1")
  const objects = new Map<string, string>()
  for (const m of text.matchAll(/(\d+) 0 obj(.*?)endobj/gs)) objects.set(m[1] ?? "", m[2] ?? "")
  const content = (body: string): string => {
    const at = body.indexOf("stream")
    const start = at + (body[at + 6] === "\r" ? 8 : 7)
    const end = body.lastIndexOf("endstream")
    const raw = Buffer.from(body.slice(start, end), "latin1")
    return (body.includes("/FlateDecode") ? inflateSync(raw) : raw).toString("latin1")
  }
  const pages = [...objects.values()]
    .filter((body) => /\/Type\s*\/Page\b/.test(body))
    .map((body): PdfPage => {
      const [, , , width = "0", height = "0"] = /\/MediaBox\s*\[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(body) ?? []
      const refs = /\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/.exec(body)?.[1] ?? ""
      const streams = [...refs.matchAll(/(\d+) 0 R/g)].map((r) => content(objects.get(r[1] ?? "") ?? ""))
      for (const stream of streams) {
        for (const m of stream.matchAll(/(\S+) (\S+) (\S+) (\S+) \S+ \S+ Tm/g)) {
          if (m.slice(1, 5).join(" ") !== "1 0 0 1") throw new Error(`a text matrix that scales: ${m[0]}`)
        }
      }
      return { width: Number(width), height: Number(height), textSizes: streams.flatMap((stream) => [...stream.matchAll(/([\d.]+) Tf/g)].map((m) => Number(m[1]))) }
    })
  return { ok: true, pages }
}

/** A cell of a worksheet as its XML holds it: its column (1-based), style index, and text or number. */
export interface CellXml {
  readonly column: number
  readonly style: number
  readonly text?: string
  readonly number?: number
}

export interface RowXml {
  readonly r: number
  /** The row's own height in points, when it has one. */
  readonly height?: number
  readonly cells: ReadonlyArray<CellXml>
}

export interface SheetXml {
  readonly name: string
  /** `hidden` or `veryHidden`; absent for a sheet a person sees. */
  readonly state?: string
  /** Each column's width in Excel's unit, column 1 first. */
  readonly widths: ReadonlyArray<number>
  readonly defaultHeight: number
  readonly rows: ReadonlyArray<RowXml>
  /** Merged ranges, 1-based and inclusive. */
  readonly merges: ReadonlyArray<{ readonly top: number; readonly left: number; readonly bottom: number; readonly right: number }>
  /** The attributes of `<pageSetup>`. */
  readonly pageSetup: Readonly<Record<string, string>>
  readonly footer?: string
  /** The workbook-level names of this sheet (`_xlnm.Print_Titles`, `_xlnm.Print_Area`…) and their values. */
  readonly names: ReadonlyMap<string, string>
}

export interface StyleXml {
  readonly wrap: boolean
  /** The number format's code ("General", "0%", "@", "0.0"…). */
  readonly numFmt: string
  readonly horizontal?: string
  readonly bold: boolean
}

export interface WorkbookXml {
  readonly sheets: ReadonlyArray<SheetXml>
  /** The cell formats (`cellXfs`), by style index. */
  readonly styles: ReadonlyArray<StyleXml>
}

/** The built-in number formats relink's workbooks use, by id; others are in `<numFmts>`. */
const BUILT_IN_FORMATS: Readonly<Record<string, string>> = { 0: "General", 1: "0", 2: "0.00", 9: "0%", 10: "0.00%", 49: "@" }

const unescapeXml = (text: string): string =>
  text.replace(/&(lt|gt|amp|quot|apos|#x([0-9a-fA-F]+)|#(\d+));/g, (_, name: string, hex?: string, dec?: string) =>
    hex !== undefined ? String.fromCodePoint(parseInt(hex, 16)) : dec !== undefined ? String.fromCodePoint(Number(dec)) : ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" } as Record<string, string>)[name] ?? ""
  )

const attributes = (tag: string): Record<string, string> => Object.fromEntries([...tag.matchAll(/([\w:]+)="([^"]*)"/g)].map((m) => [m[1] as string, unescapeXml(m[2] as string)]))

const columnNumber = (letters: string): number => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0)

const cellRef = (ref: string): { readonly row: number; readonly column: number } => {
  const [, letters = "", digits = ""] = /^([A-Z]+)(\d+)$/.exec(ref) ?? []
  return { row: Number(digits), column: columnNumber(letters) }
}

/**
 * A workbook read straight from its XML parts, without exceljs: each sheet's column widths, rows
 * (heights, cells with their styles and values), merges, page setup, footer and defined names, and
 * the cell formats' alignment, boldness and number format.
 */
export const readWorkbook = (path: string): WorkbookXml => {
  const parts = unzip(path)
  const part = (name: string): string => parts.get(name) ?? ""
  const shared = [...part("xl/sharedStrings.xml").matchAll(/<si>(.*?)<\/si>/gs)].map((m) => [...(m[1] ?? "").matchAll(/<t(?: [^>]*)?>(.*?)<\/t>/gs)].map((t) => unescapeXml(t[1] ?? "")).join(""))
  const stylesXml = part("xl/styles.xml")
  const fonts = [...(/<fonts[^>]*>(.*?)<\/fonts>/s.exec(stylesXml)?.[1] ?? "").matchAll(/<font>(.*?)<\/font>|<font\/>/gs)].map((m) => (m[1] ?? "").includes("<b/>"))
  const formats = new Map([...stylesXml.matchAll(/<numFmt ([^>]*)\/>/g)].map((m) => attributes(m[1] ?? "")).map((a) => [a.numFmtId ?? "", a.formatCode ?? ""]))
  const styles = [...(/<cellXfs[^>]*>(.*?)<\/cellXfs>/s.exec(stylesXml)?.[1] ?? "").matchAll(/<xf ([^>]*?)(?:\/>|>(.*?)<\/xf>)/gs)].map((m) => {
    const xf = attributes(m[1] ?? "")
    const alignment = attributes(/<alignment ([^>]*)\/>/.exec(m[2] ?? "")?.[1] ?? "")
    const numFmtId = xf.numFmtId ?? "0"
    return {
      wrap: alignment.wrapText === "1",
      numFmt: formats.get(numFmtId) ?? BUILT_IN_FORMATS[numFmtId] ?? `built-in ${numFmtId}`,
      ...(alignment.horizontal !== undefined && { horizontal: alignment.horizontal }),
      bold: fonts[Number(xf.fontId ?? 0)] ?? false
    }
  })
  const rels = new Map([...part("xl/_rels/workbook.xml.rels").matchAll(/<Relationship ([^>]*)\/>/g)].map((m) => attributes(m[1] ?? "")).map((a) => [a.Id, a.Target]))
  const workbookXml = part("xl/workbook.xml")
  const names = [...workbookXml.matchAll(/<definedName ([^>]*)>([^<]*)<\/definedName>/g)].map((m) => {
    const a = attributes(m[1] ?? "")
    return { name: a.name ?? "", localSheetId: a.localSheetId, value: unescapeXml(m[2] ?? "") }
  })
  const sheets = [...workbookXml.matchAll(/<sheet ([^>]*)\/>/g)].map((m, index): SheetXml => {
    const a = attributes(m[1] ?? "")
    const xml = part(`xl/${(rels.get(a["r:id"]) ?? "").replace(/^\/?xl\//, "")}`)
    const widths: Array<number> = []
    for (const col of xml.matchAll(/<col ([^>]*)\/>/g)) {
      const c = attributes(col[1] ?? "")
      for (let i = Number(c.min); i <= Number(c.max); i++) widths[i - 1] = Number(c.width)
    }
    const rows = [...xml.matchAll(/<row ([^>]*?)(?:\/>|>(.*?)<\/row>)/gs)].map((row): RowXml => {
      const r = attributes(row[1] ?? "")
      const cells = [...(row[2] ?? "").matchAll(/<c ([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)].map((c): CellXml => {
        const ca = attributes(c[1] ?? "")
        const v = /<v>([^<]*)<\/v>/.exec(c[2] ?? "")?.[1]
        const inline = /<t(?: [^>]*)?>(.*?)<\/t>/s.exec(c[2] ?? "")?.[1]
        const base = { column: cellRef(ca.r ?? "").column, style: Number(ca.s ?? 0) }
        if (ca.t === "s" && v !== undefined) return { ...base, text: shared[Number(v)] ?? "" }
        if (inline !== undefined) return { ...base, text: unescapeXml(inline) }
        if (ca.t === "str" && v !== undefined) return { ...base, text: unescapeXml(v) }
        return v === undefined ? base : { ...base, number: Number(v) }
      })
      return { r: Number(r.r), ...(r.ht !== undefined && { height: Number(r.ht) }), cells }
    })
    const merges = [...xml.matchAll(/<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"\/>/g)].map((mm) => {
      const from = cellRef(mm[1] ?? "")
      const to = cellRef(mm[2] ?? "")
      return { top: from.row, left: from.column, bottom: to.row, right: to.column }
    })
    const footer = /<oddFooter>(.*?)<\/oddFooter>/s.exec(xml)?.[1]
    return {
      name: a.name ?? "",
      ...(a.state !== undefined && a.state !== "visible" && { state: a.state }),
      widths,
      defaultHeight: Number(attributes(/<sheetFormatPr ([^>]*)\/>/.exec(xml)?.[1] ?? "").defaultRowHeight ?? 15),
      rows,
      merges,
      pageSetup: attributes(/<pageSetup ([^>]*)\/>/.exec(xml)?.[1] ?? ""),
      ...(footer !== undefined && { footer: unescapeXml(footer) }),
      names: new Map(names.filter((n) => n.localSheetId === String(index)).map((n) => [n.name, n.value]))
    }
  })
  return { sheets, styles }
}
