/**
 * The people behind the members (and the decoys who resemble them): common Chinese names by
 * generation, ethnic-minority names, birth dates and places, valid identity numbers that are never
 * issued twice, and mobile numbers.
 */
import { type Event, IdNumber, Instant } from "@relink/core"
import * as Data from "./internal/ChineseData.ts"
import { byRank, type Random, Table } from "./internal/Random.ts"
import * as Wire from "./internal/Wire.ts"

/** How a name is made: a Han name, an ethnic-minority name with ·, or a Tibetan name. */
export type Style = "han" | "dotted" | "tibetan"

export interface Person {
  readonly name: string
  readonly style: Style
  readonly gender: Event.Gender
  readonly birthAt: number
  readonly birthDate: string
  readonly birthRegion: string
  readonly id18: string
  /** As registered: 18 characters, or the legacy 15 digits. */
  readonly idWire: string
  readonly hukouRegion: string | undefined
}

/** Ages of members, in years, by share of the roll. */
export const ageBands = new Table<readonly [number, number]>([
  [[18, 30], 15], [[31, 45], 27], [[46, 60], 27], [[61, 75], 20], [[76, 95], 11]
])

const surnameTable = new Table(Data.surnames)
const compoundTable = new Table(Data.compoundSurnames)
const givenTables: Record<Event.Gender, ReadonlyArray<Table<string>>> = {
  M: Data.givenNames.M.map((list) => byRank(list)),
  F: Data.givenNames.F.map((list) => byRank(list))
}
const birthRegionTables: Record<Style, Table<string>> = {
  han: new Table(Data.birthRegions),
  dotted: new Table(Data.dottedRegions),
  tibetan: new Table(Data.tibetanRegions)
}
const phonePrefixTable = new Table(Data.phonePrefixes)

/** A birth place (region code) typical of people whose names have `style`. */
export const birthRegion = (rng: Random, style: Style): string => birthRegionTables[style].pick(rng)

/** Makes people, and keeps every identity number it issues unique. */
export class Registry {
  private readonly rng: Random
  private readonly asOf: number
  /** Issued identity numbers (members and decoys), as compact keys, so that no two people share one. */
  private readonly usedIds = new Set<number>()
  private readonly regionIndex = new Map<string, number>()
  private readonly birthEpoch: number

  constructor(rng: Random, asOf: number) {
    this.rng = rng
    this.asOf = asOf
    this.birthEpoch = Instant.addMonths(asOf, -100 * 12)
  }

  /** A mobile number of a common prefix. */
  phoneNumber(): string {
    return `${phonePrefixTable.pick(this.rng)}${Wire.pad(this.rng.int(0, 99_999_999), 8)}`
  }

  private idKey(region: string, birthAt: number, k: number): number {
    let r = this.regionIndex.get(region)
    if (r === undefined) {
      r = this.regionIndex.size
      this.regionIndex.set(region, r)
    }
    const dayIndex = Math.round((birthAt - this.birthEpoch) / Instant.DAY)
    return (r * 40_000 + dayIndex) * 500 + k
  }

  /**
   * A valid, never issued identity number: region + birth date + sequence of the right parity +
   * check; born a day earlier when all 500 numbers of the day are taken.
   */
  identityNumber(region: string, birthAt: number, gender: Event.Gender): { readonly id18: string; readonly birthAt: number } {
    let at = birthAt
    for (;;) {
      const start = this.rng.int(0, 499)
      for (let i = 0; i < 500; i++) {
        const k = (start + i) % 500
        const key = this.idKey(region, at, k)
        if (this.usedIds.has(key)) continue
        this.usedIds.add(key)
        const sequence = 2 * k + (gender === "M" ? 1 : 0)
        const first17 = `${region}${Instant.formatCstDate(at).replaceAll("-", "")}${Wire.pad(sequence, 3)}`
        return { id18: first17 + IdNumber.checkCharacter(first17), birthAt: at }
      }
      at -= Instant.DAY
    }
  }

  private hanName(gender: Event.Gender, birthYear: number): string {
    const surname = this.rng.chance(0.003) ? compoundTable.pick(this.rng) : surnameTable.pick(this.rng)
    let era = birthYear < 1960 ? 0 : birthYear < 1980 ? 1 : birthYear < 1995 ? 2 : 3
    if (this.rng.chance(0.15)) era = Math.max(0, Math.min(3, era + (this.rng.chance(0.5) ? -1 : 1)))
    return surname + (givenTables[gender][era] as Table<string>).pick(this.rng)
  }

  /** A person aged `ages` at `asOf`, registered (hukou) mostly in `localRegion`. */
  person(ages: readonly [number, number], localRegion: string): Person {
    const [minAge, maxAge] = ages
    const age = this.rng.int(minAge, maxAge)
    const gender: Event.Gender = this.rng.chance(0.5) ? "M" : "F"
    const roll = this.rng.float()
    const style: Style = roll < 0.02 ? "dotted" : roll < 0.025 ? "tibetan" : "han"
    const birthPlace = birthRegion(this.rng, style)
    // Born `age` whole years and 2–364 days before asOf: exactly `age` years old then.
    const planned = Instant.startOfDay(this.asOf) - Math.floor(age * 365.25 + this.rng.int(2, 364)) * Instant.DAY
    const { id18, birthAt } = this.identityNumber(birthPlace, planned, gender)
    const birthDate = Instant.formatCstDate(birthAt)
    const birthYear = Number(birthDate.slice(0, 4))
    const name =
      style === "dotted"
        ? `${this.rng.pick(Data.dottedFirstNames[gender])}·${this.rng.pick(Data.dottedFatherNames)}`
        : style === "tibetan"
          ? `${this.rng.pick(Data.tibetanFirst)}${this.rng.pick(Data.tibetanSecond[gender])}`
          : this.hanName(gender, birthYear)
    const legacy = birthYear < 2000 && this.rng.chance(birthYear < 1965 ? 0.08 : 0.01)
    const idWire = legacy ? id18.slice(0, 6) + id18.slice(8, 17) : id18
    const h = this.rng.float()
    const hukouRegion =
      style !== "han"
        ? h < 0.5 ? birthPlace : h < 0.9 ? localRegion : undefined
        : h < 0.7 ? localRegion : h < 0.85 ? birthPlace : h < 0.95 ? undefined : this.rng.pick(Data.districts).code
    return { name, style, gender, birthAt, birthDate, birthRegion: birthPlace, id18, idWire, hukouRegion }
  }
}
