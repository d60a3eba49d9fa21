/**
 * Observations: 党员找组织 (an inflow registration with an identity), 党员找党员 (a lead about
 * someone) and 组织找党员 (a record from a data exchange) — noisy copies of a member's identity, or
 * of a decoy's, a person who is no member but resembles one — each with a {@link Label}, and the
 * reviewers' resolutions of some of them.
 */
import { type Event, Instant } from "@relink/core"
import * as Data from "./internal/ChineseData.ts"
import * as Clock from "./internal/Clock.ts"
import { type Random, Table } from "./internal/Random.ts"
import * as Wire from "./internal/Wire.ts"
import * as Noise from "./Noise.ts"
import * as People from "./People.ts"
import * as World from "./World.ts"

/**
 * How a decoy (a person who is no member) resembles the member it was made after:
 * - `decoy-same-name` — same name, other birth date, identity number and phone;
 * - `decoy-same-name-birth-year` — same name and birth year, often the same birth place;
 * - `decoy-same-county` — same name and birth year, hukou and seen in the member's county;
 * - `decoy-homophone-name` — a homophone of the name (章伟 for 张伟), otherwise unrelated.
 */
export type DecoyKind = "decoy-same-name" | "decoy-same-name-birth-year" | "decoy-same-county" | "decoy-homophone-name"

/** Every kind of decoy, in the order of {@link DecoyKind}. */
export const decoyKinds: ReadonlyArray<DecoyKind> = ["decoy-same-name", "decoy-same-name-birth-year", "decoy-same-county", "decoy-homophone-name"]

/** The truth about an observation (`InflowRegistered` with `identity`, `LeadReported` with an identity subject, `RecordObserved`). */
export interface Label {
  /** The member the observation is about; `undefined` for a decoy, who is no member at all. */
  readonly memberId: string | undefined
  readonly noise: Noise.NoiseKind | DecoyKind
  /** Decoys only: the member the decoy was made to resemble (a matcher may wrongly propose them). */
  readonly resembles?: string
}

/** The event an observation arrives as. */
export type Kind = "inflow" | "lead" | "record"

/** Only data records. */
export const recordOnly = new Table<Kind>([["record", 1]])
/** Any kind, records most often. */
export const anyKind = new Table<Kind>([["record", 55], ["lead", 25], ["inflow", 20]])

type DataSource = Event.DataSource

/** Where data records come from. */
export const dataSources = new Table<DataSource>([
  ["public-security", 30], ["social-security", 30], ["civil-affairs", 15], ["community", 22], ["other", 3]
])
const feedOf: Record<DataSource, string> = {
  "public-security": "gongan-feed",
  "social-security": "shebao-feed",
  "civil-affairs": "minzheng-feed",
  community: "wangge-feed",
  other: "data-exchange"
}

/** Which fields each kind of observation, and each source of records, carries. */
export const profiles: Readonly<Record<Kind | DataSource, Noise.Profile>> = {
  inflow: { id: 0.85, phone: 0.9, birth: 0.7, gender: 0.7, hukou: 0.5 },
  lead: { id: 0.2, phone: 0.55, birth: 0.45, gender: 0.3, hukou: 0.3 },
  record: { id: 0.6, phone: 0.5, birth: 0.5, gender: 0.3, hukou: 0.3 },
  "public-security": { id: 1, phone: 0.3, birth: 1, gender: 1, hukou: 0.8 },
  "social-security": { id: 1, phone: 0.8, birth: 0.5, gender: 0, hukou: 0 },
  "civil-affairs": { id: 1, phone: 0.1, birth: 1, gender: 0.5, hukou: 0.3 },
  community: { id: 0.3, phone: 0.9, birth: 0.5, gender: 0.2, hukou: 0.1 },
  other: { id: 0.5, phone: 0.5, birth: 0.5, gender: 0.2, hukou: 0.2 }
}

/** A member as observations see them. */
export interface Observed extends Noise.Subject {
  readonly memberId: string
  readonly home: World.Branch
  /** Where the member has gone, when away. */
  readonly place: World.Place | undefined
}

/** An event written, whose id is known once its batch is in time order. */
export interface Handle {
  readonly at: number
  readonly id: string
}

/** What observations are written into: the batch of lives being simulated. */
export interface Context {
  readonly rng: Random
  readonly asOf: number
  /** Members appear from this instant. */
  readonly membersFrom: number
  readonly world: World.World
  readonly people: People.Registry
  /** The members of the batch who may report a lead. */
  readonly reporters: ReadonlyArray<Observed>
  push(at: number, make: Wire.Make, label?: Label): Handle
}

/** The region an observation of the member comes from. */
const regionOf = (ctx: Context, m: Observed): string => {
  if (m.place !== undefined && ctx.rng.chance(0.7)) return m.place.destination.code
  return ctx.rng.chance(0.5) ? m.home.region : ctx.world.placeTable.pick(ctx.rng).destination.code
}

const reporter = (ctx: Context): Observed | undefined => (ctx.reporters.length === 0 ? undefined : ctx.rng.pick(ctx.reporters))

/** A lead's note, with the place it names. */
const leadNote = (ctx: Context, region: string): string => ctx.rng.pick(Data.leadNotes).replace("{place}", World.placeName(ctx.world, region))

/** Writes an observation carrying `identity`, of the given kind, at `t`. */
export const observation = (
  ctx: Context,
  t: number,
  kind: Kind,
  identity: Wire.Identity,
  region: string,
  label: Label,
  dataSource: DataSource
): Handle => {
  const { rng, world } = ctx
  const at = (): number => Clock.timeOfDay(rng, ctx.asOf, t, "app")
  switch (kind) {
    case "inflow": {
      const place = world.placeByCode.get(region) ?? world.placeTable.pick(rng)
      const orgId = rng.chance(0.7) ? place.floatingId : rng.pick(place.branches).orgId
      const source = Wire.source(rng, "dangjian-app")
      const make = Wire.event("InflowRegistered", orgId, source, (head) => ({ ...head, region: place.destination.code, identity }))
      return ctx.push(at(), make, label)
    }
    case "lead": {
      const by = reporter(ctx)
      const orgId = by?.home.orgId ?? world.branches.pick(rng).orgId
      const reporterId = by === undefined || rng.chance(0.15) ? {} : { reporterMemberId: by.memberId }
      const source = Wire.source(rng, "dangjian-app")
      const note = rng.chance(0.7) ? { note: leadNote(ctx, region) } : {}
      const make = Wire.event("LeadReported", orgId, source, (head) => ({ ...head, subject: identity, ...reporterId, region, ...note }))
      return ctx.push(at(), make, label)
    }
    case "record": {
      const orgId = rng.chance(0.6) ? world.rootOrgId : world.branches.pick(rng).townOrgId
      const source = rng.chance(0.97) ? { source: feedOf[dataSource] } : {}
      const make = Wire.event("RecordObserved", orgId, source, (head) => ({ ...head, identity, region, dataSource }))
      return ctx.push(at(), make, label)
    }
  }
}

/** A reviewer's decision on an observation, 2–30 days after it (none when that is after `asOf`). */
export const resolve = (ctx: Context, observed: Handle, m: Observed, resolution: Event.Resolution): void => {
  const t = observed.at + Clock.days(ctx.rng.between(2, 30))
  if (t > ctx.asOf) return
  const memberId = m.memberId
  const source = Wire.source(ctx.rng, "org-dept")
  ctx.push(
    Clock.timeOfDay(ctx.rng, ctx.asOf, t, "office"),
    Wire.event("MatchResolved", m.home.orgId, source, (head) => ({ ...head, observationEventId: observed.id, memberId, resolution }))
  )
}

/**
 * A labelled, noisy observation of the member at some time in [from, asOf]; `confirm` is the
 * chance that a reviewer confirms it (`MatchResolved`) some days later.
 */
export const observe = (ctx: Context, m: Observed, from: number, kinds: Table<Kind>, confirm: number): void => {
  const rng = ctx.rng
  if (from >= ctx.asOf) return
  const t = Clock.during(rng, from, ctx.asOf)
  let kind = kinds.pick(rng)
  if (kind === "inflow" && m.place === undefined && rng.chance(0.5)) kind = "record"
  const dataSource = dataSources.pick(rng)
  const profile = profiles[kind === "record" ? dataSource : kind]
  const { identity, noise } = Noise.identityOf(rng, ctx.people, m, profile)
  const region = kind === "inflow" && m.place !== undefined ? m.place.destination.code : regionOf(ctx, m)
  const observed = observation(ctx, t, kind, identity, region, { memberId: m.memberId, noise }, dataSource)
  if (rng.chance(confirm)) resolve(ctx, observed, m, "confirmed")
}

/** 党员找党员 about a member by id: someone saw them, at some time in [from, asOf]. */
export const leadAbout = (ctx: Context, m: Observed, from: number): void => {
  const rng = ctx.rng
  if (from >= ctx.asOf) return
  const t = Clock.during(rng, from, ctx.asOf)
  const by = reporter(ctx)
  const orgId = by?.home.orgId ?? m.home.orgId
  const reporterId = by === undefined ? {} : { reporterMemberId: by.memberId }
  const region = regionOf(ctx, m)
  const phone = rng.chance(0.2) ? { phone: (m.hiddenPhone ??= ctx.people.phoneNumber()) } : {}
  const note = rng.chance(0.8) ? { note: leadNote(ctx, region) } : {}
  const subject = { memberId: m.memberId }
  const source = Wire.source(rng, "dangjian-app")
  ctx.push(
    Clock.timeOfDay(rng, ctx.asOf, t, "app"),
    Wire.event("LeadReported", orgId, source, (head) => ({ ...head, subject, ...reporterId, region, ...phone, ...note }))
  )
}

/** An observation of a person who is no member, made to resemble `m`; a fifth of them rejected by a reviewer. */
export const decoy = (ctx: Context, m: Observed): void => {
  const { rng, asOf } = ctx
  const p = m.person
  const homophone = Noise.homophone(rng, p.name)
  const roll = rng.float()
  const noise: DecoyKind =
    roll < 0.25 && homophone !== undefined
      ? "decoy-homophone-name"
      : roll < 0.45
        ? "decoy-same-name-birth-year"
        : roll < 0.6
          ? "decoy-same-county"
          : "decoy-same-name"
  const sameCounty = noise === "decoy-same-county"
  const name = noise === "decoy-homophone-name" ? (homophone ?? p.name) : p.name
  const birthYear = Number(p.birthDate.slice(0, 4))
  let birthAt: number
  if (noise === "decoy-same-name-birth-year" || sameCounty) {
    const jan1 = Date.parse(`${birthYear}-01-01T00:00:00+08:00`)
    do birthAt = jan1 + rng.int(0, 364) * Instant.DAY
    while (Instant.formatCstDate(birthAt) === p.birthDate)
  } else {
    const years = rng.int(3, 25) * (rng.chance(0.5) ? 1 : -1)
    birthAt = Instant.startOfDay(p.birthAt + Clock.days(years * 365.2425 + rng.int(-180, 180)))
    const youngest = Instant.startOfDay(asOf - Clock.days(18 * 365.25 + 30))
    const oldest = Instant.startOfDay(asOf - Clock.days(95 * 365.25))
    birthAt = Math.max(oldest, Math.min(youngest, birthAt))
  }
  const region =
    noise === "decoy-same-name-birth-year" && rng.chance(0.6) ? p.birthRegion : People.birthRegion(rng, p.style === "dotted" ? "dotted" : "han")
  const { id18, birthAt: born } = ctx.people.identityNumber(region, birthAt, p.gender)
  const kinds = new Table<Kind>([["record", 60], ["lead", 20], ["inflow", 20]])
  const kind = kinds.pick(rng)
  const dataSource = dataSources.pick(rng)
  const profile = profiles[kind === "record" ? dataSource : kind]
  const identity: Wire.Identity = { name }
  if (rng.chance(profile.id)) identity.idNumber = id18
  if (rng.chance(Math.max(profile.birth, 0.5))) identity.birthDate = Instant.formatCstDate(born)
  if (rng.chance(profile.gender)) identity.gender = p.gender
  if (rng.chance(profile.phone)) identity.phone = ctx.people.phoneNumber()
  if (sameCounty) identity.hukouRegion = m.home.region
  else if (rng.chance(profile.hukou)) identity.hukouRegion = rng.chance(0.5) ? region : m.home.region
  const t = Clock.during(rng, ctx.membersFrom + Clock.days(30), asOf)
  const seenIn = sameCounty || rng.chance(0.5) ? m.home.region : ctx.world.placeTable.pick(rng).destination.code
  const observed = observation(ctx, t, kind, identity, seenIn, { memberId: undefined, noise, resembles: m.memberId }, dataSource)
  if (rng.chance(0.2)) resolve(ctx, observed, m, "rejected")
}
