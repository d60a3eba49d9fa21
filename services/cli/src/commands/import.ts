/**
 * `relink import`: a department's spreadsheet (党员花名册, 流动党员登记表, 党费收缴明细, 组织生活签到表,
 * the organisations) read into the events that explain it. The core decides everything
 * (`SheetHeader.map`, `SheetImport.run`); this command reads the workbook safely (read/Sheet.ts),
 * the events so far (`--events`, and the `--out` file it appends to), and writes the new events,
 * the per-row report beside them, or a blank template (`--template`).
 */
import { once } from "node:events"
import { createReadStream, existsSync } from "node:fs"
import { basename, dirname, extname, join } from "node:path"
import { Effect, Option, Redacted, Result, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { Event, Instant, SheetContext, SheetHeader, SheetImport } from "@relink/core"
import * as Bounded from "../Bounded.ts"
import { BadArgument, type BadAsOf, type CommandError, UnmappedSheet, Usage } from "../Errors.ts"
import * as FileName from "../FileName.ts"
import * as Outputs from "../Outputs.ts"
import * as Progress from "../Progress.ts"
import * as Sheet from "../read/Sheet.ts"
import * as ImportReport from "../render/ImportReport.ts"
import * as ImportTemplate from "../render/ImportTemplate.ts"
import * as Settings from "../Settings.ts"
import * as Sink from "../Sink.ts"
import * as Sources from "../Sources.ts"
import * as Time from "../Time.ts"
import * as Publish from "./publish.ts"
import * as Shared from "./shared.ts"

const COMMAND = "relink import"

/** What the events say produced them. */
export const source = "relink import"

/** A mapping file names a few dozen columns. */
const maxMappingBytes = 1 << 20

export interface ImportFlags {
  readonly kind: Option.Option<SheetHeader.Kind>
  readonly template: Option.Option<SheetHeader.Kind>
  readonly from: Option.Option<string>
  readonly sheet: Option.Option<string>
  readonly mapping: Option.Option<string>
  readonly asOf: Option.Option<string>
  readonly dryRun: boolean
  readonly events: Option.Option<string>
  readonly out: Option.Option<string>
  readonly report: Option.Option<string>
  readonly brokers: Option.Option<string>
  readonly topic: Option.Option<string>
  readonly partitions: Option.Option<number>
  readonly maxInputBytes: number
  readonly quiet: boolean
}

/** What an import did, for the tests and the summary. */
export interface Done {
  readonly mapping: SheetHeader.Mapping
  readonly imported: SheetImport.Imported
  /** The events written (or, on a dry run, that would be), as JSON lines. */
  readonly lines: ReadonlyArray<string>
  readonly reportPath: string
}

/** The events so far that an import compares a sheet with: the organisations, the members' registers and what imports wrote. */
interface Prior {
  readonly events: ReadonlyArray<Event.Event>
  /** Lines that are no events. */
  readonly malformed: number
}

const readPrior = (sources: ReadonlyArray<Sources.Source>, limit: Sources.ReadLimit) =>
  Effect.gen(function* () {
    const events: Array<Event.Event> = []
    let malformed = 0
    yield* Stream.runForEach(Sources.lines(sources, limit), (line) =>
      Effect.sync(() => {
        const decoded = Event.decodeLine(line)
        if (Result.isFailure(decoded)) malformed++
        else if (SheetContext.isPrior(decoded.success)) events.push(decoded.success)
      })
    )
    return { events, malformed } satisfies Prior
  })

/** `roster-2026-01.xlsx` → `roster-2026-01-导入结果.xlsx`, in `directory`. */
const defaultReport = (from: string, directory: string): string => join(directory, `${FileName.part(basename(from, extname(from)))}-导入结果.xlsx`)

/** The as-of day: the flag's (a date, or an instant's day in China Standard Time), else today's. */
const asOfDay = (flag: Option.Option<string>): Effect.Effect<string, BadAsOf> =>
  Effect.map(Time.asOf(flag), (at) => Instant.formatCstDate(at))

const readMapping = (path: string): Effect.Effect<SheetHeader.MappingFile, BadArgument | CommandError> =>
  Effect.gen(function* () {
    const bad = (reason: string) => new BadArgument({ flag: "--mapping", reason: `${path}: ${reason}` })
    const bytes = yield* Bounded.readFile(path, { bytes: maxMappingBytes, input: `--mapping ${path}`, what: "the most a mapping file takes" }).pipe(
      Effect.catchTag("ReadFailed", (failed) => Effect.fail(bad(failed.reason)))
    )
    const json = yield* Effect.try({ try: (): unknown => JSON.parse(bytes.toString("utf8")), catch: () => bad("not JSON") })
    const parsed = SheetHeader.parseMappingFile(json)
    return Result.isSuccess(parsed) ? parsed.success : yield* bad(parsed.failure.reason)
  })

/** The new events after the file's own bytes, written to its temporary copy and renamed into place: complete or not at all. */
const append = (path: string, lines: ReadonlyArray<string>): Effect.Effect<void, CommandError> =>
  Sink.staged(path, { private: true }, (target) =>
    Sink.attempt(path, async () => {
      if (existsSync(path)) {
        let last = 0x0a
        for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
          if (chunk.length > 0) last = chunk[chunk.length - 1] ?? last
          if (!target.file.write(chunk)) await once(target.file, "drain")
        }
        // A file whose last line has no line break gets one: the next event is a line of its own.
        if (last !== 0x0a) target.file.write("\n")
      }
      for (const line of lines) if (!target.file.write(`${line}\n`)) await once(target.file, "drain")
      await new Promise<void>((resolve, reject) => target.file.end((error?: Error | null) => (error ? reject(error) : resolve())))
    })
  )

const writeTemplate = (kind: SheetHeader.Kind, out: string | undefined, quiet: boolean): Effect.Effect<void, CommandError> =>
  Effect.gen(function* () {
    if (out === "-") return yield* Shared.noXlsxOnStdout
    const path = out ?? `${ImportReport.kindLabel(kind)}-模板.xlsx`
    yield* Sink.ensureDirectory(path)
    const bytes = yield* ImportTemplate.workbook(kind)
    yield* Sink.staged(path, {}, (target) => Sink.attempt(path, () => new Promise<void>((resolve, reject) => target.file.end(bytes, (error?: Error | null) => (error ? reject(error) : resolve())))))
    yield* Shared.note(quiet, `wrote the ${kind} template (${ImportReport.kindLabel(kind)}) to ${path}`)
  })

/** Reads the sheet, imports it against the events so far, and writes the new events and the report. */
export const runImport = (flags: ImportFlags, env: Readonly<Record<string, string | undefined>> = process.env): Effect.Effect<Done | undefined, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const usage = (reason: string) => new Usage({ command: COMMAND, reason })
      const outPath = Option.getOrUndefined(flags.out)
      if (Option.isSome(flags.template)) {
        if (Option.isSome(flags.from) || Option.isSome(flags.kind)) return yield* usage("--template KIND writes a blank workbook: give it without --from and --kind")
        yield* writeTemplate(flags.template.value, outPath, flags.quiet)
        return undefined
      }
      if (Option.isNone(flags.from)) return yield* usage("say which sheet to import: --from FILE.xlsx|FILE.csv (or --template KIND for a blank one)")
      if (Option.isNone(flags.kind)) return yield* usage(`say what the sheet is: --kind ${SheetHeader.kinds.join("|")}`)
      const from = flags.from.value
      const kind = flags.kind.value
      if (outPath !== undefined && Option.isSome(flags.brokers)) return yield* usage("--out and --brokers exclude each other: append the events to a file, or publish them")
      if (outPath === undefined && Option.isNone(flags.brokers) && !flags.dryRun) {
        return yield* usage("say where the events go: --out FILE (appended to; - for standard output) or --brokers HOST:PORT (Kafka), or --dry-run")
      }
      if (outPath !== undefined && /\.gz$/i.test(outPath)) return yield* usage("--out is appended to: give an uncompressed .ndjson file")
      if (Option.isNone(flags.brokers) && (Option.isSome(flags.topic) || Option.isSome(flags.partitions))) return yield* usage("--topic and --partitions go with --brokers")
      if (Option.isSome(flags.brokers)) yield* Publish.configFor(flags, env)
      const key = Redacted.value(yield* Settings.readPiiKey(COMMAND, Settings.providerOf({}, env)))
      const asOf = yield* asOfDay(flags.asOf)
      const mappingFile = Option.isSome(flags.mapping) ? yield* readMapping(flags.mapping.value) : undefined

      const appended = outPath !== undefined && outPath !== "-" ? outPath : undefined
      const reportPath = Option.getOrElse(flags.report, () => defaultReport(from, appended === undefined ? "." : dirname(appended)))
      const priorSpec = Option.getOrUndefined(flags.events)
      const priorSources = priorSpec === undefined ? [] : yield* Sources.resolve(priorSpec)
      yield* Outputs.guard(
        [
          ...(appended === undefined ? [] : [{ what: "--out", path: appended }]),
          { what: Option.isSome(flags.report) ? "--report" : "the default report", path: reportPath }
        ],
        [{ path: from, gzip: false }, ...priorSources]
      )
      if (outPath === "-") yield* Sink.checkStandardOutput

      const bytes = yield* Bounded.readFile(from, { bytes: Sheet.maxBytes, input: `--from ${from}`, what: "the most a sheet takes" })
      const sheet = yield* Sheet.read(bytes, from, Option.isSome(flags.sheet) ? { sheet: flags.sheet.value } : {})
      const where = `${from}${sheet.name === "" ? "" : ` (sheet ${sheet.name})`}`
      const mapped = SheetHeader.map(sheet.rows, kind, mappingFile)
      if (Result.isFailure(mapped)) return yield* new UnmappedSheet({ input: where, reason: mapped.failure.reason })
      const mapping = mapped.success
      // The mapping a line a column, so that a wrong one is seen before the events are trusted.
      for (const line of [`${where}: the mapping chosen`, ...SheetHeader.describe(mapping).map((l) => `  ${l}`)]) yield* Shared.note(flags.quiet, line)
      if (mapping.missing.length > 0) {
        return yield* new UnmappedSheet({
          input: where,
          reason: `no column holds ${mapping.missing.map((f) => `${SheetHeader.variants[f][0]} (${f})`).join(", ")}: name it in a --mapping file (docs/import.md)`
        })
      }

      const limit = Sources.readLimit(Sources.defaultMaxLineBytes, flags.maxInputBytes)
      const appendedSources = appended !== undefined && existsSync(appended) ? yield* Sources.resolve(appended) : []
      const prior = yield* readPrior([...priorSources, ...appendedSources], limit)
      if (appendedSources.length > 0 && prior.malformed > 0) {
        return yield* usage(`--out ${appended} holds ${Progress.count(prior.malformed, "line")} that are no events, and new events are appended to it: name another file, or mend this one`)
      }
      if (prior.malformed > 0) yield* Shared.note(false, `relink: warning: ${priorSpec}: ${Progress.count(prior.malformed, "line")} that are no events, left out`)

      const imported = SheetImport.run(sheet.rows, mapping, SheetImport.contextOf(prior.events, { asOf, key, source, hiddenRows: sheet.hiddenRows }))
      const lines = imported.events.map((e) => JSON.stringify(Event.encode(e)))

      yield* Sink.ensureDirectory(reportPath)
      yield* Sink.staged(reportPath, {}, (target) =>
        ImportReport.write({ input: from, sheet: sheet.name, asOf, mapping, imported, written: lines.length, dryRun: flags.dryRun }, target)
      )

      let written: string
      if (flags.dryRun) written = `dry run: ${Progress.count(lines.length, "event")} not written`
      else if (outPath === "-") {
        const sink = yield* Sink.open("-")
        yield* Sink.run(sink, async (s) => {
          for (const line of lines) s.write(`${line}\n`)
          await s.close()
        })
        written = `wrote ${Progress.count(lines.length, "event")} to standard output`
      } else if (appended !== undefined) {
        if (lines.length > 0 || !existsSync(appended)) yield* append(appended, lines)
        written = `${lines.length === 0 ? "nothing new for" : `appended ${Progress.count(lines.length, "event")} to`} ${appended}`
      } else if (lines.length === 0) written = "nothing to publish"
      else {
        const { published, topic } = yield* Publish.publishStream(flags, Stream.fromIterable(lines), env)
        written = `published ${Progress.count(published, "event")} to ${topic}`
      }
      const t = SheetImport.tally(imported)
      yield* Shared.note(
        flags.quiet,
        `${where}: ${Progress.count(t.imported + t.unchanged + t.rejected, "row")} as of ${asOf}: ${Progress.number(t.imported)} imported, ${Progress.number(t.unchanged)} unchanged, ` +
          `${Progress.number(t.rejected)} rejected, ${Progress.number(t.noted)} with a note; ${Progress.count(imported.decisions.length, "member")} to decide; ${written}; report: ${reportPath}`
      )
      if (t.rejected > 0) yield* Shared.note(false, `relink: warning: ${where}: ${Progress.count(t.rejected, "row")} not imported: see 逐行结果 in ${reportPath}`)
      return { mapping, imported, lines, reportPath }
    })
  )

const kindFlag = (name: string) => Flag.Literals(name, SheetHeader.kinds).pipe(Flag.withMetavar(SheetHeader.kinds.join("|")), Flag.optional)

export const importCommand = Command.make(
  "import",
  {
    kind: kindFlag("kind").pipe(
      Flag.withDescription("What the sheet is: roster (党员花名册), floating (流动党员登记表), dues (党费收缴明细), attendance (组织生活签到表), orgs (the organisations)")
    ),
    template: kindFlag("template").pipe(
      Flag.withDescription("Write a blank workbook of that kind instead (to --out, else 党员花名册-模板.xlsx, 党费收缴明细-模板.xlsx…): the headers the import reads, drop-down lists and a sheet explaining each column")
    ),
    from: Flag.String("from").pipe(
      Flag.withMetavar("FILE"),
      Flag.withDescription(
        "The sheet: XLSX or CSV (UTF-8 or GB18030), told apart by content. At most 67,108,864 bytes (64 MiB), its parts at most 268,435,456 bytes inflated; .xls, macro-enabled and encrypted workbooks are refused"
      ),
      Flag.optional
    ),
    sheet: Flag.String("sheet").pipe(Flag.withMetavar("NAME"), Flag.withDescription("The worksheet to read. Default: the first visible one with data"), Flag.optional),
    mapping: Flag.String("mapping").pipe(
      Flag.withMetavar("FILE"),
      Flag.withDescription('A JSON mapping over the one chosen from the headers: {"headerRow": 3, "columns": {"证件号": "idNumber", "备注": null}} (docs/import.md)'),
      Flag.optional
    ),
    asOf: Flag.String("as-of").pipe(
      Flag.withMetavar("DATE"),
      Flag.withDescription("The day the sheet shows (2026-11-30): a roster's new members and changes are dated from it. Default: today (China Standard Time)"),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Read, map and write the report, but no events"), Flag.withDefault(false)),
    events: Flag.String("events").pipe(
      Flag.withMetavar("FILE|DIR"),
      Flag.withDescription(
        "The events so far (an export, as relink scan reads), besides the --out file: the members and organisations the sheet is compared with. Import the organisations first (--kind orgs) so branch names resolve"
      ),
      Flag.optional
    ),
    out: Flag.String("out").pipe(
      Flag.withMetavar("FILE"),
      Flag.withDescription(
        "Append the new events to this file (created when missing; - for standard output): what it holds counts as events so far, so importing the same sheet again appends nothing. Complete or not at all. This or --brokers"
      ),
      Flag.optional
    ),
    report: Flag.String("report").pipe(
      Flag.withMetavar("FILE.xlsx"),
      Flag.withDescription("The per-row report (导入结果). Default: <sheet's name>-导入结果.xlsx beside --out (in the current directory with --brokers or --out -)"),
      Flag.optional
    ),
    ...Publish.publishedWith("Publish the new events to Kafka instead, as relink publish does. Give --events with what the worker already has, so that only what changed is published (an event published again is the same event, by its id, and changes nothing). This or --out"),
    maxInputBytes: Shared.maxInputBytes,
    quiet: Shared.quiet
  },
  (flags) => Effect.asVoid(runImport(flags))
).pipe(
  Command.withDescription(
    "Import a department's spreadsheet as events. The header row is found below any title rows and each column's field recognised from its header (姓名, 公民身份号码/身份证号码, 所在党支部, 外出时间, …; the mapping is printed, a --mapping file overrides it). A roster is a picture at --as-of: the first registers everyone, the next adds only what changed (MemberUpdated, OutflowReported, ReturnReported); a member it no longer lists is a decision, never ended. Dues and sign-in rows become contacts and organisation activities. Event ids derive from the kind, member, field, value and date, and member ids from the 党员编号 column or a keyed digest of the ID number (RELINK_PII_KEY), so importing a file twice changes nothing. Every row is accounted for in the per-row report (导入结果.xlsx): imported, unchanged or rejected, with the cell and the reason."
  ),
  Command.withShortDescription("A department's spreadsheet (花名册, 登记表, 党费, 签到表) as events"),
  Command.withExamples([
    { command: "RELINK_PII_KEY=… relink import --kind orgs --from 党组织.xlsx --out events.ndjson", description: "the organisations first, so branch names resolve" },
    { command: "RELINK_PII_KEY=… relink import --kind roster --from 花名册-2026-11.xlsx --as-of 2026-11-30 --out events.ndjson", description: "this month's roster: only what changed" },
    { command: "relink import --template roster --out 花名册模板.xlsx", description: "a blank roster to fill in" }
  ])
)
