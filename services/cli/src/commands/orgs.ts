/**
 * `relink orgs`: the organisation tree the events register, with ids — what `--org` takes — and
 * how many members each is home to and how many unlinked members it is responsible for. From an
 * export of events, or from the worker's MongoDB state (`--mongo`).
 */
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { OrgTree, Status } from "@relink/core"
import * as Terminal from "../render/Terminal.ts"
import * as Sink from "../Sink.ts"
import * as Shared from "./shared.ts"
import * as Json from "../render/Json.ts"

/** The levels the text tree indents; deeper organisations are indented as much and show their depth. */
const maxIndent = 32

export const orgs = Command.make(
  "orgs",
  {
    events: Shared.eventsOrMongo,
    orgs: Shared.orgs,
    mongo: Shared.mongo,
    database: Shared.database,
    asOf: Shared.asOf,
    format: Flag.Literals("format", ["text", "json"]).pipe(Flag.withDescription("text: an indented tree; json: one object per organisation"), Flag.withDefault("text")),
    rejects: Shared.rejects,
    quiet: Shared.quiet
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const origin = yield* Shared.originOf("relink orgs", flags)
        // The tree goes to standard output: closed, the run would be for nothing.
        yield* Sink.checkStandardOutput
        const result = yield* Shared.load(origin, flags)
        yield* Shared.note(flags.quiet, result.summary)
        const tree = result.orgs
        const home = new Map<string, number>()
        const responsible = new Map<string, number>()
        for (const e of result.evaluations) {
          home.set(e.homeOrgId, (home.get(e.homeOrgId) ?? 0) + 1)
          if (Status.unlinked.has(e.status)) responsible.set(e.responsibleOrgId, (responsible.get(e.responsibleOrgId) ?? 0) + 1)
        }
        // The district itself first: roots with the most members below them, then by id.
        const membersBelow = (root: string) => [...OrgTree.subtree(tree, root)].reduce((n, id) => n + (home.get(id) ?? 0), 0)
        const roots = [...tree.orgs.keys()]
          .filter((id) => OrgTree.parentOf(tree, id) === undefined)
          .map((id) => ({ id, members: membersBelow(id) }))
          .sort((a, b) => b.members - a.members || a.id.localeCompare(b.id))
          .map((r) => r.id)
        const line = (orgId: string, depth: number): string => {
          const org = tree.orgs.get(orgId) as OrgTree.Org
          const entry = { orgId, name: org.name, kind: org.kind, region: org.region, parentId: OrgTree.parentOf(tree, orgId) ?? null, depth, members: home.get(orgId) ?? 0, unlinked: responsible.get(orgId) ?? 0 }
          if (flags.format === "json") return Json.stringify(entry)
          // Indented up to a depth, numbered beyond it: the text of a deep chain stays linear in its depth.
          const indent = `${"  ".repeat(Math.min(depth, maxIndent))}${depth > maxIndent ? `[${depth}] ` : ""}`
          return Terminal.clean(`${indent}${orgId}  ${org.name}  (${org.kind}, ${org.region}) — ${entry.members} member${entry.members === 1 ? "" : "s"}, ${entry.unlinked} unlinked to find`)
        }
        const sink = yield* Sink.open("-")
        yield* Sink.run(sink, async (s) => {
          let written = 0
          for (const { orgId, depth } of OrgTree.walk(tree, roots)) {
            s.write(`${line(orgId, depth)}\n`)
            if (++written % 5000 === 0) await s.ready()
          }
          await s.close()
        })
        for (const problem of tree.problems) yield* Console.error(Terminal.clean(`warning: ${problem.message}`))
        const unknownHomes = [...home.keys()].filter((id) => !tree.orgs.has(id))
        if (unknownHomes.length > 0) {
          yield* Shared.note(flags.quiet, `${unknownHomes.length} organisation ids are named by members but never registered: ${unknownHomes.slice(0, 5).join(", ")}${unknownHomes.length > 5 ? ", …" : ""}`)
        }
      })
    )
).pipe(
  Command.withDescription(
    "List the organisations the events register (or the worker stored, with --mongo), as a tree with their ids (what --org takes), members and unlinked members to find."
  ),
  Command.withShortDescription("The organisation tree and its ids")
)
