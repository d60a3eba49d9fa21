import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MatchRule } from "@relink/core"
import { Store } from "@relink/mongo"
import * as StoredRule from "../src/StoredRule.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

/** The in-memory store, holding `initial` as the stored rule. */
const ruleStore = (initial: string | undefined) => {
  const server = MemoryStore.server()
  server.matchRule = initial
  const store = MemoryStore.make(server, MemoryStore.direct, () => 0)
  return { provide: Effect.provideService(Store.Store, store), stored: () => server.matchRule }
}

const tuned: MatchRule.MatchRule = {
  ...MatchRule.chinese,
  reviewWeight: 12,
  comparisons: MatchRule.chinese.comparisons.map((c) => (c.name === "name" ? { ...c, label: { zh: "名字", en: "given name" } } : c))
}

describe("StoredRule", () => {
  it("reads back the rule the worker stored", () => {
    const store = ruleStore(undefined)
    const read = Effect.runSync(StoredRule.save(tuned).pipe(Effect.andThen(StoredRule.load), store.provide))
    assert.deepStrictEqual(read, tuned)
  })

  it("stores the rule as the JSON RELINK_MATCH_RULE takes", () => {
    const store = ruleStore(undefined)
    Effect.runSync(StoredRule.save(tuned).pipe(store.provide))
    const stored = store.stored()
    assert.isDefined(stored)
    assert.deepStrictEqual(MatchRule.decode(JSON.parse(stored)), MatchRule.decode(tuned))
  })

  it("is the default rule while no worker has stored one", () => {
    assert.deepStrictEqual(Effect.runSync(StoredRule.load.pipe(ruleStore(undefined).provide)), MatchRule.chinese)
  })

  it("fails with a StoredRuleError when the stored rule is no JSON or no rule", () => {
    for (const stored of ["not json", '{"prior":2}']) {
      const error = Effect.runSync(Effect.flip(StoredRule.load.pipe(ruleStore(stored).provide)))
      assert.strictEqual(error._tag, "StoredRuleError")
      assert.match(error.message, /^cannot decode the match rule stored in meta: /)
    }
  })
})
