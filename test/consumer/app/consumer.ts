// A strict TypeScript application using every library's public types.
import { Event, MatchRule, Policy, Report, Scan, Status } from "@relink/core"
import { KafkaConfig, KafkaError } from "@relink/kafka"
import { Mongo } from "@relink/mongo"
import { Store, Worker } from "@relink/worker"
import { Effect, Result } from "effect"

export const scan = (lines: ReadonlyArray<string>, asOf: number): Scan.Result => {
  const events: Array<Event.Event> = lines.map(Event.decodeLine).filter(Result.isSuccess).map((r) => r.success)
  return Scan.run(events, { asOf, policy: Policy.defaults, rule: MatchRule.chinese })
}

export const unlinkedCount = (result: Scan.Result): number =>
  result.evaluations.filter((evaluation: Status.Evaluation) => Status.unlinked.has(evaluation.status)).length

export const rows = (result: Scan.Result, orgId: string): ReadonlyArray<Report.Row> =>
  Report.unlinked(Report.fromScan(result), { orgId, includeSubtree: true, lang: "en", reveal: false }).rows

export const deadLetters: string = KafkaConfig.deadLetterTopic("relink.events")
export const describe = (error: KafkaError.KafkaError): Effect.Effect<void> => Effect.logWarning(error.message)
export type Settings = Worker.Settings
export type Stored = Store.MemberDoc
export const mongoSettings = Mongo.config
