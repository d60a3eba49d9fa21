/**
 * The cost along one dimension of the input: for each dimension, an export grown in that dimension
 * alone, at two sizes ten times apart, through the commands that read it (each in a child process,
 * as a user runs it); prints the wall time at each size and their ratio (10 for a cost linear in
 * the dimension, 100 for a quadratic one). Then the deep chain: organisations each the parent of
 * the next, 10,000, 100,000 and 1,000,000 deep, with three members at the bottom: `OrgTree.make`
 * in this process, `relink scan`, `relink orgs` and `relink report unlinked` over it.
 *
 *   pnpm exec node services/cli/bench/shapes.bench.ts                  # every dimension, then the deep chain
 *   pnpm exec node services/cli/bench/shapes.bench.ts --quick          # sizes / 10, the chain to 100,000
 *   pnpm exec node services/cli/bench/shapes.bench.ts --only chain     # one part: a dimension's name, or chain
 *
 * Each time includes the command's start (about a second: loading effect and the CLI), printed
 * first; the exports are written under the system's temp directory (or --dir) and removed after.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { OrgTree } from "@relink/core"

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    dir: { type: "string" }
  }
})
const scale = values.quick ? 0.1 : 1
const dir = mkdtempSync(join(values.dir ?? tmpdir(), "relink-shapes-"))
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const AS_OF = "2026-11-27"

// ---- events --------------------------------------------------------------------------------

type Line = Record<string, unknown>
let serial = 0
const base = (type: string, day: string, orgId: string, fields: Line): Line => ({
  eventId: `e-${++serial}`,
  type,
  occurredAt: `${day}T09:00:00+08:00`,
  orgId,
  ...fields
})
const pad = (i: number) => String(i).padStart(7, "0")
const orgIdOf = (i: number) => `org-${pad(i)}`
const org = (i: number, parent: number | undefined, kind = "committee"): Line =>
  base("OrgRegistered", "2023-01-01", orgIdOf(i), { name: `组织${i}`, kind, region: "510107", ...(parent !== undefined && { parentId: orgIdOf(parent) }) })
const registered = (memberId: string, orgId: string, fields: Line = {}): Line =>
  base("MemberRegistered", "2026-03-01", orgId, { memberId, name: "张伟", idNumber: "11010519491231002X", category: "full", ...fields })
/** The day `i` days after 2024-01-02. */
const dayAfter = (i: number) => new Date(Date.UTC(2024, 0, 2 + i)).toISOString().slice(0, 10)
/** Instants one minute apart from 2024-01-02: as many distinct facts as wanted, within a few months. */
const minuteAfter = (i: number) => new Date(Date.UTC(2024, 0, 2, 1) + i * 60_000).toISOString().replace(".000Z", "+00:00")
/** A valid mainland mobile number, distinct for each i. */
const phone = (i: number) => `139${String(i % 100_000_000).padStart(8, "0")}`
/** An 18-character ID number that passes GB 11643, distinct for each i < 1,000. */
const idNumber = (i: number) => {
  const body = `11010519${String(50 + (i % 50))}0101${String(i).padStart(3, "0").slice(-3)}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, c, k) => s + Number(c) * (weights[k] as number), 0)
  return body + "10X98765432"[sum % 11]
}

const write = (name: string, lines: Iterable<Line>): string => {
  const path = join(dir, `${name}.ndjson`)
  const out: Array<string> = []
  for (const line of lines) out.push(JSON.stringify(line))
  writeFileSync(path, `${out.join("\n")}\n`)
  return path
}

// ---- shapes: an export grown in one dimension ----------------------------------------------

/** Organisations each the parent of the next, three members (lost, not yet escalated) at the bottom. */
function* chain(depth: number): Generator<Line> {
  for (let i = 0; i < depth; i++) yield org(i, i === 0 ? undefined : i - 1, i === depth - 1 ? "branch" : "committee")
  for (let m = 0; m < 3; m++) yield registered(`m-${m}`, orgIdOf(depth - 1))
}

/** One committee with n branches, one lost member in each (not yet escalated): n organisations per parent, n responsible organisations. */
function* siblings(n: number): Generator<Line> {
  yield org(0, undefined)
  for (let i = 1; i <= n; i++) {
    yield org(i, 0, "branch")
    yield registered(`m-${pad(i)}`, orgIdOf(i))
  }
}

/** One member in contact on n distinct days (and a registration), in a branch of their own. */
function* contacts(n: number): Generator<Line> {
  yield org(0, undefined, "branch")
  yield registered("m-0", orgIdOf(0))
  for (let i = 0; i < n; i++) yield base("ContactRecorded", dayAfter(i % 1000), orgIdOf(0), { memberId: "m-0", channel: "phone", occurredAt: minuteAfter(i) })
}

/** One lost member (registered 2020) with n failed searches at distinct instants while lost. */
function* searches(n: number): Generator<Line> {
  yield org(0, undefined, "branch")
  yield { ...registered("m-0", orgIdOf(0)), occurredAt: "2020-01-01T09:00:00+08:00" }
  for (let i = 0; i < n; i++) yield base("SearchAttemptFailed", "2025-01-01", orgIdOf(0), { memberId: "m-0", channel: "phone", occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString() })
}

/** One lost member with n observations of them confirmed: n leads on one member. */
function* leads(n: number): Generator<Line> {
  yield org(0, undefined, "branch")
  yield { ...registered("m-0", orgIdOf(0)), occurredAt: "2020-01-01T09:00:00+08:00" }
  for (let i = 0; i < n; i++) {
    const observation = base("RecordObserved", "2025-01-01", orgIdOf(0), { identity: { name: "张伟" }, region: "510107", dataSource: "community" })
    yield observation
    yield base("MatchResolved", "2025-02-01", orgIdOf(0), { memberId: "m-0", observationEventId: observation["eventId"], resolution: "confirmed" })
  }
}

/** One lost member whose transfers (never issued) are cancelled n times, at distinct instants of one month. */
function* transfers(n: number): Generator<Line> {
  yield org(0, undefined, "branch")
  yield { ...registered("m-0", orgIdOf(0)), occurredAt: "2020-01-01T09:00:00+08:00" }
  for (let i = 0; i < n; i++) yield base("TransferCancelled", "2025-01-01", orgIdOf(0), { memberId: "m-0", transferId: `t-${i}`, occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 10_000).toISOString() })
  yield base("ContactRecorded", "2025-01-31", orgIdOf(0), { memberId: "m-0", channel: "visit" })
}

/** A lost member and an observation of them, both with a name n characters long, and the same phone. */
function* nameLength(n: number): Generator<Line> {
  const name = "张".repeat(n)
  yield org(0, undefined, "branch")
  yield registered("m-0", orgIdOf(0), { name, phone: phone(0) })
  yield base("RecordObserved", "2026-10-01", orgIdOf(0), { identity: { name: `${name}伟`, phone: phone(0) }, region: "510107", dataSource: "community" })
}

/** n lost members sharing one phone and one name and birth date, and 10 observations with that phone, name and birth date. */
function* membersPerKey(n: number): Generator<Line> {
  yield org(0, undefined, "branch")
  for (let i = 0; i < n; i++) yield registered(`m-${pad(i)}`, orgIdOf(0), { idNumber: idNumber(i), phone: phone(0), birthDate: "1950-01-01" })
  for (let i = 0; i < 10; i++) yield base("RecordObserved", "2025-01-01", orgIdOf(0), { identity: { name: "张伟", phone: phone(0), birthDate: "1950-01-01" }, region: "510107", dataSource: "community" })
}

/** 10 lost members sharing one phone, and n observations with that phone. */
function* observationsPerKey(n: number): Generator<Line> {
  yield org(0, undefined, "branch")
  for (let i = 0; i < 10; i++) yield registered(`m-${pad(i)}`, orgIdOf(0), { idNumber: idNumber(i), phone: phone(0) })
  for (let i = 0; i < n; i++) yield base("RecordObserved", "2025-01-01", orgIdOf(0), { identity: { name: "张伟", phone: phone(0) }, region: "510107", dataSource: "community" })
}

// ---- commands ------------------------------------------------------------------------------

const commands = {
  scan: (events: string) => ["scan", "--events", events, "--as-of", AS_OF, "--out", "/dev/null"],
  orgs: (events: string) => ["orgs", "--events", events, "--as-of", AS_OF, "--format", "json"],
  "report unlinked xlsx": (events: string) => ["report", "unlinked", "--events", events, "--as-of", AS_OF, "--out", join(dir, "unlinked.xlsx")],
  "report unlinked csv": (events: string) => ["report", "unlinked", "--events", events, "--as-of", AS_OF, "--format", "csv", "--out", "/dev/null"],
  "report progress": (events: string) => ["report", "progress", "--events", events, "--from", "2024-01-01", "--to", AS_OF, "--format", "json", "--out", "/dev/null"]
} as const
type Command = keyof typeof commands

const discard = openSync("/dev/null", "w")

/** Seconds the command took, in a child process; throws when it fails. */
const run = (command: Command, events: string): number => {
  const started = performance.now()
  // Standard output written to and discarded: "ignore" would be a closed one, which relink refuses.
  const child = spawnSync(process.execPath, [bin, ...commands[command](events), "--quiet"], { stdio: ["ignore", discard, "pipe"], encoding: "utf8", maxBuffer: 1 << 26 })
  const seconds = (performance.now() - started) / 1000
  if (child.status !== 0) throw new Error(`relink ${command} exited ${child.status}: ${child.stderr.slice(0, 500)}`)
  return seconds
}

interface Dimension {
  readonly name: string
  readonly what: string
  readonly sizes: readonly [number, number]
  readonly shape: (n: number) => Iterable<Line>
  readonly commands: ReadonlyArray<Command>
}

const dimensions: ReadonlyArray<Dimension> = [
  { name: "depth", what: "organisations in a chain", sizes: [10_000, 100_000], shape: chain, commands: ["scan", "orgs", "report unlinked xlsx"] },
  { name: "siblings", what: "branches of one committee, one lost member each", sizes: [10_000, 100_000], shape: siblings, commands: ["scan", "orgs", "report unlinked csv", "report unlinked xlsx"] },
  { name: "sheets", what: "responsible organisations, a sheet each", sizes: [100, 1_000], shape: siblings, commands: ["report unlinked xlsx"] },
  { name: "contacts", what: "contacts of one member", sizes: [100_000, 1_000_000], shape: contacts, commands: ["scan", "report progress"] },
  { name: "searches", what: "failed searches of one lost member", sizes: [10_000, 100_000], shape: searches, commands: ["scan", "report progress"] },
  { name: "leads", what: "confirmed observations of one member", sizes: [10_000, 100_000], shape: leads, commands: ["scan", "report unlinked csv", "report progress"] },
  { name: "transfers", what: "transfers cancelled for one lost member in one month", sizes: [10_000, 100_000], shape: transfers, commands: ["scan", "report progress"] },
  { name: "name-length", what: "characters of a name", sizes: [10_000, 100_000], shape: nameLength, commands: ["scan"] },
  { name: "members-per-key", what: "members sharing a phone, name and birth date", sizes: [10_000, 100_000], shape: membersPerKey, commands: ["scan"] },
  { name: "observations-per-key", what: "observations sharing a phone with 10 members", sizes: [10_000, 100_000], shape: observationsPerKey, commands: ["scan"] }
]

const seconds = (s: number) => `${s.toFixed(2)} s`
const sized = (n: number) => n.toLocaleString("en-US")
const wanted = (name: string) => values.only === undefined || values.only.split(",").includes(name)

console.log(`shapes bench: node ${process.version}, load ${loadavg()[0]?.toFixed(1)}, ${values.quick ? "--quick" : "full sizes"}, under ${dir}`)
const empty = write("empty", [org(0, undefined)])
console.log(`start of a command (one organisation): scan ${seconds(run("scan", empty))}, report unlinked xlsx ${seconds(run("report unlinked xlsx", empty))}`)

try {
  for (const d of dimensions.filter((d) => wanted(d.name))) {
    const [small, large] = d.sizes.map((n) => Math.max(1, Math.round(n * scale))) as [number, number]
    const files = [write(`${d.name}-${small}`, d.shape(small)), write(`${d.name}-${large}`, d.shape(large))] as const
    console.log(`\n${d.name}: ${d.what}, ${sized(small)} → ${sized(large)}`)
    for (const command of d.commands) {
      const [a, b] = files.map((f) => run(command, f)) as [number, number]
      console.log(`  ${command.padEnd(22)} ${seconds(a).padStart(9)} → ${seconds(b).padStart(9)}   ×${(b / a).toFixed(1)}`)
    }
  }

  if (wanted("chain")) {
    const depths = values.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]
    console.log("\nthe deep chain: organisations each the parent of the next, three lost members at the bottom")
    console.log(`  ${"depth".padStart(9)}  ${"OrgTree.make".padStart(12)}  ${"scan".padStart(9)}  ${"orgs".padStart(9)}  ${"report".padStart(9)}`)
    for (const depth of depths) {
      const orgs = Array.from({ length: depth }, (_, i): OrgTree.Org => ({
        orgId: orgIdOf(i),
        name: `组织${i}`,
        kind: "committee",
        region: "510107",
        at: 0,
        eventId: `e-${i}`,
        ...(i > 0 && { parentId: orgIdOf(i - 1) })
      }))
      const started = performance.now()
      const tree = OrgTree.make(orgs)
      const make = (performance.now() - started) / 1000
      if (tree.parents.size !== depth - 1) throw new Error("the chain was not built whole")
      const events = write(`chain-${depth}`, chain(depth))
      const times = (["scan", "orgs", "report unlinked xlsx"] as const).map((c) => seconds(run(c, events)).padStart(9))
      console.log(`  ${sized(depth).padStart(9)}  ${seconds(make).padStart(12)}  ${times.join("  ")}`)
      rmSync(events)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
