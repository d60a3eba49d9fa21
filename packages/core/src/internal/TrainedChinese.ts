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
  prior: 0.14201726827200578,
  autoLinkProbability: 0.99999,
  reviewProbability: 0.9999,
  levels: {
    idNumber: {
      "exact": [0.6748778657443137, 5e-7],
      "exact after 15→18 upgrade": [0.11009057708132748, 5e-7],
      "same malformed number": [0.01, 0.0001],
      "one digit wrong or two swapped": [0.2093576973268929, 5e-7],
      "different": [0.005673859847465924, 1]
    },
    name: {
      "exact": [0.7808802077971824, 0.000324],
      "same after traditional→simplified": [0.07339576734310121, 5e-7],
      "same pinyin (homophone)": [0.14572221980944058, 0.000097],
      "same surname, similar given name": [0.00023558842184876727, 0.000281],
      "different": [0.00023558842184876727, 0.999298]
    },
    birthDate: {
      "exact": [0.9845648908825887, 0.000049],
      "same year and month": [0.002773389833061626, 0.001272],
      "same year": [0.0026436649973351992, 0.014404],
      "different": [0.010203789799644496, 0.984275]
    },
    gender: {
      "same": [0.9981178763329995, 0.500242],
      "different": [0.001959651309665003, 0.499758]
    },
    phone: {
      "exact": [0.8406527809624358, 5.700493776770944e-7],
      "same last 8 digits": [0.00030527201100863854, 5.700493776770944e-7],
      "different": [0.15934721903756432, 1]
    },
    region: {
      "same county": [0.7829581280417467, 0.20598196395150423],
      "same prefecture": [0.023014967873841316, 0.5803621370428149],
      "same province": [0.019285080931921175, 0.07715237180410048],
      "different": [0.17474182315249065, 0.13650352720158035]
    }
  }
}
