/**
 * The kafkajs client, configured from `KafkaConfig`. kafkajs logs go through Effect's logger at
 * warning level and above; its own console logging is off.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type LogEntry, type SASLOptions } from "kafkajs"
import * as KafkaConfig from "./KafkaConfig.ts"

export class Client extends Context.Service<Client, { readonly kafka: Kafka; readonly config: KafkaConfig.KafkaConfig }>()(
  "@relink/kafka/Client"
) {}

const logCreator = (runFork: (effect: Effect.Effect<void>) => void) => () => (entry: LogEntry) => {
  const { message, ...rest } = entry.log
  const annotations = { namespace: entry.namespace, ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== "timestamp" && k !== "logger")) }
  const log = entry.level <= logLevel.ERROR ? Effect.logError(message) : Effect.logWarning(message)
  runFork(log.pipe(Effect.annotateLogs({ component: "kafkajs", ...annotations })))
}

const saslOptions = (sasl: KafkaConfig.Sasl): SASLOptions => {
  const credentials = { username: sasl.username, password: Redacted.value(sasl.password) }
  switch (sasl.mechanism) {
    case "plain":
      return { mechanism: "plain", ...credentials }
    case "scram-sha-256":
      return { mechanism: "scram-sha-256", ...credentials }
    case "scram-sha-512":
      return { mechanism: "scram-sha-512", ...credentials }
  }
}

export const make = (config: KafkaConfig.KafkaConfig) =>
  Effect.gen(function* () {
    const context = yield* Effect.context<never>()
    const runFork = (effect: Effect.Effect<void>) => void Effect.runForkWith(context)(effect)
    const settings: KafkaJsConfig = {
      clientId: config.clientId,
      brokers: [...config.brokers],
      ssl: config.ssl,
      logLevel: logLevel.WARN,
      logCreator: logCreator(runFork),
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 }
    }
    const sasl = config.sasl
    const kafka = new Kafka(sasl === undefined ? settings : { ...settings, sasl: saslOptions(sasl) })
    return { kafka, config }
  })

export const layer = (config: KafkaConfig.KafkaConfig) => Layer.effect(Client, make(config))
export const layerConfig = Layer.effect(Client, Effect.flatMap(KafkaConfig.config, make))
