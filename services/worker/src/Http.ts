/** /healthz (the process is up), /readyz (MongoDB answers and the consumer runs) and /metrics (Prometheus). */
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import { Metrics } from "./Metrics.ts"

export const serve = (port: number) =>
  Effect.gen(function* () {
    const metrics = yield* Metrics
    const run = Effect.runPromiseWith(yield* Effect.context<never>())
    const server = yield* Effect.acquireRelease(
      Effect.callback<Server, Error>((resume) => {
        const s = createServer((request, response) => {
          const path = (request.url ?? "/").split("?")[0]
          if (path === "/healthz") response.writeHead(200, { "content-type": "text/plain" }).end("ok\n")
          else if (path === "/readyz") {
            const ready = metrics.ready
            response.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n")
          } else if (path === "/metrics") {
            void run(metrics.render).then(
              (text) => response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(text),
              // A scrape that cannot be rendered says so, rather than hanging until Prometheus times out.
              (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`)
            )
          }
          else response.writeHead(404, { "content-type": "text/plain" }).end("not found\n")
        })
        s.once("error", (error) => resume(Effect.fail(error)))
        s.listen(port, "0.0.0.0", () => resume(Effect.succeed(s)))
      }),
      (s) => Effect.callback<void>((resume) => void s.close(() => resume(Effect.void)))
    )
    // A TCP listener has an address object; a pipe (never made here) would have a string.
    const address = server.address()
    const bound = typeof address === "object" && address !== null ? address.port : port
    yield* Effect.logInfo("health and metrics listening").pipe(Effect.annotateLogs({ port: bound }))
    return bound
  })
