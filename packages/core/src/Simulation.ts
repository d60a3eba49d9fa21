/**
 * Realistic, deterministic synthetic event streams in the wire format of the contract
 * (DESIGN.md §3), for `relink simulate`, the benchmarks, the matching evaluation and the
 * differential tests of the worker.
 *
 * What comes out looks like an export of a Kafka topic of a Chengdu district's 智慧党建 platform:
 * - the organisation tree first (区委 → 街道/乡镇 工委 → 社区/企业/机关/非公企业/村 党支部, some 党总支,
 *   the district's 驻外 floating branches, and 流入地 organisations in the cities members go to);
 * - then members, in batches: each member lives one of twelve lives (steady, irregular, floating
 *   registered or not, transfers in time / overdue / cancelled, lost with failed searches,
 *   suspended, removed, returned, deceased or left) over the three years before `asOf`, with the
 *   events that lead there; a batch's events are sorted by time, numbered, locally reordered and
 *   ~1 % of them are redelivered (same eventId, same content);
 * - observations (党员找组织 / 党员找党员 / 组织找党员) that are noisy copies of a member's identity,
 *   and decoys (people who are no member but share a member's name), each with a {@link Label}.
 *
 * Everything derives from `seed`: the same options give the same stream, event for event. Output
 * is lazy, one batch in memory at a time, so ten million events stream to a file in constant
 * memory (apart from a set of issued identity numbers, ~40 bytes per member, which keeps them
 * unique).
 *
 * With the default options a member produces 15.0 events on average over the three years (measured
 * at 50,000 and at 1,000,000 members; 87 % of them ContactRecorded), plus about one organisation
 * per 40 members. Throughput is roughly 400,000–500,000 events per second on one core, with or
 * without `JSON.stringify`.
 */
import type * as Event from "./Event.ts"
import { checkCharacter } from "./IdNumber.ts"
import * as Data from "./internal/ChineseData.ts"
import { byRank, Random, Table } from "./internal/Random.ts"
import { addMonths, DAY, formatCst, formatCstDate } from "./Instant.ts"

// ---------------------------------------------------------------------------------------------
// Public types

/** The life a member is given. Weights of the default mix in {@link defaultBehaviourWeights}. */
export type Behaviour =
  | "steady"
  | "irregular"
  | "floating-registered"
  | "floating-unregistered"
  | "transfer-in-time"
  | "transfer-overdue"
  | "transfer-cancelled"
  | "lost"
  | "suspended"
  | "removed"
  | "returned"
  | "ended"

/**
 * The default mix, in percent of members:
 * - `steady` — contact every 40–80 days (dues, meetings, app) until `asOf`;
 * - `irregular` — contact stopped 60–175 days before `asOf` (at risk, some still just active);
 * - `floating-registered` — went away (外出报告) and registered at the 流入地 organisation;
 * - `floating-unregistered` — went away up to 170 days ago without registering (some within the grace);
 * - `transfer-in-time` — a transfer received within the letter's validity, or still open within it;
 * - `transfer-overdue` — a transfer never received (a fifth of them within days of the deadline);
 * - `transfer-cancelled` — a transfer issued, then cancelled; the member stays;
 * - `lost` — no contact for 6–28 months (some just under 6), then 0–6 failed searches;
 * - `suspended` — lost, searched for, 停止党籍 decided (some for over two years; some later restored);
 * - `removed` — 除名 after two years of suspension, or directly (自行脱党);
 * - `returned` — went away, maybe registered there, came back;
 * - `ended` — deceased (mostly) or left.
 */
export const defaultBehaviourWeights: Readonly<Record<Behaviour, number>> = {
  steady: 60,
  irregular: 8,
  "floating-registered": 8,
  "floating-unregistered": 5,
  "transfer-in-time": 5,
  "transfer-overdue": 3,
  "transfer-cancelled": 1,
  lost: 4,
  suspended: 2,
  removed: 1,
  returned: 2,
  ended: 1
}

export const behaviours = Object.keys(defaultBehaviourWeights) as ReadonlyArray<Behaviour>

/**
 * How an observation's identity differs from the member's registration (exactly one kind each):
 * - `exact` — the fields the source carries, as registered;
 * - `legacy-id` — the identity number in its legacy 15-digit form;
 * - `id-typo` — one digit of the identity number wrong (the check character no longer fits);
 * - `id-transposed` — two adjacent digits of the identity number swapped;
 * - `id-missing` — no identity number: name, birth date and (when the member has one) phone;
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
  | "homophone-name"
  | "traditional-name"
  | "phone-format"
  | "phone-missing"
  | "new-phone"
  | "name-dot-variant"

export const noiseKinds: ReadonlyArray<NoiseKind> = [
  "exact",
  "legacy-id",
  "id-typo",
  "id-transposed",
  "id-missing",
  "homophone-name",
  "traditional-name",
  "phone-format",
  "phone-missing",
  "new-phone",
  "name-dot-variant"
]

/**
 * How a decoy (a person who is no member) resembles the member it was made after:
 * - `decoy-same-name` — same name, other birth date, identity number and phone;
 * - `decoy-same-name-birth-year` — same name and birth year, often the same birth place;
 * - `decoy-homophone-name` — a homophone of the name (章伟 for 张伟), otherwise unrelated.
 */
export type DecoyKind = "decoy-same-name" | "decoy-same-name-birth-year" | "decoy-homophone-name"

export const decoyKinds: ReadonlyArray<DecoyKind> = ["decoy-same-name", "decoy-same-name-birth-year", "decoy-homophone-name"]

/** The truth about an observation (`InflowRegistered` with `identity`, `LeadReported` with an identity subject, `RecordObserved`). */
export interface Label {
  /** The member the observation is about; `undefined` for a decoy, who is no member at all. */
  readonly memberId: string | undefined
  readonly noise: NoiseKind | DecoyKind
  /** Decoys only: the member the decoy was made to resemble (a matcher may wrongly propose them). */
  readonly resembles?: string
}

/** One message of the stream. A redelivered duplicate is the very same item again. */
export interface Item {
  /** The event in the wire format of the contract. */
  readonly event: Event.Encoded
  /** Observations only. */
  readonly label?: Label
  /** `MemberRegistered` only: the life the member was given. */
  readonly behaviour?: Behaviour
}

export interface Options {
  /** Number of members (whole, ≥ 0). About one branch per 30–60 members is created. */
  readonly members: number
  /** Any finite number; the whole stream is a function of the options. */
  readonly seed: number
  /** Epoch ms: the instant the export is taken; every event happens at or before it. */
  readonly asOf: number
  /** Epoch ms: organisations are registered then, members from the next day. Default `asOf` − 3 years. */
  readonly startAt?: number
  /** Members generated, sorted and shuffled together. Default 1000. */
  readonly batchSize?: number
  /** Share of events redelivered later in their batch. Default 0.01. */
  readonly duplicateRate?: number
  /** Share of events moved up to `reorderWindow` places. Default 0.05. */
  readonly reorderRate?: number
  /** Default 40 events. (Another 0.2 % of events land anywhere in their batch.) */
  readonly reorderWindow?: number
  /** Multiplies the chance of every observation of a member (0 = none). Default 1. */
  readonly observationRate?: number
  /** Decoys per member. Default 0.02. */
  readonly decoyRate?: number
  /** Overrides of {@link defaultBehaviourWeights} (relative weights). */
  readonly behaviourWeights?: Partial<Record<Behaviour, number>>
}

export const defaults = {
  batchSize: 1000,
  duplicateRate: 0.01,
  reorderRate: 0.05,
  reorderWindow: 40,
  observationRate: 1,
  decoyRate: 0.02
} as const

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * The stream: organisations first, then members batch by batch. Lazy — nothing is computed until
 * the first item is asked for, and one batch is in memory at a time.
 *
 * @throws RangeError at once for options that make no sense (negative members, startAt ≥ asOf…).
 */
export const generate = (options: Options): Generator<Item, void, undefined> => {
  const resolved = resolve(options)
  return run(resolved)
}

/** The events alone, for callers that do not need the labels. */
export function* events(options: Options): Generator<Event.Encoded, void, undefined> {
  for (const item of generate(options)) yield item.event
}

function* run(options: Resolved): Generator<Item, void, undefined> {
  const simulator = new Simulator(options)
  yield* simulator.organisations()
  for (let start = 0; start < options.members; start += options.batchSize) {
    yield* simulator.batch(start, Math.min(options.batchSize, options.members - start))
  }
}

// ---------------------------------------------------------------------------------------------
// Options

interface Resolved {
  readonly members: number
  readonly seed: number
  readonly asOf: number
  readonly startAt: number
  readonly batchSize: number
  readonly duplicateRate: number
  readonly reorderRate: number
  readonly reorderWindow: number
  readonly observationRate: number
  readonly decoyRate: number
  readonly behaviourWeights: Readonly<Record<Behaviour, number>>
}

const resolve = (options: Options): Resolved => {
  const fail = (what: string): never => {
    throw new RangeError(`Simulation: ${what}`)
  }
  if (!Number.isInteger(options.members) || options.members < 0) fail("members must be a whole number ≥ 0")
  if (!Number.isFinite(options.seed)) fail("seed must be a finite number")
  if (!Number.isFinite(options.asOf)) fail("asOf must be epoch milliseconds")
  const startAt = options.startAt ?? addMonths(options.asOf, -36)
  if (!Number.isFinite(startAt) || startAt > options.asOf - 60 * DAY) fail("startAt must be at least 60 days before asOf")
  const rate = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback
    return Number.isFinite(v) && v >= 0 ? v : fail(`${name} must be a number ≥ 0`)
  }
  const batchSize = options.batchSize ?? defaults.batchSize
  if (!Number.isInteger(batchSize) || batchSize < 1) fail("batchSize must be a whole number ≥ 1")
  const behaviourWeights = { ...defaultBehaviourWeights, ...options.behaviourWeights }
  if (Object.values(behaviourWeights).some((w) => !(Number.isFinite(w) && w >= 0))) fail("behaviour weights must be ≥ 0")
  if (Object.values(behaviourWeights).every((w) => w === 0)) fail("some behaviour weight must be positive")
  return {
    members: options.members,
    seed: options.seed,
    asOf: options.asOf,
    startAt,
    batchSize,
    duplicateRate: Math.min(1, rate("duplicateRate", options.duplicateRate, defaults.duplicateRate)),
    reorderRate: Math.min(1, rate("reorderRate", options.reorderRate, defaults.reorderRate)),
    reorderWindow: rate("reorderWindow", options.reorderWindow, defaults.reorderWindow),
    observationRate: rate("observationRate", options.observationRate, defaults.observationRate),
    decoyRate: rate("decoyRate", options.decoyRate, defaults.decoyRate),
    behaviourWeights
  }
}

// ---------------------------------------------------------------------------------------------
// Internal model

type Wire<T extends Event.EventType> = Extract<Event.Encoded, { readonly type: T }>
type Mutable<A> = { -readonly [K in keyof A]: A[K] }
type IdentityWire = Mutable<Wire<"RecordObserved">["identity"]>
type Gender = "M" | "F"
type ContactChannel = Wire<"ContactRecorded">["channel"]
type SearchChannel = Wire<"SearchAttemptFailed">["channel"]
type DataSource = Wire<"RecordObserved">["dataSource"]
type Source = { readonly source?: string }

/** An event waiting for its id: ids are given in time order once the batch is sorted. */
interface Draft {
  readonly at: number
  readonly seq: number
  readonly make: (eventId: string, occurredAt: string) => Event.Encoded
  readonly label?: Label
  readonly behaviour?: Behaviour
  id: string
}

interface Org {
  readonly orgId: string
  readonly name: string
  readonly parentId?: string
  readonly kind: Event.OrgKind
  readonly region: string
}

interface Branch {
  readonly orgId: string
  readonly region: string
  /** The 街道/乡镇 (or 流入地) committee above the branch. */
  readonly townOrgId: string
  /** The district committee, or the 流入地 committee for branches in other cities. */
  readonly districtOrgId: string
  /** Index into `districts`; −1 for branches in other cities. */
  readonly district: number
}

interface DistrictOrgs {
  readonly orgId: string
  readonly code: string
  readonly name: string
  /** The district's 驻外 floating branches, by destination code. */
  readonly away: ReadonlyMap<string, string>
}

interface Place {
  readonly destination: Data.Destination
  readonly committeeId: string
  readonly floatingId: string
  readonly branches: ReadonlyArray<Branch>
}

interface Person {
  readonly name: string
  readonly style: "han" | "dotted" | "tibetan"
  readonly gender: Gender
  readonly birthAt: number
  readonly birthDate: string
  readonly birthRegion: string
  readonly id18: string
  /** As registered: 18 characters, or the legacy 15 digits. */
  readonly idWire: string
  readonly hukouRegion: string | undefined
}

interface Member {
  readonly index: number
  readonly memberId: string
  behaviour: Behaviour
  readonly person: Person
  readonly newJoiner: boolean
  home: Branch
  /** The phone the organisation knows. */
  phone: string | undefined
  /** A phone the organisation does not know (the member changed number without telling). */
  hiddenPhone: string | undefined
  joinedAt: number | undefined
  category: "full" | "probationary"
  registeredAt: number
  place: Place | undefined
}

type ObservationKind = "inflow" | "lead" | "record"

const MINUTE = 60_000
const CST = 8 * 3_600_000

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/**
 * `Time.formatCst` for whole seconds, with the date part cached per day: formatting every
 * instant through `Date#toISOString` was the simulation's largest single cost.
 */
const cstFormatter = (): ((at: number) => string) => {
  const days = new Map<number, string>()
  return (at: number): string => {
    const local = Math.floor((at + CST) / 1000)
    const day = Math.floor(local / 86_400)
    let date = days.get(day)
    if (date === undefined) {
      date = new Date(day * DAY).toISOString().slice(0, 10)
      days.set(day, date)
    }
    const second = local - day * 86_400
    return `${date}T${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}+08:00`
  }
}

const contactChannels = new Table<ContactChannel>([
  ["dues", 38], ["meeting", 38], ["phone", 8], ["online", 7], ["message", 5], ["visit", 2], ["other", 2]
])
/** Contacts of a member who is away: the app and the phone, dues paid online. */
const awayChannels = new Table<ContactChannel>([
  ["phone", 35], ["online", 25], ["dues", 20], ["message", 15], ["meeting", 3], ["other", 2]
])
const searchChannels = new Table<SearchChannel>([
  ["phone", 30], ["visit", 25], ["relatives", 15], ["employer", 8], ["data-check", 10], ["notice", 8], ["other", 4]
])
const dataSources = new Table<DataSource>([
  ["public-security", 30], ["social-security", 30], ["civil-affairs", 15], ["community", 22], ["other", 3]
])
const feedOf: Record<DataSource, string> = {
  "public-security": "gongan-feed",
  "social-security": "shebao-feed",
  "civil-affairs": "minzheng-feed",
  community: "wangge-feed",
  other: "data-exchange"
}
const outflowReasons = new Table<Wire<"OutflowReported">["reason"]>([
  ["work", 60], ["business", 15], ["study", 8], ["residence", 12], ["other", 5]
])
/** `validDays` of a transfer letter; `undefined` = not given (the policy default of 30 applies). */
const validDaysTable = new Table<number | undefined>([[undefined, 30], [30, 40], [60, 20], [90, 10]])
const ageBands = new Table<readonly [number, number]>([
  [[18, 30], 15], [[31, 45], 27], [[46, 60], 27], [[61, 75], 20], [[76, 95], 11]
])
const surnameTable = new Table(Data.surnames)
const compoundTable = new Table(Data.compoundSurnames)
const givenTables: Record<Gender, ReadonlyArray<Table<string>>> = {
  M: Data.givenNames.M.map((list) => byRank(list)),
  F: Data.givenNames.F.map((list) => byRank(list))
}
const birthRegionTable = new Table(Data.birthRegions)
const dottedRegionTable = new Table(Data.dottedRegions)
const tibetanRegionTable = new Table(Data.tibetanRegions)
const phonePrefixTable = new Table(Data.phonePrefixes)

const noiseWeights: Readonly<Record<NoiseKind, number>> = {
  exact: 16,
  "legacy-id": 7,
  "id-typo": 8,
  "id-transposed": 6,
  "id-missing": 11,
  "homophone-name": 10,
  "traditional-name": 6,
  "phone-format": 10,
  "phone-missing": 7,
  "new-phone": 7,
  "name-dot-variant": 0
}

/** Which fields each kind of source carries, as probabilities. */
interface Profile {
  readonly id: number
  readonly phone: number
  readonly birth: number
  readonly gender: number
  readonly hukou: number
}
const profiles: Record<ObservationKind | DataSource, Profile> = {
  inflow: { id: 0.85, phone: 0.9, birth: 0.7, gender: 0.7, hukou: 0.5 },
  lead: { id: 0.2, phone: 0.55, birth: 0.45, gender: 0.3, hukou: 0.3 },
  record: { id: 0.6, phone: 0.5, birth: 0.5, gender: 0.3, hukou: 0.3 },
  "public-security": { id: 1, phone: 0.3, birth: 1, gender: 1, hukou: 0.8 },
  "social-security": { id: 1, phone: 0.8, birth: 0.5, gender: 0, hukou: 0 },
  "civil-affairs": { id: 1, phone: 0.1, birth: 1, gender: 0.5, hukou: 0.3 },
  community: { id: 0.3, phone: 0.9, birth: 0.5, gender: 0.2, hukou: 0.1 },
  other: { id: 0.5, phone: 0.5, birth: 0.5, gender: 0.2, hukou: 0.2 }
}


/** Positions of a name whose character has a homophone in the table. */
const homophonePositions = (chars: ReadonlyArray<string>): Array<number> => {
  const out: Array<number> = []
  chars.forEach((c, i) => {
    if (Data.homophones[c] !== undefined) out.push(i)
  })
  return out
}

const toTraditional = (name: string): string | undefined => {
  let changed = false
  let out = ""
  for (const c of name) {
    const t = Data.traditional[c]
    if (t !== undefined) changed = true
    out += t ?? c
  }
  return changed ? out : undefined
}

// ---------------------------------------------------------------------------------------------
// The organisation tree

interface World {
  /** Parents before children. */
  readonly orgs: ReadonlyArray<Org>
  readonly rootOrgId: string
  readonly branches: Table<Branch>
  readonly districts: ReadonlyArray<DistrictOrgs>
  readonly places: ReadonlyArray<Place>
  readonly placeTable: Table<Place>
  readonly placeByCode: ReadonlyMap<string, Place>
}

interface TownContext {
  readonly d: number
  readonly districtId: string
  readonly townId: string
  readonly town: string
  readonly isTownship: boolean
  readonly district: Data.District
  /** The district's first 街道/乡镇. */
  readonly first: boolean
}

/**
 * 区委 → 街道/乡镇 工委 → branches (one per 30–60 members); 市委 on top when more than one district
 * is needed (about 150 branches each, up to Chengdu's 20). Each district has 驻外 floating branches
 * in the most common destinations; each destination city has a 街道 committee, its floating
 * branch and two community branches.
 */
const buildWorld = (members: number, rng: Random): World => {
  const orgs: Array<Org> = []
  const counters = new Map<string, number>()
  const addOrg = (prefecture: string, name: string, kind: Event.OrgKind, region: string, parentId: string | undefined): string => {
    const n = (counters.get(prefecture) ?? 0) + 1
    counters.set(prefecture, n)
    const orgId = `org-${prefecture}-${pad(n, 4)}`
    orgs.push(parentId === undefined ? { orgId, name, kind, region } : { orgId, name, kind, region, parentId })
    return orgId
  }
  const branches: Array<Branch> = []

  const buildBranches = (at: TownContext, count: number): void => {
    const used = new Set<string>()
    const uses = new Map<string, number>()
    const region = at.district.code
    const add = (name: string, parentId: string): void => {
      const orgId = addOrg("5101", name, "branch", region, parentId)
      branches.push({ orgId, region, townOrgId: at.townId, districtOrgId: at.districtId, district: at.d })
    }
    /** `base` + 党支部, numbered (第一, 第二…) when the base repeats, or by local habit. */
    const numbered = (base: string): string => {
      const n = uses.get(base) ?? 0
      uses.set(base, n + 1)
      if (n === 0 && rng.chance(0.6)) return `${base}党支部`
      return `${base}${Data.ordinals[Math.min(n, Data.ordinals.length - 1)] ?? "第一"}党支部`
    }
    const unique = (make: () => string): string => {
      for (let i = 0; i < 6; i++) {
        const name = make()
        if (!used.has(name)) {
          used.add(name)
          return name
        }
      }
      const base = make()
      let n = 2
      while (used.has(`${base}（${n}）`)) n++
      used.add(`${base}（${n}）`)
      return `${base}（${n}）`
    }
    const kinds = new Table<string>(
      at.isTownship
        ? [["village", 45], ["community", 20], ["private", 12], ["organ", 8], ["institution", 8], ["retired", 4], ["general", 3]]
        : [["community", 45], ["soe", 10], ["private", 18], ["organ", 8], ["institution", 10], ["retired", 5], ["general", 4]]
    )
    const townWord = at.isTownship ? at.town : `${at.town}街道`
    let made = 0
    while (made < count) {
      // The first 街道 of a district always has one 党总支 (of a big community), so the tree has all levels.
      const kind = made === 0 && at.first && count >= 4 ? "general" : kinds.pick(rng)
      switch (kind) {
        case "village":
          add(unique(() => numbered(`${rng.pick(Data.villages)}村`)), at.townId)
          break
        case "community":
          add(unique(() => numbered(`${rng.pick(Data.communities)}社区`)), at.townId)
          break
        case "soe":
          add(unique(() => numbered(`${rng.pick(Data.companyPrefixes)}集团`)), at.townId)
          break
        case "private":
          add(unique(() => `成都${rng.pick(Data.companyPrefixes)}${rng.pick(Data.industries)}有限公司党支部`), at.townId)
          break
        case "organ":
          add(
            unique(() =>
              rng.chance(0.5)
                ? numbered(at.isTownship ? `${at.town}人民政府机关` : `${townWord}办事处机关`)
                : `${at.district.name}${rng.pick(Data.bureaus)}机关党支部`
            ),
            at.townId
          )
          break
        case "institution":
          add(unique(() => `${rng.pick(Data.communities)}${rng.pick(Data.institutions)}党支部`), at.townId)
          break
        case "retired":
          add(unique(() => `${townWord}离退休干部党支部`), at.townId)
          break
        default: {
          // A 党总支 over two or three branches of one big community.
          const community = rng.pick(Data.communities)
          const generalId = addOrg("5101", unique(() => `${community}社区党总支`), "general-branch", region, at.townId)
          const children = Math.max(1, Math.min(rng.int(2, 3), count - made))
          for (let i = 0; i < children; i++) add(unique(() => `${community}社区${Data.ordinals[i] ?? "第一"}党支部`), generalId)
          made += children - 1
        }
      }
      made++
    }
  }

  // Branch capacities of 30–60 members until every member has a place.
  const capacities: Array<number> = []
  let total = 0
  while (total < Math.max(1, members)) {
    const c = rng.int(30, 60)
    capacities.push(c)
    total += c
  }
  const branchCount = capacities.length
  const districtCount = Math.min(Data.districts.length, Math.max(1, Math.ceil(branchCount / 150)))
  let rootOrgId = districtCount > 1 ? addOrg("5101", "中共成都市委员会", "committee", "510100", undefined) : ""
  const popular = [...Data.destinations].sort((a, b) => b.weight - a.weight).slice(0, 4)
  const districtOrgs: Array<DistrictOrgs> = []
  for (let d = 0; d < districtCount; d++) {
    const district = Data.districts[d] as Data.District
    const districtId = addOrg("5101", `中共成都市${district.name}委员会`, "committee", district.code, districtCount > 1 ? rootOrgId : undefined)
    if (districtCount === 1) rootOrgId = districtId
    const away = new Map<string, string>()
    for (const dest of popular) {
      if (rng.chance(0.8)) {
        away.set(dest.code, addOrg("5101", `中共成都市${district.name}驻${dest.short}流动党员党支部`, "floating-branch", dest.code, districtId))
      }
    }
    districtOrgs.push({ orgId: districtId, code: district.code, name: district.name, away })
    const districtBranches = Math.floor(branchCount / districtCount) + (d < branchCount % districtCount ? 1 : 0)
    const names = [...district.towns, ...Data.extraTowns.filter((t) => !district.towns.includes(t))]
    const perTown = Math.max(rng.int(8, 20), Math.ceil(districtBranches / names.length))
    const townCount = Math.max(1, Math.min(names.length, Math.ceil(districtBranches / perTown)))
    for (let t = 0; t < townCount; t++) {
      const town = names[t] as string
      const isTownship = town.endsWith("镇")
      const townId = addOrg("5101", isTownship ? `中共${town}委员会` : `中共${town}街道工作委员会`, "committee", district.code, districtId)
      const count = Math.floor(districtBranches / townCount) + (t < districtBranches % townCount ? 1 : 0)
      buildBranches({ d, districtId, townId, town, isTownship, district, first: t === 0 }, count)
    }
  }

  const places: Array<Place> = []
  for (const destination of Data.destinations) {
    const prefecture = destination.code.slice(0, 4)
    const committeeName = destination.town.endsWith("镇")
      ? `中共${destination.city}${destination.town}委员会`
      : `中共${destination.city}${destination.town}工作委员会`
    const committeeId = addOrg(prefecture, committeeName, "committee", destination.code, undefined)
    const floatingId = addOrg(prefecture, `${destination.city}${destination.town}流动党员党支部`, "floating-branch", destination.code, committeeId)
    const first = rng.pick(Data.placeCommunities)
    let second = rng.pick(Data.placeCommunities)
    while (second === first) second = rng.pick(Data.placeCommunities)
    const placeBranches = [first, second].map((community): Branch => ({
      orgId: addOrg(prefecture, `${destination.town}${community}社区党支部`, "branch", destination.code, committeeId),
      region: destination.code,
      townOrgId: committeeId,
      districtOrgId: committeeId,
      district: -1
    }))
    places.push({ destination, committeeId, floatingId, branches: placeBranches })
  }
  return {
    orgs,
    rootOrgId,
    branches: new Table(branches.map((b, i) => [b, capacities[i] ?? 45] as const)),
    districts: districtOrgs,
    places,
    placeTable: new Table(places.map((p) => [p, p.destination.weight] as const)),
    placeByCode: new Map(places.map((p) => [p.destination.code, p]))
  }
}

const recordOnly = new Table<ObservationKind>([["record", 1]])
const anyKind = new Table<ObservationKind>([["record", 55], ["lead", 25], ["inflow", 20]])

// ---------------------------------------------------------------------------------------------
// The simulator

class Simulator {
  private readonly o: Resolved
  private readonly rng: Random
  private readonly A: number
  /** Members appear from this instant (the day after the organisations are registered). */
  private readonly S0: number
  private readonly behaviourTable: Table<Behaviour>
  private eventCounter = 0
  private seq = 0
  private transferCounter = 0
  private drafts: Array<Draft> = []
  private reporters: Array<Member> = []

  private readonly world: World

  /** Issued identity numbers (members and decoys), as compact keys, so that no two people share one. */
  private readonly usedIds = new Set<number>()
  private readonly regionIndex = new Map<string, number>()
  private readonly birthEpoch: number
  private readonly formatInstant = cstFormatter()

  constructor(options: Resolved) {
    this.o = options
    this.rng = new Random(options.seed)
    this.A = options.asOf
    this.S0 = Simulator.day(options.startAt) + 2 * DAY
    this.behaviourTable = new Table(behaviours.map((b) => [b, options.behaviourWeights[b]] as const))
    this.birthEpoch = addMonths(options.asOf, -100 * 12)
    this.world = buildWorld(options.members, this.rng.fork())
  }

  /** The `OrgRegistered` events, parents first, a minute (or less) apart from the first 09:00 at or after `startAt`. */
  organisations(): Array<Item> {
    const nine = Simulator.day(this.o.startAt) + 9 * 3_600_000
    const start = nine >= this.o.startAt ? nine : nine + DAY
    const step = Math.max(1000, Math.min(MINUTE, Math.floor(43_200 / Math.max(1, this.world.orgs.length)) * 1000))
    const items: Array<Item> = this.world.orgs.map((org, i) => {
      const eventId = this.nextEventId()
      const occurredAt = formatCst(start + i * step)
      const event: Wire<"OrgRegistered"> = {
        eventId,
        type: "OrgRegistered",
        occurredAt,
        orgId: org.orgId,
        source: "org-dept",
        name: org.name,
        ...(org.parentId !== undefined && { parentId: org.parentId }),
        kind: org.kind,
        region: org.region
      }
      return { event }
    })
    return this.deliver(items, 0, 0)
  }

  // -- ids, time, sources ----------------------------------------------------------------------

  private nextEventId(): string {
    return `e-${pad(++this.eventCounter, 8)}`
  }

  private source(name: string): Source {
    return this.rng.chance(0.03) ? {} : { source: name }
  }

  /** Local midnight (+08:00) of the day of `t`. */
  private static day(t: number): number {
    return Math.floor((t + CST) / DAY) * DAY - CST
  }

  /**
   * An event time on the day of `t`, at a time of day typical of the kind of event; never after
   * `asOf` (on the last day an event that would fall later happens at `t` itself).
   */
  private time(t: number, kind: "office" | "meeting" | "dues" | "app"): number {
    const day = Simulator.day(t)
    let offset: number
    switch (kind) {
      case "office":
        offset = (8 * 60 + 30) * MINUTE + this.rng.int(0, 9 * 3600) * 1000
        break
      case "meeting":
        offset = this.rng.pick([9 * 60, 14 * 60 + 30, 19 * 60 + 30]) * MINUTE
        break
      case "dues":
        offset = this.rng.int(8 * 60, 22 * 60 + 59) * MINUTE
        break
      case "app":
        offset = this.rng.int(7 * 3600 + 1800, 22 * 3600 + 1800) * 1000
        break
    }
    const at = day + offset
    return at <= this.A ? at : Math.floor(Math.min(t, this.A) / 1000) * 1000
  }

  private push(at: number, make: Draft["make"], extra?: { readonly label?: Label; readonly behaviour?: Behaviour }): Draft {
    const draft: Draft = { at, seq: this.seq++, make, id: "", ...extra }
    this.drafts.push(draft)
    return draft
  }

  private days(n: number): number {
    return n * DAY
  }

  private uniform(from: number, to: number): number {
    return to <= from ? from : this.rng.between(from, to)
  }

  // -- people ----------------------------------------------------------------------------------

  private phoneNumber(): string {
    return `${phonePrefixTable.pick(this.rng)}${pad(this.rng.int(0, 99_999_999), 8)}`
  }

  private idKey(region: string, birthAt: number, k: number): number {
    let r = this.regionIndex.get(region)
    if (r === undefined) {
      r = this.regionIndex.size
      this.regionIndex.set(region, r)
    }
    const dayIndex = Math.round((birthAt - this.birthEpoch) / DAY)
    return (r * 40_000 + dayIndex) * 500 + k
  }

  /** A valid, never issued identity number: region + birth date + sequence of the right parity + check. */
  private identityNumber(region: string, birthAt: number, gender: Gender): { readonly id18: string; readonly birthAt: number } {
    let at = birthAt
    for (;;) {
      const start = this.rng.int(0, 499)
      for (let i = 0; i < 500; i++) {
        const k = (start + i) % 500
        const key = this.idKey(region, at, k)
        if (this.usedIds.has(key)) continue
        this.usedIds.add(key)
        const sequence = 2 * k + (gender === "M" ? 1 : 0)
        const first17 = `${region}${formatCstDate(at).replaceAll("-", "")}${pad(sequence, 3)}`
        return { id18: first17 + checkCharacter(first17), birthAt: at }
      }
      at -= DAY
    }
  }

  private hanName(gender: Gender, birthYear: number): string {
    const surname = this.rng.chance(0.003) ? compoundTable.pick(this.rng) : surnameTable.pick(this.rng)
    let era = birthYear < 1960 ? 0 : birthYear < 1980 ? 1 : birthYear < 1995 ? 2 : 3
    if (this.rng.chance(0.15)) era = Math.max(0, Math.min(3, era + (this.rng.chance(0.5) ? -1 : 1)))
    return surname + (givenTables[gender][era] as Table<string>).pick(this.rng)
  }

  private person(ages: readonly [number, number], home: Branch): Person {
    const [minAge, maxAge] = ages
    const age = this.rng.int(minAge, maxAge)
    const gender: Gender = this.rng.chance(0.5) ? "M" : "F"
    const roll = this.rng.float()
    const style = roll < 0.02 ? "dotted" : roll < 0.025 ? "tibetan" : "han"
    const birthRegion =
      style === "dotted" ? dottedRegionTable.pick(this.rng) : style === "tibetan" ? tibetanRegionTable.pick(this.rng) : birthRegionTable.pick(this.rng)
    // Born `age` whole years and 2–364 days before asOf: exactly `age` years old then.
    const planned = Simulator.day(this.A) - Math.floor(age * 365.25 + this.rng.int(2, 364)) * DAY
    const { id18, birthAt } = this.identityNumber(birthRegion, planned, gender)
    const birthDate = formatCstDate(birthAt)
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
    const localRegion = home.district >= 0 ? home.region : (Data.districts[0] as Data.District).code
    const hukouRegion =
      style !== "han"
        ? h < 0.5 ? birthRegion : h < 0.9 ? localRegion : undefined
        : h < 0.7 ? localRegion : h < 0.85 ? birthRegion : h < 0.95 ? undefined : this.rng.pick(Data.districts).code
    return { name, style, gender, birthAt, birthDate, birthRegion, id18, idWire, hukouRegion }
  }

  private member(index: number): Member {
    const behaviour = this.behaviourTable.pick(this.rng)
    const home = this.world.branches.pick(this.rng)
    const newJoiner = behaviour !== "ended" && this.rng.chance(0.08)
    const band: readonly [number, number] = newJoiner
      ? [19, 40]
      : behaviour === "ended"
        ? this.rng.chance(0.85) ? [68, 95] : ageBands.pick(this.rng)
        : behaviour === "floating-registered" || behaviour === "floating-unregistered" || behaviour === "returned"
          ? [20, 55]
          : ageBands.pick(this.rng)
    // Lives that need years of membership before asOf need members who were adults by then.
    const minAge = behaviour === "steady" || behaviour === "irregular" ? 18 : 22
    const person = this.person([Math.max(minAge, band[0]), Math.max(minAge, band[1])], home)
    const phoneMissing = this.rng.chance(this.A - person.birthAt > 75 * 365.25 * DAY ? 0.3 : 0.04)
    return {
      index,
      memberId: `m-${pad(index + 1, 7)}`,
      behaviour,
      person,
      newJoiner,
      home,
      phone: phoneMissing ? undefined : this.phoneNumber(),
      hiddenPhone: undefined,
      joinedAt: undefined,
      category: "full",
      registeredAt: this.S0,
      place: undefined
    }
  }

  // -- member events ---------------------------------------------------------------------------

  /**
   * Registers the member at some instant ≤ `latest` (most members during the platform's first
   * half year, the others later; new members when they join). `undefined` when `latest` is before
   * members could appear at all.
   */
  private register(m: Member, latest: number): number | undefined {
    const adult = m.person.birthAt + this.days(18 * 365.25)
    if (latest < Math.max(this.S0, adult)) return undefined
    let registeredAt: number
    if (m.newJoiner || adult > this.o.startAt - this.days(365)) {
      // Joined during the window (and not before turning 18); registered within three weeks.
      const joined = this.uniform(Math.max(this.o.startAt, adult), Math.min(latest, this.A - this.days(20)))
      registeredAt = Math.max(this.S0, Math.min(latest, joined + this.days(this.rng.between(0, 20))))
      m.joinedAt = Math.min(joined, registeredAt)
    } else {
      registeredAt = this.rng.chance(0.82)
        ? this.uniform(this.S0, this.S0 + this.days(180))
        : this.uniform(this.S0 + this.days(180), this.A - this.days(30))
      registeredAt = Math.max(this.S0, Math.min(latest, registeredAt))
      const joinedBy = Math.min(this.o.startAt - this.days(365), registeredAt - this.days(400))
      m.joinedAt = adult < joinedBy ? this.uniform(adult, joinedBy) : adult
    }
    m.category = m.joinedAt + this.days(365) > registeredAt ? "probationary" : "full"
    m.registeredAt = this.time(registeredAt, "office")
    const memberId = m.memberId
    const person = m.person
    const orgId = m.home.orgId
    const source = this.rng.chance(0.97) ? { source: "org-dept" } : {}
    const gender = this.rng.chance(0.98) ? { gender: person.gender } : {}
    const birthDate = this.rng.chance(0.95) ? { birthDate: person.birthDate } : {}
    const phone = m.phone === undefined ? {} : { phone: m.phone }
    const hukou = person.hukouRegion === undefined ? {} : { hukouRegion: person.hukouRegion }
    const category = m.category
    const joinedAt = this.rng.chance(0.96) ? { joinedAt: formatCstDate(m.joinedAt) } : {}
    this.push(
      m.registeredAt,
      (eventId, occurredAt): Wire<"MemberRegistered"> => ({
        eventId,
        type: "MemberRegistered",
        occurredAt,
        orgId,
        ...source,
        memberId,
        name: person.name,
        idNumber: person.idWire,
        ...gender,
        ...birthDate,
        ...phone,
        ...hukou,
        category,
        ...joinedAt
      }),
      { behaviour: m.behaviour }
    )
    return m.registeredAt
  }

  /** 转正: a probationary member becomes full a year after joining, if still in contact by `until`. */
  private probationEnds(m: Member, until: number): void {
    if (m.category !== "probationary" || m.joinedAt === undefined) return
    const at = m.joinedAt + this.days(365 + this.rng.int(0, 45))
    if (at <= m.registeredAt || at > Math.min(until, this.A)) return
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("org-dept")
    this.push(this.time(at, "office"), (eventId, occurredAt): Wire<"MemberUpdated"> => ({
      eventId,
      type: "MemberUpdated",
      occurredAt,
      orgId,
      ...source,
      memberId,
      category: "full"
    }))
  }

  private contact(m: Member, t: number, channel: ContactChannel, orgId: string = m.home.orgId): number {
    const at = this.time(t, channel === "meeting" ? "meeting" : channel === "dues" ? "dues" : "app")
    const memberId = m.memberId
    const source = this.source(channel === "dues" ? "dues-system" : "dangjian-app")
    this.push(at, (eventId, occurredAt): Wire<"ContactRecorded"> => ({
      eventId,
      type: "ContactRecorded",
      occurredAt,
      orgId,
      ...source,
      memberId,
      channel
    }))
    return at
  }

  /**
   * Contacts every `gapMin`–`gapMax` days after `from` and up to `to`; the last one is within
   * `gapMax` days of `to`. Returns the instant of the last contact (`from` when there is none).
   */
  private contacts(
    m: Member,
    from: number,
    to: number,
    gapMin: number,
    gapMax: number,
    channels: Table<ContactChannel> = contactChannels,
    orgOf?: (channel: ContactChannel) => string
  ): number {
    let last = from
    // A member in regular contact attends a meeting and pays dues at least every ~4 months
    // (otherwise 党章 art. 9's six months would flag half of the steady members).
    const regular = channels === contactChannels
    let lastMeeting = from
    let lastDues = from
    let t = from + this.days(this.rng.between(gapMin, gapMax))
    while (t <= to) {
      const channel: ContactChannel = !regular
        ? channels.pick(this.rng)
        : t - lastMeeting > this.days(120)
          ? "meeting"
          : t - lastDues > this.days(120)
            ? "dues"
            : channels.pick(this.rng)
      if (channel === "meeting") lastMeeting = t
      else if (channel === "dues") lastDues = t
      last = this.contact(m, t, channel, orgOf?.(channel) ?? m.home.orgId)
      t += this.days(this.rng.between(gapMin, gapMax))
    }
    return last
  }

  private changePhone(m: Member, t: number): void {
    const phone = this.phoneNumber()
    m.phone = phone
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("dangjian-app")
    this.push(this.time(t, "app"), (eventId, occurredAt): Wire<"MemberUpdated"> => ({
      eventId,
      type: "MemberUpdated",
      occurredAt,
      orgId,
      ...source,
      memberId,
      phone
    }))
  }

  private moveHukou(m: Member, t: number): void {
    const hukouRegion = this.rng.pick(Data.districts).code
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("org-dept")
    this.push(this.time(t, "office"), (eventId, occurredAt): Wire<"MemberUpdated"> => ({
      eventId,
      type: "MemberUpdated",
      occurredAt,
      orgId,
      ...source,
      memberId,
      hukouRegion
    }))
  }

  private outflow(m: Member, t: number): number {
    const place = this.world.placeTable.pick(this.rng)
    m.place = place
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("dangjian-app")
    const destinationRegion = place.destination.code
    const detail = this.rng.chance(0.6) ? { destinationDetail: `${place.destination.place}${this.rng.pick(Data.destinationDetails)}` } : {}
    const reason = outflowReasons.pick(this.rng)
    const fixed = this.rng.float()
    const fixedLocation = fixed < 0.45 ? { fixedLocation: true } : fixed < 0.8 ? { fixedLocation: false } : {}
    const expectedReturn = this.rng.chance(0.25)
      ? { expectedReturn: formatCstDate(t + this.days(this.rng.int(90, 1000))) }
      : {}
    const at = this.time(t, "app")
    this.push(at, (eventId, occurredAt): Wire<"OutflowReported"> => ({
      eventId,
      type: "OutflowReported",
      occurredAt,
      orgId,
      ...source,
      memberId,
      destinationRegion,
      ...detail,
      reason,
      ...fixedLocation,
      ...expectedReturn
    }))
    return at
  }

  /** The organisation a member registers with at the destination: the district's 驻外 branch or the local one. */
  private inflowOrg(m: Member, place: Place): string {
    const away = m.home.district >= 0 ? this.world.districts[m.home.district]?.away.get(place.destination.code) : undefined
    return away !== undefined && this.rng.chance(0.6) ? away : place.floatingId
  }

  private inflow(m: Member, t: number, place: Place): { readonly at: number; readonly orgId: string } {
    const orgId = this.inflowOrg(m, place)
    const region = place.destination.code
    const memberId = m.memberId
    const source = this.source("dangjian-app")
    const at = this.time(t, "app")
    this.push(at, (eventId, occurredAt): Wire<"InflowRegistered"> => ({
      eventId,
      type: "InflowRegistered",
      occurredAt,
      orgId,
      ...source,
      region,
      memberId
    }))
    return { at, orgId }
  }

  private returned(m: Member, t: number): number {
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("dangjian-app")
    const at = this.time(t, "app")
    this.push(at, (eventId, occurredAt): Wire<"ReturnReported"> => ({ eventId, type: "ReturnReported", occurredAt, orgId, ...source, memberId }))
    return at
  }

  private transferTarget(m: Member): Branch {
    if (this.rng.chance(0.25)) return this.rng.pick(this.world.placeTable.pick(this.rng).branches)
    for (let i = 0; i < 5; i++) {
      const b = this.world.branches.pick(this.rng)
      if (b.orgId !== m.home.orgId) return b
    }
    return this.rng.pick(this.world.places[0]?.branches ?? [m.home])
  }

  private transferIssued(m: Member, t: number, to: Branch, validDays: number | undefined): string {
    const transferId = `t-${pad(++this.transferCounter, 7)}`
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("org-dept")
    const toOrgId = to.orgId
    const valid = validDays === undefined ? {} : { validDays }
    this.push(this.time(t, "office"), (eventId, occurredAt): Wire<"TransferIssued"> => ({
      eventId,
      type: "TransferIssued",
      occurredAt,
      orgId,
      ...source,
      memberId,
      transferId,
      toOrgId,
      ...valid
    }))
    return transferId
  }

  private transferReceived(m: Member, t: number, transferId: string, to: Branch): number {
    const memberId = m.memberId
    const orgId = to.orgId
    const source = this.source("org-dept")
    const at = this.time(t, "office")
    this.push(at, (eventId, occurredAt): Wire<"TransferReceived"> => ({
      eventId,
      type: "TransferReceived",
      occurredAt,
      orgId,
      ...source,
      memberId,
      transferId
    }))
    return at
  }

  private transferCancelled(m: Member, t: number, transferId: string): void {
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("org-dept")
    this.push(this.time(t, "office"), (eventId, occurredAt): Wire<"TransferCancelled"> => ({
      eventId,
      type: "TransferCancelled",
      occurredAt,
      orgId,
      ...source,
      memberId,
      transferId
    }))
  }

  private searchFailed(m: Member, t: number, channel: SearchChannel): void {
    const memberId = m.memberId
    const orgId = this.rng.chance(0.85) ? m.home.orgId : m.home.townOrgId
    const source = this.source("dangjian-app")
    const note = this.rng.chance(0.7) ? { note: this.rng.pick(Data.searchNotes[channel]) } : {}
    this.push(this.time(t, "app"), (eventId, occurredAt): Wire<"SearchAttemptFailed"> => ({
      eventId,
      type: "SearchAttemptFailed",
      occurredAt,
      orgId,
      ...source,
      memberId,
      channel,
      ...note
    }))
  }

  /** `count` failed searches between `from` and `to`; with `twoChannels`, at least two channels. */
  private searches(m: Member, from: number, to: number, count: number, twoChannels: boolean): void {
    if (to <= from) return
    const channels: Array<SearchChannel> = []
    for (let i = 0; i < count; i++) channels.push(searchChannels.pick(this.rng))
    if (twoChannels && count >= 2 && channels.every((c) => c === channels[0])) channels[1] = channels[0] === "phone" ? "visit" : "phone"
    const times = channels.map(() => this.uniform(from, to)).sort((a, b) => a - b)
    channels.forEach((channel, i) => this.searchFailed(m, times[i] ?? from, channel))
  }

  private decide(m: Member, t: number, decision: Wire<"StatusDecided">["decision"]): number {
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("org-dept")
    const at = this.time(t, "office")
    this.push(at, (eventId, occurredAt): Wire<"StatusDecided"> => ({
      eventId,
      type: "StatusDecided",
      occurredAt,
      orgId,
      ...source,
      memberId,
      decision
    }))
    return at
  }

  // -- observations ----------------------------------------------------------------------------

  private chooseNoise(m: Member): NoiseKind {
    const p = m.person
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
          if (m.phone === undefined) w = 0
          break
        case "new-phone":
          if (m.hiddenPhone !== undefined) w *= 3
          break
        case "name-dot-variant":
          w = p.style === "dotted" ? 200 : 0
          break
        default:
          break
      }
      weights.push([kind, w])
    }
    return new Table(weights).pick(this.rng)
  }

  private homophone(name: string): string | undefined {
    const chars = Array.from(name)
    const positions = homophonePositions(chars)
    if (positions.length === 0) return undefined
    const i = this.rng.pick(positions)
    chars[i] = this.rng.pick(Data.homophones[chars[i] ?? ""] ?? [])
    return chars.join("")
  }

  private formatPhone(phone: string): string {
    const [a, b, c] = [phone.slice(0, 3), phone.slice(3, 7), phone.slice(7)]
    switch (this.rng.int(0, 7)) {
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

  private idTypo(id: string): string {
    const last = id.length === 18 ? 16 : id.length - 1
    const i = this.rng.int(0, last)
    const d = Number(id[i])
    return id.slice(0, i) + String((d + this.rng.int(1, 9)) % 10) + id.slice(i + 1)
  }

  private idTransposed(id: string): string {
    const pairs = id.length === 18 ? 16 : id.length - 1
    const start = this.rng.int(0, pairs - 1)
    for (let k = 0; k < pairs; k++) {
      const i = (start + k) % pairs
      if (id[i] !== id[i + 1]) return id.slice(0, i) + (id[i + 1] ?? "") + (id[i] ?? "") + id.slice(i + 2)
    }
    return this.idTypo(id)
  }

  /** What a source knows of the member, with one kind of noise. */
  private noisyIdentity(m: Member, profile: Profile): { readonly identity: IdentityWire; readonly noise: NoiseKind } {
    const p = m.person
    const noise = this.chooseNoise(m)
    let hasId = this.rng.chance(profile.id)
    let hasPhone = this.rng.chance(profile.phone)
    let hasBirth = this.rng.chance(profile.birth)
    const hasGender = this.rng.chance(profile.gender)
    const hasHukou = this.rng.chance(profile.hukou)
    let name = p.name
    let id = p.idWire
    let phone = m.phone
    switch (noise) {
      case "legacy-id":
        hasId = true
        id = p.id18.slice(0, 6) + p.id18.slice(8, 17)
        break
      case "id-typo":
        hasId = true
        id = this.idTypo(id)
        break
      case "id-transposed":
        hasId = true
        id = this.idTransposed(id)
        break
      case "id-missing":
        hasId = false
        hasBirth = true
        hasPhone = m.phone !== undefined
        break
      case "homophone-name":
        name = this.homophone(name) ?? name
        break
      case "traditional-name":
        name = toTraditional(name) ?? name
        break
      case "name-dot-variant":
        name = name.replace("·", this.rng.pick(Data.dotVariants))
        break
      case "phone-format":
        hasPhone = true
        phone = m.phone === undefined ? undefined : this.formatPhone(m.phone)
        break
      case "phone-missing":
        hasPhone = false
        if (!hasId && !hasBirth) hasBirth = true
        break
      case "new-phone":
        hasPhone = true
        m.hiddenPhone ??= this.phoneNumber()
        phone = m.hiddenPhone
        break
      case "exact":
        break
    }
    const identity: IdentityWire = { name }
    if (hasId) identity.idNumber = id
    if (hasBirth) identity.birthDate = p.birthDate
    if (hasGender) identity.gender = p.gender
    if (hasPhone && phone !== undefined) identity.phone = phone
    if (hasHukou) identity.hukouRegion = p.hukouRegion ?? p.birthRegion
    return { identity, noise }
  }

  /** The region an observation of the member comes from. */
  private regionOf(m: Member): string {
    if (m.place !== undefined && this.rng.chance(0.7)) return m.place.destination.code
    return this.rng.chance(0.5) ? m.home.region : this.world.placeTable.pick(this.rng).destination.code
  }

  private reporter(): Member | undefined {
    return this.reporters.length === 0 ? undefined : this.rng.pick(this.reporters)
  }

  private placeName(region: string): string {
    const place = this.world.placeByCode.get(region)
    if (place !== undefined) return place.destination.place
    const district = Data.districts.find((d) => d.code === region)
    return district === undefined ? "外地" : `四川省成都市${district.name}`
  }

  /** Emits an observation carrying `identity`, of the given kind, at `t`. */
  private observationEvent(t: number, kind: ObservationKind, identity: IdentityWire, region: string, label: Label, dataSource: DataSource): Draft {
    switch (kind) {
      case "inflow": {
        const place = this.world.placeByCode.get(region) ?? this.world.placeTable.pick(this.rng)
        const orgId = this.rng.chance(0.7) ? place.floatingId : this.rng.pick(place.branches).orgId
        const inflowRegion = place.destination.code
        const source = this.source("dangjian-app")
        return this.push(
          this.time(t, "app"),
          (eventId, occurredAt): Wire<"InflowRegistered"> => ({
            eventId,
            type: "InflowRegistered",
            occurredAt,
            orgId,
            ...source,
            region: inflowRegion,
            identity
          }),
          { label }
        )
      }
      case "lead": {
        const reporter = this.reporter()
        const orgId = reporter?.home.orgId ?? this.world.branches.pick(this.rng).orgId
        const by = reporter === undefined || this.rng.chance(0.15) ? {} : { reporterMemberId: reporter.memberId }
        const source = this.source("dangjian-app")
        const note = this.rng.chance(0.7) ? { note: this.rng.pick(Data.leadNotes).replace("{place}", this.placeName(region)) } : {}
        return this.push(
          this.time(t, "app"),
          (eventId, occurredAt): Wire<"LeadReported"> => ({
            eventId,
            type: "LeadReported",
            occurredAt,
            orgId,
            ...source,
            subject: identity,
            ...by,
            region,
            ...note
          }),
          { label }
        )
      }
      case "record": {
        const orgId = this.rng.chance(0.6) ? this.world.rootOrgId : this.world.branches.pick(this.rng).townOrgId
        const source = this.rng.chance(0.97) ? { source: feedOf[dataSource] } : {}
        return this.push(
          this.time(t, "app"),
          (eventId, occurredAt): Wire<"RecordObserved"> => ({
            eventId,
            type: "RecordObserved",
            occurredAt,
            orgId,
            ...source,
            identity,
            region,
            dataSource
          }),
          { label }
        )
      }
    }
  }

  /**
   * A labelled, noisy observation of the member at some time in [from, asOf]; `confirm` is the
   * chance that a reviewer confirms it (`MatchResolved`) some days later.
   */
  private observe(m: Member, from: number, kinds: Table<ObservationKind>, confirm: number): void {
    if (from >= this.A) return
    const t = this.uniform(from, this.A)
    let kind = kinds.pick(this.rng)
    if (kind === "inflow" && m.place === undefined && this.rng.chance(0.5)) kind = "record"
    const dataSource = dataSources.pick(this.rng)
    const profile = profiles[kind === "record" ? dataSource : kind]
    const { identity, noise } = this.noisyIdentity(m, profile)
    const region = kind === "inflow" && m.place !== undefined ? m.place.destination.code : this.regionOf(m)
    const draft = this.observationEvent(t, kind, identity, region, { memberId: m.memberId, noise }, dataSource)
    if (this.rng.chance(confirm)) this.resolve(draft, m, "confirmed")
  }

  private resolve(observation: Draft, m: Member, resolution: "confirmed" | "rejected"): void {
    const t = observation.at + this.days(this.rng.between(2, 30))
    if (t > this.A) return
    const memberId = m.memberId
    const orgId = m.home.orgId
    const source = this.source("org-dept")
    this.push(this.time(t, "office"), (eventId, occurredAt): Wire<"MatchResolved"> => ({
      eventId,
      type: "MatchResolved",
      occurredAt,
      orgId,
      ...source,
      observationEventId: observation.id,
      memberId,
      resolution
    }))
  }

  /** 党员找党员 about a member by id: someone saw them. */
  private leadAbout(m: Member, from: number): void {
    if (from >= this.A) return
    const t = this.uniform(from, this.A)
    const reporter = this.reporter()
    const orgId = reporter?.home.orgId ?? m.home.orgId
    const by = reporter === undefined ? {} : { reporterMemberId: reporter.memberId }
    const region = this.regionOf(m)
    const phone = this.rng.chance(0.2) ? { phone: (m.hiddenPhone ??= this.phoneNumber()) } : {}
    const note = this.rng.chance(0.8) ? { note: this.rng.pick(Data.leadNotes).replace("{place}", this.placeName(region)) } : {}
    const subject = { memberId: m.memberId }
    const source = this.source("dangjian-app")
    this.push(this.time(t, "app"), (eventId, occurredAt): Wire<"LeadReported"> => ({
      eventId,
      type: "LeadReported",
      occurredAt,
      orgId,
      ...source,
      subject,
      ...by,
      region,
      ...phone,
      ...note
    }))
  }

  /** A person who is no member, made to resemble `m`. */
  private decoy(m: Member): void {
    const p = m.person
    const homophone = this.homophone(p.name)
    const roll = this.rng.float()
    const noise: DecoyKind =
      roll < 0.25 && homophone !== undefined ? "decoy-homophone-name" : roll < 0.55 ? "decoy-same-name-birth-year" : "decoy-same-name"
    const name = noise === "decoy-homophone-name" ? (homophone ?? p.name) : p.name
    const birthYear = Number(p.birthDate.slice(0, 4))
    let birthAt: number
    if (noise === "decoy-same-name-birth-year") {
      const jan1 = Date.parse(`${birthYear}-01-01T00:00:00+08:00`)
      do birthAt = jan1 + this.rng.int(0, 364) * DAY
      while (formatCstDate(birthAt) === p.birthDate)
    } else {
      const years = this.rng.int(3, 25) * (this.rng.chance(0.5) ? 1 : -1)
      birthAt = Simulator.day(p.birthAt + this.days(years * 365.2425 + this.rng.int(-180, 180)))
      const youngest = Simulator.day(this.A - this.days(18 * 365.25 + 30))
      const oldest = Simulator.day(this.A - this.days(95 * 365.25))
      birthAt = Math.max(oldest, Math.min(youngest, birthAt))
    }
    const region =
      noise === "decoy-same-name-birth-year" && this.rng.chance(0.6)
        ? p.birthRegion
        : p.style === "dotted" ? dottedRegionTable.pick(this.rng) : birthRegionTable.pick(this.rng)
    const { id18, birthAt: born } = this.identityNumber(region, birthAt, p.gender)
    const kinds = new Table<ObservationKind>([["record", 60], ["lead", 20], ["inflow", 20]])
    const kind = kinds.pick(this.rng)
    const dataSource = dataSources.pick(this.rng)
    const profile = profiles[kind === "record" ? dataSource : kind]
    const identity: IdentityWire = { name }
    if (this.rng.chance(profile.id)) identity.idNumber = id18
    if (this.rng.chance(Math.max(profile.birth, 0.5))) identity.birthDate = formatCstDate(born)
    if (this.rng.chance(profile.gender)) identity.gender = p.gender
    if (this.rng.chance(profile.phone)) identity.phone = this.phoneNumber()
    if (this.rng.chance(profile.hukou)) identity.hukouRegion = this.rng.chance(0.5) ? region : m.home.region
    const t = this.uniform(this.S0 + this.days(30), this.A)
    const region2 = this.rng.chance(0.5) ? m.home.region : this.world.placeTable.pick(this.rng).destination.code
    const draft = this.observationEvent(t, kind, identity, region2, { memberId: undefined, noise, resembles: m.memberId }, dataSource)
    if (this.rng.chance(0.2)) this.resolve(draft, m, "rejected")
  }

  // -- lives -----------------------------------------------------------------------------------

  private fallback(m: Member): void {
    m.behaviour = "steady"
    this.steady(m)
  }

  private rate(p: number): number {
    return Math.min(1, p * this.o.observationRate)
  }

  private steady(m: Member): void {
    const R = this.register(m, this.A) ?? this.S0
    this.contacts(m, R, this.A, 40, 80)
    if (this.rng.chance(0.06)) this.changePhone(m, this.uniform(R + this.days(20), this.A))
    if (this.rng.chance(0.02)) this.moveHukou(m, this.uniform(R + this.days(20), this.A))
    if (this.rng.chance(this.rate(0.01))) this.observe(m, R, recordOnly, 0)
    this.probationEnds(m, this.A)
    this.reporters.push(m)
  }

  private irregular(m: Member): void {
    const L = this.A - this.days(this.rng.between(60, 175))
    const R = this.register(m, L - DAY)
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, L - this.days(35), 35, 110)
    const last = this.contact(m, L, contactChannels.pick(this.rng))
    if (this.rng.chance(0.25)) {
      const t = last + this.days(this.rng.between(80, 120))
      if (t <= this.A) this.searchFailed(m, t, "phone")
    }
    if (this.rng.chance(this.rate(0.08))) this.observe(m, last + this.days(20), anyKind, 0.1)
    if (this.rng.chance(this.rate(0.06))) this.leadAbout(m, last + this.days(20))
    this.probationEnds(m, last)
  }

  private floatingRegistered(m: Member): void {
    const O = this.A - this.days(this.rng.between(20, 900))
    const R = this.register(m, O - this.days(20))
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, O, 40, 80)
    const left = this.outflow(m, O)
    const place = m.place as Place
    const t = left + this.days(this.rng.between(3, 45))
    const registered = t <= this.A ? this.inflow(m, t, place) : undefined
    if (registered === undefined) this.contacts(m, left, this.A, 40, 80, awayChannels)
    else {
      // Registered there: 组织生活 at the 流入地 organisation, dues and calls with the home branch.
      const before = this.contacts(m, left, registered.at - this.days(10), 40, 80, awayChannels)
      this.contacts(m, Math.max(before, registered.at), this.A, 40, 80, contactChannels, (channel) =>
        channel === "meeting" && this.rng.chance(0.8) ? registered.orgId : m.home.orgId
      )
    }
    if (this.rng.chance(0.05)) this.changePhone(m, this.uniform(left, this.A))
    this.probationEnds(m, this.A)
  }

  private floatingUnregistered(m: Member): void {
    const O = this.A - this.days(this.rng.between(5, 170))
    const R = this.register(m, O - this.days(20))
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, O, 40, 80)
    const left = this.outflow(m, O)
    const place = m.place as Place
    if (this.rng.chance(0.4)) {
      const n = this.rng.int(1, 2)
      for (let i = 0; i < n; i++) this.contact(m, this.uniform(left + DAY, this.A), awayChannels.pick(this.rng))
    }
    if (this.rng.chance(this.rate(0.55))) {
      // 党员找组织: the member registers at the 流入地 with an identity, not knowing the member id.
      const t = left + this.days(this.rng.between(10, 90))
      if (t <= this.A) {
        const dataSource = dataSources.pick(this.rng)
        const { identity, noise } = this.noisyIdentity(m, profiles.inflow)
        const draft = this.observationEvent(t, "inflow", identity, place.destination.code, { memberId: m.memberId, noise }, dataSource)
        if (this.rng.chance(0.25)) this.resolve(draft, m, "confirmed")
      }
    }
    if (this.rng.chance(this.rate(0.2))) this.observe(m, left + this.days(20), recordOnly, 0.1)
    if (this.rng.chance(this.rate(0.15))) this.leadAbout(m, left + this.days(10))
    this.probationEnds(m, this.A)
  }

  private returnedLife(m: Member): void {
    const O = this.A - this.days(this.rng.between(240, 900))
    const R = this.register(m, O - this.days(20))
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, O, 40, 80)
    const left = this.outflow(m, O)
    const back = Math.min(left + this.days(this.rng.between(60, 300)), this.A - this.days(20))
    const t = left + this.days(this.rng.between(3, 40))
    if (this.rng.chance(0.75) && t < back - DAY) this.inflow(m, t, m.place as Place)
    this.contacts(m, left, back - this.days(5), 40, 80, awayChannels)
    const at = this.returned(m, back)
    this.contacts(m, at, this.A, 40, 80)
    this.probationEnds(m, this.A)
  }

  private transferInTime(m: Member): void {
    const validDays = validDaysTable.pick(this.rng)
    const valid = validDays ?? 30
    const to = this.transferTarget(m)
    if (this.rng.chance(0.55)) {
      const X = this.A - this.days(this.rng.between(valid + 5, 900))
      const R = this.register(m, X - this.days(30))
      if (R === undefined) return this.fallback(m)
      this.contacts(m, R, X - this.days(3), 40, 80)
      this.contact(m, X - this.days(this.rng.between(0, 3)), this.rng.chance(0.5) ? "visit" : "other")
      const transferId = this.transferIssued(m, X, to, validDays)
      const received = this.transferReceived(m, X + this.days(this.rng.int(1, valid - 1)), transferId, to)
      this.probationEnds(m, received)
      m.home = to
      this.contacts(m, received, this.A, 40, 80)
    } else {
      const X = this.A - this.days(this.rng.between(1, Math.min(valid - 1, 80)))
      const R = this.register(m, X - this.days(30))
      if (R === undefined) return this.fallback(m)
      this.contacts(m, R, X - this.days(3), 40, 80)
      this.contact(m, X - this.days(this.rng.between(0, 3)), this.rng.chance(0.5) ? "visit" : "other")
      this.transferIssued(m, X, to, validDays)
      this.probationEnds(m, this.A)
    }
  }

  private transferOverdue(m: Member): void {
    const validDays = validDaysTable.pick(this.rng)
    const valid = validDays ?? 30
    const to = this.transferTarget(m)
    const late = this.rng.chance(0.2) ? this.rng.between(-3, 3) : this.rng.between(1, 200)
    const X = this.A - this.days(valid + late)
    const R = this.register(m, X - this.days(30))
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, X - this.days(3), 40, 80)
    const last = this.contact(m, X - this.days(this.rng.between(0, 3)), this.rng.chance(0.5) ? "visit" : "other")
    this.transferIssued(m, X, to, validDays)
    if (this.rng.chance(0.4)) this.contacts(m, X, this.A, 50, 150, awayChannels)
    if (this.rng.chance(this.rate(0.1))) this.observe(m, X + this.days(10), anyKind, 0.1)
    this.probationEnds(m, last)
  }

  private transferCancelledLife(m: Member): void {
    const validDays = validDaysTable.pick(this.rng)
    const valid = validDays ?? 30
    const X = this.A - this.days(this.rng.between(40, 800))
    const R = this.register(m, X - this.days(30))
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, this.A, 40, 80)
    const transferId = this.transferIssued(m, X, this.transferTarget(m), validDays)
    this.transferCancelled(m, X + this.days(this.rng.between(3, Math.min(valid, 60))), transferId)
    this.probationEnds(m, this.A)
    this.reporters.push(m)
  }

  /** Contact until `L` (the last contact is at `L`); 45 % of the time the last one is an 外出报告. */
  private fadeOut(m: Member, L: number, outflowChance: number): number {
    this.contacts(m, m.registeredAt, L - this.days(35), 35, 100)
    if (this.rng.chance(outflowChance)) return this.outflow(m, L)
    return this.contact(m, L, contactChannels.pick(this.rng))
  }

  private lost(m: Member): void {
    const L = this.A - this.days(this.rng.chance(0.15) ? this.rng.between(170, 195) : this.rng.between(188, 850))
    if (this.register(m, L - DAY) === undefined) return this.fallback(m)
    const last = this.fadeOut(m, L, 0.45)
    const roll = this.rng.float()
    const count = roll < 0.15 ? 0 : roll < 0.4 ? this.rng.int(1, 2) : this.rng.int(3, 6)
    this.searches(m, last + this.days(60), this.A, count, true)
    if (this.rng.chance(0.3)) m.hiddenPhone = this.phoneNumber()
    if (this.rng.chance(this.rate(0.5))) {
      const n = this.rng.int(1, 2)
      for (let i = 0; i < n; i++) this.observe(m, last + this.days(30), anyKind, 0.2)
    }
    if (this.rng.chance(this.rate(0.25))) this.leadAbout(m, last + this.days(30))
    this.probationEnds(m, last)
  }

  /** Lost, searched for, suspended; returns the suspension instant, or undefined when the window is too short. */
  private suspendAfter(m: Member, L: number, suspendAt: number): number {
    const last = this.fadeOut(m, L, 0.3)
    this.searches(m, last + this.days(30), suspendAt - DAY, this.rng.int(3, 6), true)
    this.probationEnds(m, last)
    return this.decide(m, suspendAt, "suspend")
  }

  private suspended(m: Member): void {
    // A third lost contact soon after the platform started: suspended for two years by now, removal due.
    let L = this.rng.chance(0.3) ? this.S0 + this.days(this.rng.between(2, 60)) : this.A - this.days(this.rng.between(200, 900))
    if (L < this.S0 + this.days(2)) L = this.S0 + this.days(this.rng.between(2, 30))
    const room = (this.A - L) / DAY - 1
    if (room < 186 || this.register(m, L - DAY) === undefined) return this.fallback(m)
    const S = this.suspendAfter(m, L, L + this.days(this.rng.between(185, Math.min(L < this.S0 + this.days(61) ? 200 : 400, room))))
    if (this.rng.chance(0.15)) {
      const t = S + this.days(this.rng.between(30, 600))
      if (t < this.A - DAY) {
        const restored = this.decide(m, t, "restore")
        this.contacts(m, restored, this.A, 40, 80)
        return
      }
    }
    if (this.rng.chance(0.1)) this.searches(m, S + DAY, this.A, 1, false)
    if (this.rng.chance(this.rate(0.2))) this.observe(m, S, recordOnly, 0.1)
  }

  private removed(m: Member): void {
    const viaSuspension = this.rng.chance(0.6)
    const window = (this.A - this.S0) / DAY
    if (viaSuspension && window > 940) {
      const L = this.A - this.days(this.rng.between(925, Math.min(1060, window - 2)))
      const S = L + this.days(this.rng.between(185, 195))
      const removeAt = Math.min(S + this.days(this.rng.between(731, 760)), this.A - DAY)
      if (removeAt >= S + this.days(730) && this.register(m, L - DAY) !== undefined) {
        const suspended = this.suspendAfter(m, L, S)
        this.decide(m, Math.max(removeAt, suspended + this.days(730)), "remove")
        return
      }
    }
    // 自行脱党: six months without dues or organisational life, removed directly.
    const L = this.A - this.days(this.rng.between(220, Math.min(900, window - 2)))
    if (this.register(m, L - DAY) === undefined) return this.fallback(m)
    const last = this.fadeOut(m, L, 0.2)
    const removeAt = Math.min(last + this.days(this.rng.between(190, 400)), this.A - DAY)
    this.searches(m, last + this.days(30), removeAt - DAY, this.rng.int(1, 4), true)
    this.probationEnds(m, last)
    this.decide(m, removeAt, "remove")
  }

  private ended(m: Member): void {
    const D = this.A - this.days(this.rng.between(1, 900))
    if (this.register(m, D - this.days(30)) === undefined) return this.fallback(m)
    const last = this.contacts(m, m.registeredAt, D - this.days(this.rng.between(0, 60)), 40, 80)
    const deceased = this.A - m.person.birthAt > 60 * 365.25 * DAY ? this.rng.chance(0.9) : this.rng.chance(0.3)
    const at = this.decide(m, Math.max(D, last + DAY), deceased ? "deceased" : "left")
    if (deceased && this.rng.chance(this.rate(0.2))) {
      // The 民政 death registration shows up later in a data exchange.
      const t = at + this.days(this.rng.between(5, 60))
      if (t <= this.A) {
        const { identity, noise } = this.noisyIdentity(m, profiles["civil-affairs"])
        this.observationEvent(t, "record", identity, m.home.region, { memberId: m.memberId, noise }, "civil-affairs")
      }
    }
    this.probationEnds(m, last)
  }

  private live(m: Member): void {
    switch (m.behaviour) {
      case "steady":
        return this.steady(m)
      case "irregular":
        return this.irregular(m)
      case "floating-registered":
        return this.floatingRegistered(m)
      case "floating-unregistered":
        return this.floatingUnregistered(m)
      case "transfer-in-time":
        return this.transferInTime(m)
      case "transfer-overdue":
        return this.transferOverdue(m)
      case "transfer-cancelled":
        return this.transferCancelledLife(m)
      case "lost":
        return this.lost(m)
      case "suspended":
        return this.suspended(m)
      case "removed":
        return this.removed(m)
      case "returned":
        return this.returnedLife(m)
      case "ended":
        return this.ended(m)
    }
  }

  // -- batches ---------------------------------------------------------------------------------

  /** Members `start` … `start + count − 1`: their events sorted by time, numbered, then delivered. */
  batch(start: number, count: number): Array<Item> {
    this.drafts = []
    this.reporters = []
    const members: Array<Member> = []
    for (let i = 0; i < count; i++) {
      const m = this.member(start + i)
      members.push(m)
      this.live(m)
    }
    const matchable = members.filter((m) => m.behaviour !== "steady" && m.behaviour !== "ended")
    const decoys = Math.floor(count * this.o.decoyRate + this.rng.float())
    for (let i = 0; i < decoys && members.length > 0; i++) {
      this.decoy(matchable.length > 0 && this.rng.chance(0.7) ? this.rng.pick(matchable) : this.rng.pick(members))
    }
    const drafts = this.drafts
    drafts.sort((a, b) => a.at - b.at || a.seq - b.seq)
    for (const draft of drafts) draft.id = this.nextEventId()
    const items: Array<Item> = drafts.map((d) => {
      const event = d.make(d.id, this.formatInstant(d.at))
      return d.label !== undefined ? { event, label: d.label } : d.behaviour !== undefined ? { event, behaviour: d.behaviour } : { event }
    })
    this.drafts = []
    return this.deliver(items, this.o.reorderRate, this.o.reorderWindow)
  }

  /**
   * As a Kafka export delivers: a share of items moved within `window` places (and a few anywhere
   * in the batch), and `duplicateRate` of them delivered a second time, a little or much later.
   */
  private deliver(items: ReadonlyArray<Item>, reorderRate: number, window: number): Array<Item> {
    const n = items.length
    const keys: Array<number> = []
    const which: Array<number> = []
    for (let i = 0; i < n; i++) {
      const r = this.rng.float()
      const key = r < reorderRate ? i + (this.rng.float() * 2 - 1) * window : r < reorderRate + (reorderRate > 0 ? 0.002 : 0) ? this.rng.float() * n : i
      keys.push(key)
      which.push(i)
      if (this.rng.chance(this.o.duplicateRate)) {
        keys.push(key + (this.rng.chance(0.8) ? this.rng.between(1, 40) : this.rng.between(1, Math.max(2, n - i))))
        which.push(i)
      }
    }
    const order = Array.from(keys.keys()).sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b)
    return order.map((k) => items[which[k] ?? 0] as Item)
  }
}

