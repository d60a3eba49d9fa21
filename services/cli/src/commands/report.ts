/**
 * `relink report unlinked`: the list organisation-department staff act on — unlinked members of an
 * organisation (or its subtree), sorted by responsible organisation then days without contact,
 * with what to do next and the rule it rests on. Built by `Report.unlinked` in the core, from the
 * embedded scan of an export or from the worker's MongoDB state (`--mongo`), through the same code.
 */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { BranchReport, OrgTree, Policy, Report, Review, type Steps } from "@relink/core"
import type { CommandError } from "../Errors.ts"
import { UnknownOrg } from "../Errors.ts"
import * as Progress from "../Progress.ts"
import * as ProgressReport from "./progress.ts"
import * as Branches from "../render/Branches.ts"
import * as Html from "../render/Html.ts"
import * as ReviewQueue from "../render/ReviewQueue.ts"
import * as Unlinked from "../render/Unlinked.ts"
import * as Time from "../Time.ts"
import * as Turns from "../Turns.ts"
import * as Shared from "./shared.ts"

const format = Flag.Literals("format", Shared.reportFormats).pipe(
  Flag.withDescription(
    "xlsx: a summary sheet, then per responsible organisation its sheet and a print sheet one A4 page wide, ID numbers and phones as text; csv: UTF-8 with BOM, comma-separated, cells with a separator quoted (\"), opens in Excel and LibreOffice; json; html: one self-contained page with charts, readable on a phone. Default: from the --out extension, else xlsx"
  ),
  Flag.optional
)

export interface UnlinkedOptions extends Shared.OriginFlags {
  readonly asOf: Option.Option<string>
  readonly org: Option.Option<string>
  readonly includeSubtree: boolean
  readonly format: Option.Option<Shared.ReportFormat>
  readonly lang: Report.Lang
  readonly reveal: boolean
  readonly out: Option.Option<string>
  readonly rejects: Option.Option<string>
  readonly maxLineBytes: number
  readonly maxInputBytes: number
  readonly maxRejects: number
  readonly quiet: boolean
  /** The early-warning list: at most this many members per responsible organisation. */
  readonly perOrg?: Option.Option<number>
}

/** The flags a list without personal data to reveal takes: those of the others but --reveal. */
export type ListOptions = Omit<UnlinkedOptions, "reveal">

/** How a list is built, written and told of: what differs between the lists. */
interface ListSpec<L extends Report.List> {
  readonly build: (loaded: Shared.Loaded, options: Report.Options) => Steps.Steps<L>
  readonly writers: (list: L, context: Unlinked.Context) => Shared.ReportWriters
  /** What the summary line says was written (before the revealed note and the path). */
  readonly told: (list: L, organisations: number, loaded: Shared.Loaded) => string
  /** From MongoDB, read every member even for one organisation: its rows depend on members it cannot name (those away in a floating organisation's region). */
  readonly readsAll?: boolean
}

/** The lists' writers: the workbook, the CSV and the JSON of Unlinked.ts, the page of Html.ts. */
const listWriters = (list: Report.List, context: Unlinked.Context): Shared.ReportWriters => ({
  xlsx: (target) => Unlinked.writeXlsx(list, context, target),
  csv: (sink) => Unlinked.writeCsv(list, context, sink),
  json: (sink) => Unlinked.writeJson(list, context, sink),
  html: () => Html.render(list, context)
})

/** Scans the events (or reads the worker's state) and writes a list; says how many rows went where. */
const writeList = <L extends Report.List>(
  kind: L["kind"],
  given: ListOptions & { readonly reveal?: boolean },
  spec: ListSpec<L>
): Effect.Effect<{ readonly rows: number; readonly organisations: number; readonly outPath: string }, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const flags = { ...given, reveal: given.reveal ?? false }
      const origin = yield* Shared.originOf(`relink report ${kind}`, flags)
      const chosen = yield* Shared.chooseFormat(flags.format, flags.out)
      const orgId = Option.getOrUndefined(flags.org)
      const asOf = yield* Time.asOf(flags.asOf)
      const outPath = Option.getOrElse(flags.out, () => (chosen === "xlsx" ? Shared.defaultWorkbook(kind, orgId, asOf) : "-"))
      // From MongoDB, a list for one organisation reads only the members it can hold.
      const loaded = yield* Shared.load(origin, { ...flags, out: outPath }, orgId === undefined || spec.readsAll === true ? undefined : { orgId, includeSubtree: flags.includeSubtree })
      yield* Shared.note(flags.quiet, loaded.summary)
      if (orgId !== undefined && !loaded.orgs.orgs.has(orgId)) {
        return yield* new UnknownOrg({ orgId, known: loaded.orgs.orgs.size, suggestions: OrgTree.similarIds(loaded.orgs, orgId), origin: loaded.origin })
      }
      const perOrg = flags.perOrg === undefined ? undefined : Option.getOrUndefined(flags.perOrg)
      const options: Report.Options = {
        ...(orgId !== undefined && { orgId }),
        includeSubtree: flags.includeSubtree,
        lang: flags.lang,
        reveal: flags.reveal,
        policy: loaded.policy,
        ...(perOrg !== undefined && { perOrg })
      }
      const report = yield* Turns.drive(spec.build(loaded, options))
      const context: Unlinked.Context = {
        lang: flags.lang,
        revealed: flags.reveal,
        ...(orgId !== undefined && { org: { orgId, name: OrgTree.nameOf(loaded.orgs, orgId), includeSubtree: flags.includeSubtree } })
      }
      // Full ID numbers and phones: the file is its owner's only.
      const file = { private: flags.reveal }
      yield* Shared.writeReport(chosen, outPath, file, spec.writers(report, context))
      const organisations = Unlinked.groups(report).length
      yield* Shared.note(
        flags.quiet,
        spec.told(report, organisations, loaded) +
          (flags.reveal ? ` (full ${Unlinked.personalData(report.columns, "en")}${outPath === "-" ? "" : ": the file is readable by its owner only"}: keep it confidential)` : "") +
          (outPath === "-" ? "" : `; wrote ${outPath}`)
      )
      if (flags.reveal && chosen === "csv") yield* Shared.note(flags.quiet, revealedCsvNote)
      return { rows: report.rows.length, organisations, outPath }
    })
  )

/** Writes the unlinked, data-quality or early-warning list. */
export const runList = (kind: "unlinked" | "data-quality" | "early-warning", flags: UnlinkedOptions) =>
  writeList<Report.List>(kind, flags, {
    build: (loaded, options) =>
      kind === "unlinked"
        ? Report.unlinkedInSteps(loaded.input, options)
        : kind === "data-quality"
          ? Report.dataQualityInSteps(loaded.input, options)
          : Report.earlyWarningInSteps(loaded.input, options),
    writers: listWriters,
    told: (report, organisations) =>
      kind === "unlinked"
        ? `${Progress.count(report.rows.length, "unlinked member")} under ${Progress.count(organisations, "responsible organisation")}`
        : kind === "data-quality"
          ? `${Progress.count(report.rows.length, "data-quality problem")} to correct at ${Progress.count(organisations, "organisation")}`
          : `${Progress.count(report.rows.length, "member")} to contact early under ${Progress.count(organisations, "responsible organisation")}` +
            (report.cap === undefined ? "" : `, ${Progress.number(report.cap.leftOut)} more left out by --per-org ${Progress.number(report.cap.perOrg)}`),
  })

export interface ReviewOptions extends UnlinkedOptions {
  readonly blind: boolean
  readonly sampleAutoLinks: Option.Option<number>
  readonly seed: number
}

/** Writes the review queue: the open review proposals (and an audit sample of auto-links) for clerks to decide. */
export const runReview = (flags: ReviewOptions) =>
  writeList("review", flags, {
    build: (loaded, options) => {
      const sample = Option.getOrUndefined(flags.sampleAutoLinks)
      return Review.queueInSteps(loaded.input, {
        ...options,
        blind: flags.blind,
        rule: loaded.rule,
        ...(sample !== undefined && { sampleAutoLinks: { count: sample, seed: flags.seed } })
      })
    },
    writers: (queue, context) => ({ ...listWriters(queue, context), xlsx: (target) => Unlinked.writeXlsx(queue, context, target, ReviewQueue.form(queue, context)), json: (sink) => ReviewQueue.writeJson(queue, context, sink) }),
    told: (queue, organisations, loaded) => {
      const audited = queue.rows.filter((r) => r.queueId === "audit").length
      return (
        `${Progress.count(queue.rows.length - audited, "match", "matches")} to verify under ${Progress.count(organisations, "responsible organisation")}` +
        (audited === 0 ? "" : `, and ${Progress.count(audited, "auto-link")} of ${Progress.number(queue.counts.autoLinks)} drawn for an audit`) +
        (queue.blind ? ", blind (no probability, weights or kind)" : "") +
        (loaded.rule.trained === undefined ? "; proposed by the built-in match rule, not trained on local data (relink train writes one, --rule takes it)" : "")
      )
    },
  })

/** Writes the branches report: every floating organisation in scope under its guiding committee, with its grade and findings. */
export const runBranches = (flags: ListOptions) =>
  writeList("branches", flags, {
    build: (loaded, options) => BranchReport.branchesInSteps({ ...loaded.input, records: loaded.records }, options),
    writers: (report, context) => ({
      ...listWriters(report, context),
      json: (sink) => Branches.writeJson(report, context, sink),
      html: () => Html.render(report, context, Branches.panel(report, context.lang))
    }),
    told: (report, organisations) => {
      const lapsed = report.rows.filter((r) => r.gradeId === "lapsed").length
      const attention = report.rows.filter((r) => r.gradeId === "attention").length
      return `${Progress.count(report.rows.length, "floating organisation")} under ${Progress.count(organisations, "guiding organisation")}: ${Progress.number(lapsed)} lapsed, ${Progress.number(attention)} needing attention`
    },
    readsAll: true
  })

/** A CSV has no types: what a spreadsheet makes of a revealed list's ID numbers, and the faithful form. */
const revealedCsvNote =
  "note: a CSV cannot mark ID numbers as text: Excel may show an 18-digit one as 5.10113E+17 and keep only 15 of its digits; the XLSX (--format xlsx) keeps them as text"

/** The unlinked list (what `relink demo` writes too). */
export const runUnlinked = (flags: UnlinkedOptions) => runList("unlinked", flags)

/** --reveal for a list of these columns: it names what they hold that is masked, and only that. */
const reveal = (columns: ReadonlyArray<Report.Column>) => {
  const phones = columns.some((c) => c.id === "phone")
  return Flag.Boolean("reveal").pipe(
    Flag.withDescription(
      `Show full ${Unlinked.personalData(columns, "en")}. Off by default: lists travel by e-mail and on paper (110105********002X${phones ? ", 138****5678" : ""}). Write the XLSX: it keeps them as text, where a CSV has no types and Excel may turn an 18-digit ID number into 5.10113E+17`
    ),
    Flag.withDefault(false)
  )
}

/** The flags of every list: the same sources, scope, formats, masking and outputs. */
const listFlags = {
  events: Shared.eventsOrMongo,
  orgs: Shared.orgs,
  mongo: Shared.mongo,
  database: Shared.database,
  asOf: Shared.asOf,
  org: Shared.org,
  includeSubtree: Shared.includeSubtree,
  format,
  lang: Shared.lang,
  reveal: reveal(Report.columns),
  out: Shared.out.pipe(
    Flag.withDescription(
      "Output file, or - for standard output (csv, json, html; a workbook never goes there). Its extension names the format unless --format does; without one the file is xlsx, under the name given. Default: ./<unlinked|data-quality|early-warning|review|branches>-<org|all>-<date>.xlsx for xlsx, standard output for the others. Written complete or not at all (a temporary file beside it, renamed into place); with --reveal readable by its owner only (0600); never an input"
    )
  ),
  rule: Shared.rule.pipe(Flag.withDescription("The match rule to propose with, as JSON (what relink train writes and RELINK_MATCH_RULE takes); with --events only. Default: the built-in rule")),
  rejects: Shared.rejects,
  maxLineBytes: Shared.maxLineBytes,
  maxInputBytes: Shared.maxInputBytes,
  maxRejects: Shared.maxRejects,
  quiet: Shared.quiet
}

export const unlinked = Command.make("unlinked", listFlags, (flags) => Effect.asVoid(runUnlinked(flags))).pipe(
  Command.withDescription(
    "The list of unlinked members (失联, 流出未报到, 转接逾期, 停止党籍) for an organisation, sorted by responsible organisation then days without contact, with leads, the suggested action and its basis. ID numbers and phones are masked unless --reveal. Read from an export of events (--events) or from what the worker stored in MongoDB (--mongo, with the worker's key in RELINK_PII_KEY): the same events give the same list."
  ),
  Command.withShortDescription("Unlinked members per responsible organisation, as XLSX, CSV, JSON or HTML"),
  Command.withExamples([
    { command: "relink report unlinked --events events.ndjson --as-of 2026-11-27 --out out/unlinked.xlsx" },
    {
      command: "relink report unlinked --events events.ndjson --org org-5101-0002 --include-subtree --format html --out out/unlinked.html",
      description: "one organisation and everything below it, as a page with charts"
    },
    {
      command: "RELINK_PII_KEY=… relink report unlinked --mongo mongodb://localhost:27017 --database relink --as-of 2026-11-27 --out out/unlinked.xlsx",
      description: "the same list from the worker's MongoDB state"
    }
  ])
)

export const dataQuality = Command.make("data-quality", { ...listFlags, reveal: reveal(Report.dataQualityColumns) }, (flags) => Effect.asVoid(runList("data-quality", flags))).pipe(
  Command.withDescription(
    "The list of data-quality problems in registrations (数据质量问题): ID numbers that fail GB 11643 (length, character set, province, birth date, check character) and implausible dates (before 1921-07-01, after the registration, joining before birth or at under 18, a birth date or gender other than the ID number's), one row per problem, grouped by the home branch, which keeps the member's records and must correct them. The members stay tracked; the problems change no status. Same sources, scope, formats and masking as `report unlinked`; a malformed ID number is shown marked（有误）/(invalid)."
  ),
  Command.withShortDescription("Registrations with data-quality problems per organisation to correct, as XLSX, CSV, JSON or HTML"),
  Command.withExamples([
    { command: "relink report data-quality --events events.ndjson --as-of 2026-11-27 --out out/data-quality.xlsx" },
    {
      command: "RELINK_PII_KEY=… relink report data-quality --mongo mongodb://localhost:27017 --org org-5101-0002 --include-subtree --format csv --out out/dq.csv",
      description: "from the worker's MongoDB state, for one organisation and everything below it"
    }
  ])
)

/** A capacity: at most this many members per responsible organisation. */
const perOrg = Flag.Int("per-org").pipe(
  Flag.filter((n) => n >= 1, () => "a whole number ≥ 1"),
  Flag.withMetavar("N"),
  Flag.withDescription("At most N members per responsible organisation, the most probably lost first; the summary says how many were left out. Default: every member warned of"),
  Flag.optional
)

export const earlyWarning = Command.make("early-warning", { ...listFlags, reveal: reveal(Report.earlyWarningColumns(Policy.defaults.earlyWarning)), perOrg }, (flags) => Effect.asVoid(runList("early-warning", flags))).pipe(
  Command.withDescription(
    "The early-warning list (联系节律预警): members not yet at the 3-month contact warning whom the early-warning model (docs/early-warning.md; fitted by relink train, carried by --rule) warns of, with the estimated probability of being lost within the model's horizon (预计失联概率), most probable first under each responsible organisation, with φ and the rhythm when the model reads one, when contact was expected and the days left before the fixed warning. The list's header (XLSX, HTML, JSON) says what the warning rests on. No status changes. Same sources, scope, formats and masking as `report unlinked`."
  ),
  Command.withShortDescription("Members to contact before the 3-month warning, most probably lost first"),
  Command.withExamples([
    { command: "relink report early-warning --events events.ndjson --as-of 2026-11-27 --out out/early-warning.xlsx" },
    { command: "relink report early-warning --events events.ndjson --org org-5101-0002 --include-subtree --format html --out out/early-warning.html", description: "one organisation and everything below it" },
    { command: "relink report early-warning --events events.ndjson --rule rule.json --per-org 10 --out out/early-warning.xlsx", description: "the trained model, at most ten members per responsible organisation" }
  ])
)

/** An audit sample's size. */
const sampleAutoLinks = Flag.Int("sample-auto-links").pipe(
  Shared.between(1, 1_000_000),
  Flag.withMetavar("N"),
  Flag.withDescription(
    "Also list N auto-links in scope (all of them if fewer), drawn at random, for an audit (抽查): relink linked them without a person, and a clerk's decisions on a sample say how often it was right. The same --seed draws the same ones. Default: none"
  ),
  Flag.optional
)

export const review = Command.make(
  "review",
  {
    ...listFlags,
    reveal: reveal(Review.columns(false)),
    blind: Flag.Boolean("blind").pipe(
      Flag.withDescription(
        "Leave out what the match rule made of each pair (吻合概率, 逐项比对, 类别, the other candidates' probabilities): clerks decide from the evidence alone, and their decisions can then measure the rule without being anchored by it"
      ),
      Flag.withDefault(false)
    ),
    sampleAutoLinks,
    seed: Shared.seed("The seed of the audit sample (--sample-auto-links). Default: 1")
  },
  (flags) => Effect.asVoid(runReview(flags))
).pipe(
  Command.withDescription(
    "The review queue (待核实比对清单): one row per open review proposal in scope — the observation (流入登记, a lead, another authority's record) beside the candidate member, field by field in words with the weight of each (姓名 同音 +6.1), the probability and the other candidates — grouped by responsible organisation, most probable first, with three columns for the clerk: 结论 (确认 / 否定 / 待定), 核实人, 备注. The workbook's evidence cells are locked (sheet protection without a password) and each row carries its key and a check, so that relink resolve turns the decisions back into MatchResolved events without trusting an edited cell. The header names the rule the proposals come from and warns when it was never trained on local data. Same sources, scope, formats and masking as `report unlinked`; birth dates are masked too."
  ),
  Command.withShortDescription("Match proposals for clerks to decide, as an XLSX form (or CSV, JSON, HTML)"),
  Command.withExamples([
    { command: "relink report review --events events.ndjson --as-of 2026-11-27 --out out/review.xlsx" },
    {
      command: "relink report review --events events.ndjson --rule rule.json --org org-5101-0002 --include-subtree --out out/review.xlsx",
      description: "one organisation and everything below it, proposed by a trained rule"
    },
    { command: "relink report review --events events.ndjson --blind --sample-auto-links 50 --out out/review-blind.xlsx", description: "blind, with 50 auto-links drawn for an audit" }
  ])
)

/** The flags of every list but --reveal, for a list with no ID number or phone to reveal. */
const { reveal: _reveal, ...unrevealedFlags } = listFlags

export const branches = Command.make("branches", unrevealedFlags, (flags) => Effect.asVoid(runBranches(flags))).pipe(
  Command.withDescription(
    "流动党组织联系指导情况: every floating party organisation (kind floating-branch) in scope, grouped by the 流出地 committee that guides it (its parent; those with none in a group of their own), with its grade (正常 / 需关注 / 失管, docs/rules.md#floating-party-organisations) and its findings — activities behind their cadence, members without 组织生活 for 6 months, lost, at risk or early-warned, members come to its region and not registered (to invite), overdue guidance and reports home — each with its 依据 and since when; and the members it holds, the 报到 lag (median and longest days), the days since its last activity, guidance and report. With --org, the organisations in scope and those a committee in scope guides. Same sources, formats and outputs as `report unlinked`; members are named by name and member id, with no ID number or phone."
  ),
  Command.withShortDescription("Floating party organisations under their guiding committees, graded, with findings"),
  Command.withExamples([
    { command: "relink report branches --events events.ndjson --as-of 2026-11-27 --out out/branches.xlsx" },
    { command: "relink report branches --events events.ndjson --org org-5101-0002 --include-subtree --format html --out out/branches.html", description: "the floating organisations one committee guides, as a page with a bar per organisation" }
  ])
)

export const report = Command.make("report").pipe(
  Command.withDescription("Reports for organisation-department staff."),
  Command.withShortDescription("Reports: unlinked, data-quality, early-warning, review, progress, branches"),
  Command.withSubcommands([unlinked, dataQuality, earlyWarning, review, ProgressReport.progress, branches])
)
