/**
 * The shipped early-warning model, as `packages/core/bench/default-warning.ts --write` fits it on
 * the simulation. Do not edit by hand.
 *
 * @internal
 */
import type * as EarlyWarning from "../EarlyWarning.ts"

export const model: EarlyWarning.Model = {
  kind: "rhythm",
  horizonDays: 180,
  minGaps: 4,
  spreadFloor: 0.25,
  suspicion: 1,
  fadeWindow: true,
  calibration: { intercept: -4, slope: 1 }
}
