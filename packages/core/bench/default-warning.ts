/**
 * How the shipped early-warning model (`Policy.defaults.earlyWarning`) is made: the backtest
 * `relink train` runs (`Backtest`), on a simulated history of the rhythms world. The history ends
 * `settleDays` before the simulation does, because the simulation places each life's outcome
 * against its end and its last months hold more losses than any steady history
 * (early-warning.eval.ts says more). The evaluation reports on other simulations: another seed of
 * this world, and the varied world.
 *
 *   pnpm exec node packages/core/bench/default-warning.ts            # fits and prints the backtest
 *   pnpm exec node packages/core/bench/default-warning.ts --write    # and writes src/internal/ShippedWarning.ts
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Result } from "effect"
import * as Backtest from "../src/Backtest.ts"
import * as Event from "../src/Event.ts"
import { DAY } from "../src/Instant.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import * as Steps from "../src/Steps.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Simulation } from "../../simulation/src/index.ts"
import { asOf } from "./common.ts"

export const recipe = {
  members: 50_000,
  seed: 1,
  settleDays: 180,
  /**
   * The fixed gap and the φ detector only: their scores are relative to each member's own rhythm
   * (or none), so they carry to a deployment unlike the simulation. The hazard model also weighs
   * the spread and the length of a member's gaps, and what those mean differs from one deployment
   * to another: fitted on this world and applied to the varied world unrefitted, it warned of a
   * quarter of the members at a precision of 0.017. `relink train` fits it on the deployment's own
   * history, where it belongs.
   */
  kinds: ["fixed-gap", "rhythm"]
} as const

const started = performance.now()
const historyEnd = asOf - recipe.settleDays * DAY
const state = Scan.make({ history: true })
for (const item of Simulation.generate({ members: recipe.members, seed: recipe.seed, asOf })) {
  const decoded = Event.decodeUnknown(item.event)
  if (Result.isSuccess(decoded)) Scan.addAsOf(state, decoded.success, historyEnd)
}
const result = Steps.run(Backtest.runInSteps(state, historyEnd, Policy.defaults, { ...Backtest.defaults, kinds: recipe.kinds }))
if (Result.isFailure(result)) throw new Error(`cannot fit the shipped early warning: ${result.failure.reason}`)
const outcome = result.success
console.log(
  `fitted on ${recipe.members} simulated members (seed ${recipe.seed}, history to ${new Date(historyEnd).toISOString().slice(0, 10)}) in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `${outcome.origins.length} origins, ${outcome.rows} rows, ${outcome.positives} positive; chosen ${outcome.chosen}`
)
for (const c of outcome.candidates) {
  console.log(`  ${c.name === outcome.chosen ? "*" : " "} ${c.name.padEnd(40)} precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}  recall at ≥ ${Backtest.defaults.targetPrecision}: ${c.recallAtTarget.toFixed(3)}`)
}
console.log(JSON.stringify(outcome.model, null, 2))

if (process.argv.includes("--write")) {
  const path = fileURLToPath(new URL("../src/internal/ShippedWarning.ts", import.meta.url))
  writeFileSync(
    path,
    `/**
 * The shipped early-warning model, as \`node packages/core/bench/default-warning.ts --write\` fits it
 * on the simulation (${recipe.members} members, seed ${recipe.seed}). Not edited by hand.
 *
 * @internal
 */
import type * as EarlyWarning from "../EarlyWarning.ts"

export const model: EarlyWarning.Model = ${JSON.stringify(outcome.model, null, 2)}
`
  )
  console.log(`wrote ${path}`)
}
