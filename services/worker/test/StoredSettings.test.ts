import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MatchRule, Policy } from "@relink/core"
import * as Store from "../src/Store.ts"
import * as StoredSettings from "../src/StoredSettings.ts"
import * as MemoryStore from "./support/MemoryStore.ts"

/** The in-memory store, holding `initial` as the stored settings (JSON by id). */
const settingsStore = (initial: Readonly<Record<string, string>> = {}) => {
  const server = MemoryStore.server()
  for (const [id, json] of Object.entries(initial)) server.settings.set(id, json)
  const store = MemoryStore.make(server, MemoryStore.direct, () => 0)
  return { provide: Effect.provideService(Store.Store, store), stored: (id: string) => server.settings.get(id) }
}

const tuned: StoredSettings.Settings = {
  rule: {
    ...MatchRule.chinese,
    reviewProbability: 0.9,
    comparisons: MatchRule.chinese.comparisons.map((c) => (c.name === "name" ? { ...c, label: { zh: "名字", en: "given name" } } : c))
  },
  policy: { ...Policy.defaults, escalationAfterMonths: Policy.defaults.escalationAfterMonths + 3 }
}

describe("StoredSettings", () => {
  it("reads back the rule and the policy the worker stored", () => {
    const store = settingsStore()
    const read = Effect.runSync(StoredSettings.save(tuned).pipe(Effect.andThen(StoredSettings.load), store.provide))
    assert.deepStrictEqual(read, tuned)
  })

  it("stores them as the JSON RELINK_MATCH_RULE and RELINK_POLICY take", () => {
    const store = settingsStore()
    Effect.runSync(StoredSettings.save(tuned).pipe(store.provide))
    const rule = store.stored("matchRule")
    const policy = store.stored("policy")
    assert.isDefined(rule)
    assert.isDefined(policy)
    assert.deepStrictEqual(MatchRule.decode(JSON.parse(rule)), MatchRule.decode(tuned.rule))
    assert.deepStrictEqual(JSON.parse(policy), tuned.policy)
  })

  it("is the default rule and policy while no worker has stored them", () => {
    assert.deepStrictEqual(Effect.runSync(StoredSettings.load.pipe(settingsStore().provide)), { rule: MatchRule.chinese, policy: Policy.defaults })
  })

  it("fails with a StoredSettingsError naming the setting when what is stored is no JSON or not of its kind", () => {
    const cases = [["matchRule", "match rule", '{"prior":2}'], ["policy", "policy", '{"escalationAfterMonths":"six"}']] as const
    for (const [id, name, wrongKind] of cases) {
      for (const stored of ["not json", wrongKind]) {
        const error = Effect.runSync(Effect.flip(StoredSettings.load.pipe(settingsStore({ [id]: stored }).provide)))
        assert.strictEqual(error._tag, "StoredSettingsError")
        assert.match(error.message, new RegExp(`^cannot decode the ${name} stored in meta: `))
      }
    }
  })
})
