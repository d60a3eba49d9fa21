/**
 * `relink report progress`: 排查进度 — per responsible organisation and month (or week), how many
 * members were unlinked at the start, newly unlinked, found (and by what, after how many days),
 * closed and still open, from one fold of an export evaluated at every period's bounds
 * (`Timeline`, `Screening` in the core). With `--mongo`, the same fold over every event the worker
 * stored, under the policy it stored.
 */
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Instant, OrgTree, Policy, type Report, Screening, Timeline } from "@relink/core"
import { BadArgument, BadAsOf, type CommandError, UnknownOrg } from "../Errors.ts"
import * as Progress from "../Progress.ts"
import * as ProgressHtml from "../render/ProgressHtml.ts"
import * as Rendered from "../render/Screening.ts"
import * as Time from "../Time.ts"
import * as Turns from "../Turns.ts"
import * as Shared from "./shared.ts"

export interface ProgressFlags extends Shared.OriginFlags {
  readonly org: Option.Option<string>
  readonly includeSubtree: boolean
  readonly from: Option.Option<string>
  readonly to: Option.Option<string>
  readonly every: Screening.Every
  readonly format: Option.Option<Shared.ReportFormat>
  readonly lang: Report.Lang
  readonly out: Option.Option<string>
  readonly rejects: Option.Option<string>
  readonly maxLineBytes: number
  readonly maxInputBytes: number
  readonly maxRejects: number
  readonly quiet: boolean
}

/** More bounds than this is no report anyone reads (ten years of weeks). */
const MAX_INSTANTS = 521

/** A date is the start of that day (`--from`) or the end of it (`--to`), China Standard Time; an ISO instant is itself. */
const instantOf = (flag: "--from" | "--to", text: string): Effect.Effect<number, BadAsOf> => {
  const trimmed = text.trim()
  const at = Instant.isCalendarDate(trimmed)
    ? Date.parse(`${trimmed}T00:00:00+08:00`) + (flag === "--to" ? Instant.DAY : 0)
    : Instant.parseInstant(trimmed)
  return at === undefined ? Effect.fail(new BadAsOf({ value: text, flag })) : Effect.succeed(at)
}

/** The period's bounds: `--to` (default now), `--from` (default a year or twelve weeks before it). */
const boundsOf = (flags: ProgressFlags): Effect.Effect<ReadonlyArray<number>, BadAsOf | BadArgument> =>
  Effect.gen(function* () {
    const to = Option.isSome(flags.to) ? yield* instantOf("--to", flags.to.value) : yield* Time.asOf(Option.none())
    const from = Option.isSome(flags.from)
      ? yield* instantOf("--from", flags.from.value)
      : flags.every === "month"
        ? Instant.addMonths(Instant.startOfDay(to), -12)
        : Instant.startOfDay(to) - 12 * 7 * Instant.DAY
    if (!(to > from)) return yield* new BadArgument({ flag: "--to", reason: `${Instant.formatCst(to)} is not after --from ${Instant.formatCst(from)}` })
    const instants = Screening.instants(from, to, flags.every)
    if (instants.length > MAX_INSTANTS) {
      return yield* new BadArgument({ flag: "--every", reason: `${Progress.number(instants.length - 1)} periods from --from to --to: at most ${MAX_INSTANTS - 1}; take a shorter span or --every month` })
    }
    return instants
  })

/** Reads the export once, evaluates every member at every bound, and writes the report. */
export const runProgress = (flags: ProgressFlags): Effect.Effect<{ readonly periods: number; readonly found: number; readonly outPath: string }, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const origin = yield* Shared.originOf("relink report progress", flags)
      const instants = yield* boundsOf(flags)
      const chosen = yield* Shared.chooseFormat(flags.format, flags.out)
      const orgId = Option.getOrUndefined(flags.org)
      const last = instants[instants.length - 1] as number
      const outPath = Option.getOrElse(flags.out, () => (chosen === "xlsx" ? Shared.defaultWorkbook("progress", orgId, last - 1) : "-"))
      // The same fold either way: an export's events, or every event the worker stored.
      const { state, policy } =
        origin._tag === "Mongo"
          ? yield* Effect.tap(Shared.readStoredHistory(origin, last, flags.quiet), (read) => Shared.note(flags.quiet, read.summary))
          : yield* Effect.gen(function* () {
              const read = yield* Shared.readEvents({
                events: origin.events,
                orgs: origin.orgs,
                asOf: Option.some(Instant.formatCst(last)),
                out: outPath,
                rejects: flags.rejects,
                maxLineBytes: flags.maxLineBytes,
                maxInputBytes: flags.maxInputBytes,
                maxRejects: flags.maxRejects,
                quiet: flags.quiet,
                history: true
              })
              read.progress.done()
              yield* Shared.note(flags.quiet, Shared.readSummary(read.ingested))
              return { state: read.ingested.state, policy: Policy.defaults }
            })
      const orgs = OrgTree.make(state.orgs.values())
      if (orgId !== undefined && !orgs.orgs.has(orgId)) {
        return yield* new UnknownOrg({ orgId, known: orgs.orgs.size, suggestions: OrgTree.similarIds(orgs, orgId), origin: Shared.originArgument(origin) })
      }
      const members = state.history?.members.size ?? 0
      const progress = Progress.make({ unit: "members", enabled: !flags.quiet && process.stderr.isTTY === true })
      const builder = Screening.builder(instants, orgs, { ...(orgId !== undefined && { orgId }), includeSubtree: flags.includeSubtree, every: flags.every })
      let done = 0
      yield* Turns.each(Timeline.series(state, instants, policy), (series) => {
        builder.add(series)
        if (++done % 4096 === 0) progress.update({ label: `evaluating at ${instants.length} instants`, events: done, total: members })
      })
      progress.done()
      const report = builder.done()
      const context: Rendered.Context = {
        lang: flags.lang,
        ...(orgId !== undefined && { org: { orgId, name: OrgTree.nameOf(orgs, orgId), includeSubtree: flags.includeSubtree } })
      }
      yield* Shared.writeReport(chosen, outPath, {}, {
        xlsx: (target) => Rendered.writeXlsx(report, context, target),
        csv: (sink) => Rendered.writeCsv(report, context, sink),
        json: (sink) => Rendered.writeJson(report, context, sink),
        html: () => ProgressHtml.render(report, context)
      })
      if (report.untraced > 0) {
        yield* Console.error(
          `warning: ${Progress.count(report.untraced, "member is", "members are")} counted as found without the event that found them: the search for it read ${Progress.number(Timeline.maxRelinkSearch)} of their facts in one period (docs/outputs.md#screening-progress-排查进度)`
        )
      }
      const found = report.total.reduce((n, c) => n + c.found, 0)
      const open = report.total[report.total.length - 1]?.open ?? 0
      yield* Shared.note(
        flags.quiet,
        `${Progress.count(members, "member")} at ${report.instants.length} ${flags.every === "month" ? "monthly" : "weekly"} bounds: ${Progress.number(found)} found, ${Progress.number(open)} still unlinked at ${Instant.startOfDay(last) === last ? `the end of ${Instant.formatCstLastDay(last)}` : Instant.formatCst(last)}` +
          (outPath === "-" ? "" : `; wrote ${outPath}`)
      )
      return { periods: report.periods.length, found, outPath }
    })
  )

export const progress = Command.make(
  "progress",
  {
    events: Shared.eventsOrMongo,
    orgs: Shared.orgs,
    mongo: Shared.mongo,
    database: Shared.database,
    org: Shared.org,
    includeSubtree: Shared.includeSubtree,
    from: Flag.String("from").pipe(
      Flag.withMetavar("DATE|INSTANT"),
      Flag.withDescription("The first period starts here: 2025-12-01 (the start of that day, China Standard Time) or an ISO instant. Default: a year (--every week: twelve weeks) before --to"),
      Flag.optional
    ),
    to: Flag.String("to").pipe(
      Flag.withMetavar("DATE|INSTANT"),
      Flag.withDescription("The last period ends here: 2026-11-30 (the end of that day) or an ISO instant; events after it are left out. Default: now"),
      Flag.optional
    ),
    every: Flag.Literals("every", ["month", "week"]).pipe(Flag.withDescription("The length of a period: calendar months (default) or weeks from --from"), Flag.withDefault("month")),
    format: Flag.Literals("format", Shared.reportFormats).pipe(
      Flag.withDescription("html: one self-contained page with the trend charts; xlsx: summary, by organisation, found members, status trend; csv: one line per organisation and period; json. Default: from the --out extension, else xlsx"),
      Flag.optional
    ),
    lang: Shared.lang,
    out: Shared.out.pipe(
      Flag.withDescription("Output file, or - for standard output (csv, json, html). Default: ./progress-<org|all>-<date>.xlsx for xlsx, standard output for the others. Written complete or not at all; never an input")
    ),
    rejects: Shared.rejects,
    maxLineBytes: Shared.maxLineBytes,
    maxInputBytes: Shared.maxInputBytes,
    maxRejects: Shared.maxRejects,
    quiet: Shared.quiet
  },
  (flags) => Effect.asVoid(runProgress(flags))
).pipe(
  Command.withDescription(
    "排查进度: per responsible organisation and period, the members unlinked at the start, newly unlinked, found (linked again, with the event that did it and the days it took), removed or ended, still open, and matches confirmed or rejected; and the members per status at every bound. One read of the export (--events) or of every event the worker stored (--mongo, with the worker's key in RELINK_PII_KEY), every member evaluated at every bound as a scan as of it would: the same events give the same report."
  ),
  Command.withShortDescription("Screening progress per organisation and month or week, as HTML, XLSX, CSV or JSON"),
  Command.withExamples([
    { command: "relink report progress --events events.ndjson --from 2025-12-01 --to 2026-11-30 --format html --out out/progress.html" },
    { command: "relink report progress --events events.ndjson --org org-5101-0002 --include-subtree --every week --out out/progress.xlsx", description: "one organisation and everything below it, week by week" },
    { command: "RELINK_PII_KEY=… relink report progress --mongo mongodb://localhost:27017 --from 2025-12-01 --to 2026-11-30 --out out/progress.html", description: "from the events the worker stored" }
  ])
)
