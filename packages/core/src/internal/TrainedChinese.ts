/**
 * The numbers of the built-in rule (`MatchRule.chinese`), as training on the simulation gave them.
 * Written by `node packages/core/bench/default-rule.ts --write`; not edited by hand.
 */

export interface Numbers {
  readonly prior: number
  readonly autoLinkProbability: number
  readonly reviewProbability: number
  /** Comparison name → level label → [m, u]. */
  readonly levels: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>>
}

export const chinese: Numbers = {
  prior: 0.1301765185537104,
  autoLinkProbability: 0.99999,
  reviewProbability: 0.9999,
  levels: {
    idNumber: {
      "exact": [0.6754836406262248, 5e-7],
      "exact after 15→18 upgrade": [0.11018780897448797, 5e-7],
      "same malformed number": [0.01, 0.0001],
      "one digit wrong or two swapped": [0.20952663365985758, 5e-7],
      "different": [0.001, 0.9999]
    },
    name: {
      "exact": [0.7808802076069915, 0.000324],
      "same after traditional→simplified": [0.07339576740702752, 5e-7],
      "same pinyin (homophone)": [0.14572221993570503, 0.000097],
      "same surname, similar given name": [0.00023558842210053398, 0.000281],
      "different": [0.00023558842210053398, 0.999298]
    },
    birthDate: {
      "exact": [0.984617787596767, 0.000049],
      "same year and month": [0.0027584303298760567, 0.001272],
      "same year": [0.0026153880735990584, 0.014404],
      "different": [0.010194129512387778, 0.984275]
    },
    gender: {
      "same": [0.998117506883565, 0.500242],
      "different": [0.001960020759099401, 0.499758]
    },
    phone: {
      "exact": [0.8408663967676882, 5.700493776770944e-7],
      "same last 8 digits": [0.0003053338437350965, 5.700493776770944e-7],
      "different": [0.1591336032323118, 1]
    },
    region: {
      "same county": [0.7830318097870157, 0.20598196395150423],
      "same prefecture": [0.022998448132692632, 0.5803621370428149],
      "same province": [0.019286925535287255, 0.07715237180410048],
      "different": [0.1746828165450044, 0.13650352720158035]
    }
  }
}
