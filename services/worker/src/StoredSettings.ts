/**
 * What the worker decides with, kept with the data it produced: on start the worker stores its
 * match rule and its policy, and the read side (`Snapshot`) evaluates the stored members and
 * explains the stored proposals under them rather than under the defaults. With several workers
 * the last to start wins; they are meant to share one rule and one policy.
 */
import { Data, Effect, Schema } from "effect"
import { MatchRule, Policy } from "@relink/core"
import type { MongoError } from "@relink/mongo"
import * as Store from "./Store.ts"

export interface Settings {
  readonly rule: MatchRule.MatchRule
  readonly policy: Policy.Policy
}

export class StoredSettingsError extends Data.TaggedError("StoredSettingsError")<{
  readonly setting: Setting
  readonly operation: "encode" | "decode"
  readonly reason: string
}> {
  override get message() {
    return `cannot ${this.operation} the ${this.setting === "matchRule" ? "match rule" : "policy"} stored in meta: ${this.reason}`
  }
}

type Setting = "matchRule" | "policy"

/** Each in the JSON form its variable takes (`RELINK_MATCH_RULE`, `RELINK_POLICY`). */
const MatchRuleJson = Schema.fromJsonString(MatchRule.MatchRule)
const PolicyJson = Schema.fromJsonString(Policy.Policy)

const saveOne = <A>(setting: Setting, json: Schema.Codec<A, string>, value: A) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const encoded = yield* Schema.encodeEffect(json)(value).pipe(
      Effect.mapError((error) => new StoredSettingsError({ setting, operation: "encode", reason: error.message }))
    )
    yield* store.storeSetting(setting, encoded)
  })

const loadOne = <A>(setting: Setting, json: Schema.Codec<A, string>, fallback: A) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const stored = yield* store.setting(setting)
    if (stored === undefined) return fallback
    return yield* Schema.decodeUnknownEffect(json)(stored).pipe(
      Effect.mapError((error) => new StoredSettingsError({ setting, operation: "decode", reason: error.message }))
    )
  })

/** Stores the rule and the policy the worker decides with, replacing those stored before. */
export const save = (settings: Settings): Effect.Effect<void, StoredSettingsError | MongoError.MongoError, Store.Store> =>
  Effect.andThen(saveOne("matchRule", MatchRuleJson, settings.rule), saveOne("policy", PolicyJson, settings.policy))

/** What the worker stored; the default rule and policy where no worker has stored one. */
export const load: Effect.Effect<Settings, StoredSettingsError | MongoError.MongoError, Store.Store> = Effect.all({
  rule: loadOne("matchRule", MatchRuleJson, MatchRule.chinese),
  policy: loadOne("policy", PolicyJson, Policy.defaults)
})
