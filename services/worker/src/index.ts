/**
 * The relink worker: Kafka → core → MongoDB.
 *
 * @module @relink/worker
 */
export * as Engine from "./Engine.ts"
export * as MemberRecord from "./MemberRecord.ts"
export * as Metrics from "./Metrics.ts"
export * as Pipeline from "./Pipeline.ts"
export * as Publisher from "./Publisher.ts"
export * as Sweeper from "./Sweeper.ts"
export * as Telemetry from "./Telemetry.ts"
export * as Worker from "./Worker.ts"
export * as WorkerConfig from "./WorkerConfig.ts"
export * as Publish from "./Publish.ts"
export * as Snapshot from "./Snapshot.ts"
export * as StoredData from "./StoredData.ts"
export * as StoredSettings from "./StoredSettings.ts"
export * as Store from "./Store.ts"
