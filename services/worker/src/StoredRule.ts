/**
 * The match rule kept with the data it produced: the worker stores the rule it proposes with on
 * start, and the read side (`Snapshot`) explains the stored proposals under that rule rather than
 * under the default one. With several workers the last to start wins; they are meant to share one rule.
 */
import { Data, Effect, Schema } from "effect"
import { MatchRule } from "@relink/core"
import { Store } from "@relink/mongo"

/** The same JSON form `RELINK_MATCH_RULE` takes. */
const Json = Schema.fromJsonString(MatchRule.MatchRule)

export class StoredRuleError extends Data.TaggedError("StoredRuleError")<{
  readonly operation: "encode" | "decode"
  readonly reason: string
}> {
  override get message() {
    return `cannot ${this.operation} the match rule stored in meta: ${this.reason}`
  }
}

/** Stores the rule the worker proposes with, replacing the one stored before. */
export const save = (rule: MatchRule.MatchRule): Effect.Effect<void, StoredRuleError | Store.MongoError, Store.Store> =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const json = yield* Schema.encodeEffect(Json)(rule).pipe(
      Effect.mapError((error) => new StoredRuleError({ operation: "encode", reason: error.message }))
    )
    yield* store.storeMatchRule(json)
  })

/** The rule the worker stored; the default rule when no worker has stored one. */
export const load: Effect.Effect<MatchRule.MatchRule, StoredRuleError | Store.MongoError, Store.Store> = Effect.gen(function* () {
  const store = yield* Store.Store
  const json = yield* store.matchRule
  if (json === undefined) return MatchRule.chinese
  return yield* Schema.decodeUnknownEffect(Json)(json).pipe(
    Effect.mapError((error) => new StoredRuleError({ operation: "decode", reason: error.message }))
  )
})
