/**
 * The round trip of `relink import`: a simulated department's events written as the spreadsheets it
 * keeps (its organisations, and each month's roster, dues and sign-in sheets, in the layouts that
 * take turns in departmentSheets.ts), imported month by month into one export, scanned. The scan
 * gives every member the status the original events give them, for everything the sheets carry
 * (`DepartmentSheets.carried`); and importing every sheet again adds nothing.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Option, Result } from "effect"
import { Event, IdNumber, Policy, Roster, Scan } from "@relink/core"
import { type ImportFlags, runImport } from "../src/commands/import.ts"
import * as DepartmentSheets from "./departmentSheets.ts"
import { AS_OF, simulate, tempDir } from "./helpers.ts"

const KEY = "round-trip-key-of-32-characters!"
const env = { RELINK_PII_KEY: KEY }

const flagsFor = (file: DepartmentSheets.SheetFile, out: string, report: string): ImportFlags => ({
  kind: Option.some(file.kind),
  template: Option.none(),
  from: Option.some(file.path),
  sheet: Option.none(),
  mapping: Option.none(),
  asOf: Option.some(file.asOf),
  dryRun: false,
  events: Option.none(),
  out: Option.some(out),
  report: Option.some(report),
  brokers: Option.none(),
  topic: Option.none(),
  partitions: Option.none(),
  maxInputBytes: 1 << 30,
  quiet: true
})

const eventsIn = (path: string): ReadonlyArray<Event.Event> =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => Result.getOrThrow(Event.decodeLine(line)))

describe("relink import: round trip", () => {
  it.effect(
    "a department's monthly sheets, imported, give every member the status of the events they carry; importing them again adds nothing",
    () =>
      Effect.gen(function* () {
        const sim = simulate(120, 32, ["--mistake-rate", "0"])
        const ends = DepartmentSheets.monthEnds(sim.events, AS_OF)
        const dir = tempDir("round-trip")
        const files = yield* Effect.promise(() => DepartmentSheets.write(sim.events, ends, dir))
        const out = join(dir, "imported.ndjson")
        const report = join(dir, "导入结果.xlsx")
        const rejected: Array<string> = []
        for (const file of files) {
          const done = yield* runImport(flagsFor(file, out, report), env)
          for (const r of done?.imported.rows ?? []) if (r.outcome === "rejected") rejected.push(...r.findings.filter((f) => f.rejected).map((f) => `${f.tag} ${f.reason}`))
        }
        const imported = eventsIn(out)
        const reference = DepartmentSheets.carried(sim.events, ends, KEY)
        const asOf = DepartmentSheets.endOfDay(AS_OF)
        const statusOf = (events: ReadonlyArray<Event.Event>) =>
          new Map(Scan.run(events, { asOf, policy: Policy.defaults }).evaluations.map((e) => [e.memberId, e.status] as const))
        const expected = statusOf(reference)
        const got = statusOf(imported)

        // What no sheet carries is left out of the comparison, each for its reason: a transfer (a
        // roster shows the new branch, a decision), a name two members of one branch share (a
        // sign-in sheet names people, and a name is never guessed).
        const registered = sim.events.filter((e): e is Event.MemberRegistered => e.type === "MemberRegistered")
        const transferred = DepartmentSheets.transferred(sim.events)
        const names = new Map<string, number>()
        for (const r of registered) names.set(`${r.orgId}|${r.name}`, (names.get(`${r.orgId}|${r.name}`) ?? 0) + 1)
        const compared = registered.filter((r) => !transferred.has(r.memberId) && names.get(`${r.orgId}|${r.name}`) === 1)
        const idOf = (r: Event.MemberRegistered) => Roster.memberIdOf(IdNumber.normalizeLoose(Event.reveal(r.idNumber)) ?? Event.reveal(r.idNumber), KEY)
        const differing = compared.flatMap((r) => {
          const id = idOf(r)
          return expected.get(id) === got.get(id) ? [] : [`${r.memberId}: expected ${expected.get(id)}, got ${got.get(id)}`]
        })
        assert.isAbove(compared.length, 100)
        assert.deepStrictEqual(differing, [])
        // The statuses compared are not all one: the sheets carry who is linked and who is not.
        assert.isAbove(new Set(compared.map((r) => expected.get(idOf(r)))).size, 2)
        // Every row of the sheets is read but the totals rows (合计) under every third roster, and the meetings a
        // transferred member alone attended in their new branch (the events register them in the old one).
        const transferredNames = new Set(registered.filter((r) => transferred.has(r.memberId)).map((r) => r.name))
        assert.strictEqual(rejected.filter((f) => f.startsWith("TotalsRow")).length, ends.filter((_, i) => i % 3 === 0).length)
        assert.deepStrictEqual(
          rejected.filter((f) => !f.startsWith("TotalsRow") && !(f.startsWith("UnknownMember") && [...transferredNames].some((name) => f.includes(` is named ${name}:`)))),
          []
        )

        const before = readFileSync(out)
        for (const file of files) {
          const again = yield* runImport(flagsFor(file, out, report), env)
          assert.deepStrictEqual(again?.lines, [], file.path)
        }
        assert.isTrue(readFileSync(out).equals(before))
      }),
    240_000
  )
})
