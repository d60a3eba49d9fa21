/**
 * `relink scan`: the embedded engine over an export of events — every member's status, responsible
 * and assisting organisation, flags, reasons and next review, plus match proposals for open
 * observations — without Kafka or MongoDB. With `--mongo`, the same rows from the worker's MongoDB
 * state instead, through the same rendering.
 */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Instant, Policy, Status } from "@relink/core"
import type { CommandError } from "../Errors.ts"
import * as Heap from "../Heap.ts"
import * as Progress from "../Progress.ts"
import * as ScanOutput from "../render/ScanOutput.ts"
import * as Sink from "../Sink.ts"
import * as Shared from "./shared.ts"

const format = Flag.Literals("format", ["jsonl", "csv", "xlsx", "json"]).pipe(
  Flag.withDescription(
    'jsonl (default): one line per member {"kind":"member",…} then one per match proposal {"kind":"match",…}; csv: the same rows as one table (UTF-8 with BOM); json: one document; xlsx: summary, members and matches sheets'
  ),
  Flag.withDefault("jsonl")
)

export interface ScanFlags extends Shared.OriginFlags {
  readonly asOf: Option.Option<string>
  readonly format: ScanOutput.Format
  readonly out: Option.Option<string>
  readonly rejects: Option.Option<string>
  readonly maxLineBytes: number
  readonly maxInputBytes: number
  readonly maxRejects: number
  readonly quiet: boolean
}

/** "1,000 members (12 unlinked), 3 match proposals; wrote out.jsonl" */
const summaryLine = (written: ScanOutput.Written, skippedFuture: number, outPath: string): string =>
  `${Progress.count(written.members, "member")} (${Progress.number(written.unlinked)} unlinked), ${Progress.count(written.proposals, "match proposal")}` +
  (skippedFuture > 0 ? `, ${Progress.count(skippedFuture, "event")} after --as-of left out` : "") +
  Shared.crowdedNote(written.crowded) +
  (outPath === "-" ? "" : `; wrote ${outPath}`)

/** Scans an export (or reads the worker's state) and writes every member's row and every proposal. */
export const runScan = (flags: ScanFlags): Effect.Effect<void, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const origin = yield* Shared.originOf("relink scan", flags)
      const asOf = Option.getOrUndefined(flags.asOf)
      const outPath = Option.getOrElse(flags.out, () =>
        flags.format === "xlsx" ? `scan-${asOf === undefined ? Instant.formatCstDate(Date.now()) : asOf.slice(0, 10)}.xlsx` : "-"
      )
      if (flags.format === "xlsx" && outPath === "-") return yield* Shared.noXlsxOnStdout
      const reading = { ...flags, out: outPath }
      if (origin._tag === "Events" && (flags.format === "jsonl" || flags.format === "csv")) {
        // Row by row as the members are evaluated: a million evaluations are never held at once,
        // and the projections of members no proposal can be about are released as they are
        // written. A full collection before matching makes their room matching's.
        const read = yield* Shared.readEvents({ ...reading, events: origin.events, orgs: origin.orgs })
        read.progress.done()
        yield* Shared.note(flags.quiet, Shared.readSummary(read.ingested))
        const sink = yield* Sink.open(outPath)
        const rows = ScanOutput.scanned(read.ingested.state, { asOf: read.asOf, policy: Policy.defaults, rule: origin.rule, members: "matchable" }, Heap.collectNow)
        const written = yield* ScanOutput.writeLines(flags.format, rows, origin.rule, sink)
        yield* Sink.run(sink, (s) => s.close())
        return yield* Shared.note(flags.quiet, summaryLine(written, read.ingested.state.skippedFuture, outPath))
      }
      const loaded = yield* Shared.load(origin, reading)
      yield* Shared.note(flags.quiet, loaded.summary)
      if (flags.format === "xlsx") {
        yield* Sink.staged(outPath, {}, (target) => ScanOutput.writeXlsx(loaded, target))
      } else {
        const sink = yield* Sink.open(outPath)
        yield* ScanOutput.writeTextFormat(flags.format, loaded, sink)
        yield* Sink.run(sink, (s) => s.close())
      }
      const written = {
        members: loaded.evaluations.length,
        unlinked: loaded.evaluations.filter((e) => Status.unlinked.has(e.status)).length,
        proposals: loaded.proposals.length,
        // Said with what was read (loaded.summary).
        crowded: 0
      }
      yield* Shared.note(flags.quiet, summaryLine(written, loaded.skippedFuture, outPath))
    })
  )

export const scan = Command.make(
  "scan",
  {
    events: Shared.eventsOrMongo,
    orgs: Shared.orgs,
    mongo: Shared.mongo,
    database: Shared.database,
    asOf: Shared.asOf,
    format,
    out: Shared.out.pipe(Flag.withDescription(
        "Output file, or - for standard output (default for jsonl, csv, json; xlsx defaults to ./scan-<date>.xlsx and never goes to standard output). Written complete or not at all (a temporary file beside it, renamed into place); never an input"
      )),
    rule: Shared.rule.pipe(Flag.withDescription("The match rule to propose with, as JSON (what relink train writes and RELINK_MATCH_RULE takes); with --events only. Default: the built-in rule")),
    rejects: Shared.rejects,
    maxLineBytes: Shared.maxLineBytes,
    maxInputBytes: Shared.maxInputBytes,
    maxRejects: Shared.maxRejects,
    quiet: Shared.quiet
  },
  runScan
).pipe(
  Command.withDescription(
    "Scan an export of events with the embedded engine (no Kafka, no MongoDB): each member's status, responsible organisation, flags, reasons and next review, and match proposals with their explanation. Malformed lines are skipped, counted and written to the rejects file. With --mongo instead of --events, the same rows from what the worker stored, re-evaluated as of --as-of."
  ),
  Command.withShortDescription("Statuses and match proposals from an export of events or the worker's database"),
  Command.withExamples([
    { command: "relink scan --events events.ndjson --as-of 2026-11-27 > scan.jsonl", description: "one JSON line per member and per proposal" },
    { command: "relink scan --events exports/ --format xlsx --out out/scan.xlsx", description: "every *.ndjson(.gz) file of a directory" },
    {
      command: "RELINK_PII_KEY=… relink scan --mongo mongodb://localhost:27017 --database relink > scan.jsonl",
      description: "the same rows from the worker's MongoDB state"
    }
  ])
)
