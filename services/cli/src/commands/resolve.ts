/**
 * `relink resolve`: a review file clerks filled in (待核实比对清单, from `relink report review`) read
 * back into `MatchResolved` events — 确认 confirmed, 否定 rejected, 待定 or blank nothing — written as
 * NDJSON or published to Kafka. `Review.decide` judges every row; this command only moves bytes:
 * it reads the file in whichever form it is (read/ReviewFile.ts), the sources to check it against
 * when given, and writes what holds. Nothing is written while a row is refused, unless --partial.
 */
import { statSync } from "node:fs"
import { Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { Event, Review } from "@relink/core"
import * as Bounded from "../Bounded.ts"
import { BadAsOf, type CommandError, RowsRefused, Usage } from "../Errors.ts"
import * as Outputs from "../Outputs.ts"
import * as Progress from "../Progress.ts"
import * as ReviewFile from "../read/ReviewFile.ts"
import * as Sink from "../Sink.ts"
import * as Time from "../Time.ts"
import * as Publish from "./publish.ts"
import * as Shared from "./shared.ts"

const COMMAND = "relink resolve"

/** What the events say produced them. */
export const source = "relink resolve"

/** A review file is a workbook of a few thousand rows at most: anything far larger is not one. */
export const maxReviewBytes = 64 << 20

export interface ResolveFlags extends Shared.OriginFlags {
  readonly from: string
  readonly reviewer: Option.Option<string>
  readonly at: Option.Option<string>
  readonly partial: boolean
  readonly asOf: Option.Option<string>
  readonly out: Option.Option<string>
  readonly brokers: Option.Option<string>
  readonly topic: Option.Option<string>
  readonly partitions: Option.Option<number>
  readonly rejects: Option.Option<string>
  readonly maxLineBytes: number
  readonly maxInputBytes: number
  readonly maxRejects: number
  readonly quiet: boolean
}

export interface Resolved {
  readonly file: ReviewFile.ReviewFile
  readonly decided: Review.Decided
  /** The events as written, one JSON line each. */
  readonly lines: ReadonlyArray<string>
}

const pairKey = (observationEventId: string, memberId: string) => JSON.stringify([observationEventId, memberId])

/** What the sources say now: the open proposals, the members (every one, so that a member linked since is known) and the observations. */
const currentOf = (loaded: Shared.Loaded, stored: ReadonlySet<string> | undefined): Review.Current => {
  const proposals = new Map(loaded.proposals.map((p) => [pairKey(p.observationEventId, p.memberId), p]))
  return {
    proposal: (observationEventId, memberId) => proposals.get(pairKey(observationEventId, memberId)),
    hasObservation: (observationEventId) => stored?.has(observationEventId) ?? loaded.input.observation(observationEventId) !== undefined,
    member: (memberId) => loaded.input.member(memberId)
  }
}

/** `李明 3 confirmed, 1 rejected, 0 pending`, a reviewer a part. */
const talliesText = (tallies: ReadonlyArray<Review.Tally>): string =>
  tallies.length === 0
    ? "no rows"
    : tallies
        .map((t) => `${t.reviewer === "" ? "no reviewer named" : t.reviewer}: ${Progress.number(t.confirmed)} confirmed, ${Progress.number(t.rejected)} rejected, ${Progress.number(t.pending)} pending`)
        .join("; ")

/** Reads the review file, judges its rows against the sources if given, and writes the events of the rows that hold. */
export const runResolve = (flags: ResolveFlags, env: Readonly<Record<string, string | undefined>> = process.env): Effect.Effect<Resolved, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const usage = (reason: string) => new Usage({ command: COMMAND, reason })
      if (Option.isSome(flags.out) && Option.isSome(flags.brokers)) return yield* usage("--out and --brokers exclude each other: write the decisions to a file, or publish them")
      if (Option.isNone(flags.out) && Option.isNone(flags.brokers)) {
        return yield* usage("say where the decisions go: --out FILE (- for standard output) or --brokers HOST:PORT (Kafka)")
      }
      if (Option.isSome(flags.out) && (Option.isSome(flags.topic) || Option.isSome(flags.partitions))) return yield* usage("--topic and --partitions go with --brokers")
      const checked = Option.isSome(flags.events) || Option.isSome(flags.mongo)
      if (!checked && (Option.isSome(flags.asOf) || Option.isSome(flags.orgs) || Option.isSome(flags.database) || Option.isSome(flags.rule ?? Option.none()))) {
        return yield* usage("--as-of, --orgs, --rule and --database go with --events or --mongo, the sources the file is checked against")
      }
      // Kafka's settings before anything is read: a missing one is said at once.
      if (Option.isSome(flags.brokers)) yield* Publish.configFor(flags, env)
      const origin = checked ? yield* Shared.originOf(COMMAND, flags, env) : undefined
      const given = Option.getOrUndefined(flags.at)
      const at = given === undefined ? undefined : Time.parseAsOf(given)
      if (given !== undefined && at === undefined) return yield* new BadAsOf({ value: given, flag: "--at" })
      const outPath = Option.getOrUndefined(flags.out)
      if (outPath !== undefined) yield* Outputs.guard([{ what: "--out", path: outPath }], [{ path: flags.from, gzip: false }])
      if (outPath === "-") yield* Sink.checkStandardOutput

      const bytes = yield* Bounded.readFile(flags.from, { bytes: maxReviewBytes, input: `--from ${flags.from}`, what: "the most a review file takes" })
      const file = yield* ReviewFile.read(bytes, flags.from)
      // The file's own time, so that the same file gives the same events: the workbook's saved time, else the file's.
      const when = at ?? file.savedAt ?? Math.trunc(statSync(flags.from).mtimeMs)

      let current: Review.Current | undefined
      if (origin !== undefined) {
        const { asOf, rejects, maxLineBytes, maxInputBytes, maxRejects, quiet } = flags
        const loaded = yield* Shared.load(origin, { asOf, rejects, maxLineBytes, maxInputBytes, maxRejects, quiet, ...(outPath !== undefined && { out: outPath }), members: "all" })
        yield* Shared.note(flags.quiet, loaded.summary)
        const named = [...new Set(file.rows.map((row) => row.cells.observationEventId ?? "").filter((id) => id !== ""))]
        const stored = origin._tag === "Mongo" ? yield* Shared.storedObservations(origin, named) : undefined
        current = currentOf(loaded, stored)
      }
      const reviewer = Option.getOrUndefined(flags.reviewer)
      const decided = Review.decide(file.rows, { at: when, source, blind: file.blind, ...(reviewer !== undefined && { reviewer }), ...(current !== undefined && { current }) })

      // Warnings and refusals whatever --quiet says: they are what the user must act on.
      for (const stale of decided.stale) yield* Shared.note(false, `relink: warning: ${flags.from}: ${file.where(stale.line)}: stale, skipped: ${stale.reason}`)
      for (const problem of decided.problems) yield* Shared.note(false, `relink: ${flags.from}: ${file.where(problem.line)}: refused: ${problem.reason}`)
      if (decided.problems.length > 0 && !flags.partial) return yield* new RowsRefused({ input: flags.from, refused: decided.problems.length })

      const lines = decided.events.map((event) => JSON.stringify(Event.encode(event)))
      let written: string
      if (outPath !== undefined) {
        const sink = yield* Sink.open(outPath)
        yield* Sink.run(sink, async (s) => {
          for (const line of lines) s.write(`${line}\n`)
          await s.close()
        })
        written = `wrote ${Progress.count(lines.length, "event")} to ${outPath === "-" ? "standard output" : outPath}`
      } else if (lines.length === 0) written = "nothing to publish"
      else {
        const { published, topic } = yield* Publish.publishStream(flags, Stream.fromIterable(lines), env)
        written = `published ${Progress.count(published, "event")} to ${topic}`
      }
      yield* Shared.note(
        flags.quiet,
        `read ${Progress.count(file.rows.length, "row")} from ${flags.from} (${file.form}${file.form === "xlsx" ? `, ${Progress.count(file.sheets, "sheet")}` : ""}${file.blind ? ", blind" : ""}): ` +
          `${talliesText(decided.tallies)}; ` +
          `${Progress.number(decided.stale.length)} stale, ${Progress.number(decided.applied)} applied before, ${Progress.number(decided.problems.length)} refused` +
          `${current === undefined ? " (not checked against any sources: give --events or --mongo to skip stale rows)" : ""}; ${written}`
      )
      return { file, decided, lines }
    })
  )

export const resolve = Command.make(
  "resolve",
  {
    from: Flag.String("from").pipe(
      Flag.withMetavar("FILE"),
      Flag.withDescription(
        "The review file clerks filled in, as relink report review wrote it: XLSX, CSV or JSON, told apart by content, not by name. At most 67,108,864 bytes (64 MiB); a workbook's parts at most 268,435,456 bytes (256 MiB) inflated"
      )
    ),
    reviewer: Flag.String("reviewer").pipe(Flag.withMetavar("NAME"), Flag.withDescription("Who decided, for rows whose 核实人 is blank (resolvedBy)"), Flag.optional),
    at: Flag.String("at").pipe(
      Flag.withMetavar("DATE|INSTANT"),
      Flag.withDescription(
        "When the decisions were made (the events' occurredAt): 2026-11-27 (the end of that day, China Standard Time) or an ISO instant. Default: the time the workbook was last saved (its properties), else the file's modification time, so that the same file gives the same events"
      ),
      Flag.optional
    ),
    partial: Flag.Boolean("partial").pipe(
      Flag.withDescription("Write the rows that hold and list the refused ones (exit code 0). Without it a refused row writes nothing (exit code 2)"),
      Flag.withDefault(false)
    ),
    events: Shared.eventsOrMongo.pipe(
      Flag.withDescription(
        "Check the file against these events (an export, as relink scan reads): a row whose proposal changed or was resolved since is stale and skipped, one this file resolved before is counted as applied, an unknown observation or member refused. This or --mongo, or neither (no check but the file's own)"
      )
    ),
    orgs: Shared.orgs,
    mongo: Shared.mongo.pipe(
      Flag.withDescription("Check the file against what the worker stored in MongoDB instead (needs RELINK_PII_KEY), as --events does")
    ),
    database: Shared.database,
    rule: Shared.rule.pipe(Flag.withDescription("With --events: the rule the file's queue was made with (as relink report review took it). Default: the built-in rule")),
    asOf: Shared.asOf,
    out: Shared.out.pipe(Flag.withDescription("Write the events here, one JSON object per line (- for standard output); complete or not at all. This or --brokers")),
    ...Publish.publishedWith("Publish the events to Kafka instead, as relink publish does (keyed by memberId). This or --out"),
    rejects: Shared.rejects,
    maxLineBytes: Shared.maxLineBytes,
    maxInputBytes: Shared.maxInputBytes,
    maxRejects: Shared.maxRejects,
    quiet: Shared.quiet
  },
  (flags) => Effect.asVoid(runResolve(flags))
).pipe(
  Command.withDescription(
    "Read a filled review file (relink report review) back into MatchResolved events: 确认/confirm → confirmed, 否定/reject → rejected, 待定/pending or blank → nothing; 核实人 → resolvedBy (else --reviewer), 备注 → note. Each event's id comes from the row's key and the decision, and its time from the file, so importing the same file twice gives the same events. Refused, one line each with the row (and sheet), exit code 2 and nothing written: a file that is no review file, a row with a key or evidence cell changed or an unknown key, an unknown decision word, one observation confirmed for two members. With --events or --mongo, stale rows are reported and skipped, rows applied before counted. Ends with the decisions per reviewer."
  ),
  Command.withShortDescription("Clerks' decisions in a review file back into MatchResolved events"),
  Command.withExamples([
    { command: "relink resolve --from review.xlsx --events events.ndjson --out decisions.ndjson", description: "checked against the export the queue was made from" },
    { command: "relink resolve --from review.csv --reviewer 李明 --at 2026-11-30 --out -", description: "unchecked, to standard output" },
    { command: "RELINK_PII_KEY=… relink resolve --from review.xlsx --mongo mongodb://localhost:27017 --brokers localhost:9092", description: "checked against the worker's state, published to it" }
  ])
)
