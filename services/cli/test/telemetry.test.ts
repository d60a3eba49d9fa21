import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Otlp from "../../../test/support/OtlpReceiver.ts"
import { bin, tempDir } from "./helpers.ts"

const SAMPLE = new URL("../../../test/fixtures/events-60-members.ndjson", import.meta.url).pathname

/** Runs relink with `env` added, without blocking this process (the receiver below answers meanwhile). */
const relinkAsync = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  new Promise<{ readonly code: number | null; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: tempDir("telemetry"), env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.once("exit", (code) => resolve({ code, stderr }))
  })

describe("relink's traces", () => {
  it("sends one span per command to the OTLP endpoint when OTEL_EXPORTER_OTLP_ENDPOINT is set", async () => {
    const collector = await Otlp.start()
    try {
      const run = await relinkAsync(["scan", "--events", SAMPLE, "--as-of", "2026-11-27", "--quiet", "--out", `${tempDir("telemetry-out")}/scan.jsonl`], {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json"
      })
      assert.strictEqual(run.code, 0, run.stderr)
      const spans = Otlp.spansOf(collector.bodies)
      const scan = spans.find((s) => s.name === "relink scan")
      assert.isDefined(scan)
      assert.strictEqual(scan === undefined ? undefined : Otlp.attribute(scan, "relink.command"), "scan")
      // The fixture's people never leave in telemetry: none of its ID numbers or phones is in any body.
      const raw = collector.bodies.map((b) => b.body).join("\n")
      const personal = readFileSync(SAMPLE, "utf8")
        .split("\n")
        .filter((l) => l.length > 0)
        .flatMap((l) => {
          const event = JSON.parse(l) as { idNumber?: string; phone?: string }
          return [event.idNumber, event.phone].filter((v): v is string => v !== undefined)
        })
      assert.isAbove(personal.length, 50)
      assert.deepStrictEqual(personal.filter((p) => raw.includes(p)), [])
    } finally {
      await collector.close()
    }
  })
})
