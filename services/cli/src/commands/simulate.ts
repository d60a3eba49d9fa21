/**
 * `relink simulate`: realistic synthetic events from the deterministic generator of
 * `@relink/simulation` (`Simulation.generate`), written as an NDJSON export, with the truth about
 * every observation, every registration written with a mistake and every floating organisation's
 * life (labels, for evaluating matching, the data-quality list and the branches report) and a manifest. `--shape` chooses the world
 * (the rhythms, or varied paces: packages/simulation/README.md "World shapes"). `--malformed N`
 * mixes in broken lines at recorded line numbers, to exercise the rejects path end to end.
 */
import { join } from "node:path"
import { Effect, type Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Instant } from "@relink/core"
import { Pace, Simulation, Stream } from "@relink/simulation"
import { BadArgument, type CommandError } from "../Errors.ts"
import * as Progress from "../Progress.ts"
import * as Sink from "../Sink.ts"
import * as Time from "../Time.ts"
import * as Turns from "../Turns.ts"
import * as Shared from "./shared.ts"

/** About how many events a member produces with the default mix (15.06 measured at 1,000,000 members). */
const EVENTS_PER_MEMBER = 15

export interface Manifest {
  readonly members: number
  readonly seed: number
  readonly shape: Pace.Shape
  /** The share of registrations written with a mistake. */
  readonly mistakeRate: number
  readonly asOf: string
  readonly events: number
  readonly lines: number
  readonly observations: number
  readonly behaviours: Readonly<Record<string, number>>
  /** Registrations written with a mistake (a data-quality problem), by mistake. */
  readonly mistakes: Readonly<Record<string, number>>
  /** Floating organisations, by how they keep their 组织生活 (regular, lapsing, dormant). */
  readonly floatingBranches: Readonly<Record<string, number>>
  readonly malformed: ReadonlyArray<{ readonly line: number; readonly kind: Stream.MalformedKind }>
  readonly files: { readonly events: string; readonly labels: string }
}

export interface SimulateOptions {
  readonly members: number
  readonly seed: number
  readonly shape: Pace.Shape
  readonly mistakeRate: number
  readonly asOf: Option.Option<string>
  readonly out: string
  readonly malformed: number
  readonly gzip: boolean
  readonly quiet: boolean
}

/** Simulates into a directory; the manifest describes what was written. */
export const runSimulate = (flags: SimulateOptions): Effect.Effect<{ readonly manifest: Manifest; readonly eventsPath: string }, CommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const asOf = yield* Time.asOf(flags.asOf)
      const eventsName = flags.gzip ? "events.ndjson.gz" : "events.ndjson"
      const eventsPath = join(flags.out, eventsName)
      const labelsPath = join(flags.out, "labels.json")
      const items = yield* Effect.try({
        try: () => Simulation.generate({ members: flags.members, seed: flags.seed, asOf, shape: flags.shape, mistakeRate: flags.mistakeRate }),
        catch: (cause) => new BadArgument({ flag: "simulate", reason: cause instanceof Error ? cause.message : String(cause) })
      })
      const events = yield* Sink.open(eventsPath, { gzip: flags.gzip })
      const labels = yield* Sink.open(labelsPath)
      const progress = Progress.make({ unit: "events", enabled: !flags.quiet && process.stderr.isTTY === true })
      const estimated = Math.max(1, flags.members * EVENTS_PER_MEMBER)
      const every = Math.max(1, Math.floor(estimated / (flags.malformed + 1)))
      const malformed: Array<{ line: number; kind: Stream.MalformedKind }> = []
      const behaviours: Record<string, number> = {}
      const mistakes: Record<string, number> = {}
      const floatingBranches: Record<string, number> = {}
      let labelled = 0
      const label = (fields: object) => labels.write(`${labelled++ === 0 ? "[\n" : ",\n"}${JSON.stringify(fields)}`)
      let count = 0
      let lines = 0
      let observations = 0
      let previous = "{}"
      const broken = () => {
        const kind = Stream.malformedKinds[malformed.length % Stream.malformedKinds.length] as Stream.MalformedKind
        lines++
        events.write(`${Stream.malformedLine(kind, malformed.length + 1, previous)}\n`)
        malformed.push({ line: lines, kind })
      }
      yield* Sink.attempt(eventsPath, async () => {
        for (const item of items) {
          const line = JSON.stringify(item.event)
          events.write(`${line}\n`)
          lines++
          count++
          previous = line
          if (item.behaviour !== undefined) behaviours[item.behaviour] = (behaviours[item.behaviour] ?? 0) + 1
          if (item.label !== undefined) {
            const { memberId, noise, resembles } = item.label
            label({ eventId: item.event.eventId, type: item.event.type, memberId: memberId ?? null, noise, ...(resembles !== undefined && { resembles }) })
            observations++
          }
          if (item.mistake !== undefined && item.event.type === "MemberRegistered") {
            label({ eventId: item.event.eventId, type: item.event.type, memberId: item.event.memberId, mistake: item.mistake })
            mistakes[item.mistake] = (mistakes[item.mistake] ?? 0) + 1
          }
          if (item.orgLife !== undefined) {
            label({ eventId: item.event.eventId, type: item.event.type, orgId: item.event.orgId, ...item.orgLife })
            floatingBranches[item.orgLife.activity] = (floatingBranches[item.orgLife.activity] ?? 0) + 1
          }
          if (malformed.length < flags.malformed && count % every === 0) broken()
          // Every slice the files catch up and the event loop turns (`Turns`): a signal is seen.
          if (Turns.due()) {
            progress.update({ label: "simulate", events: count })
            await labels.ready()
            await events.ready()
          }
        }
        while (malformed.length < flags.malformed) {
          broken()
          if (Turns.due()) await events.ready()
        }
        labels.write(labelled === 0 ? "[]\n" : "\n]\n")
        await events.close()
        await labels.close()
      })
      progress.done()
      const manifest: Manifest = {
        members: flags.members,
        seed: flags.seed,
        shape: flags.shape,
        mistakeRate: flags.mistakeRate,
        asOf: Instant.formatCst(asOf),
        events: count,
        lines,
        observations,
        behaviours,
        mistakes,
        floatingBranches,
        malformed,
        files: { events: eventsName, labels: "labels.json" }
      }
      const manifestSink = yield* Sink.open(join(flags.out, "manifest.json"))
      yield* Sink.run(manifestSink, async (s) => {
        s.write(`${JSON.stringify(manifest, null, 2)}\n`)
        await s.close()
      })
      yield* Shared.note(
        flags.quiet,
        `simulated ${Progress.count(flags.members, "member")}: ${Progress.count(count, "event")} (${Progress.count(observations, "observation")})` +
          (malformed.length > 0 ? ` and ${Progress.count(malformed.length, "malformed line")}` : "") +
          ` as of ${Instant.formatCst(asOf)}; wrote ${eventsPath}, ${labelsPath}, ${join(flags.out, "manifest.json")}`
      )
      return { manifest, eventsPath }
    })
  )

export const simulate = Command.make(
  "simulate",
  {
    members: Shared.members(2000, "How many members (about one branch per 30–60 of them), up to 10,000,000"),
    seed: Shared.seed("The same seed and options give the same files, byte for byte; any integer up to ±(2^53 − 1)"),
    asOf: Shared.asOf.pipe(Flag.withDescription("The instant the export is taken: every event happens at or before it. 2026-11-27 or an ISO instant. Default: now")),
    shape: Flag.Literals("shape", Pace.shapes).pipe(
      Flag.withDescription(
        "How often members are in contact; everything else is the same in both worlds. rhythms (default): each member weekly, monthly, bimonthly or quarterly; varied: each member's own mean gap of 7–90 days, three in ten irregular, a lull around the Spring Festival, half the silent ends abrupt"
      ),
      Flag.withDefault(Simulation.defaults.shape)
    ),
    mistakeRate: Flag.Finite("mistake-rate").pipe(
      Flag.filter((rate) => rate >= 0 && rate <= 1, () => "a share from 0 to 1"),
      Flag.withMetavar("SHARE"),
      Flag.withDescription(
        "The share of registrations written with a clerk's mistake, a data-quality problem to find (a wrong check character, a digit left out, an ID number's impossible birth date, a birth date a century off), labelled in labels.json; 0 for none. Every other line is the same whatever it is. Default: 0.008"
      ),
      Flag.withDefault(Simulation.defaults.mistakeRate)
    ),
    out: Flag.String("out").pipe(
      Flag.withMetavar("DIR"),
      Flag.withDescription(
        "Directory to write events.ndjson (or events.ndjson.gz), labels.json (the truth about each observation, each registration written with a mistake and each floating organisation's life) and manifest.json into; each appears complete or not at all"
      )
    ),
    malformed: Flag.Int("malformed").pipe(
      Shared.between(0, 1_000_000),
      Flag.withMetavar("N"),
      Flag.withDescription("Mix N broken lines (up to 1,000,000) into the events (truncated JSON, unknown type, invalid field, not JSON); their line numbers go to manifest.json"),
      Flag.withDefault(0)
    ),
    gzip: Flag.Boolean("gzip").pipe(Flag.withDescription("Write events.ndjson.gz"), Flag.withDefault(false)),
    quiet: Shared.quiet
  },
  (flags) => Effect.asVoid(runSimulate(flags))
).pipe(
  Command.withDescription(
    "Write realistic synthetic events (docs/events.md): an organisation tree, members with common Chinese names, valid ID numbers and phones, living the mixes of real life (steady, floating, transfers in time and overdue, lost and searched for, suspended, removed, returned), floating party organisations whose 组织生活 is regular, lapsing or dormant, guided by their home committees and reporting back, leads and data records with realistic noise, decoys who are no member, duplicated and reordered events. Deterministic per seed. Needs no Kafka and no MongoDB."
  ),
  Command.withShortDescription("Realistic synthetic events, deterministic per seed"),
  Command.withExamples([
    { command: "relink simulate --members 2000 --seed 1 --as-of 2026-11-27 --out out/demo" },
    { command: "relink simulate --members 1000000 --gzip --out /tmp/big", description: "about 15 million events, streamed to a compressed file" },
    { command: "relink simulate --members 50000 --shape varied --out out/varied", description: "another world, to report a model chosen on the rhythms" }
  ])
)

