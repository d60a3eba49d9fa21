/**
 * The numbers of the built-in rule (`MatchRule.chinese`), as training on the simulation gave them.
 * Written by `node packages/core/bench/default-rule.ts --write`; not edited by hand.
 */
import type { Numbers } from "../MatchRule.ts"

export const chinese: Numbers = {
  prior: 0.13071075268329754,
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
      "exact": [0.7824094312433063, 0.000324],
      "same after traditional→simplified": [0.07277385337333703, 5e-7],
      "same pinyin (homophone)": [0.14481671538335666, 0.000097],
      "same surname, similar given name": [0.0002442604175444844, 0.000281],
      "different": [0.0002442604175444844, 0.999298]
    },
    birthDate: {
      "exact": [0.9843469622986671, 0.000049],
      "same year and month": [0.0027600537899058015, 0.001272],
      "same year": [0.0026133053135430013, 0.014404],
      "different": [0.01046541411051408, 0.984275]
    },
    gender: {
      "same": [0.998117506883565, 0.500242],
      "different": [0.001960096163778018, 0.499758]
    },
    phone: {
      "exact": [0.840711962617344, 5.700493776770944e-7],
      "same last 8 digits": [0.00030551872001492703, 5.700493776770944e-7],
      "different": [0.15928803738265607, 1]
    },
    region: {
      "same county": [0.7830154032616158, 0.20598196395150423],
      "same prefecture": [0.02305658156264332, 0.5803621370428149],
      "same province": [0.01929428062531233, 0.07715237180410048],
      "different": [0.17463373455042863, 0.13650352720158035]
    }
  }
}
