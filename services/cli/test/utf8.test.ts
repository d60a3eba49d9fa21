import { assert, describe, it } from "@effect/vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { AS_OF, relink, tempDir } from "./helpers.ts"

describe("a line that is not UTF-8", () => {
  it("is rejected with the byte it goes wrong at, its bytes recoverable from the rejects file", () => {
    const dir = tempDir("utf8")
    const good = '{"eventId":"e-1","type":"OrgRegistered","occurredAt":"2020-01-01T09:00:00+08:00","orgId":"org-a","name":"第一支部","kind":"branch","region":"510107"}'
    const prefix = '{"eventId":"e-2","type":"MemberRegistered","occurredAt":"2025-01-01T09:00:00+08:00","orgId":"org-a","memberId":"m-1","name":"张'
    const bad = Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe]), Buffer.from('伟","idNumber":"11010519491231002X","category":"full"}')])
    const eventsPath = join(dir, "events.ndjson")
    const member = '{"eventId":"e-3","type":"MemberRegistered","occurredAt":"2025-01-01T09:00:00+08:00","orgId":"org-a","memberId":"m-2","name":"李娜","idNumber":"11010519491231002X","category":"full"}'
    writeFileSync(eventsPath, Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from(`\r\n${member}\n`)]))
    const rejectsPath = join(dir, "rejects.ndjson")
    const run = relink(["scan", "--events", eventsPath, "--as-of", AS_OF, "--out", join(dir, "scan.jsonl"), "--rejects", rejectsPath])
    assert.strictEqual(run.status, 0, run.stderr)
    assert.include(run.stderr, "1 malformed")
    const [reject, ...more] = readFileSync(rejectsPath, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.deepStrictEqual(more, [])
    assert.strictEqual(reject?.["tag"], "InvalidUtf8")
    assert.strictEqual(reject?.["line"], 2)
    assert.strictEqual(reject?.["reason"], `invalid UTF-8 at byte ${Buffer.byteLength(prefix) + 1}`)
    assert.isTrue(Buffer.from(String(reject?.["base64"]), "base64").equals(bad))
    const scanned = readFileSync(join(dir, "scan.jsonl"), "utf8")
    assert.include(scanned, "m-2")
    assert.notInclude(scanned, "m-1")
  })
})
