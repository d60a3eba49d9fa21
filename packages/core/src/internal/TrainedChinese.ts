/**
 * The numbers of the built-in rule (`MatchRule.chinese`), as training on the simulation gave them.
 * Written by `node packages/core/bench/default-rule.ts --write`; not edited by hand.
 */
import type { Numbers } from "../MatchRule.ts"

export const chinese: Numbers = {
  prior: 0.14554630202221777,
  autoLinkProbability: 0.99999,
  reviewProbability: 0.9999,
  levels: {
    idNumber: {
      "exact": [0.6676078521945353, 5e-7],
      "exact after 15→18 upgrade": [0.11057792552105915, 5e-7],
      "same malformed number": [0.01, 0.0001],
      "one digit wrong or two swapped": [0.21560753176235134, 5e-7],
      "different": [0.001, 0.9999]
    },
    name: {
      "exact": [0.7807112532634088, 0.000355],
      "same after traditional→simplified": [0.08039489510465093, 5e-7],
      "same pinyin (homophone)": [0.1388938516319402, 0.00006],
      "same surname, similar given name": [0.00025498494927393375, 0.000266],
      "different": [0.00025498494927393375, 0.999319]
    },
    birthDate: {
      "exact": [0.9827699156756491, 0.000042],
      "same year and month": [0.0017747708130249288, 0.001227],
      "same year": [0.0028703456185004503, 0.014332],
      "different": [0.012780280392825591, 0.984399]
    },
    gender: {
      "same": [0.9980570348486483, 0.499588],
      "different": [0.002024704351461591, 0.500412]
    },
    phone: {
      "exact": [0.8271891545349875, 5.680843400734647e-7],
      "same last 8 digits": [0.00031663313531973657, 5.680843400734647e-7],
      "different": [0.1728108454650124, 1]
    },
    region: {
      "same county": [0.7900993835513497, 0.20460648833399575],
      "same prefecture": [0.022379098686983755, 0.5824522255808825],
      "same province": [0.015663634550004475, 0.07760431470554588],
      "different": [0.17185788321166223, 0.1353369713795759]
    }
  }
}
