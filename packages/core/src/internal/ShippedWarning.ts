/**
 * The shipped early-warning model, as `node packages/core/bench/default-warning.ts --write` fits it
 * on the simulation (50000 members, seed 1). Not edited by hand.
 *
 * @internal
 */
import type * as EarlyWarning from "../EarlyWarning.ts"

export const model: EarlyWarning.Model = {
  "kind": "hazard",
  "horizonDays": 180,
  "minGaps": 4,
  "spreadFloor": 0.25,
  "intercept": -7.780709253729623,
  "weights": {
    "lnSilence": 0,
    "lnSilenceNoRhythm": 0.3008824365822061,
    "silenceZ": 0,
    "windowZ": 0.4159889912857995,
    "lnGapDays": 0.36320984927651007,
    "spread": 7.983152359347238,
    "noRhythm": 3.186117431356236,
    "floating": -5.826255163763196,
    "inTransit": -4.441658285336498
  },
  "threshold": 0.08978388162247425,
  "fitted": {
    "origins": 13,
    "rows": 251635,
    "positives": 2761,
    "targetPrecision": 0.3,
    "precision": 0.36619718309859156,
    "recall": 0.018833755885548715,
    "medianLeadDays": 42.87153935185185,
    "fixedGap": {
      "days": 0,
      "precision": 0,
      "recall": 0
    }
  }
}
