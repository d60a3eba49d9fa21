/**
 * Registrations as clerks sometimes write them: an ID number with a wrong check character or a
 * digit left out, an ID number whose birth date is no calendar date (day and month swapped), a
 * birth date typed with the wrong century — before 1900, or after the registration itself. Each
 * is a data-quality problem relink must find (docs/rules.md#data-quality); the member is the same
 * person, living the same life, and observations of them carry their true identity.
 *
 * A small share of registrations (0.8 % by default) is written with one mistake, drawn on a
 * generator of its own: with or without mistakes, every other draw of the simulation is the same.
 */
import { IdNumber } from "@relink/core"
import { type Random, Table } from "./internal/Random.ts"

/**
 * - `check-character` — the last character of the ID number wrong (a legacy 15-digit number is
 *   written in its 18-character form, with the wrong last character);
 * - `digit-dropped` — one digit of the ID number left out (17 characters, or 14);
 * - `id-impossible-date` — the ID number's birth date as day and month swapped (19850713 as
 *   19851307), or 30 February when the day could be a month, the check character computed for it;
 * - `birth-century-18` — the birth date with 18 for 19 or 20 (1958-03-15 as 1858-03-15);
 * - `birth-century-next` — the birth date a hundred years late (1985-06-01 as 2085-06-01): after
 *   the registration.
 */
export type Mistake = "check-character" | "digit-dropped" | "id-impossible-date" | "birth-century-18" | "birth-century-next"

/** How often each mistake is made, relative to the others. */
export const weights: Readonly<Record<Mistake, number>> = {
  "check-character": 30,
  "digit-dropped": 20,
  "id-impossible-date": 15,
  "birth-century-18": 20,
  "birth-century-next": 15
}

/** Every mistake, in the order of {@link Mistake}. */
export const mistakes = Object.keys(weights) as ReadonlyArray<Mistake>

/** The share of registrations written with a mistake, by default. */
export const defaultRate = 0.008

const table = new Table(mistakes.map((m) => [m, weights[m]] as const))

/** The fields of a registration a mistake can change. */
export interface Written {
  /** As registered: 18 characters, or the legacy 15 digits. */
  readonly idNumber: string
  /** `YYYY-MM-DD`, when the registration gives it. */
  readonly birthDate: string | undefined
}

/** The person's true identity, which a mistake is made on. */
export interface Truth {
  readonly id18: string
  readonly birthDate: string
}

/** A registration's fields as written: with a mistake at `rate`, else as they are. */
export const write = (rng: Random, rate: number, truth: Truth, written: Written): { readonly mistake?: Mistake; readonly written: Written } => {
  if (!rng.chance(rate)) return { written }
  const mistake = table.pick(rng)
  return { mistake, written: make(rng, mistake, truth, written) }
}

const CHECK_CHARACTERS = "0123456789X"

const make = (rng: Random, mistake: Mistake, truth: Truth, written: Written): Written => {
  switch (mistake) {
    case "check-character": {
      const others = [...CHECK_CHARACTERS].filter((c) => c !== truth.id18.charAt(17))
      return { ...written, idNumber: truth.id18.slice(0, 17) + rng.pick(others) }
    }
    case "digit-dropped": {
      const at = rng.int(0, written.idNumber.length - 1)
      return { ...written, idNumber: written.idNumber.slice(0, at) + written.idNumber.slice(at + 1) }
    }
    case "id-impossible-date": {
      const year = truth.id18.slice(6, 10)
      const month = truth.id18.slice(10, 12)
      const day = truth.id18.slice(12, 14)
      const date = Number(day) > 12 ? `${year}${day}${month}` : `${year}0230`
      const first17 = `${truth.id18.slice(0, 6)}${date}${truth.id18.slice(14, 17)}`
      return { ...written, idNumber: first17 + IdNumber.checkCharacter(first17) }
    }
    case "birth-century-18":
      return { ...written, birthDate: `18${truth.birthDate.slice(2)}` }
    case "birth-century-next":
      return { ...written, birthDate: `${Number(truth.birthDate.slice(0, 4)) + 100}${truth.birthDate.slice(4)}` }
  }
}
