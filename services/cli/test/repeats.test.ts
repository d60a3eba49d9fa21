/** A repeated eventId in an export (docs/events.md#repeated-event-ids): the first copy wins, a copy with other content is rejected. */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Instant } from "@relink/core"
import { ok, relink, tempDir } from "./helpers.ts"

const org = JSON.stringify({ eventId: "e-org", type: "OrgRegistered", occurredAt: "2024-01-01T09:00:00+08:00", orgId: "org-1", name: "第一党支部", kind: "branch", region: "510107" })
const member = JSON.stringify({
  eventId: "e-reg",
  type: "MemberRegistered",
  occurredAt: "2024-01-02T09:00:00+08:00",
  orgId: "org-1",
  memberId: "m-1",
  name: "张伟",
  idNumber: "11010519491231002X",
  category: "full"
})
const contact = JSON.stringify({ eventId: "e-c", type: "ContactRecorded", occurredAt: "2026-03-01T09:30:00+08:00", orgId: "org-1", memberId: "m-1", channel: "phone" })
/** The same event: other key order, whitespace, another offset for the same instant, a field the contract does not know. */
const sameContact = `{ "channel": "phone", "memberId": "m-1", "orgId": "org-1", "occurredAt": "2026-03-01T01:30:00Z", "type": "ContactRecorded", "eventId": "e-c", "note": "again" }`
/** Other content under the same eventId: a later contact, which would change the member's last contact. */
const laterContact = contact.replace("2026-03-01T09:30:00", "2026-06-01T10:00:00")
const otherChannel = contact.replace('"phone"', '"visit"')

interface Reject {
  readonly file: string
  readonly line: number
  readonly tag: string
  readonly reason: string
  readonly text: string
}

const readRejects = (path: string): ReadonlyArray<Reject> =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l): Reject => JSON.parse(l))

describe("relink scan: a repeated eventId", () => {
  const dir = tempDir("repeats")
  const events = join(dir, "events")
  mkdirSync(events)
  // A directory's files are read in name order: a.ndjson holds the first copy.
  const a = join(events, "a.ndjson")
  const b = join(events, "b.ndjson")
  writeFileSync(a, [org, member, contact, sameContact, laterContact].join("\n") + "\n")
  writeFileSync(b, [otherChannel, contact].join("\n") + "\n")
  const rejectsPath = join(dir, "rejects.ndjson")
  const run = ok(relink(["scan", "--events", events, "--as-of", "2026-11-27", "--rejects", rejectsPath]))

  it("rejects each later copy with other content, with the first copy's line and the line's original text", () => {
    assert.isTrue(existsSync(rejectsPath))
    assert.deepStrictEqual(readRejects(rejectsPath), [
      { file: a, line: 5, tag: "ConflictingDuplicate", reason: 'duplicate eventId "e-c" with different content than line 3', text: laterContact },
      { file: b, line: 1, tag: "ConflictingDuplicate", reason: `duplicate eventId "e-c" with different content than line 3 of ${a}`, text: otherChannel }
    ])
  })

  it("keeps the first copy: the conflicting copies change nothing in the result", () => {
    const rows = run.stdout
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l): { kind: string; memberId?: string; lastContactAt?: string | null } => JSON.parse(l))
    const row = rows.find((r) => r.kind === "member" && r.memberId === "m-1")
    assert.strictEqual(row?.lastContactAt, Instant.formatCst(Date.parse("2026-03-01T09:30:00+08:00")))
  })

  it("counts an identical copy as a duplicate, not a reject, and the conflicts among the rejects", () => {
    assert.include(run.stderr, "read 7 lines from 2 files")
    assert.include(run.stderr, `2 lines repeating an eventId with other content skipped, written to ${rejectsPath}`)
    assert.include(run.stderr, "2 duplicate events ignored")
    assert.notInclude(run.stderr, "malformed line")
  })

  it("counts each event once in the result", () => {
    const json = ok(relink(["scan", "--events", events, "--as-of", "2026-11-27", "--rejects", rejectsPath, "--format", "json", "--quiet"]))
    const head: { events: number } = JSON.parse(json.stdout)
    assert.strictEqual(head.events, 3)
  })

  it("takes a copy that is only a duplicate for no reject at all", () => {
    const clean = tempDir("repeats-clean")
    const path = join(clean, "events.ndjson")
    writeFileSync(path, [org, member, contact, sameContact].join("\n") + "\n")
    const cleanRun = ok(relink(["scan", "--events", path, "--as-of", "2026-11-27", "--rejects", join(clean, "r.ndjson")]))
    assert.isFalse(existsSync(join(clean, "r.ndjson")))
    assert.include(cleanRun.stderr, "no malformed lines; 1 duplicate event ignored")
  })
})
