/**
 * Flags and steps shared by the commands that read events: where the events are (an export, or
 * what the worker stored in MongoDB), the as-of instant, where malformed lines go, and the embedded
 * scan itself.
 */
import { basename, dirname, extname, join } from "node:path"
import { Cause, Console, Effect, Layer, Option, Predicate, type Redacted, Result, type Scope, Stream } from "effect"
import { Flag } from "effect/cli"
import { Instant, Matching, MatchRule, type OrgRecord, type OrgTree, Policy, Report, Scan, type Status } from "@relink/core"
import { Mongo, Pii } from "@relink/mongo"
import { Snapshot, Store, StoredSettings } from "@relink/worker"
import * as Bounded from "../Bounded.ts"
import { BadArgument, type CommandError, type InputTooLarge, NoValidEvents, ServiceFailed, UnknownFormat, Usage, type WriteFailed } from "../Errors.ts"
import * as Ingest from "../Ingest.ts"
import * as FileName from "../FileName.ts"
import * as Outputs from "../Outputs.ts"
import * as Progress from "../Progress.ts"
import * as Terminal from "../render/Terminal.ts"
import * as Settings from "../Settings.ts"
import * as Sink from "../Sink.ts"
import * as Sources from "../Sources.ts"
import * as Time from "../Time.ts"
import * as Turns from "../Turns.ts"

export const events = Flag.String("events").pipe(
  Flag.withMetavar("FILE|DIR|-"),
  Flag.withDescription(
    "Events, one JSON object per line (docs/events.md): an .ndjson/.jsonl file (gzip too, by its name or its first bytes), a directory (all *.ndjson, *.ndjson.gz, *.jsonl in it, by name), or - for standard input"
  )
)

export const orgs = Flag.String("orgs").pipe(
  Flag.withMetavar("FILE|DIR"),
  Flag.withDescription("More events to read first, e.g. an export of OrgRegistered events kept apart from the member events"),
  Flag.optional
)

/** `--events`, for the commands that can read MongoDB instead (`--mongo`). */
export const eventsOrMongo = Flag.String("events").pipe(
  Flag.withMetavar("FILE|DIR|-"),
  Flag.withDescription(
    "Events, one JSON object per line (docs/events.md): an .ndjson/.jsonl file (gzip too, by its name or its first bytes), a directory (all *.ndjson, *.ndjson.gz, *.jsonl in it, by name), or - for standard input. This or --mongo"
  ),
  Flag.optional
)

export const mongo = Flag.String("mongo").pipe(
  Flag.withMetavar("URI"),
  Flag.withDescription(
    "Read what the worker stored in MongoDB instead of scanning events: the same rows as the embedded scan of the same events, evaluated as of --as-of (every stored event counts, even one after it). Needs the worker's key in RELINK_PII_KEY. This or --events"
  ),
  Flag.optional
)

export const database = Flag.String("database").pipe(
  Flag.withMetavar("NAME"),
  Flag.withDescription("The worker's database, with --mongo. Default: MONGODB_DATABASE, else relink"),
  Flag.optional
)

/** Where a command reads from: an export of events, or the worker's MongoDB database. */
export type Origin =
  | { readonly _tag: "Events"; readonly events: string; readonly orgs: Option.Option<string>; readonly rule: MatchRule.MatchRule }
  | { readonly _tag: "Mongo"; readonly settings: Mongo.MongoSettings; readonly piiKey: Redacted.Redacted<string> }

export interface OriginFlags {
  readonly events: Option.Option<string>
  readonly orgs: Option.Option<string>
  readonly mongo: Option.Option<string>
  readonly database: Option.Option<string>
  /** `--rule`, for the commands that match. */
  readonly rule?: Option.Option<string>
}

/** `--events` or `--mongo` (exactly one), with what goes with each; a wrong mix is one `Usage` line. */
export const originOf = (
  command: string,
  flags: OriginFlags,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<Origin, Usage | BadArgument | InputTooLarge> =>
  Effect.gen(function* () {
    const usage = (reason: string) => new Usage({ command, reason })
    if (Option.isSome(flags.events) && Option.isSome(flags.mongo)) {
      return yield* usage("--events and --mongo exclude each other: read an export of events, or what the worker stored")
    }
    if (Option.isSome(flags.events)) {
      if (Option.isSome(flags.database)) return yield* usage("--database goes with --mongo, not with --events")
      return { _tag: "Events", events: flags.events.value, orgs: flags.orgs, rule: yield* readRule(flags.rule ?? Option.none()) } as const
    }
    if (Option.isNone(flags.mongo)) return yield* usage("say where to read from: --events FILE|DIR|- (an export of events) or --mongo URI (the worker's database)")
    if (Option.isSome(flags.orgs)) return yield* usage("--orgs goes with --events: with --mongo the organisations are the ones the worker stored")
    if (flags.rule !== undefined && Option.isSome(flags.rule)) return yield* usage("--rule goes with --events: with --mongo the proposals are the worker's, made under the rule it stored")
    const provider = Settings.providerOf({ MONGODB_URI: flags.mongo.value, MONGODB_DATABASE: Settings.given(flags.database) }, env)
    const settings = yield* Settings.read(command, provider, Mongo.config, { MONGODB_URI: "--mongo", MONGODB_DATABASE: "--database" })
    const piiKey = yield* Settings.readPiiKey(command, provider)
    return { _tag: "Mongo", settings, piiKey } as const
  })

/** How `relink orgs` is told to read the same thing (for hints in error messages). */
export const originArgument = (origin: Origin): string =>
  origin._tag === "Events"
    ? `--events ${origin.events}`
    : `--mongo ${Settings.redactUri(origin.settings.uri)}${origin.settings.database === "relink" ? "" : ` --database ${origin.settings.database}`}`

export const asOf = Flag.String("as-of").pipe(
  Flag.withMetavar("DATE|INSTANT"),
  Flag.withDescription(
    "Evaluate as of this moment: 2026-11-27 (the end of that day, China Standard Time) or 2026-11-27T18:00:00+08:00. Events after it are left out. Default: now"
  ),
  Flag.optional
)

export const out = Flag.String("out").pipe(Flag.withMetavar("PATH"), Flag.optional)

export const rule = Flag.String("rule").pipe(Flag.withMetavar("FILE"), Flag.optional)

/** A rule file is JSON of a few pages, its name frequencies included: anything far larger is not one. */
const maxRuleBytes = 16 << 20

/**
 * The match rule in a JSON file (`--rule`), or the built-in rule. A file that is none, or a rule
 * `MatchRule.problems` finds unusable, is one line naming what is wrong; a file past
 * `maxRuleBytes` (a device, a FIFO, an endless stream) is cut there.
 */
export const readRule = (path: Option.Option<string>): Effect.Effect<MatchRule.MatchRule, BadArgument | InputTooLarge> =>
  Option.isNone(path)
    ? Effect.succeed(MatchRule.chinese)
    : Effect.gen(function* () {
        const bad = (reason: string) => new BadArgument({ flag: "--rule", reason: `${path.value}: ${reason}` })
        const bytes = yield* Bounded.readFile(path.value, { bytes: maxRuleBytes, input: `--rule ${path.value}`, what: "the most a rule file takes" }).pipe(
          Effect.catchTag("ReadFailed", (failed) => Effect.fail(bad(failed.reason)))
        )
        const json = yield* Effect.try({ try: (): unknown => JSON.parse(bytes.toString("utf8")), catch: () => bad("not JSON") })
        const decoded = MatchRule.decode(json)
        if (Result.isFailure(decoded)) return yield* bad(decoded.failure.reason)
        return decoded.success
      })

/** A workbook is binary: on a terminal it is noise, and the commands' text formats serve a pipe. */
export const noXlsxOnStdout = new BadArgument({ flag: "--out -", reason: "an XLSX workbook does not go to standard output: give --out FILE.xlsx, or a text --format" })

/** The formats of the reports. */
export type ReportFormat = "xlsx" | "csv" | "json" | "html"
export const reportFormats: ReadonlyArray<ReportFormat> = ["xlsx", "csv", "json", "html"]

const byExtension: Readonly<Record<string, ReportFormat>> = { ".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".html": "html", ".htm": "html" }

/**
 * A report's format: the one asked for, or the one the output's extension names, or xlsx (also for
 * an output without an extension, which is written under the name given). `-` takes a text format.
 */
export const chooseFormat = (flag: Option.Option<ReportFormat>, out: Option.Option<string>): Effect.Effect<ReportFormat, UnknownFormat | BadArgument> => {
  const chosen = Option.isSome(flag) ? flag.value : Option.isNone(out) || out.value === "-" ? undefined : byExtension[extname(out.value).toLowerCase()]
  if (Option.getOrUndefined(out) === "-") return chosen === undefined || chosen === "xlsx" ? Effect.fail(noXlsxOnStdout) : Effect.succeed(chosen)
  if (chosen !== undefined) return Effect.succeed(chosen)
  const extension = Option.isSome(out) ? extname(out.value).toLowerCase() : ""
  return extension === "" ? Effect.succeed("xlsx") : Effect.fail(new UnknownFormat({ format: extension.slice(1), allowed: reportFormats }))
}

/**
 * The workbook a report writes when no --out is given, in the working directory:
 * `unlinked-org-5101-0002-2026-11-27.xlsx`. The organisation id is reduced to a safe file-name form
 * (FileName.part): a value from the data never becomes a directory.
 */
export const defaultWorkbook = (report: string, orgId: string | undefined, asOf: number): string =>
  `${report}-${orgId === undefined ? "all" : FileName.part(orgId)}-${Instant.formatCstDate(asOf)}.xlsx`

/** How one report is written in each format: a workbook to a path, the text formats to a sink. */
export interface ReportWriters {
  readonly xlsx: (target: Sink.Staged) => Effect.Effect<void, WriteFailed>
  readonly csv: (sink: Sink.Sink) => Effect.Effect<void, WriteFailed>
  readonly json: (sink: Sink.Sink) => Effect.Effect<void, WriteFailed>
  readonly html: () => string
}

/** Writes a report in the format chosen to `outPath` (`-`: standard output), complete or not at all. */
export const writeReport = (
  format: ReportFormat,
  outPath: string,
  file: Sink.FileOptions,
  writers: ReportWriters
): Effect.Effect<void, WriteFailed, Scope.Scope> =>
  format === "xlsx"
    ? Sink.staged(outPath, file, writers.xlsx)
    : Effect.gen(function* () {
        const sink = yield* Sink.open(outPath, file)
        if (format === "html") {
          yield* Sink.run(sink, async (s) => {
            s.write(writers.html())
            await s.ready()
          })
        } else yield* writers[format](sink)
        yield* Sink.run(sink, (s) => s.close())
      })

/** The flags that scope and word the reports. */
export const org = Flag.String("org").pipe(
  Flag.withMetavar("ORG_ID"),
  Flag.withDescription("The organisation the report is for (its orgId in the events; see `relink orgs`). Default: every organisation"),
  Flag.optional
)

export const includeSubtree = Flag.Boolean("include-subtree").pipe(
  Flag.withDescription("Cover the organisation's whole subtree (every branch below it), not only members it is home or responsible for"),
  Flag.withDefault(false)
)

export const lang = Flag.Literals("lang", ["zh", "en"]).pipe(Flag.withDescription("Language of headers, statuses and suggested actions"), Flag.withDefault("zh"))

export const rejects = Flag.String("rejects").pipe(
  Flag.withMetavar("PATH"),
  Flag.withDescription(
    "Where malformed lines go, one JSON object each: {file, line, tag, reason, text}. Created only when there is one, readable by its owner only (0600: it holds the lines as they were, full ID numbers and phones included). Default: beside the output (<out>.rejects.ndjson), or ./relink-rejects.ndjson. Never an input, never the output"
  ),
  Flag.optional
)

/** An integer flag's bounds, checked by the parser: outside them, one line and exit code 2. */
export const between =
  (min: number, max: number) =>
  (flag: Flag.Flag<number>): Flag.Flag<number> =>
    Flag.filter(flag, (n) => n >= min && n <= max, () => `an integer from ${Progress.number(min)} to ${Progress.number(max)}`)

/** `simulate` and `demo`: beyond ten million members the export no longer fits a disk sensibly (~15 events, 3 KB each). */
export const members = (fallback: number, description: string) =>
  Flag.Int("members").pipe(between(0, 10_000_000), Flag.withMetavar("N"), Flag.withDescription(description), Flag.withDefault(fallback))

/** Any integer the generator tells apart (both 32-bit halves are used). */
export const seed = (description: string) =>
  Flag.Int("seed").pipe(between(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), Flag.withMetavar("S"), Flag.withDescription(description), Flag.withDefault(1))

export const maxLineBytes = Flag.Int("max-line-bytes").pipe(
  between(1024, 1 << 30),
  Flag.withMetavar("N"),
  Flag.withDescription(
    "The longest line read, in bytes; a longer one is rejected with its first bytes (never held whole), and one holding NUL bytes stops the run as binary data (exit code 2). Default: 1048576 (1 MiB)"
  ),
  Flag.withDefault(Sources.defaultMaxLineBytes)
)

export const maxInputBytes = Flag.Int("max-input-bytes").pipe(
  between(1024, Number.MAX_SAFE_INTEGER),
  Flag.withMetavar("N"),
  Flag.withDescription(
    "The most bytes read from the events, all files together (decompressed): past it the run stops, exit code 2, so that a device, a FIFO or an endless stream cannot run forever. Default: 68719476736 (64 GiB), more than twice the largest export relink simulate writes"
  ),
  Flag.withDefault(Sources.defaultMaxInputBytes)
)

export const defaultMaxRejects = 10_000

export const maxRejects = Flag.Int("max-rejects").pipe(
  between(0, 100_000_000),
  Flag.withMetavar("N"),
  Flag.withDescription("The most lines the rejects file takes; past it malformed lines are only counted, and the summary says how many. Default: 10000"),
  Flag.withDefault(defaultMaxRejects)
)

export const quiet = Flag.Boolean("quiet").pipe(
  Flag.withAlias("q"),
  Flag.withDescription("Print nothing on standard error but errors and warnings (no summary, no progress)"),
  Flag.withDefault(false)
)

/** `out/list.xlsx` → `out/list.rejects.ndjson`; standard output → `./relink-rejects.ndjson`. */
export const defaultRejectsPath = (outPath: string | undefined): string =>
  outPath === undefined || outPath === "-"
    ? "relink-rejects.ndjson"
    : join(dirname(outPath), `${basename(outPath, extname(outPath))}.rejects.ndjson`)

export interface Scanned {
  readonly result: Scan.Result
  readonly ingested: Ingest.Ingested
  readonly asOf: number
}

export interface EventsFlags {
  readonly events: string
  readonly orgs: Option.Option<string>
  readonly asOf: Option.Option<string>
  /** The command's output, if it writes a file (`-`: standard output). */
  readonly out?: string
  readonly rejects: Option.Option<string>
  readonly maxLineBytes?: number
  readonly maxInputBytes?: number
  readonly maxRejects?: number
  readonly quiet: boolean
  /** The rule matching uses (the built-in one when absent). */
  readonly matchRule?: MatchRule.MatchRule
  /** Keep each member's facts with their instants (`Timeline`) instead of projections. */
  readonly history?: boolean
  /**
   * Which members' projections the scan keeps (`Scan.Options.members`): by default only those of
   * the members the lists and proposals are about; "all" for a command that looks members up by id.
   */
  readonly members?: "all" | "matchable"
}

/**
 * Folds every source into the core scan's state, evaluating nothing yet. The outputs are checked
 * against the inputs first; a run that reads no valid event fails, and one that rejects most lines
 * says so even with --quiet.
 */
export const readEvents = (
  options: EventsFlags
): Effect.Effect<{ readonly ingested: Ingest.Ingested; readonly asOf: number; readonly progress: Progress.Progress }, CommandError, Scope.Scope> =>
  Effect.gen(function* () {
    const asOf = yield* Time.asOf(options.asOf)
    // Before the reading, not after it: a closed standard output fails at once.
    if (options.out === "-") yield* Sink.checkStandardOutput
    const rejectsPath = Option.getOrElse(options.rejects, () => defaultRejectsPath(options.out))
    const outputs: ReadonlyArray<Outputs.Output> = [
      ...(options.out === undefined ? [] : [{ what: "--out", path: options.out }]),
      { what: Option.isSome(options.rejects) ? "--rejects" : "the default rejects file", path: rejectsPath }
    ]
    const skip = Outputs.isOutput(outputs)
    const orgSources = Option.isSome(options.orgs) ? yield* Sources.resolve(options.orgs.value, skip) : []
    const eventSources = yield* Sources.resolve(options.events, skip)
    const sources = [...orgSources, ...eventSources]
    yield* Outputs.guard(outputs, sources)
    const progress = Progress.make({ unit: "lines", enabled: !options.quiet && process.stderr.isTTY === true })
    const ingested = yield* Ingest.ingest(sources, {
      asOf,
      rejectsPath,
      maxLineBytes: options.maxLineBytes ?? Sources.defaultMaxLineBytes,
      maxInputBytes: options.maxInputBytes ?? Sources.defaultMaxInputBytes,
      maxRejects: options.maxRejects ?? defaultMaxRejects,
      progress,
      history: options.history === true
    })
    const { lines, malformed } = ingested
    const rejected = malformed + ingested.conflicts
    if (lines === malformed) {
      progress.done()
      return yield* new NoValidEvents({ lines, rejected: malformed, rejectsPath: ingested.rejectsPath })
    }
    if (Ingest.mostlyRejected(lines, rejected)) {
      progress.done()
      yield* Console.error(
        `relink: warning: ${Progress.number(rejected)} of ${Progress.number(lines)} lines (${Math.round((rejected / lines) * 100)}%) were rejected${ingested.rejectsPath === undefined ? " (none written: --max-rejects 0)" : `, see ${ingested.rejectsPath}`}: is --events the export you meant?`
      )
    }
    return { ingested, asOf, progress }
  })

/** Reads every source through the core scan and evaluates as of the instant, a slice at a time. */
export const scanEvents = (options: EventsFlags): Effect.Effect<Scanned, CommandError, Scope.Scope> =>
  Effect.gen(function* () {
    const { ingested, asOf, progress } = yield* readEvents(options)
    const { members, observations } = ingested.state
    progress.status(`evaluating ${Progress.count(members.size, "member")} and matching ${Progress.count(observations.size, "observation")} …`)
    // The lists read projections only for the rows of unlinked members.
    const result = yield* Turns.drive(
      Scan.evaluateInSteps(ingested.state, { asOf, policy: Policy.defaults, rule: options.matchRule ?? MatchRule.chinese, members: options.members ?? "matchable" })
    )
    progress.done()
    return { result, ingested, asOf }
  })

/**
 * What a command renders, whichever way it was read: the embedded scan of an export, or the
 * worker's MongoDB state re-evaluated with the same core (`Snapshot.load`). Rows are in the embedded
 * scan's order either way — members by id, proposals in `Proposal.Order` — so the same events give
 * the same output.
 */
export interface Loaded {
  readonly asOf: number
  readonly orgs: OrgTree.OrgTree
  /** Organisations' records (activities, guidance, reports), by organisation id: the scan's, or those the worker stored. */
  readonly records: ReadonlyMap<string, OrgRecord.OrgRecord>
  readonly evaluations: ReadonlyArray<Status.Evaluation>
  readonly proposals: ReadonlyArray<Matching.Proposal>
  /** The rule the proposals were made under: the embedded scan's, or the one the worker stored. */
  readonly rule: MatchRule.MatchRule
  /** The policy the members were evaluated under, with the rule's early-warning model. */
  readonly policy: Policy.Policy
  /** What `Report.unlinked` takes: `Report.fromScan` or `Snapshot.reportInput`. */
  readonly input: Report.Input
  /** Events read (the scan), or events stored (MongoDB: each once). */
  readonly events: number
  /** Events after --as-of left out (the scan; MongoDB leaves nothing out). */
  readonly skippedFuture: number
  readonly unregisteredMembers: number
  /** One line saying what was read, for standard error. */
  readonly summary: string
  /** `--events PATH` or `--mongo URI`, as `relink orgs` takes it. */
  readonly origin: string
}

const byMemberId = (a: Status.Evaluation, b: Status.Evaluation): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)

/** Reads the worker's state from MongoDB and evaluates it as of the instant, as the embedded scan would. */
export const loadMongo = (
  origin: Extract<Origin, { readonly _tag: "Mongo" }>,
  asOf: number,
  quiet: boolean,
  scope?: Snapshot.Scope
): Effect.Effect<Loaded, ServiceFailed> => {
  const { settings } = origin
  const where = `database ${settings.database} at ${Settings.redactUri(settings.uri)}`
  const progress = Progress.make({ unit: "members", enabled: !quiet && process.stderr.isTTY === true })
  return Effect.gen(function* () {
    progress.status(`reading the worker's state from MongoDB (${where}) …`)
    const started = performance.now()
    const snapshot = yield* Snapshot.load(asOf, scope)
    const events = yield* Effect.flatMap(Store.Store, (store) => store.countEvents)
    progress.done()
    const seconds = (performance.now() - started) / 1000
    const evaluations = [...snapshot.evaluations].sort(byMemberId)
    const { proposals, rule, policy } = snapshot
    const input = Snapshot.reportInput({ ...snapshot, evaluations })
    const empty = snapshot.memberCount === 0 && snapshot.orgs.orgs.size === 0
    return {
      asOf,
      orgs: snapshot.orgs,
      records: snapshot.records,
      evaluations,
      proposals,
      rule,
      policy,
      input,
      events,
      skippedFuture: 0,
      unregisteredMembers: snapshot.memberCount - evaluations.length,
      summary:
        `read ${Progress.count(snapshot.memberCount, "member")}${scope === undefined ? "" : ` of ${scope.orgId}${scope.includeSubtree ? " and below" : ""}`}, ${Progress.count(snapshot.orgs.orgs.size, "organisation")} and ${Progress.count(events, "stored event")} from MongoDB (${where}) in ${seconds.toFixed(1)} s` +
        (empty ? "; the database is empty: is --database the worker's?" : ""),
      origin: originArgument(origin)
    } satisfies Loaded
  }).pipe(
    fromWorkerDatabase(origin, progress)
  )
}

/** Runs a read of the worker's database with its store and key; any failure is one `ServiceFailed` line naming the database. */
const fromWorkerDatabase =
  (origin: Extract<Origin, { readonly _tag: "Mongo" }>, progress: Progress.Progress) =>
  <A, E, R>(read: Effect.Effect<A, E, R>): Effect.Effect<A, ServiceFailed, Exclude<R, Store.Store | Pii.PiiService>> => {
    const where = `database ${origin.settings.database} at ${Settings.redactUri(origin.settings.uri)}`
    return read.pipe(
      Effect.provide(Layer.merge(Store.layer(origin.settings), Pii.layer(origin.piiKey))),
      Effect.catchCause((cause) => {
        progress.done()
        if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
        return Effect.fail(new ServiceFailed({ reason: readFailure(Cause.squash(cause), where) }))
      })
    )
  }

/** What a failed read of the worker's database (`where`) says, by the error's tag. */
const readFailure = (error: unknown, where: string): string => {
  if (Predicate.isTagged(error, "PiiKeyMismatch")) return `cannot decrypt the personal data stored in ${where}: RELINK_PII_KEY is not the key the worker wrote it with`
  const message = error instanceof Error ? error.message : String(error)
  return Predicate.isTagged(error, "MongoError") ? `${message} (${where})` : `cannot read the worker's state from ${where}: ${message}`
}

/**
 * Which of these observations the worker stored (their events, not only a resolution naming them):
 * the proposals a snapshot reads name only the observations still open.
 */
export const storedObservations = (
  origin: Extract<Origin, { readonly _tag: "Mongo" }>,
  ids: ReadonlyArray<string>
): Effect.Effect<ReadonlySet<string>, ServiceFailed> =>
  Effect.flatMap(Store.Store, (store) => store.loadObservations(ids)).pipe(
    Effect.map((docs) => new Set([...docs.values()].filter((doc) => doc.payload !== undefined).map((doc) => doc._id))),
    fromWorkerDatabase(origin, Progress.make({ unit: "observations", enabled: false }))
  )

/**
 * Every event the worker stored, folded with history (`Scan.make({ history: true })`) as an export
 * would be, events after `asOf` left out, with the policy the worker evaluates under.
 */
export const readStoredHistory = (
  origin: Extract<Origin, { readonly _tag: "Mongo" }>,
  asOf: number,
  quiet: boolean
): Effect.Effect<{ readonly state: Scan.State; readonly policy: Policy.Policy; readonly summary: string }, ServiceFailed> => {
  const where = `database ${origin.settings.database} at ${Settings.redactUri(origin.settings.uri)}`
  const progress = Progress.make({ unit: "events", enabled: !quiet && process.stderr.isTTY === true })
  return Effect.gen(function* () {
    const started = performance.now()
    const { policy } = yield* StoredSettings.load
    const state = Scan.make({ history: true })
    let read = 0
    yield* Stream.runForEach(Snapshot.storedEvents, (event) =>
      Effect.sync(() => {
        Scan.addAsOf(state, event, asOf)
        if (++read % 4096 === 0) progress.update({ label: "reading the worker's events", events: read })
      })
    )
    progress.done()
    const seconds = (performance.now() - started) / 1000
    return {
      state,
      policy,
      summary:
        `read ${Progress.count(read, "stored event")} from MongoDB (${where}) in ${seconds.toFixed(1)} s` +
        (state.skippedFuture > 0 ? `, ${Progress.count(state.skippedFuture, "event")} after --to left out` : "") +
        (read === 0 ? "; the database holds no events: is --database the worker's?" : "")
    }
  }).pipe(fromWorkerDatabase(origin, progress))
}

/** Reads from wherever the flags say: the embedded scan of an export, or the worker's MongoDB state. */
export const load = (
  origin: Origin,
  options: Omit<EventsFlags, "events" | "orgs">,
  scope?: Snapshot.Scope
): Effect.Effect<Loaded, CommandError, Scope.Scope> =>
  origin._tag === "Mongo"
    ? Effect.flatMap(Time.asOf(options.asOf), (asOf) => loadMongo(origin, asOf, options.quiet, scope))
    : Effect.map(scanEvents({ ...options, events: origin.events, orgs: origin.orgs, matchRule: origin.rule }), ({ result, ingested }) => ({
        asOf: result.asOf,
        orgs: result.orgs,
        records: result.records,
        evaluations: result.evaluations,
        proposals: result.proposals,
        rule: origin.rule,
        policy: Policy.withModel(Policy.defaults, origin.rule.earlyWarning),
        input: Report.fromScan(result),
        events: result.events,
        skippedFuture: result.skippedFuture,
        unregisteredMembers: result.unregisteredMembers,
        summary: readSummary(ingested) + crowdedNote(result.crowded),
        origin: originArgument(origin)
      }))

/** What the summary says of observations with a blocking key too common to block on (`Scan.Proposed.crowded`); nothing when there are none. */
export const crowdedNote = (crowded: number): string =>
  crowded === 0
    ? ""
    : `; ${Progress.count(crowded, "observation shares", "observations share")} a blocking key (a phone, a name and birth date…) with more than ${Matching.maxBucket} members, so that key found no candidates for ${crowded === 1 ? "it" : "them"} (docs/matching.md#blocking-keys)`

/** A line on standard error unless quiet; names and paths in it may come from the input. */
export const note = (quiet: boolean, text: string): Effect.Effect<void> => (quiet ? Effect.void : Console.error(Terminal.clean(text)))

/**
 * "read 12,345 lines from 2 files in 0.4 s (30k lines/s); 3 malformed lines and 1 line repeating an
 * eventId with other content skipped, written to out/x.rejects.ndjson (…); 120 duplicate events ignored"
 */
export const readSummary = (ingested: Ingest.Ingested): string => {
  const files = ingested.sources.length === 1 ? (ingested.sources[0]?.path === "-" ? "standard input" : "1 file") : `${ingested.sources.length} files`
  const speed = ingested.seconds > 0 ? ` (${Progress.rate(ingested.lines / ingested.seconds).replace("/s", " lines/s")})` : ""
  const rejected = ingested.malformed + ingested.conflicts
  const kinds = [
    ...(ingested.malformed > 0 ? [Progress.count(ingested.malformed, "malformed line")] : []),
    ...(ingested.conflicts > 0 ? [`${Progress.count(ingested.conflicts, "line")} repeating an eventId with other content`] : [])
  ]
  const malformed =
    rejected === 0
      ? "no malformed lines"
      : ingested.rejectsPath === undefined
        ? `${kinds.join(" and ")} skipped and only counted (--max-rejects 0: no rejects file)`
        : `${kinds.join(" and ")} skipped, written to ${ingested.rejectsPath} (readable by its owner only)` +
          (ingested.unwritten > 0 ? `; it holds the first ${Progress.number(rejected - ingested.unwritten)}, ${Progress.number(ingested.unwritten)} more were only counted (--max-rejects)` : "")
  const duplicates = ingested.duplicates === 0 ? "" : `; ${Progress.count(ingested.duplicates, "duplicate event")} ignored`
  return `read ${Progress.count(ingested.lines, "line")} from ${files} in ${ingested.seconds.toFixed(1)} s${speed}; ${malformed}${duplicates}`
}
