import { assert, describe, it } from "@effect/vitest"
import { vi } from "vitest"
import * as Progress from "../src/Progress.ts"

describe("progress line", () => {
  it("redraws one line in place with events/s and malformed count, and clears it", () => {
    const writes: Array<string> = []
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    })
    try {
      const progress = Progress.make({ unit: "lines", enabled: true })
      progress.update({ label: "events.ndjson", events: 1_234_567, malformed: 3 })
      progress.update({ label: "events.ndjson", events: 1_300_000, malformed: 3 })
      progress.status("evaluating 1,000 members …")
      progress.done()
    } finally {
      spy.mockRestore()
    }
    assert.strictEqual(writes.length, 3, "the second update came within 200 ms and was skipped")
    const first = writes[0] ?? ""
    assert.isTrue(first.startsWith("\r\u001b[2K"), "redrawn in place")
    assert.match(first.slice(5), /^events\.ndjson: 1,234,567 lines · .*\/s · 3 malformed · \d+s$/)
    assert.strictEqual(writes[1], "\r\x1b[2Kevaluating 1,000 members …")
    assert.strictEqual(writes[2], "\r\x1b[2K")
  })

  it("stays quiet when standard error is not a terminal", () => {
    const spy = vi.spyOn(process.stderr, "write")
    try {
      const progress = Progress.make({ unit: "lines", enabled: false })
      progress.update({ label: "x", events: 1 })
      progress.status("x")
      progress.done()
      assert.strictEqual(spy.mock.calls.length, 0)
    } finally {
      spy.mockRestore()
    }
  })

  it("formats rates", () => {
    assert.strictEqual(Progress.rate(2_500_000), "2.50M/s")
    assert.strictEqual(Progress.rate(212_345), "212k/s")
    assert.strictEqual(Progress.rate(12), "12/s")
  })
})
