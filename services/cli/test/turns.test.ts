import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { Steps } from "@relink/core"
import * as Turns from "../src/Turns.ts"

/** Steps that sum 1..n, each step as long as `micros` of busy work. */
function* summing(n: number, micros = 0): Steps.Steps<number> {
  let sum = 0
  for (let i = 1; i <= n; i++) {
    const until = performance.now() + micros / 1000
    while (performance.now() < until);
    sum += i
    yield
  }
  return sum
}

describe("Turns", () => {
  it.effect("drive gives what running the steps at once gives", () =>
    Effect.gen(function* () {
      for (const n of fc.sample(fc.nat({ max: 5000 }), 30)) assert.strictEqual(yield* Turns.drive(summing(n)), Steps.run(summing(n)))
    })
  )

  it.effect("drive lets timers run while long work goes on: a slice at most between two turns", () =>
    Effect.gen(function* () {
      const ticks: Array<number> = []
      const timer = setInterval(() => ticks.push(performance.now()), 1)
      const started = performance.now()
      // About 600 ms of work in steps of 0.2 ms.
      yield* Turns.drive(summing(3000, 200))
      const ended = performance.now()
      clearInterval(timer)
      const instants = [started, ...ticks.filter((t) => t < ended), ended]
      const longest = Math.max(...instants.slice(1).map((t, i) => t - (instants[i] as number)))
      assert.isAtLeast(ticks.length, 5)
      // A slice, the step that ends it and the timer's own turn; generous for a busy machine.
      assert.isBelow(longest, Turns.SLICE_MS * 4)
    })
  )
})
