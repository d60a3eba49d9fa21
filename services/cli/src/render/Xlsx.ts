/**
 * Spreadsheet conventions shared by the XLSX outputs: sheet names Excel accepts, a bold header row
 * with frozen panes and an auto-filter, and streaming writes (rows are committed as they are added,
 * so large lists do not sit in memory).
 */
import type ExcelJS from "exceljs"
import { Effect, type Scope } from "effect"
import { WriteFailed, reasonOf } from "../Errors.ts"
import * as Sink from "../Sink.ts"

const MAX_SHEET_NAME = 31
const FORBIDDEN = /[[\]:*?/\\]/g

/** Excel compares sheet names without case; "History" is reserved. */
const key = (name: string) => name.toLocaleLowerCase("en-US")

/**
 * A sheet name Excel accepts, unique among `used` (which it joins): at most 31 characters, none of
 * `[]:*?/\`, not blank, not starting or ending with an apostrophe. Duplicates get " (2)", " (3)"…
 */
export const sheetName = (wanted: string, used: Set<string>): string => {
  const cleaned = wanted.replace(FORBIDDEN, " ").replace(/\s+/g, " ").trim().replace(/^'+|'+$/g, "").trim()
  const base = cleaned === "" || key(cleaned) === "history" ? "Sheet" : cleaned
  const cut = (text: string, room: number) => [...text].slice(0, room).join("").trimEnd()
  let name = cut(base, MAX_SHEET_NAME)
  for (let n = 2; used.has(key(name)); n++) {
    const suffix = ` (${n})`
    name = cut(base, MAX_SHEET_NAME - suffix.length) + suffix
  }
  used.add(key(name))
  return name
}

export interface Column {
  readonly header: string
  readonly width: number
  /** Wrap long text in the column's cells. */
  readonly wrap?: boolean
}

export type Cell = string | number | null

export type Workbook = ExcelJS.stream.xlsx.WorkbookWriter
export type Worksheet = ExcelJS.Worksheet

/** exceljs is loaded only by the commands that write a workbook: it is most of the start-up time. */
const load = Effect.promise(() => import("exceljs").then((m) => m.default))

/** A streaming workbook written to `path`, committed when `commit` runs. */
export const open = (path: string): Effect.Effect<Workbook, WriteFailed, Scope.Scope> =>
  Effect.all([Sink.ensureDirectory(path), load]).pipe(
    Effect.flatMap(([, excel]) =>
      Effect.acquireRelease(
        Effect.try({
          try: () => new excel.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: true }),
          catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) })
        }),
        // A workbook that was never committed leaves a partial file: nothing more to release.
        () => Effect.void
      )
    )
  )

/** A sheet with a bold, frozen, filterable header row. */
export const sheet = (workbook: Workbook, name: string, columns: ReadonlyArray<Column>): Worksheet => {
  const worksheet = workbook.addWorksheet(name, {
    views: [{ state: "frozen", xSplit: 0, ySplit: 1, topLeftCell: "A2", activeCell: "A2" }]
  })
  worksheet.columns = columns.map((c, i) => ({
    header: c.header,
    key: `c${i}`,
    width: c.width,
    ...(c.wrap === true && { style: { alignment: { wrapText: true, vertical: "top" } } })
  }))
  const header = worksheet.getRow(1)
  header.font = { bold: true, color: { argb: "FFFFFFFF" } }
  header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFB71C1C" } }
  header.alignment = { vertical: "middle", wrapText: true }
  header.height = 22
  worksheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } }
  return worksheet
}

/** Adds and commits a row (streaming: it leaves memory). */
export const row = (worksheet: Worksheet, values: ReadonlyArray<Cell>): void => {
  worksheet.addRow([...values]).commit()
}

export const commitSheet = (worksheet: Worksheet): void => worksheet.commit()

export const commit = (workbook: Workbook, path: string): Effect.Effect<void, WriteFailed> =>
  Effect.tryPromise({ try: () => workbook.commit(), catch: (cause) => new WriteFailed({ path, reason: reasonOf(cause) }) })
