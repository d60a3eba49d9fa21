/**
 * An OTLP/HTTP receiver in the test process: keeps every body posted to it, by path, and reads
 * the spans out of the JSON ones (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface Received {
  readonly path: string
  readonly body: string
}

export interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string; readonly intValue?: number | string } }>
}

export const start = async () => {
  const bodies: Array<Received> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      bodies.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") })
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    bodies,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** The spans of every trace export received. */
export const spansOf = (bodies: ReadonlyArray<Received>): ReadonlyArray<Span> =>
  bodies
    .filter((b) => b.path === "/v1/traces")
    .flatMap((b) => (JSON.parse(b.body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Span> }> }> }).resourceSpans)
    .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))

/** A span attribute's value: a string, or a number for an integer attribute. */
export const attribute = (span: Span, key: string): string | number | undefined => {
  const value = span.attributes.find((a) => a.key === key)?.value
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue))
}
