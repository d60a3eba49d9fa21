import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Heap from "../src/Heap.ts"

/** An object only a weak reference points to, made in an earlier job so the reference may be cleared. */
const unreachable = async (): Promise<WeakRef<object>> => {
  const ref = new WeakRef({ payload: new Array(100_000).fill(0) })
  await new Promise((resolve) => setImmediate(resolve))
  return ref
}

describe("the heap", () => {
  it.effect("collects an unreachable object when asked, with no --expose-gc on the command line", () =>
    Effect.gen(function* () {
      const ref = yield* Effect.promise(unreachable)
      Heap.collectNow()
      assert.isUndefined(ref.deref())
    })
  )
})
