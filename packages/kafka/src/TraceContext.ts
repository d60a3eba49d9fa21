/**
 * W3C trace context on Kafka messages: the `traceparent` header a producer's span gives the
 * messages it sends, and the span a consumer reads back from it, to link what it does with a
 * message to the span that produced it.
 */
import { Tracer } from "effect"
import type { IHeaders } from "kafkajs"

/** The header's name. */
export const header = "traceparent"

/** `00-<trace id>-<span id>-<flags>`: the W3C `traceparent` of a span. */
export const traceparent = (span: Tracer.AnySpan): string => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/

/**
 * The span a `traceparent` names, or `undefined` when it names none: not of the W3C format, the
 * version `ff`, or an id of zeros (which the specification makes invalid). A later version may
 * append fields, which are ignored.
 */
export const parse = (value: string): Tracer.ExternalSpan | undefined => {
  const parts = TRACEPARENT.exec(value.trim())
  if (parts === null) return undefined
  const [, version, traceId, spanId, flags] = parts as unknown as readonly [string, string, string, string, string]
  if (version === "ff" || (version === "00" && value.trim().length !== 55)) return undefined
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined
  return Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 })
}

/** The span a message's `traceparent` header names (the first, when it came twice), if any. */
export const fromHeaders = (headers: IHeaders): Tracer.ExternalSpan | undefined => {
  const value = headers[header]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : parse(first.toString())
}
