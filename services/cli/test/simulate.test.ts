import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { Result } from "effect"
import { Event } from "@relink/core"
import { AS_OF, ok, oneLineError, relink, simulate, tempDir } from "./helpers.ts"

describe("relink simulate", () => {
  const first = simulate(300, 7)

  it("writes events that all follow the contract, with a manifest and labels", () => {
    assert.strictEqual(first.manifest.members, 300)
    assert.strictEqual(first.lines.length, first.manifest.events)
    assert.strictEqual(first.events.length, first.lines.length, "every simulated line decodes")
    const registered = first.events.filter((e) => e.type === "MemberRegistered").map((e) => Event.memberIdOf(e))
    assert.strictEqual(new Set(registered).size, 300)
    assert.isTrue(first.events.some((e) => e.type === "OrgRegistered"))
    assert.isTrue(first.events.every((e) => e.occurredAt <= Date.parse(`${AS_OF}T23:59:59+08:00`)))
    const labels = JSON.parse(readFileSync(join(first.dir, "labels.json"), "utf8")) as Array<{ eventId: string; memberId: string | null; noise: string }>
    assert.isAbove(labels.length, 0)
    const ids = new Set(first.events.map((e) => e.eventId))
    for (const label of labels) assert.isTrue(ids.has(label.eventId), label.eventId)
  })

  it("labels each registration written with a mistake, which the data-quality list then names", () => {
    const labels = JSON.parse(readFileSync(join(first.dir, "labels.json"), "utf8")) as Array<{ eventId: string; type: string; memberId: string; mistake?: string }>
    const mistaken = labels.filter((l) => l.mistake !== undefined)
    assert.isAbove(mistaken.length, 0)
    const manifest = JSON.parse(readFileSync(join(first.dir, "manifest.json"), "utf8")) as { mistakes: Record<string, number> }
    assert.strictEqual(Object.values(manifest.mistakes).reduce((a, b) => a + b, 0), mistaken.length)
    const registrations = new Map(first.events.filter((e) => e.type === "MemberRegistered").map((e) => [e.eventId, Event.memberIdOf(e)]))
    for (const label of mistaken) {
      assert.strictEqual(label.type, "MemberRegistered")
      assert.strictEqual(registrations.get(label.eventId), label.memberId)
    }
    const list = ok(relink(["report", "data-quality", "--events", first.eventsPath, "--as-of", AS_OF, "--format", "json", "--quiet"])).stdout
    const listed = new Set((JSON.parse(list) as { rows: ReadonlyArray<{ memberId: string }> }).rows.map((r) => r.memberId))
    assert.deepStrictEqual(listed, new Set(mistaken.map((l) => l.memberId)))
  })

  it("labels each floating organisation's life on its registration, as many of each as the manifest counts", () => {
    const labels = JSON.parse(readFileSync(join(first.dir, "labels.json"), "utf8")) as Array<{ eventId: string; type: string; orgId?: string; activity?: string; guidance?: string }>
    const lives = labels.filter((l) => l.activity !== undefined)
    const floating = first.events.filter((e) => e.type === "OrgRegistered" && e.kind === "floating-branch")
    assert.deepStrictEqual(new Set(lives.map((l) => l.eventId)), new Set(floating.map((e) => e.eventId)))
    for (const life of lives) {
      assert.strictEqual(life.type, "OrgRegistered")
      assert.include(["regular", "lapsing", "dormant"], life.activity)
      assert.include(["regular", "lapsing"], life.guidance)
    }
    const manifest = JSON.parse(readFileSync(join(first.dir, "manifest.json"), "utf8")) as { floatingBranches: Record<string, number> }
    for (const trait of ["regular", "lapsing", "dormant"]) assert.strictEqual(manifest.floatingBranches[trait] ?? 0, lives.filter((l) => l.activity === trait).length, trait)
    assert.isTrue(first.events.some((e) => e.type === "OrgActivityRecorded") && first.events.some((e) => e.type === "GuidanceRecorded") && first.events.some((e) => e.type === "BranchReported"))
  })

  it("writes no mistake with --mistake-rate 0, and every other line as it was", () => {
    const clean = simulate(300, 7, ["--mistake-rate", "0"])
    const labels = JSON.parse(readFileSync(join(clean.dir, "labels.json"), "utf8")) as Array<{ mistake?: string }>
    assert.isFalse(labels.some((l) => l.mistake !== undefined))
    const mistaken = new Set(
      (JSON.parse(readFileSync(join(first.dir, "labels.json"), "utf8")) as Array<{ eventId: string; mistake?: string }>).flatMap((l) => (l.mistake === undefined ? [] : [l.eventId]))
    )
    assert.strictEqual(clean.lines.length, first.lines.length)
    clean.lines.forEach((line, i) => {
      if (!mistaken.has((JSON.parse(line) as { eventId: string }).eventId)) assert.strictEqual(line, first.lines[i])
    })
    assert.include(oneLineError(["simulate", "--mistake-rate", "2", "--out", tempDir("bad")], 2), "--mistake-rate")
  })

  it("regenerates the committed 60-member fixture from its seed", () => {
    const fixture = readFileSync(new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url), "utf8")
    assert.strictEqual(readFileSync(simulate(60, 53).eventsPath, "utf8"), fixture)
  })

  it("is deterministic per seed", () => {
    const again = simulate(300, 7)
    const other = simulate(300, 8)
    assert.deepStrictEqual(again.lines, first.lines)
    assert.notDeepEqual(other.lines, first.lines)
    assert.strictEqual(readFileSync(join(again.dir, "labels.json"), "utf8"), readFileSync(join(first.dir, "labels.json"), "utf8"))
  })

  it("mixes in malformed lines at the line numbers the manifest records", () => {
    const broken = simulate(300, 7, ["--malformed", "5"])
    assert.strictEqual(broken.manifest.malformed.length, 5)
    assert.strictEqual(broken.lines.length, first.lines.length + 5)
    for (const { line } of broken.manifest.malformed) {
      assert.isTrue(Result.isFailure(Event.decodeLine(broken.lines[line - 1] as string)), `line ${line} is malformed`)
    }
    assert.strictEqual(broken.events.length, first.events.length)
  })

  it("writes a gzip-compressed export on request", () => {
    const dir = tempDir("gzip")
    ok(relink(["simulate", "--members", "300", "--seed", "7", "--as-of", AS_OF, "--out", dir, "--gzip", "--quiet"]))
    const text = gunzipSync(readFileSync(join(dir, "events.ndjson.gz"))).toString("utf8")
    assert.deepStrictEqual(text.split("\n").filter((l) => l.length > 0), first.lines)
  })

  it("simulates the varied world on request, every line of the contract, and the manifest names the world", () => {
    assert.strictEqual(first.manifest.shape, "rhythms")
    const varied = simulate(300, 7, ["--shape", "varied"])
    assert.strictEqual(varied.manifest.shape, "varied")
    assert.strictEqual(varied.events.length, varied.lines.length, "every simulated line decodes")
    assert.strictEqual(new Set(varied.events.filter((e) => e.type === "MemberRegistered").map((e) => Event.memberIdOf(e))).size, 300)
    assert.notDeepEqual(varied.lines, first.lines)
  })

  it("rejects an unknown shape with one line", () => {
    assert.include(oneLineError(["simulate", "--shape", "seasonal", "--out", tempDir("shape")], 2), "--shape")
  })

  it("rejects a negative member count with one line", () => {
    const run = relink(["simulate", "--members", "-5", "--out", tempDir("neg")])
    assert.notStrictEqual(run.status, 0)
    assert.strictEqual(run.stderr.trim().split("\n").length, 1)
    assert.include(run.stderr, "--members")
  })
})
