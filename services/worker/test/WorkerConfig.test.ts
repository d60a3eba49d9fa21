/** The worker's rule (`RELINK_MATCH_RULE`, and the rule it stored) passes the core's checks, as `relink --rule` does. */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Result } from "effect"
import { MatchRule } from "@relink/core"
import * as Store from "../src/Store.ts"
import * as StoredSettings from "../src/StoredSettings.ts"
import * as WorkerConfig from "../src/WorkerConfig.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

const degenerate = { ...MatchRule.chinese, prior: 1 }
const coreReason = (() => {
  const decoded = MatchRule.decode(degenerate)
  return Result.isFailure(decoded) ? decoded.failure.reason : "accepted"
})()

describe("the worker's match rule", () => {
  it("refuses a RELINK_MATCH_RULE the core finds unusable, with the core's reason", () => {
    const read = (rule: unknown) =>
      Effect.runSync(
        Effect.result(Effect.gen(function* () {
          return yield* WorkerConfig.config
        }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { RELINK_MATCH_RULE: JSON.stringify(rule) } }))))
      )
    const refused = read(degenerate)
    assert.strictEqual(coreReason, "prior is 1: every pair would be a match")
    assert.isTrue(Result.isFailure(refused))
    if (Result.isFailure(refused)) assert.include(String(refused.failure), coreReason)
    const accepted = read(MatchRule.chinese)
    assert.isTrue(Result.isSuccess(accepted) && accepted.success.rule.prior === MatchRule.chinese.prior)
  })

  it("refuses a stored rule the core finds unusable", () => {
    const server = MemoryStore.server()
    server.settings.set("matchRule", JSON.stringify(degenerate))
    const error = Effect.runSync(Effect.flip(StoredSettings.load.pipe(Effect.provideService(Store.Store, MemoryStore.make(server, MemoryStore.direct, () => 0)))))
    assert.strictEqual(error._tag, "StoredSettingsError")
    assert.include(error.message, coreReason)
  })
})
