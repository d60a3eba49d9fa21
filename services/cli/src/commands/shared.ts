/**
 * Flags and steps shared by the commands that read events: where the events are, the as-of
 * instant, where malformed lines go, and the embedded scan itself.
 */
import { basename, dirname, extname, join } from "node:path"
import { Console, Effect, Option, type Scope } from "effect"
import { Flag } from "effect/cli"
import { Policy, Scan } from "@relink/core"
import type { CommandError } from "../Errors.ts"
import * as Ingest from "../Ingest.ts"
import * as Progress from "../Progress.ts"
import * as Sources from "../Sources.ts"
import * as Time from "../Time.ts"

export const events = Flag.String("events").pipe(
  Flag.withMetavar("FILE|DIR|-"),
  Flag.withDescription(
    "Events, one JSON object per line (DESIGN.md §3): an .ndjson/.jsonl file (.gz too), a directory (all *.ndjson, *.ndjson.gz, *.jsonl in it, by name), or - for standard input"
  )
)

export const orgs = Flag.String("orgs").pipe(
  Flag.withMetavar("FILE|DIR"),
  Flag.withDescription("More events to read first, e.g. an export of OrgRegistered events kept apart from the member events"),
  Flag.optional
)

export const asOf = Flag.String("as-of").pipe(
  Flag.withMetavar("DATE|INSTANT"),
  Flag.withDescription(
    "Evaluate as of this moment: 2026-11-27 (the end of that day, China Standard Time) or 2026-11-27T18:00:00+08:00. Events after it are left out. Default: now"
  ),
  Flag.optional
)

export const out = Flag.String("out").pipe(Flag.withMetavar("PATH"), Flag.optional)

export const rejects = Flag.String("rejects").pipe(
  Flag.withMetavar("PATH"),
  Flag.withDescription(
    "Where malformed lines go, one JSON object each: {file, line, tag, reason, text}. Created only when there is one. Default: beside the output (<out>.rejects.ndjson), or ./relink-rejects.ndjson"
  ),
  Flag.optional
)

export const quiet = Flag.Boolean("quiet").pipe(
  Flag.withAlias("q"),
  Flag.withDescription("Print nothing on standard error but errors (no summary, no progress)"),
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

/** Reads every source through the core scan and evaluates as of the instant. */
export const scanEvents = (options: {
  readonly events: string
  readonly orgs: Option.Option<string>
  readonly asOf: Option.Option<string>
  readonly rejectsPath: string
  readonly quiet: boolean
}): Effect.Effect<Scanned, CommandError, Scope.Scope> =>
  Effect.gen(function* () {
    const asOf = yield* Time.asOf(options.asOf)
    const orgSources = Option.isSome(options.orgs) ? yield* Sources.resolve(options.orgs.value) : []
    const eventSources = yield* Sources.resolve(options.events)
    const progress = Progress.make({ unit: "lines", enabled: !options.quiet && process.stderr.isTTY === true })
    const ingested = yield* Ingest.ingest([...orgSources, ...eventSources], { asOf, rejectsPath: options.rejectsPath, progress })
    progress.status(`evaluating ${Progress.number(ingested.state.members.size)} members and matching ${Progress.number(ingested.state.observations.size)} observations …`)
    const result = Scan.evaluate(ingested.state, asOf, Policy.defaults)
    progress.done()
    return { result, ingested, asOf }
  })

/** A line on standard error unless quiet. */
export const note = (quiet: boolean, text: string): Effect.Effect<void> => (quiet ? Effect.void : Console.error(text))

/** "12,345 lines from 2 files in 0.4 s (30k/s); 3 malformed, in out/x.rejects.ndjson" */
export const readSummary = (ingested: Ingest.Ingested): string => {
  const files = ingested.sources.length === 1 ? (ingested.sources[0]?.path === "-" ? "standard input" : "1 file") : `${ingested.sources.length} files`
  const speed = ingested.seconds > 0 ? ` (${Progress.rate(ingested.lines / ingested.seconds).replace("/s", " lines/s")})` : ""
  const malformed =
    ingested.malformed === 0
      ? "no malformed lines"
      : `${Progress.number(ingested.malformed)} malformed line${ingested.malformed === 1 ? "" : "s"} skipped, written to ${ingested.rejectsPath ?? "?"}`
  return `read ${Progress.number(ingested.lines)} lines from ${files} in ${ingested.seconds.toFixed(1)} s${speed}; ${malformed}`
}
