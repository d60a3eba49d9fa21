/**
 * /healthz (the process is up), /readyz (MongoDB answers and the consumer runs) and /metrics
 * (Prometheus), as an `HttpRouter` on Effect's Node HTTP server.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Data, Effect, Layer } from "effect"
import { HttpMiddleware, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { NetAddress } from "effect/net"
import { createServer } from "node:http"
import { Metrics } from "./Metrics.ts"

/** The port cannot be listened on (another process holds it, or it is not allowed): the worker cannot start. */
export class ListenError extends Data.TaggedError("ListenError")<{ readonly port: number; readonly reason: string }> {
  override get message() {
    return `health and metrics cannot listen on port ${this.port}: ${this.reason}`
  }
}

const plain = (status: number, body: string) => HttpServerResponse.text(body, { status, contentType: "text/plain" })

const readiness = Effect.gen(function* () {
  const metrics = yield* Metrics
  return metrics.ready ? plain(200, "ready\n") : plain(503, "not ready\n")
})

const exposition = Effect.gen(function* () {
  const metrics = yield* Metrics
  return HttpServerResponse.text(yield* metrics.render, { contentType: "text/plain; version=0.0.4" })
}).pipe(
  // A scrape that cannot be rendered says so, rather than hanging until Prometheus times out.
  Effect.catchDefect((defect) => Effect.succeed(plain(500, `metrics unavailable: ${defect instanceof Error ? defect.message : String(defect)}\n`)))
)

// Any method: probes and scrapers differ (GET, HEAD), and nothing here changes state.
const routes = Layer.mergeAll(
  HttpRouter.add("*", "/healthz", plain(200, "ok\n")),
  HttpRouter.add("*", "/readyz", readiness),
  HttpRouter.add("*", "/metrics", exposition),
  HttpRouter.add("*", "*", plain(404, "not found\n"))
)

/** A path answers only as written (the router would forgive `/healthz/`, `//healthz`, `/HEALTHZ`): a misconfigured probe shows as a 404. */
const exactPaths = { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true }

/** The port listened on, which 0 leaves to the system: the log line is how tests and operators learn it. */
const listening = (port: number) =>
  Effect.gen(function* () {
    const { address } = yield* HttpServer.HttpServer
    // An internet address has a port; a Unix socket (never made here) would not.
    const bound = NetAddress.isInetAddress(address) ? address.port : port
    yield* Effect.logInfo("health and metrics listening").pipe(Effect.annotateLogs({ port: bound }))
  })

const server = (port: number) =>
  Layer.effect(
    HttpServer.HttpServer,
    NodeHttpServer.make(createServer, { port, host: "0.0.0.0" }).pipe(
      Effect.mapError((error) => new ListenError({ port, reason: error.cause instanceof Error ? error.cause.message : String(error.cause) }))
    )
  )

/**
 * Serves the three endpoints on `port` (0 picks a free one) of every interface while the layer's
 * scope is open, and logs the port it listens on. Probes and scrapes are neither logged nor traced:
 * they come every few seconds and say nothing about the events.
 */
export const layer = (port: number): Layer.Layer<never, ListenError, Metrics> =>
  Layer.effectDiscard(listening(port)).pipe(
    Layer.provide(HttpRouter.serve(routes, { routerConfig: exactPaths, disableLogger: true, disableListenLog: true })),
    Layer.provide(Layer.succeed(HttpMiddleware.TracerDisabledWhen)(() => true)),
    Layer.provide(server(port))
  )
