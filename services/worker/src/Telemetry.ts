/**
 * Traces and metrics for an OpenTelemetry collector, when one is configured the standard way
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the per-signal `…_TRACES_…` / `…_METRICS_…` variables,
 * `OTEL_SDK_DISABLED`, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_METRIC_EXPORT_INTERVAL`…), by Effect's own
 * OTLP exporters. Nothing is sent, and nothing costs, when no endpoint is set. The wire format
 * follows `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (the OpenTelemetry default) or `http/json`.
 * `OTEL_TRACES_EXPORTER` and `OTEL_METRICS_EXPORTER` default to `otlp`, as the specification says
 * (Effect's exporters want them set); `none` turns a signal off.
 */

const specificationDefaults = ConfigProvider.fromEnv({ env: { OTEL_TRACES_EXPORTER: "otlp", OTEL_METRICS_EXPORTER: "otlp" } })
import { Config, ConfigProvider, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpMetrics, OtlpSerialization, OtlpTracer } from "effect/observability"

export const layer = (serviceName: string) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const protocol = yield* Config.Literals(["http/protobuf", "http/json"], "OTEL_EXPORTER_OTLP_PROTOCOL").pipe(Config.withDefault("http/protobuf"))
      const resource = { serviceName }
      const configured = ConfigProvider.orElse(yield* ConfigProvider.ConfigProvider, specificationDefaults)
      return Layer.mergeAll(OtlpTracer.layerFromConfig({ resource }), OtlpMetrics.layerFromConfig({ resource })).pipe(
        Layer.provide(protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeed(ConfigProvider.ConfigProvider, configured))
      )
    })
  )
