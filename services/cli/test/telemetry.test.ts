import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
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
    const bodies: Array<{ readonly path: string; readonly body: string }> = []
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        bodies.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") })
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const run = await relinkAsync(["scan", "--events", SAMPLE, "--as-of", "2026-11-27", "--quiet", "--out", `${tempDir("telemetry-out")}/scan.jsonl`], {
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json"
      })
      assert.strictEqual(run.code, 0, run.stderr)
      const spans = bodies
        .filter((b) => b.path === "/v1/traces")
        .flatMap((b) => (JSON.parse(b.body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; attributes: Array<{ key: string; value: { stringValue?: string } }> }> }> }> }).resourceSpans)
        .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
      const scan = spans.find((s) => s.name === "relink scan")
      assert.isDefined(scan)
      assert.strictEqual(scan?.attributes.find((a) => a.key === "relink.command")?.value.stringValue, "scan")
      // The fixture's people never leave in telemetry: none of its ID numbers or phones is in any body.
      const raw = bodies.map((b) => b.body).join("\n")
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
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
