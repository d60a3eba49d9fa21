/**
 * The numbers of the built-in rule (`MatchRule.chinese`), as training on the simulation gave them.
 * Written by `node packages/core/bench/default-rule.ts --write`; not edited by hand.
 */
import type { Numbers } from "../MatchRule.ts"

export const chinese: Numbers = {
  prior: 0.1463113379344725,
  autoLinkProbability: 0.99999,
  reviewProbability: 0.9999,
  levels: {
    idNumber: {
      "exact": [0.658848437196331, 5e-7],
      "exact after 15→18 upgrade": [0.11253507122165186, 5e-7],
      "same malformed number": [0.01, 0.0001],
      "one digit wrong or two swapped": [0.22262329782219256, 5e-7],
      "different": [0.001, 0.9999]
    },
    name: {
      "exact": [0.7911281666965182, 0.000307],
      "same after traditional→simplified": [0.07202398661374701, 5e-7],
      "same pinyin (homophone)": [0.13684784668973488, 0.000081],
      "same surname, similar given name": [0.00025056144090584986, 0.000258],
      "different": [0.00025056144090584986, 0.999354]
    },
    birthDate: {
      "exact": [0.9833561530785315, 0.000046],
      "same year and month": [0.004459035784633096, 0.001289],
      "same year": [0.0029506487344293994, 0.014484],
      "different": [0.009427461371478183, 0.984181]
    },
    gender: {
      "same": [0.998009189120577, 0.500485],
      "different": [0.0020710660653738503, 0.499515]
    },
    phone: {
      "exact": [0.8305634057389881, 5.714520825999698e-7],
      "same last 8 digits": [0.0003064513002723519, 5.714520825999698e-7],
      "different": [0.16943659426101187, 1]
    },
    region: {
      "same county": [0.8020629968456755, 0.20639253168417446],
      "same prefecture": [0.02497373798920749, 0.578163324662846],
      "same province": [0.0192445182949506, 0.07780241415569902],
      "different": [0.1537187468701664, 0.1376417294972805]
    }
  }
}
