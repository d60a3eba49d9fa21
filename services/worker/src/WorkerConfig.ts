/**
 * Worker settings from `Config` (environment variables by default). Kafka and MongoDB settings
 * live with their adapters; these are the worker's own.
 */
import { Config, Option, Schema } from "effect"
import { MatchRule, Policy } from "@relink/core"
import * as Engine from "./Engine.ts"

export interface WorkerConfig {
  /** Port of /healthz, /readyz and /metrics; 0 picks a free one. */
  readonly httpPort: number
  /** How often the sweeper looks for members whose status may have changed with time. */
  readonly sweepIntervalMs: number
  /** Partitions of the topics the worker creates when they are missing. */
  readonly partitions: number
  /** Largest batch fetched from one partition, in bytes (one member's events in a batch cost one write). */
  readonly batchBytes: number
  /**
   * How long the group waits for a silent worker before giving its partitions to the others: a
   * crashed worker's partitions stall this long.
   */
  readonly sessionTimeoutMs: number
  /** Read the input topic from the beginning when the group has no committed offset. */
  readonly fromBeginning: boolean
  readonly policy: Policy.Policy
  readonly rule: MatchRule.MatchRule
  /** Evaluate as of this instant instead of the wall clock (replays, tests). */
  readonly fixedNow: number | undefined
  /** How long published outputs stay in the outbox after they were staged. */
  readonly outboxRetentionMs: number
  /** How often the group's lag is read from the admin API (`relink_consumer_lag`). */
  readonly lagIntervalMs: number
}

/** The rule's early-warning model, when `relink train` wrote one into it, replaces the policy's. */
export const config: Config.Config<WorkerConfig> = Config.all({
  httpPort: Config.Int("RELINK_HTTP_PORT").pipe(Config.withDefault(9464)),
  sweepIntervalMs: Config.Int("RELINK_SWEEP_INTERVAL_MS").pipe(Config.withDefault(60_000)),
  partitions: Config.Int("RELINK_PARTITIONS").pipe(Config.withDefault(6)),
  batchBytes: Config.Int("RELINK_BATCH_BYTES").pipe(Config.withDefault(4 * 1024 * 1024)),
  sessionTimeoutMs: Config.Int("RELINK_SESSION_TIMEOUT_MS").pipe(Config.withDefault(30_000)),
  fromBeginning: Config.Boolean("RELINK_FROM_BEGINNING").pipe(Config.withDefault(true)),
  policy: Config.schema(Schema.fromJsonString(Policy.Policy), "RELINK_POLICY").pipe(Config.withDefault(Policy.defaults)),
  rule: Config.schema(Schema.fromJsonString(MatchRule.MatchRule), "RELINK_MATCH_RULE").pipe(Config.withDefault(MatchRule.chinese)),
  outboxRetentionMs: Config.Int("RELINK_OUTBOX_RETENTION_MS").pipe(Config.withDefault(Engine.defaultOutboxRetentionMs)),
  lagIntervalMs: Config.Int("RELINK_LAG_INTERVAL_MS").pipe(Config.withDefault(5_000)),
  fixedNow: Config.Date("RELINK_NOW").pipe(
    Config.option,
    Config.map((date) => (Option.isSome(date) ? date.value.getTime() : undefined))
  )
}).pipe(Config.map((config) => ({ ...config, policy: Policy.withModel(config.policy, config.rule.earlyWarning) })))
