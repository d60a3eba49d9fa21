import { describe, expect, it } from "vitest"
import * as fc from "fast-check"
import { Tracer } from "effect"
import * as TraceContext from "../src/TraceContext.ts"

const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length }).filter((s) => /[1-9a-f]/.test(s))

describe("TraceContext", () => {
  it("reads back the span a traceparent was written from", () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const written = TraceContext.traceparent(Tracer.externalSpan({ traceId, spanId, sampled }))
        expect(written).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
        const read = TraceContext.parse(written)
        expect(read && { traceId: read.traceId, spanId: read.spanId, sampled: read.sampled }).toEqual({ traceId, spanId, sampled })
      })
    )
  })

  it("names no span for a header of another format, the version ff, or ids of zeros", () => {
    const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    const span = "00f067aa0ba902b7"
    expect(TraceContext.parse(`00-${trace}-${span}-01`)?.spanId).toBe(span)
    for (const bad of [
      "",
      "garbage",
      `00-${trace.toUpperCase()}-${span}-01`,
      `00-${trace}-${span}`,
      `00-${trace}-${span}-01-extra`,
      `ff-${trace}-${span}-01`,
      `00-${"0".repeat(32)}-${span}-01`,
      `00-${trace}-${"0".repeat(16)}-01`,
      `00-${trace.slice(1)}-${span}-01`
    ]) {
      expect(TraceContext.parse(bad), bad).toBeUndefined()
    }
    // A later version may carry more fields after the four it shares with version 00.
    expect(TraceContext.parse(`01-${trace}-${span}-01-more`)?.traceId).toBe(trace)
  })

  it("finds the header in a message's headers, as a string, bytes, or the first of two", () => {
    const value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    expect(TraceContext.fromHeaders({ traceparent: value })?.spanId).toBe("00f067aa0ba902b7")
    expect(TraceContext.fromHeaders({ traceparent: Buffer.from(value) })?.spanId).toBe("00f067aa0ba902b7")
    expect(TraceContext.fromHeaders({ traceparent: [Buffer.from(value), "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01"] })?.spanId).toBe("00f067aa0ba902b7")
    expect(TraceContext.fromHeaders({})).toBeUndefined()
    expect(TraceContext.fromHeaders({ "relink-output-id": "x" })).toBeUndefined()
  })
})
