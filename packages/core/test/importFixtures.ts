/**
 * A county the imports of dues, sign-in sheets and floating registers read against: two
 * committees, each with a 第一党支部 (the ambiguous name), and 城关社区党支部, whose members include
 * two named 刘洋.
 */
import { assert } from "@effect/vitest"
import { Redacted, Result } from "effect"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as OrgDirectory from "../src/OrgDirectory.ts"
import * as Roster from "../src/Roster.ts"
import * as SheetHeader from "../src/SheetHeader.ts"
import * as SheetContext from "../src/SheetContext.ts"

export const key = "test-key"
export const asOf = "2026-11-30"

const at = Date.parse("2024-01-01T00:00:00+08:00")

const org = (orgId: string, name: string, kind: Event.OrgKind, parentId?: string): Event.OrgRegistered => ({
  type: "OrgRegistered",
  eventId: `reg-${orgId}`,
  occurredAt: at,
  orgId,
  name,
  kind,
  region: "510104",
  ...(parentId !== undefined && { parentId })
})

export const orgs: ReadonlyArray<Event.OrgRegistered> = [
  org("c-cg", "城关镇党委", "committee"),
  org("c-hx", "河西镇党委", "committee"),
  org("b-cg1", "第一党支部", "branch", "c-cg"),
  org("b-hx1", "第一党支部", "branch", "c-hx"),
  org("b-sq", "城关社区党支部", "branch", "c-cg")
]

/** The members: name, ID number, branch. */
export const people = {
  zhang: ["张伟", "510107198503120415", "b-sq"],
  li: ["李娜", "510107199007151620", "b-sq"],
  wang: ["王芳", "440305197809205134", "b-sq"],
  liu1: ["刘洋", "520102199511032241", "b-sq"],
  liu2: ["刘洋", "510107198503120597", "b-sq"],
  chen: ["陈静", "510122196812240378", "b-cg1"]
} as const

export type Who = keyof typeof people

export const idOf = (who: Who): string => Roster.memberIdOf(people[who][1], key)

const registered = (who: Who): Event.MemberRegistered => ({
  type: "MemberRegistered",
  eventId: `reg-${who}`,
  occurredAt: at,
  orgId: people[who][2],
  memberId: idOf(who),
  name: people[who][0],
  idNumber: Redacted.make(people[who][1]),
  category: "full"
})

export const history: ReadonlyArray<Event.Event> = [...orgs, ...(Object.keys(people) as ReadonlyArray<Who>).map(registered)]

export const directory = OrgDirectory.fromEvents(history)

/** The context of an import after `events`. */
export const contextAfter = (events: ReadonlyArray<Event.Event>): SheetContext.Context => ({
  ...SheetContext.prior(events, asOf),
  key,
  asOf,
  orgOf: (branch) => OrgDirectory.resolve(OrgDirectory.fromEvents(events), branch)
})

export const mappingOf = (rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>, kind: SheetHeader.Kind): SheetHeader.Mapping => {
  const mapped = SheetHeader.map(rows, kind)
  if (Result.isFailure(mapped)) throw new Error(mapped.failure.reason)
  return mapped.success
}

type Rows = ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>
type ImportOf = (rows: Rows, events: ReadonlyArray<Event.Event>) => SheetContext.Read

const RUNS = { numRuns: 200 }

/** The law of every kind: a sheet imported again, against the events before and the first import's, gives no event and counts each row 0. */
export const importedAgainGivesNothing = (sheet: fc.Arbitrary<Rows>, importOf: ImportOf, before: ReadonlyArray<Event.Event>): void =>
  fc.assert(
    fc.property(sheet, (rows) => {
      const first = importOf(rows, before)
      const again = importOf(rows, [...before, ...first.events])
      assert.deepStrictEqual(again.events, [])
      assert.deepStrictEqual(
        again.rows.map((r) => r.events),
        first.rows.map(() => 0)
      )
      assert.isFalse(again.findings.some((f) => f.tag === "ImportedDiffers"))
    }),
    RUNS
  )

/** The law of every kind: the order of a sheet's rows below its header changes no event. */
export const orderChangesNothing = (sheet: fc.Arbitrary<Rows>, importOf: ImportOf, before: ReadonlyArray<Event.Event>): void =>
  fc.assert(
    fc.property(
      sheet.chain((rows) => fc.shuffledSubarray(rows.slice(1), { minLength: rows.length - 1 }).map((shuffled) => [rows, [rows[0] ?? [], ...shuffled]] as const)),
      ([rows, shuffled]) => assert.deepStrictEqual(importOf(shuffled, before).events.map(Event.canonical), importOf(rows, before).events.map(Event.canonical))
    ),
    RUNS
  )
