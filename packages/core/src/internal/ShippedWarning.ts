/**
 * The shipped early-warning model, as `node packages/core/bench/default-warning.ts --write` fits it
 * on the simulation (50000 members, seed 1). Not edited by hand.
 *
 * @internal
 */
import type * as EarlyWarning from "../EarlyWarning.ts"

export const model: EarlyWarning.Model = {
  "kind": "rhythm",
  "horizonDays": 180,
  "minGaps": 4,
  "spreadFloor": 0.5,
  "suspicion": 0.9244972858327103,
  "fadeWindow": true,
  "calibration": {
    "intercept": -4.9540753342276505,
    "slope": 2.067212099440817
  },
  "fitted": {
    "origins": 13,
    "rows": 251635,
    "positives": 2761,
    "targetPrecision": 0.3,
    "precision": 0.24083011583011582,
    "recall": 0.18073161897863094,
    "medianLeadDays": 35.2003587962963,
    "fixedGap": {
      "days": 91,
      "precision": 0.24096385542168675,
      "recall": 0.007243752263672582
    }
  }
}
