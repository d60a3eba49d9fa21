/**
 * Kafka settings, read from `Config` at the edge (environment variables by default):
 * `KAFKA_BROKERS` (comma-separated host:port), `KAFKA_CLIENT_ID`, `KAFKA_GROUP_ID`,
 * `RELINK_TOPIC`, `RELINK_FLAGS_TOPIC`, `KAFKA_SSL`, and SASL through `KAFKA_SASL_MECHANISM`,
 * `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD` (redacted).
 */
import { Config, Option, Redacted } from "effect"

export interface Sasl {
  readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512"
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

export interface KafkaConfig {
  readonly brokers: ReadonlyArray<string>
  readonly clientId: string
  readonly groupId: string
  /** The input topic; dead letters go to `<topic>.DLT`. */
  readonly topic: string
  /** Where status changes, proposals and relinks are published. */
  readonly flagsTopic: string
  readonly ssl: boolean
  readonly sasl?: Sasl
}

export const deadLetterTopic = (topic: string): string => `${topic}.DLT`

const brokers = Config.String("KAFKA_BROKERS").pipe(
  Config.map((list) => list.split(",").map((b) => b.trim()).filter((b) => b.length > 0))
)

const sasl = Config.all({
  mechanism: Config.Literals(["plain", "scram-sha-256", "scram-sha-512"], "KAFKA_SASL_MECHANISM"),
  username: Config.String("KAFKA_SASL_USERNAME"),
  password: Config.Redacted("KAFKA_SASL_PASSWORD")
}).pipe(Config.option)

export const config: Config.Config<KafkaConfig> = Config.all({
  brokers,
  clientId: Config.String("KAFKA_CLIENT_ID").pipe(Config.withDefault("relink")),
  groupId: Config.String("KAFKA_GROUP_ID").pipe(Config.withDefault("relink-worker")),
  topic: Config.String("RELINK_TOPIC").pipe(Config.withDefault("relink.events")),
  flagsTopic: Config.String("RELINK_FLAGS_TOPIC").pipe(Config.withDefault("relink.flags")),
  ssl: Config.Boolean("KAFKA_SSL").pipe(Config.withDefault(false)),
  sasl
}).pipe(
  Config.map(({ sasl, ...rest }): KafkaConfig => (Option.isSome(sasl) ? { ...rest, sasl: sasl.value } : rest))
)
