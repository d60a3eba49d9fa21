/**
 * `relink demo` (`pnpm demo`): the whole path on a fresh machine, no Kafka, no MongoDB — simulate a
 * district's members, then write the list of unlinked members as a spreadsheet and as a page, and
 * the registrations with data-quality problems as a page, and say where they are.
 */
import { resolve as resolvePath } from "node:path"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Instant } from "@relink/core"
import { Simulation } from "@relink/simulation"
import * as Invocation from "../Invocation.ts"
import * as Progress from "../Progress.ts"
import * as Sources from "../Sources.ts"
import { runList } from "./report.ts"
import { runSimulate } from "./simulate.ts"
import * as Shared from "./shared.ts"

export const demo = Command.make(
  "demo",
  {
    members: Shared.members(2000, "How many members to simulate, up to 10,000,000"),
    seed: Shared.seed("The simulation's seed"),
    out: Flag.String("out").pipe(Flag.withMetavar("DIR"), Flag.withDescription("Where the events and the lists go"), Flag.withDefault("out/demo"))
  },
  (flags) =>
    Effect.gen(function* () {
      // One instant for both steps: the export is taken now, and the list is as of the same moment.
      const asOf = Option.some(Instant.formatCst(Math.floor(Date.now() / 1000) * 1000))
      const quiet = true
      yield* Console.error(`relink demo: simulating ${Progress.count(flags.members, "member")} (seed ${flags.seed}) into ${flags.out} …`)
      const { manifest, eventsPath } = yield* runSimulate({ members: flags.members, seed: flags.seed, shape: Simulation.defaults.shape, mistakeRate: Simulation.defaults.mistakeRate, asOf, out: flags.out, malformed: 0, gzip: false, quiet })
      const common = {
        events: Option.some(eventsPath),
        orgs: Option.none(),
        mongo: Option.none(),
        database: Option.none(),
        asOf,
        org: Option.none(),
        includeSubtree: false,
        lang: "zh",
        reveal: false,
        rejects: Option.none(),
        maxLineBytes: Sources.defaultMaxLineBytes,
        maxInputBytes: Sources.defaultMaxInputBytes,
        maxRejects: Shared.defaultMaxRejects,
        quiet
      } as const
      const xlsx = yield* runList("unlinked", { ...common, format: Option.some("xlsx"), out: Option.some(`${flags.out}/unlinked.xlsx`) })
      const html = yield* runList("unlinked", { ...common, format: Option.some("html"), out: Option.some(`${flags.out}/unlinked.html`) })
      const quality = yield* runList("data-quality", { ...common, format: Option.some("html"), out: Option.some(`${flags.out}/data-quality.html`) })
      // The command as it works where the user is: `pnpm relink` in the workspace, `relink` installed.
      const relink = Invocation.current.command
      yield* Console.log(
        [
          `Simulated ${Progress.count(manifest.members, "member")}: ${Progress.count(manifest.events, "event")} in ${eventsPath}`,
          `${Progress.count(xlsx.rows, "unlinked member")} (失联, 流出未报到, 转接逾期, 停止党籍) under ${Progress.count(xlsx.organisations, "responsible organisation")}, as of ${manifest.asOf}`,
          ``,
          `  Spreadsheet:  ${resolvePath(xlsx.outPath)}`,
          `  Web page:     ${resolvePath(html.outPath)}`,
          `  Data quality: ${resolvePath(quality.outPath)}   (${Progress.count(quality.rows, "problem")} in registrations to correct)`,
          ``,
          `Next: ${relink} orgs --events ${eventsPath}   (organisation ids)`,
          `      ${relink} report unlinked --events ${eventsPath} --org <ORG_ID> --include-subtree --out unlinked.xlsx`
        ].join("\n")
      )
    })
).pipe(
  Command.withDescription(
    "Simulate a district's members and write the list of unlinked members as a spreadsheet (XLSX) and a web page (HTML), and the registrations with data-quality problems as a web page — the whole path, without Kafka or MongoDB."
  ),
  Command.withShortDescription("Simulate, then write the unlinked list as XLSX and HTML")
)
