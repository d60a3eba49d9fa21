/**
 * Inputs of an extreme shape in one dimension (depth, organisations, members per key, facts per
 * member): the commands finish, give every row, and say where a limit applied.
 * (services/cli/bench/shapes.bench.ts measures the time at growing sizes.)
 */
import { assert, describe, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Matching, Timeline } from "@relink/core"
import { maxOrganisationSheets } from "../src/render/Unlinked.ts"
import { AS_OF, ok, relink, tempDir } from "./helpers.ts"
import { unzip } from "./readers.ts"

const dir = tempDir("shapes")

const orgId = (i: number) => `org-${String(i).padStart(7, "0")}`

/** A chain of organisations `depth` deep, each the parent of the next, and two members at the bottom: one lost, one in contact. */
const chainFile = (depth: number): string => {
  const lines: Array<string> = []
  for (let i = 0; i < depth; i++) {
    const parent = i === 0 ? {} : { parentId: orgId(i - 1) }
    lines.push(JSON.stringify({ eventId: `o-${i}`, type: "OrgRegistered", occurredAt: "2023-01-01T09:00:00+08:00", orgId: orgId(i), name: `组织${i}`, kind: "committee", region: "510107", ...parent }))
  }
  const bottom = orgId(depth - 1)
  for (const memberId of ["m-lost", "m-active"]) {
    lines.push(JSON.stringify({ eventId: `r-${memberId}`, type: "MemberRegistered", occurredAt: "2024-01-01T09:00:00+08:00", orgId: bottom, memberId, name: "张伟", idNumber: "11010519491231002X", category: "full" }))
  }
  lines.push(JSON.stringify({ eventId: "c-1", type: "ContactRecorded", occurredAt: "2026-11-01T09:00:00+08:00", orgId: bottom, memberId: "m-active", channel: "phone" }))
  const path = join(dir, `chain-${depth}.ndjson`)
  writeFileSync(path, `${lines.join("\n")}\n`)
  return path
}

describe("a chain of organisations 100,000 deep", () => {
  const depth = 100_000
  const chain = chainFile(depth)

  it("relink orgs prints every level, as text and as JSON, each at its depth", () => {
    const json = ok(relink(["orgs", "--events", chain, "--as-of", AS_OF, "--format", "json", "--quiet"])).stdout.trimEnd().split("\n")
    assert.strictEqual(json.length, depth)
    json.forEach((line, i) => {
      const entry = JSON.parse(line) as { orgId: string; depth: number; parentId: string | null }
      if (entry.orgId !== orgId(i) || entry.depth !== i || entry.parentId !== (i === 0 ? null : orgId(i - 1))) assert.fail(`line ${i + 1}: ${line}`)
    })
    const text = ok(relink(["orgs", "--events", chain, "--as-of", AS_OF, "--quiet"])).stdout.trimEnd().split("\n")
    assert.strictEqual(text.length, depth)
    // Indented two spaces a level up to 32 levels; deeper, as far and numbered.
    assert.isTrue(text[32]?.startsWith(`${" ".repeat(64)}${orgId(32)}  `))
    assert.isTrue(text[depth - 1]?.startsWith(`${" ".repeat(64)}[${depth - 1}] ${orgId(depth - 1)}  `))
    assert.include(text[depth - 2], "0 members, 1 unlinked to find")
  })

  it("relink scan evaluates the members at the bottom: the lost one escalated to the parent of their branch", () => {
    const rows = ok(relink(["scan", "--events", chain, "--as-of", AS_OF, "--out", "-", "--quiet"])).stdout.trimEnd().split("\n")
    const statuses = rows.map((r) => JSON.parse(r) as { memberId: string; status: string; responsibleOrgId: string; flags: ReadonlyArray<string> })
    assert.deepStrictEqual(
      statuses.map((s) => [s.memberId, s.status, s.responsibleOrgId, s.flags.includes("escalated")]),
      [
        ["m-active", "active", orgId(depth - 1), false],
        ["m-lost", "lost", orgId(depth - 2), true]
      ]
    )
  })
})

/** One committee with `branches` branches, all named alike, one member lost (not yet escalated) in each. */
const siblingsFile = (branches: number): string => {
  const lines = [JSON.stringify({ eventId: "o-root", type: "OrgRegistered", occurredAt: "2023-01-01T09:00:00+08:00", orgId: "org-root", name: "党委", kind: "committee", region: "510107" })]
  for (let i = 0; i < branches; i++) {
    lines.push(JSON.stringify({ eventId: `o-${i}`, type: "OrgRegistered", occurredAt: "2023-01-01T09:00:00+08:00", orgId: orgId(i), parentId: "org-root", name: "第一党支部", kind: "branch", region: "510107" }))
    lines.push(JSON.stringify({ eventId: `r-${i}`, type: "MemberRegistered", occurredAt: "2026-03-01T09:00:00+08:00", orgId: orgId(i), memberId: `m-${i}`, name: "张伟", idNumber: "11010519491231002X", category: "full" }))
  }
  const path = join(dir, `siblings-${branches}.ndjson`)
  writeFileSync(path, `${lines.join("\n")}\n`)
  return path
}

/** The sheet names of a workbook and the rows of each sheet (its `<row>` elements). */
const sheetsOf = (path: string): ReadonlyArray<{ readonly name: string; readonly rows: number }> => {
  const parts = unzip(path)
  const names = [...(parts.get("xl/workbook.xml") ?? "").matchAll(/<sheet [^>]*name="([^"]*)"/g)].map((m) => m[1] as string)
  return names.map((name, i) => ({ name, rows: (parts.get(`xl/worksheets/sheet${i + 1}.xml`) ?? "").split("<row ").length - 1 }))
}

describe("a list for more organisations than a workbook gives sheets", () => {
  it(`report unlinked gives each of ${maxOrganisationSheets.toLocaleString("en-US")} organisations a sheet and a print sheet, and past that puts every row on one sheet and says so`, () => {
    const at = join(dir, "at.xlsx")
    ok(relink(["report", "unlinked", "--events", siblingsFile(maxOrganisationSheets), "--as-of", AS_OF, "--out", at, "--quiet"]))
    const each = sheetsOf(at)
    assert.strictEqual(each.length, 2 * maxOrganisationSheets + 1)
    // Named alike, told apart by their ids.
    assert.deepStrictEqual(
      each.slice(0, 5).map((s) => s.name),
      ["汇总", `第一党支部 ${orgId(0)}`, `第一党支部 ${orgId(0)}（打印）`, `第一党支部 ${orgId(1)}`, `第一党支部 ${orgId(1)}（打印）`]
    )
    const past = join(dir, "past.xlsx")
    ok(relink(["report", "unlinked", "--events", siblingsFile(maxOrganisationSheets + 1), "--as-of", AS_OF, "--out", past, "--quiet"]))
    const sheets = sheetsOf(past)
    assert.deepStrictEqual(sheets.map((s) => s.name), ["汇总", "全部组织"])
    // The title, the header and a row per member.
    assert.strictEqual(sheets[1]?.rows, maxOrganisationSheets + 3)
    assert.include(unzip(past).get("xl/sharedStrings.xml"), `共${(maxOrganisationSheets + 1).toLocaleString("en-US")}个组织，超过${maxOrganisationSheets.toLocaleString("en-US")}个：名单合在“全部组织”一张表中，按组织排列`)
  })
})

describe("a blocking key more members share than blocking takes", () => {
  it("relink scan and the reports say how many observations it found no candidates for", () => {
    const phone = "13327024741"
    const lines = [
      { eventId: "o-1", type: "OrgRegistered", occurredAt: "2023-01-01T09:00:00+08:00", orgId: orgId(1), name: "第一党支部", kind: "branch", region: "510107" },
      ...Array.from({ length: Matching.maxBucket + 1 }, (_, i) => ({ eventId: `r-${i}`, type: "MemberRegistered", occurredAt: "2026-03-01T09:00:00+08:00", orgId: orgId(1), memberId: `m-${i}`, name: "张伟", idNumber: "11010519491231002X", phone, category: "full" })),
      { eventId: "obs-1", type: "RecordObserved", occurredAt: "2026-06-01T09:00:00+08:00", orgId: orgId(1), region: "510107", dataSource: "community", identity: { name: "王芳", phone } }
    ]
    const path = join(dir, "crowded.ndjson")
    writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`)
    const said = `1 observation shares a blocking key (a phone, a name and birth date…) with more than ${Matching.maxBucket} members, so that key found no candidates for it`
    assert.include(ok(relink(["scan", "--events", path, "--as-of", AS_OF, "--out", join(dir, "crowded.jsonl")])).stderr, said)
    assert.include(ok(relink(["report", "unlinked", "--events", path, "--as-of", AS_OF, "--format", "csv", "--out", join(dir, "crowded.csv")])).stderr, said)
  })
})

describe("a member with more facts in one period than the search for what found them reads", () => {
  it("relink report progress counts them as found, without the event, and warns how many", () => {
    // Lost since 2020; transfers never issued cancelled every ten minutes of September 2025 (each may change a status), then a visit.
    const cancellations = Math.ceil(Math.sqrt(2 * Timeline.maxRelinkSearch))
    const lines = [
      { eventId: "o-1", type: "OrgRegistered", occurredAt: "2019-01-01T09:00:00+08:00", orgId: orgId(1), name: "第一党支部", kind: "branch", region: "510107" },
      { eventId: "r-1", type: "MemberRegistered", occurredAt: "2020-01-01T09:00:00+08:00", orgId: orgId(1), memberId: "m-1", name: "张伟", idNumber: "11010519491231002X", category: "full" },
      ...Array.from({ length: cancellations }, (_, i) => ({ eventId: `t-${i}`, type: "TransferCancelled", occurredAt: new Date(Date.parse("2025-09-02T00:00:00+08:00") + i * 600_000).toISOString(), orgId: orgId(1), memberId: "m-1", transferId: `t-${i}` })),
      { eventId: "c-1", type: "ContactRecorded", occurredAt: "2025-09-21T09:00:00+08:00", orgId: orgId(1), memberId: "m-1", channel: "visit" }
    ]
    const path = join(dir, "untraced.ndjson")
    writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`)
    const run = ok(relink(["report", "progress", "--events", path, "--from", "2025-09-01", "--to", "2025-09-30", "--format", "json", "--out", "-", "--quiet"]))
    const report = JSON.parse(run.stdout) as { total: ReadonlyArray<{ found: number }>; found: ReadonlyArray<unknown>; untraced: number }
    assert.deepStrictEqual([report.total[0]?.found, report.found, report.untraced], [1, [], 1])
    assert.include(run.stderr, `warning: 1 member is counted as found without the event that found them: the search for it read ${Timeline.maxRelinkSearch.toLocaleString("en-US")} of their facts in one period`)
  })
})
