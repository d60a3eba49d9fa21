/**
 * relink's kafkajs adapter. Moves bytes; decides nothing.
 *
 * @module @relink/kafka
 */
export * as Admin from "./Admin.ts"
export * as Client from "./Client.ts"
export * as Consumer from "./Consumer.ts"
export * as DeadLetter from "./DeadLetter.ts"
export * as GroupProgress from "./GroupProgress.ts"
export * as KafkaConfig from "./KafkaConfig.ts"
export * as KafkaError from "./KafkaError.ts"
export * as Producer from "./Producer.ts"
export * as TraceContext from "./TraceContext.ts"
