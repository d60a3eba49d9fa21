/**
 * How an observation's identity differs from the member's registration: the identity noise of
 * leads, inflow registrations and data records — identity numbers in legacy form, mistyped or
 * transposed, homophones and traditional characters in names, phones written every which way,
 * missing or changed fields.
 */
import * as Data from "./internal/ChineseData.ts"
import { type Random, Table } from "./internal/Random.ts"
import type * as Wire from "./internal/Wire.ts"
import type * as People from "./People.ts"

/**
 * How an observation's identity differs from the member's registration (exactly one kind each):
 * - `exact` — the fields the source carries, as registered;
 * - `legacy-id` — the identity number in its legacy 15-digit form;
 * - `id-typo` — one digit of the identity number wrong (the check character no longer fits);
 * - `id-transposed` — two adjacent digits of the identity number swapped;
 * - `id-missing` — no identity number: name, birth date and (when the member has one) phone;
 * - `id-phone-missing` — neither identity number nor phone: name, birth date and hukou region;
 * - `homophone-name` — one character replaced by a homophone (张 → 章: same pinyin);
 * - `traditional-name` — the name in traditional characters (陈伟 → 陳偉);
 * - `phone-format` — the phone written with +86 / 0086 / spaces / dashes / full-width digits;
 * - `phone-missing` — no phone although the member has one;
 * - `new-phone` — a phone number the organisation does not know (the member changed it);
 * - `name-dot-variant` — an ethnic-minority name with another separator (•, ．, ・, space, none…).
 */
export type NoiseKind =
  | "exact"
  | "legacy-id"
  | "id-typo"
  | "id-transposed"
  | "id-missing"
  | "id-phone-missing"
  | "homophone-name"
  | "traditional-name"
  | "phone-format"
  | "phone-missing"
  | "new-phone"
  | "name-dot-variant"

/** Every kind of noise, in the order of {@link NoiseKind}. */
export const noiseKinds: ReadonlyArray<NoiseKind> = [
  "exact",
  "legacy-id",
  "id-typo",
  "id-transposed",
  "id-missing",
  "id-phone-missing",
  "homophone-name",
  "traditional-name",
  "phone-format",
  "phone-missing",
  "new-phone",
  "name-dot-variant"
]

/** Relative weights; kinds that cannot apply to a member (no phone, no homophone…) get none. */
const noiseWeights: Readonly<Record<NoiseKind, number>> = {
  exact: 16,
  "legacy-id": 7,
  "id-typo": 8,
  "id-transposed": 6,
  "id-missing": 11,
  "id-phone-missing": 5,
  "homophone-name": 10,
  "traditional-name": 6,
  "phone-format": 10,
  "phone-missing": 7,
  "new-phone": 7,
  "name-dot-variant": 0
}

/** Which fields a kind of source carries, as probabilities. */
export interface Profile {
  readonly id: number
  readonly phone: number
  readonly birth: number
  readonly gender: number
  readonly hukou: number
}

/** Whom noise is applied to: a person, the phone the organisation knows, and one it does not. */
export interface Subject {
  readonly person: People.Person
  readonly phone: string | undefined
  /** A phone the organisation does not know (the member changed number without telling). */
  hiddenPhone: string | undefined
}

/** Positions of a name whose character has a homophone in the table. */
const homophonePositions = (chars: ReadonlyArray<string>): Array<number> => {
  const out: Array<number> = []
  chars.forEach((c, i) => {
    if (Data.homophones[c] !== undefined) out.push(i)
  })
  return out
}

/** The name in traditional characters; undefined when no character of it has another form. */
export const toTraditional = (name: string): string | undefined => {
  let changed = false
  let out = ""
  for (const c of name) {
    const t = Data.traditional[c]
    if (t !== undefined) changed = true
    out += t ?? c
  }
  return changed ? out : undefined
}

/** The name with one character replaced by a homophone; undefined when none has one. */
export const homophone = (rng: Random, name: string): string | undefined => {
  const chars = Array.from(name)
  const positions = homophonePositions(chars)
  if (positions.length === 0) return undefined
  const i = rng.pick(positions)
  chars[i] = rng.pick(Data.homophones[chars[i] ?? ""] ?? [])
  return chars.join("")
}

/** An 11-digit mobile number as people write it: +86, 0086, spaces, dashes, full-width digits. */
export const formatPhone = (rng: Random, phone: string): string => {
  const [a, b, c] = [phone.slice(0, 3), phone.slice(3, 7), phone.slice(7)]
  switch (rng.int(0, 7)) {
    case 0:
      return `+86 ${a} ${b} ${c}`
    case 1:
      return `0086${phone}`
    case 2:
      return `${a}-${b}-${c}`
    case 3:
      return `${a} ${b} ${c}`
    case 4:
      return `(+86) ${a} ${b} ${c}`
    case 5:
      return `+86-${phone}`
    case 6:
      return `86 ${phone}`
    default:
      return phone.replace(/\d/gu, (d) => String.fromCharCode(0xff10 + Number(d)))
  }
}

/** One digit of the identity number wrong (never the check character of an 18-character one). */
export const idTypo = (rng: Random, id: string): string => {
  const last = id.length === 18 ? 16 : id.length - 1
  const i = rng.int(0, last)
  const d = Number(id[i])
  return id.slice(0, i) + String((d + rng.int(1, 9)) % 10) + id.slice(i + 1)
}

/** Two adjacent, different digits of the identity number swapped (a typo when all are the same). */
export const idTransposed = (rng: Random, id: string): string => {
  const pairs = id.length === 18 ? 16 : id.length - 1
  const start = rng.int(0, pairs - 1)
  for (let k = 0; k < pairs; k++) {
    const i = (start + k) % pairs
    if (id[i] !== id[i + 1]) return id.slice(0, i) + (id[i + 1] ?? "") + (id[i] ?? "") + id.slice(i + 2)
  }
  return idTypo(rng, id)
}

/** A kind of noise that can apply to the subject, by the weights above. */
export const choose = (rng: Random, subject: Subject): NoiseKind => {
  const p = subject.person
  const weights: Array<readonly [NoiseKind, number]> = []
  for (const kind of noiseKinds) {
    let w = noiseWeights[kind]
    switch (kind) {
      case "legacy-id":
        if (p.idWire.length !== 18 || Number(p.birthDate.slice(0, 4)) >= 2000) w = 0
        break
      case "homophone-name":
        if (homophonePositions(Array.from(p.name)).length === 0) w = 0
        break
      case "traditional-name":
        if (toTraditional(p.name) === undefined) w = 0
        break
      case "phone-format":
      case "phone-missing":
        if (subject.phone === undefined) w = 0
        break
      case "new-phone":
        if (subject.hiddenPhone !== undefined) w *= 3
        break
      case "name-dot-variant":
        w = p.style === "dotted" ? 200 : 0
        break
      default:
        break
    }
    weights.push([kind, w])
  }
  return new Table(weights).pick(rng)
}

/** What a source with `profile` knows of the subject, with one kind of noise. */
export const identityOf = (
  rng: Random,
  people: People.Registry,
  subject: Subject,
  profile: Profile
): { readonly identity: Wire.Identity; readonly noise: NoiseKind } => {
  const p = subject.person
  const noise = choose(rng, subject)
  let hasId = rng.chance(profile.id)
  let hasPhone = rng.chance(profile.phone)
  let hasBirth = rng.chance(profile.birth)
  const hasGender = rng.chance(profile.gender)
  let hasHukou = rng.chance(profile.hukou)
  let name = p.name
  let id = p.idWire
  let phone = subject.phone
  switch (noise) {
    case "legacy-id":
      hasId = true
      id = p.id18.slice(0, 6) + p.id18.slice(8, 17)
      break
    case "id-typo":
      hasId = true
      id = idTypo(rng, id)
      break
    case "id-transposed":
      hasId = true
      id = idTransposed(rng, id)
      break
    case "id-missing":
      hasId = false
      hasBirth = true
      hasPhone = subject.phone !== undefined
      break
    case "id-phone-missing":
      hasId = false
      hasPhone = false
      hasBirth = true
      hasHukou = true
      break
    case "homophone-name":
      name = homophone(rng, name) ?? name
      break
    case "traditional-name":
      name = toTraditional(name) ?? name
      break
    case "name-dot-variant":
      name = name.replace("·", rng.pick(Data.dotVariants))
      break
    case "phone-format":
      hasPhone = true
      phone = subject.phone === undefined ? undefined : formatPhone(rng, subject.phone)
      break
    case "phone-missing":
      hasPhone = false
      if (!hasId && !hasBirth) hasBirth = true
      break
    case "new-phone":
      hasPhone = true
      subject.hiddenPhone ??= people.phoneNumber()
      phone = subject.hiddenPhone
      break
    case "exact":
      break
  }
  const identity: Wire.Identity = { name }
  if (hasId) identity.idNumber = id
  if (hasBirth) identity.birthDate = p.birthDate
  if (hasGender) identity.gender = p.gender
  if (hasPhone && phone !== undefined) identity.phone = phone
  if (hasHukou) identity.hukouRegion = p.hukouRegion ?? p.birthRegion
  return { identity, noise }
}
