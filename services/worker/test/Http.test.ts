/**
 * The worker's /healthz, /readyz and /metrics, served on a free port over a `Metrics` the test
 * controls, and asked over real HTTP.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Logger, Schedule, Scope } from "effect"
import { createServer, type Server } from "node:net"
import * as Http from "../src/Http.ts"
import { Metrics, type MetricsShape } from "../src/Metrics.ts"
import { recorder } from "./support/SpanRecorder.ts"

type Logged = ReturnType<typeof Logger.formatStructured.log>

const metricsOf = (render: MetricsShape["render"]): MetricsShape => ({ ready: false, render })

const exposition = "# HELP relink_events_total Events.\n# TYPE relink_events_total counter\nrelink_events_total 3\n"

/** Serves `metrics` until the enclosing scope closes; the port is the one the startup log line names. */
const serving = (metrics: MetricsShape, port = 0) =>
  Effect.gen(function* () {
    const logged: Array<Logged> = []
    yield* Layer.build(
      Http.layer(port).pipe(
        Layer.provide(Layer.succeed(Metrics)(metrics)),
        Layer.provide(Logger.layer([Logger.map(Logger.formatStructured, (entry) => void logged.push(entry))]))
      )
    )
    const listening = logged.find((entry) => entry.message === "health and metrics listening")
    const bound = listening?.annotations["port"]
    assert.isNumber(bound, `the startup log line names the port: ${JSON.stringify(logged)}`)
    return { port: Number(bound), logged }
  })

const request = (port: number, path: string, method = "GET") =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method })
    return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() }
  })

describe("the worker's HTTP endpoints", () => {
  it.live("/healthz answers 200 ok while the process is up, for GET and HEAD, whatever the query", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { port } = yield* serving(metricsOf(Effect.succeed(exposition)))
        assert.deepStrictEqual(yield* request(port, "/healthz"), { status: 200, contentType: "text/plain", body: "ok\n" })
        assert.deepStrictEqual(yield* request(port, "/healthz?probe=kubelet"), { status: 200, contentType: "text/plain", body: "ok\n" })
        assert.deepStrictEqual(yield* request(port, "/healthz", "HEAD"), { status: 200, contentType: "text/plain", body: "" })
      })
    )
  )

  it.live("/readyz answers 503 until the worker consumes, then 200", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const metrics = metricsOf(Effect.succeed(exposition))
        const { port } = yield* serving(metrics)
        assert.deepStrictEqual(yield* request(port, "/readyz"), { status: 503, contentType: "text/plain", body: "not ready\n" })
        metrics.ready = true
        assert.deepStrictEqual(yield* request(port, "/readyz"), { status: 200, contentType: "text/plain", body: "ready\n" })
      })
    )
  )

  it.live("/metrics answers the rendered exposition as Prometheus text format 0.0.4, rendered afresh for each scrape", () =>
    Effect.scoped(
      Effect.gen(function* () {
        let scrapes = 0
        const { port } = yield* serving(metricsOf(Effect.sync(() => `${exposition}relink_scrapes ${++scrapes}\n`)))
        assert.deepStrictEqual(yield* request(port, "/metrics"), { status: 200, contentType: "text/plain; version=0.0.4", body: `${exposition}relink_scrapes 1\n` })
        assert.deepStrictEqual(yield* request(port, "/metrics"), { status: 200, contentType: "text/plain; version=0.0.4", body: `${exposition}relink_scrapes 2\n` })
      })
    )
  )

  it.live("a scrape that cannot be rendered answers 500 with the reason, and the next one is served", () =>
    Effect.scoped(
      Effect.gen(function* () {
        let scrapes = 0
        const render = Effect.suspend(() => (++scrapes === 1 ? Effect.die(new Error("the runtime collector broke")) : Effect.succeed(exposition)))
        const { port } = yield* serving(metricsOf(render))
        assert.deepStrictEqual(yield* request(port, "/metrics"), { status: 500, contentType: "text/plain", body: "metrics unavailable: the runtime collector broke\n" })
        assert.deepStrictEqual(yield* request(port, "/metrics"), { status: 200, contentType: "text/plain; version=0.0.4", body: exposition })
      })
    )
  )

  it.live("any other path answers 404 not found", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { port } = yield* serving(metricsOf(Effect.succeed(exposition)))
        for (const path of ["/", "/health", "/healthz/", "//healthz", "/HEALTHZ", "/metrics/extra", "/favicon.ico"]) {
          assert.deepStrictEqual(yield* request(port, path), { status: 404, contentType: "text/plain", body: "not found\n" }, path)
        }
      })
    )
  )

  it.live("probes and scrapes are neither traced nor logged", () =>
    Effect.gen(function* () {
      const { spans, tracer } = recorder()
      const logged = yield* Effect.scoped(
        Effect.gen(function* () {
          const { port, logged } = yield* serving(metricsOf(Effect.succeed(exposition)))
          for (const path of ["/healthz", "/readyz", "/metrics", "/elsewhere"]) yield* request(port, path)
          return logged
        }).pipe(Effect.withTracer(tracer))
      )
      assert.deepStrictEqual(spans.map((s) => s.name), [])
      assert.deepStrictEqual(logged.map((entry) => entry.message), ["health and metrics listening"])
    })
  )

  it.live("stops listening when its scope closes", () =>
    Effect.gen(function* () {
      const port = yield* Effect.scoped(
        Effect.gen(function* () {
          const { port } = yield* serving(metricsOf(Effect.succeed(exposition)))
          assert.strictEqual((yield* request(port, "/healthz")).status, 200)
          return port
        })
      )
      const after = yield* Effect.exit(Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/healthz`)))
      assert.isTrue(Exit.isFailure(after), "the port refuses connections")
    })
  )

  it.live("a scrape in flight when the server stops is answered before it closes", () =>
    Effect.gen(function* () {
      const rendering = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const render = Deferred.succeed(rendering, undefined).pipe(Effect.andThen(Deferred.await(release)), Effect.as(exposition))
      const scope = yield* Scope.make()
      const { port } = yield* serving(metricsOf(render)).pipe(Scope.provide(scope))
      const scrape = yield* Effect.forkChild(request(port, "/metrics"))
      yield* Deferred.await(rendering)
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      // Stopped: new connections are refused while the scrape is still being rendered.
      yield* Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/healthz`)).pipe(Effect.flip, Effect.retry(Schedule.spaced("10 millis")))
      assert.isUndefined(closing.pollUnsafe(), "closing waits for the scrape")
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(scrape), { status: 200, contentType: "text/plain; version=0.0.4", body: exposition })
      yield* Fiber.join(closing)
    })
  )

  it.live("fails to start, naming the reason, on a port another process holds", () =>
    Effect.gen(function* () {
      const holder = yield* Effect.acquireRelease(
        Effect.callback<Server>((resume) => {
          const server = createServer()
          server.listen(0, "0.0.0.0", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const address = holder.address()
      const held = typeof address === "object" && address !== null ? address.port : Number.NaN
      const error = yield* Effect.flip(Effect.scoped(serving(metricsOf(Effect.succeed(exposition)), held)))
      assert.strictEqual(error._tag, "ListenError")
      assert.match(error.message, new RegExp(`^health and metrics cannot listen on port ${held}: .*EADDRINUSE`))
    }).pipe(Effect.scoped)
  )
})
