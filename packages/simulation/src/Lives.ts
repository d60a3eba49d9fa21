/**
 * The lives members live over the simulated years — steady, irregular, floating registered or
 * not, transfers in time / overdue / cancelled, lost with failed searches, suspended, removed,
 * returned, deceased or left — as scripts of the events that lead there, with the observations
 * their lives give rise to. Each member keeps a pace of contact, in the shape of the world
 * ({@link Pace}): one of the rhythms ({@link Rhythm}) or a mean gap of their own. Many lives that
 * end in silence fade first, the gaps between contacts lengthening before the last one. A batch of
 * lives is written as {@link Draft}s, in no particular order.
 */
import { type Event, Instant } from "@relink/core"
import * as Data from "./internal/ChineseData.ts"
import * as Clock from "./internal/Clock.ts"
import { type Random, Table } from "./internal/Random.ts"
import * as Wire from "./internal/Wire.ts"
import * as Mistakes from "./Mistakes.ts"
import * as Noise from "./Noise.ts"
import * as Observations from "./Observations.ts"
import type * as OrgLife from "./OrgLife.ts"
import * as Pace from "./Pace.ts"
import * as People from "./People.ts"
import * as World from "./World.ts"

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
 * - `steady` — contact at the member's pace (dues, meetings, app) until `asOf`;
 * - `irregular` — contact stopped 60–175 days before `asOf` (at risk, some still just active), most
 *   after a fade;
 * - `floating-registered` — went away (外出报告) and registered at the 流入地 organisation;
 * - `floating-unregistered` — went away up to 170 days ago without registering (some within the
 *   grace), some after a fade;
 * - `transfer-in-time` — a transfer received within the letter's validity, or still open within it;
 * - `transfer-overdue` — a transfer never received (a fifth of them within days of the deadline);
 * - `transfer-cancelled` — a transfer issued, then cancelled; the member stays;
 * - `lost` — no contact for 6–28 months (some just under 6), most after a fade, then 0–6 failed searches;
 * - `suspended` — lost as above, searched for, 停止党籍 decided (some for over two years; some later restored);
 * - `removed` — lost as above, then 除名 after two years of suspension, or directly (自行脱党);
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

/** Every behaviour, in the order of {@link Behaviour}. */
export const behaviours = Object.keys(defaultBehaviourWeights) as ReadonlyArray<Behaviour>

/**
 * How often a member in regular contact is in contact, in the `rhythms` world. Weights of the
 * default mix in {@link defaultRhythmWeights}.
 */
export type Rhythm = "weekly" | "monthly" | "bimonthly" | "quarterly"

/**
 * The default mix, in percent of members, with the days between two contacts:
 * - `weekly` — every 5–9 days (branch committee members, volunteers);
 * - `monthly` — every 22–38 days (the monthly 主题党日);
 * - `bimonthly` — every 40–80 days;
 * - `quarterly` — every 62–86 days, always under the three months of the contact warning.
 *
 * Away, a member keeps the rhythm with gaps a fifth longer (no meetings to go to).
 */
export const defaultRhythmWeights: Readonly<Record<Rhythm, number>> = {
  weekly: 4,
  monthly: 30,
  bimonthly: 46,
  quarterly: 20
}

/** Every rhythm, in the order of {@link Rhythm}. */
export const rhythms = Object.keys(defaultRhythmWeights) as ReadonlyArray<Rhythm>

/** What the lives of a simulation depend on. */
export interface Settings {
  /** The shape of the world's contacts. */
  readonly shape: Pace.Shape
  /** Epoch ms: every event happens at or before it. */
  readonly asOf: number
  /** Epoch ms: organisations are registered then, members from the next day. */
  readonly startAt: number
  /** Multiplies the chance of every observation of a member (0 = none). */
  readonly observationRate: number
  /** Decoys per member. */
  readonly decoyRate: number
  /** Relative weights of the behaviours. */
  readonly behaviourWeights: Readonly<Record<Behaviour, number>>
  /** Relative weights of the rhythms (the `rhythms` world). */
  readonly rhythmWeights: Readonly<Record<Rhythm, number>>
  /** The share of registrations written with a mistake ({@link Mistakes}). */
  readonly mistakeRate: number
}

/** A member as their life is simulated; lives change the fields that are not read-only. */
export interface Member extends Observations.Observed {
  readonly index: number
  readonly memberId: string
  behaviour: Behaviour
  readonly pace: Pace.Pace
  readonly person: People.Person
  readonly newJoiner: boolean
  home: World.Branch
  /** The phone the organisation knows. */
  phone: string | undefined
  hiddenPhone: string | undefined
  joinedAt: number | undefined
  category: Event.Category
  registeredAt: number
  place: World.Place | undefined
}

/** An event of a life, waiting for its id: the stream numbers a batch's drafts in time order. */
export interface Draft extends Observations.Handle {
  /** The order in which drafts were written, which breaks ties of time. */
  readonly seq: number
  readonly make: Wire.Make
  readonly label?: Observations.Label
  /** `MemberRegistered` only: the life the member was given. */
  readonly behaviour?: Behaviour
  /** `MemberRegistered` only: the mistake it was written with, if any. */
  readonly mistake?: Mistakes.Mistake
  id: string
}

type ContactChannel = Event.ContactChannel
type SearchChannel = Event.SearchChannel

const contactChannels = new Table<ContactChannel>([
  ["dues", 38], ["meeting", 38], ["phone", 8], ["online", 7], ["message", 5], ["visit", 2], ["other", 2]
])
/**
 * Contacts of a member registered with a floating organisation, with the home branch: their
 * 组织生活 is the organisation's activities they attend ({@link OrgLife}).
 */
const heldChannels = new Table<ContactChannel>([
  ["dues", 38], ["phone", 8], ["online", 7], ["message", 5], ["visit", 2], ["other", 2]
])
/** Contacts of a member who is away: the app and the phone, dues paid online. */
const awayChannels = new Table<ContactChannel>([
  ["phone", 35], ["online", 25], ["dues", 20], ["message", 15], ["meeting", 3], ["other", 2]
])

const rhythmPaces: Readonly<Record<Rhythm, Pace.Pace>> = {
  weekly: Pace.uniform(5, 9),
  monthly: Pace.uniform(22, 38),
  bimonthly: Pace.uniform(40, 80),
  quarterly: Pace.uniform(62, 86)
}
/** Contacts now and then of a member whose transfer was never received, with the home branch. */
const stranded = Pace.uniform(50, 150)

/** The share of floating members who never register that fade before they leave. */
const fadingAwayShare = 0.4

/**
 * The share of lives falling silent (`irregular`, `lost`) lived away, registered with a floating
 * organisation whose 组织生活 the member drifts away from before the last contact.
 */
const driftingShare = 0.3

/** The day after the organisations are registered at `startAt`: members appear from then. */
export const membersFrom = (startAt: number): number => Instant.startOfDay(startAt) + 2 * Instant.DAY

const searchChannels = new Table<SearchChannel>([
  ["phone", 30], ["visit", 25], ["relatives", 15], ["employer", 8], ["data-check", 10], ["notice", 8], ["other", 4]
])
const outflowReasons = new Table<Event.OutflowReason>([
  ["work", 60], ["business", 15], ["study", 8], ["residence", 12], ["other", 5]
])
/** `validDays` of a transfer letter; `undefined` = not given (the policy default of 30 applies). */
const validDaysTable = new Table<number | undefined>([[undefined, 30], [30, 40], [60, 20], [90, 10]])

/** How a new member's pace is drawn in the world of `settings`. */
const paceOf = (settings: Settings): ((rng: Random) => Pace.Pace) => {
  switch (settings.shape) {
    case "rhythms": {
      const table = new Table(rhythms.map((r) => [r, settings.rhythmWeights[r]] as const))
      return (rng) => rhythmPaces[table.pick(rng)]
    }
    case "varied":
      return Pace.varied
  }
}

/** Lives batch by batch, sharing one seeded generator, one world and one registry of people. */
export class Lives implements Observations.Context {
  readonly rng: Random
  readonly asOf: number
  readonly membersFrom: number
  readonly world: World.World
  readonly people: People.Registry
  /** The mistakes registrations are written with, on a generator of their own. */
  private readonly mistakes: Random
  /** Told of each member registered with a floating organisation. */
  private readonly orgLife: OrgLife.OrgLife
  reporters: Array<Member> = []
  private readonly settings: Settings
  private readonly behaviourTable: Table<Behaviour>
  private readonly tempo: Pace.Tempo
  /** Draws a new member's pace. */
  private readonly paceOf: (rng: Random) => Pace.Pace
  private drafts: Array<Draft> = []
  private seq = 0
  private transferCounter = 0

  constructor(settings: Settings, rng: Random, world: World.World, people: People.Registry, mistakes: Random, orgLife: OrgLife.OrgLife) {
    this.settings = settings
    this.rng = rng
    this.mistakes = mistakes
    this.orgLife = orgLife
    this.asOf = settings.asOf
    this.membersFrom = membersFrom(settings.startAt)
    this.world = world
    this.people = people
    this.behaviourTable = new Table(behaviours.map((b) => [b, settings.behaviourWeights[b]] as const))
    this.tempo = Pace.tempos[settings.shape]
    this.paceOf = paceOf(settings)
  }

  /** Members `start` … `start + count − 1` live their lives, and decoys are made after some of them. */
  batch(start: number, count: number): Array<Draft> {
    this.drafts = []
    this.reporters = []
    const members: Array<Member> = []
    for (let i = 0; i < count; i++) {
      const m = this.member(start + i)
      members.push(m)
      this.live(m)
    }
    const matchable = members.filter((m) => m.behaviour !== "steady" && m.behaviour !== "ended")
    const decoys = Math.floor(count * this.settings.decoyRate + this.rng.float())
    for (let i = 0; i < decoys && members.length > 0; i++) {
      Observations.decoy(this, matchable.length > 0 && this.rng.chance(0.7) ? this.rng.pick(matchable) : this.rng.pick(members))
    }
    const drafts = this.drafts
    this.drafts = []
    return drafts
  }

  push(at: number, make: Wire.Make, label?: Observations.Label): Draft {
    return this.write({ at, seq: this.seq++, make, id: "", ...(label !== undefined && { label }) })
  }

  private write(draft: Draft): Draft {
    this.drafts.push(draft)
    return draft
  }

  private time(t: number, moment: Clock.Moment): number {
    return Clock.timeOfDay(this.rng, this.asOf, t, moment)
  }

  private during(from: number, to: number): number {
    return Clock.during(this.rng, from, to)
  }

  private source(name: string): Wire.Source {
    return Wire.source(this.rng, name)
  }

  private rate(p: number): number {
    return Math.min(1, p * this.settings.observationRate)
  }

  private member(index: number): Member {
    const behaviour = this.behaviourTable.pick(this.rng)
    const pace = this.paceOf(this.rng)
    const home = this.world.branches.pick(this.rng)
    const newJoiner = behaviour !== "ended" && this.rng.chance(0.08)
    const band: readonly [number, number] = newJoiner
      ? [19, 40]
      : behaviour === "ended"
        ? this.rng.chance(0.85) ? [68, 95] : People.ageBands.pick(this.rng)
        : behaviour === "floating-registered" || behaviour === "floating-unregistered" || behaviour === "returned"
          ? [20, 55]
          : People.ageBands.pick(this.rng)
    // Lives that need years of membership before asOf need members who were adults by then.
    const minAge = behaviour === "steady" || behaviour === "irregular" ? 18 : 22
    const person = this.people.person([Math.max(minAge, band[0]), Math.max(minAge, band[1])], World.localRegion(home))
    const phoneMissing = this.rng.chance(this.asOf - person.birthAt > 75 * 365.25 * Instant.DAY ? 0.3 : 0.04)
    return {
      index,
      memberId: `m-${Wire.pad(index + 1, 7)}`,
      behaviour,
      pace,
      person,
      newJoiner,
      home,
      phone: phoneMissing ? undefined : this.people.phoneNumber(),
      hiddenPhone: undefined,
      joinedAt: undefined,
      category: "full",
      registeredAt: this.membersFrom,
      place: undefined
    }
  }

  // -- the events of a life ----------------------------------------------------------------------

  /**
   * Registers the member at some instant ≤ `latest` (most members during the platform's first
   * half year, the others later; new members when they join). `undefined` when `latest` is before
   * members could appear at all.
   */
  private register(m: Member, latest: number): number | undefined {
    const { startAt } = this.settings
    const adult = m.person.birthAt + Clock.days(18 * 365.25)
    if (latest < Math.max(this.membersFrom, adult)) return undefined
    let registeredAt: number
    if (m.newJoiner || adult > startAt - Clock.days(365)) {
      // Joined during the window (and not before turning 18); registered within three weeks.
      const joined = this.during(Math.max(startAt, adult), Math.min(latest, this.asOf - Clock.days(20)))
      registeredAt = Math.max(this.membersFrom, Math.min(latest, joined + Clock.days(this.rng.between(0, 20))))
      m.joinedAt = Math.min(joined, registeredAt)
    } else {
      registeredAt = this.rng.chance(0.82)
        ? this.during(this.membersFrom, this.membersFrom + Clock.days(180))
        : this.during(this.membersFrom + Clock.days(180), this.asOf - Clock.days(30))
      registeredAt = Math.max(this.membersFrom, Math.min(latest, registeredAt))
      const joinedBy = Math.min(startAt - Clock.days(365), registeredAt - Clock.days(400))
      m.joinedAt = adult < joinedBy ? this.during(adult, joinedBy) : adult
    }
    m.category = m.joinedAt + Clock.days(365) > registeredAt ? "probationary" : "full"
    m.registeredAt = this.time(registeredAt, "office")
    const { memberId, person, category } = m
    const source = this.rng.chance(0.97) ? { source: "org-dept" } : {}
    const gender = this.rng.chance(0.98) ? { gender: person.gender } : {}
    const birthDate = this.rng.chance(0.95) ? { birthDate: person.birthDate } : {}
    const phone = m.phone === undefined ? {} : { phone: m.phone }
    const hukou = person.hukouRegion === undefined ? {} : { hukouRegion: person.hukouRegion }
    const joinedAt = this.rng.chance(0.96) ? { joinedAt: Instant.formatCstDate(m.joinedAt) } : {}
    const { mistake, written } = Mistakes.write(this.mistakes, this.settings.mistakeRate, person, { idNumber: person.idWire, birthDate: birthDate.birthDate })
    const make = Wire.event("MemberRegistered", m.home.orgId, source, (head) => ({
      ...head,
      memberId,
      name: person.name,
      idNumber: written.idNumber,
      ...gender,
      ...(written.birthDate !== undefined && { birthDate: written.birthDate }),
      ...phone,
      ...hukou,
      category,
      ...joinedAt
    }))
    return this.write({ at: m.registeredAt, seq: this.seq++, make, id: "", behaviour: m.behaviour, ...(mistake !== undefined && { mistake }) }).at
  }

  /** 转正: a probationary member becomes full a year after joining, if still in contact by `until`. */
  private probationEnds(m: Member, until: number): void {
    if (m.category !== "probationary" || m.joinedAt === undefined) return
    const at = m.joinedAt + Clock.days(365 + this.rng.int(0, 45))
    if (at <= m.registeredAt || at > Math.min(until, this.asOf)) return
    const memberId = m.memberId
    const source = this.source("org-dept")
    this.push(this.time(at, "office"), Wire.event("MemberUpdated", m.home.orgId, source, (head) => ({ ...head, memberId, category: "full" })))
  }

  private contact(m: Member, t: number, channel: ContactChannel, orgId: string = m.home.orgId): number {
    const at = this.time(t, channel === "meeting" ? "meeting" : channel === "dues" ? "dues" : "app")
    const memberId = m.memberId
    const source = this.source(channel === "dues" ? "dues-system" : "dangjian-app")
    return this.push(at, Wire.event("ContactRecorded", orgId, source, (head) => ({ ...head, memberId, channel }))).at
  }

  /**
   * Instants at `pace` (`away` or not) after `from` and up to `to`, moved out of the season's lulls
   * as it has them; the last one is within a gap of `to`.
   */
  private every(pace: Pace.Pace, away: boolean, from: number, to: number): Array<number> {
    const times: Array<number> = []
    const next = (t: number): number => this.tempo.season.after(this.rng, t + Clock.days(pace.gap(this.rng, away)))
    for (let t = next(from); t <= to; t = next(t)) times.push(t)
    return times
  }

  /**
   * Contacts after `from` and up to `to` at the member's pace; the last one is within a gap of
   * `to`. The instant of the last contact (`from` when there is none).
   */
  private contacts(
    m: Member,
    from: number,
    to: number,
    channels: Table<ContactChannel> = contactChannels,
    orgOf?: (channel: ContactChannel) => string
  ): number {
    return this.record(m, from, this.every(m.pace, channels === awayChannels, from, to), channels, orgOf)
  }

  /**
   * Contacts after `from` at the member's pace that lead up to a last contact at `last`, which the
   * caller writes. When the member `fades`, the last gaps lengthen as the world's fades do
   * ({@link Pace.Tempo}), starting from a gap of the member's own — less steeply where the longest
   * would pass {@link Pace.longestGap}. Drawn back from `last`, so that nothing falls after it.
   */
  private leadingTo(m: Member, from: number, last: number, fades: boolean, channels: Table<ContactChannel> = contactChannels): void {
    const { fade: shape, season } = this.tempo
    const fade: Array<number> = []
    if (fades) {
      const steps = this.rng.int(...shape.steps)
      let gap = m.pace.gap(this.rng, false)
      const steepest = Math.pow(Pace.longestGap / gap, 1 / steps)
      for (let i = 0; i < steps; i++) {
        gap *= Math.min(steepest, this.rng.between(...shape.growth))
        fade.push(gap)
      }
    }
    const times: Array<number> = []
    const previous = (t: number): number => season.before(this.rng, t - Clock.days(fade.pop() ?? m.pace.gap(this.rng, false)))
    for (let t = previous(last); t > from; t = previous(t)) times.push(t)
    this.record(m, from, times.reverse(), channels)
  }

  /** A contact at each of `times` (in order, after `from`); the instant of the last one (`from` when there is none). */
  private record(
    m: Member,
    from: number,
    times: ReadonlyArray<number>,
    channels: Table<ContactChannel> = contactChannels,
    orgOf?: (channel: ContactChannel) => string
  ): number {
    let last = from
    // A member in regular contact attends a meeting and pays dues at least every ~4 months
    // (otherwise 党章 art. 9's six months would flag half of the steady members); a member held
    // by a floating organisation pays so, and meets as often as it holds meetings.
    const regular = channels !== awayChannels
    let lastMeeting = from
    let lastDues = from
    for (const t of times) {
      const channel: ContactChannel = !regular
        ? channels.pick(this.rng)
        : channels === contactChannels && t - lastMeeting > Clock.days(120)
          ? "meeting"
          : t - lastDues > Clock.days(120)
            ? "dues"
            : channels.pick(this.rng)
      if (channel === "meeting") lastMeeting = t
      else if (channel === "dues") lastDues = t
      last = this.contact(m, t, channel, orgOf?.(channel) ?? m.home.orgId)
    }
    return last
  }

  private changePhone(m: Member, t: number): void {
    const phone = this.people.phoneNumber()
    m.phone = phone
    const memberId = m.memberId
    const source = this.source("dangjian-app")
    this.push(this.time(t, "app"), Wire.event("MemberUpdated", m.home.orgId, source, (head) => ({ ...head, memberId, phone })))
  }

  private moveHukou(m: Member, t: number): void {
    const hukouRegion = this.rng.pick(Data.districts).code
    const memberId = m.memberId
    const source = this.source("org-dept")
    this.push(this.time(t, "office"), Wire.event("MemberUpdated", m.home.orgId, source, (head) => ({ ...head, memberId, hukouRegion })))
  }

  /** 外出报告: the member goes away to a place; the instant of the report. */
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
      ? { expectedReturn: Instant.formatCstDate(t + Clock.days(this.rng.int(90, 1000))) }
      : {}
    const make = Wire.event("OutflowReported", orgId, source, (head) => ({
      ...head,
      memberId,
      destinationRegion,
      ...detail,
      reason,
      ...fixedLocation,
      ...expectedReturn
    }))
    return this.push(this.time(t, "app"), make).at
  }

  /** The organisation a member registers with at the destination: the district's 驻外 branch or the local one. */
  private inflowOrg(m: Member, place: World.Place): string {
    const away = m.home.district >= 0 ? this.world.districts[m.home.district]?.away.get(place.destination.code) : undefined
    return away !== undefined && this.rng.chance(0.6) ? away : place.floatingId
  }

  /** 流入地 registration by member id. */
  private inflow(m: Member, t: number, place: World.Place): { readonly at: number; readonly orgId: string } {
    const orgId = this.inflowOrg(m, place)
    const region = place.destination.code
    const memberId = m.memberId
    const source = this.source("dangjian-app")
    const make = Wire.event("InflowRegistered", orgId, source, (head) => ({ ...head, region, memberId }))
    return { at: this.push(this.time(t, "app"), make).at, orgId }
  }

  private returned(m: Member, t: number): number {
    const memberId = m.memberId
    const source = this.source("dangjian-app")
    return this.push(this.time(t, "app"), Wire.event("ReturnReported", m.home.orgId, source, (head) => ({ ...head, memberId }))).at
  }

  private transferTarget(m: Member): World.Branch {
    if (this.rng.chance(0.25)) return this.rng.pick(this.world.placeTable.pick(this.rng).branches)
    for (let i = 0; i < 5; i++) {
      const b = this.world.branches.pick(this.rng)
      if (b.orgId !== m.home.orgId) return b
    }
    return this.rng.pick(this.world.places[0]?.branches ?? [m.home])
  }

  private transferIssued(m: Member, t: number, to: World.Branch, validDays: number | undefined): string {
    const transferId = `t-${Wire.pad(++this.transferCounter, 7)}`
    const memberId = m.memberId
    const source = this.source("org-dept")
    const toOrgId = to.orgId
    const valid = validDays === undefined ? {} : { validDays }
    const make = Wire.event("TransferIssued", m.home.orgId, source, (head) => ({ ...head, memberId, transferId, toOrgId, ...valid }))
    this.push(this.time(t, "office"), make)
    return transferId
  }

  /** The end of a transfer, received by `orgId` or cancelled by the member's branch; the instant of it. */
  private transferEnds(m: Member, t: number, type: "TransferReceived" | "TransferCancelled", orgId: string, transferId: string): number {
    const memberId = m.memberId
    const source = this.source("org-dept")
    return this.push(this.time(t, "office"), Wire.event(type, orgId, source, (head) => ({ ...head, memberId, transferId }))).at
  }

  private searchFailed(m: Member, t: number, channel: SearchChannel): void {
    const memberId = m.memberId
    const orgId = this.rng.chance(0.85) ? m.home.orgId : m.home.townOrgId
    const source = this.source("dangjian-app")
    const note = this.rng.chance(0.7) ? { note: this.rng.pick(Data.searchNotes[channel]) } : {}
    this.push(this.time(t, "app"), Wire.event("SearchAttemptFailed", orgId, source, (head) => ({ ...head, memberId, channel, ...note })))
  }

  /** `count` failed searches between `from` and `to`; with `twoChannels`, at least two channels. */
  private searches(m: Member, from: number, to: number, count: number, twoChannels: boolean): void {
    if (to <= from) return
    const channels: Array<SearchChannel> = []
    for (let i = 0; i < count; i++) channels.push(searchChannels.pick(this.rng))
    if (twoChannels && count >= 2 && channels.every((c) => c === channels[0])) channels[1] = channels[0] === "phone" ? "visit" : "phone"
    const times = channels.map(() => this.during(from, to)).sort((a, b) => a - b)
    channels.forEach((channel, i) => this.searchFailed(m, times[i] ?? from, channel))
  }

  private decide(m: Member, t: number, decision: Event.Decision): number {
    const memberId = m.memberId
    const source = this.source("org-dept")
    return this.push(this.time(t, "office"), Wire.event("StatusDecided", m.home.orgId, source, (head) => ({ ...head, memberId, decision }))).at
  }

  // -- lives -----------------------------------------------------------------------------------

  private fallback(m: Member): void {
    m.behaviour = "steady"
    this.steady(m)
  }

  private steady(m: Member): void {
    const R = this.register(m, this.asOf) ?? this.membersFrom
    this.contacts(m, R, this.asOf)
    if (this.rng.chance(0.06)) this.changePhone(m, this.during(R + Clock.days(20), this.asOf))
    if (this.rng.chance(0.02)) this.moveHukou(m, this.during(R + Clock.days(20), this.asOf))
    if (this.rng.chance(this.rate(0.01))) Observations.observe(this, m, R, Observations.recordOnly, 0)
    this.probationEnds(m, this.asOf)
    this.reporters.push(m)
  }

  private irregular(m: Member): void {
    const L = this.asOf - Clock.days(this.rng.between(60, 175))
    const R = this.register(m, L - Instant.DAY)
    if (R === undefined) return this.fallback(m)
    const away = this.rng.chance(driftingShare) && this.driftsAway(m, R, L)
    if (!away) this.leadingTo(m, R, L, this.rng.chance(this.tempo.fadingShare))
    const last = this.contact(m, L, (away ? heldChannels : contactChannels).pick(this.rng))
    if (this.rng.chance(0.25)) {
      const t = last + Clock.days(this.rng.between(80, 120))
      if (t <= this.asOf) this.searchFailed(m, t, "phone")
    }
    if (this.rng.chance(this.rate(0.08))) Observations.observe(this, m, last + Clock.days(20), Observations.anyKind, 0.1)
    if (this.rng.chance(this.rate(0.06))) Observations.leadAbout(this, m, last + Clock.days(20))
    this.probationEnds(m, last)
  }

  /**
   * Registered at least 20 days before `O`, in contact until then (fading first when `fades`),
   * gone away at `O` (外出报告). The instant of the report; undefined when the member cannot be
   * registered by then.
   */
  private goesAway(m: Member, O: number, fades = false): number | undefined {
    const R = this.register(m, O - Clock.days(20))
    if (R === undefined) return undefined
    this.leadingTo(m, R, O, fades)
    return this.outflow(m, O)
  }

  private floatingRegistered(m: Member): void {
    const left = this.goesAway(m, this.asOf - Clock.days(this.rng.between(20, 900)))
    if (left === undefined) return this.fallback(m)
    const place = m.place as World.Place
    const t = left + Clock.days(this.rng.between(3, 45))
    const registered = t <= this.asOf ? this.inflow(m, t, place) : undefined
    if (registered === undefined) this.contacts(m, left, this.asOf, awayChannels)
    else {
      // Registered there: 组织生活 at the 流入地 organisation, dues and calls with the home branch.
      const before = this.contacts(m, left, registered.at - Clock.days(10), awayChannels)
      this.contacts(m, Math.max(before, registered.at), this.asOf, heldChannels)
      this.orgLife.holds(registered.orgId, { memberId: m.memberId, homeOrgId: m.home.orgId, from: registered.at, until: this.asOf, attendsUntil: this.asOf, drifts: false })
    }
    if (this.rng.chance(0.05)) this.changePhone(m, this.during(left, this.asOf))
    this.probationEnds(m, this.asOf)
  }

  private floatingUnregistered(m: Member): void {
    const left = this.goesAway(m, this.asOf - Clock.days(this.rng.between(5, 170)), this.rng.chance(fadingAwayShare))
    if (left === undefined) return this.fallback(m)
    const place = m.place as World.Place
    if (this.rng.chance(0.4)) {
      const n = this.rng.int(1, 2)
      for (let i = 0; i < n; i++) this.contact(m, this.during(left + Instant.DAY, this.asOf), awayChannels.pick(this.rng))
    }
    if (this.rng.chance(this.rate(0.55))) {
      // 党员找组织: the member registers at the 流入地 with an identity, not knowing the member id.
      const t = left + Clock.days(this.rng.between(10, 90))
      if (t <= this.asOf) {
        const dataSource = Observations.dataSources.pick(this.rng)
        const { identity, noise } = Noise.identityOf(this.rng, this.people, m, Observations.profiles.inflow)
        const draft = Observations.observation(this, t, "inflow", identity, place.destination.code, { memberId: m.memberId, noise }, dataSource)
        if (this.rng.chance(0.25)) Observations.resolve(this, draft, m, "confirmed")
      }
    }
    if (this.rng.chance(this.rate(0.2))) Observations.observe(this, m, left + Clock.days(20), Observations.recordOnly, 0.1)
    if (this.rng.chance(this.rate(0.15))) Observations.leadAbout(this, m, left + Clock.days(10))
    this.probationEnds(m, this.asOf)
  }

  private returnedLife(m: Member): void {
    const left = this.goesAway(m, this.asOf - Clock.days(this.rng.between(240, 900)))
    if (left === undefined) return this.fallback(m)
    const back = Math.min(left + Clock.days(this.rng.between(60, 300)), this.asOf - Clock.days(20))
    const t = left + Clock.days(this.rng.between(3, 40))
    const registered = this.rng.chance(0.75) && t < back - Instant.DAY ? this.inflow(m, t, m.place as World.Place) : undefined
    this.contacts(m, left, back - Clock.days(5), awayChannels)
    const at = this.returned(m, back)
    if (registered !== undefined) {
      this.orgLife.holds(registered.orgId, { memberId: m.memberId, homeOrgId: m.home.orgId, from: registered.at, until: at, attendsUntil: at, drifts: false })
    }
    this.contacts(m, at, this.asOf)
    this.probationEnds(m, this.asOf)
  }

  /**
   * Registered at least 30 days before the transfer letter of `X`, in contact until a last visit
   * in the days before it. The last contact; undefined when the member cannot be registered by then.
   */
  private untilTransfer(m: Member, X: number): number | undefined {
    const R = this.register(m, X - Clock.days(30))
    if (R === undefined) return undefined
    this.contacts(m, R, X - Clock.days(3))
    return this.contact(m, X - Clock.days(this.rng.between(0, 3)), this.rng.chance(0.5) ? "visit" : "other")
  }

  private transferInTime(m: Member): void {
    const validDays = validDaysTable.pick(this.rng)
    const valid = validDays ?? 30
    const to = this.transferTarget(m)
    if (this.rng.chance(0.55)) {
      const X = this.asOf - Clock.days(this.rng.between(valid + 5, 900))
      if (this.untilTransfer(m, X) === undefined) return this.fallback(m)
      const transferId = this.transferIssued(m, X, to, validDays)
      const received = this.transferEnds(m, X + Clock.days(this.rng.int(1, valid - 1)), "TransferReceived", to.orgId, transferId)
      this.probationEnds(m, received)
      m.home = to
      this.contacts(m, received, this.asOf)
    } else {
      const X = this.asOf - Clock.days(this.rng.between(1, Math.min(valid - 1, 80)))
      if (this.untilTransfer(m, X) === undefined) return this.fallback(m)
      this.transferIssued(m, X, to, validDays)
      this.probationEnds(m, this.asOf)
    }
  }

  private transferOverdue(m: Member): void {
    const validDays = validDaysTable.pick(this.rng)
    const valid = validDays ?? 30
    const to = this.transferTarget(m)
    const late = this.rng.chance(0.2) ? this.rng.between(-3, 3) : this.rng.between(1, 200)
    const X = this.asOf - Clock.days(valid + late)
    const last = this.untilTransfer(m, X)
    if (last === undefined) return this.fallback(m)
    this.transferIssued(m, X, to, validDays)
    if (this.rng.chance(0.4)) this.record(m, X, this.every(stranded, false, X, this.asOf), awayChannels)
    if (this.rng.chance(this.rate(0.1))) Observations.observe(this, m, X + Clock.days(10), Observations.anyKind, 0.1)
    this.probationEnds(m, last)
  }

  private transferCancelledLife(m: Member): void {
    const validDays = validDaysTable.pick(this.rng)
    const valid = validDays ?? 30
    const X = this.asOf - Clock.days(this.rng.between(40, 800))
    const R = this.register(m, X - Clock.days(30))
    if (R === undefined) return this.fallback(m)
    this.contacts(m, R, this.asOf)
    const transferId = this.transferIssued(m, X, this.transferTarget(m), validDays)
    this.transferEnds(m, X + Clock.days(this.rng.between(3, Math.min(valid, 60))), "TransferCancelled", m.home.orgId, transferId)
    this.probationEnds(m, this.asOf)
    this.reporters.push(m)
  }

  /**
   * Gone away after `from`, registered with a floating organisation there, in contact up to `L`
   * (which the caller writes), most fading first, having stopped attending its 组织生活 a month to
   * four before. False, and nothing written, when `from` is too close to `L` for it.
   */
  private driftsAway(m: Member, from: number, L: number): boolean {
    if (L - from < Clock.days(180)) return false
    const O = this.during(from + Clock.days(20), L - Clock.days(150))
    this.leadingTo(m, from, O, false)
    const left = this.outflow(m, O)
    const registered = this.inflow(m, left + Clock.days(this.rng.between(3, 30)), m.place as World.Place)
    this.leadingTo(m, left, L, this.rng.chance(this.tempo.fadingShare), heldChannels)
    const attendsUntil = Math.max(registered.at, L - Clock.days(this.rng.between(30, 120)))
    this.orgLife.holds(registered.orgId, { memberId: m.memberId, homeOrgId: m.home.orgId, from: registered.at, until: this.asOf, attendsUntil, drifts: true })
    return true
  }

  /** Contact until `L` (the last contact is at `L`), most fading first; with `outflowChance` the last one is an 外出报告. */
  private fadeOut(m: Member, L: number, outflowChance: number): number {
    this.leadingTo(m, m.registeredAt, L, this.rng.chance(this.tempo.fadingShare))
    if (this.rng.chance(outflowChance)) return this.outflow(m, L)
    return this.contact(m, L, contactChannels.pick(this.rng))
  }

  private lost(m: Member): void {
    const L = this.asOf - Clock.days(this.rng.chance(0.15) ? this.rng.between(170, 195) : this.rng.between(188, 850))
    const R = this.register(m, L - Instant.DAY)
    if (R === undefined) return this.fallback(m)
    const last = this.rng.chance(driftingShare) && this.driftsAway(m, R, L) ? this.contact(m, L, heldChannels.pick(this.rng)) : this.fadeOut(m, L, 0.45)
    const roll = this.rng.float()
    const count = roll < 0.15 ? 0 : roll < 0.4 ? this.rng.int(1, 2) : this.rng.int(3, 6)
    this.searches(m, last + Clock.days(60), this.asOf, count, true)
    if (this.rng.chance(0.3)) m.hiddenPhone = this.people.phoneNumber()
    if (this.rng.chance(this.rate(0.5))) {
      const n = this.rng.int(1, 2)
      for (let i = 0; i < n; i++) Observations.observe(this, m, last + Clock.days(30), Observations.anyKind, 0.2)
    }
    if (this.rng.chance(this.rate(0.25))) Observations.leadAbout(this, m, last + Clock.days(30))
    this.probationEnds(m, last)
  }

  /** Lost, searched for, suspended at `suspendAt`; the instant of the decision. */
  private suspendAfter(m: Member, L: number, suspendAt: number): number {
    const last = this.fadeOut(m, L, 0.3)
    this.searches(m, last + Clock.days(30), suspendAt - Instant.DAY, this.rng.int(3, 6), true)
    this.probationEnds(m, last)
    return this.decide(m, suspendAt, "suspend")
  }

  private suspended(m: Member): void {
    // A third lost contact soon after the platform started: suspended for two years by now, removal due.
    let L = this.rng.chance(0.3) ? this.membersFrom + Clock.days(this.rng.between(2, 60)) : this.asOf - Clock.days(this.rng.between(200, 900))
    if (L < this.membersFrom + Clock.days(2)) L = this.membersFrom + Clock.days(this.rng.between(2, 30))
    const room = (this.asOf - L) / Instant.DAY - 1
    if (room < 186 || this.register(m, L - Instant.DAY) === undefined) return this.fallback(m)
    const S = this.suspendAfter(m, L, L + Clock.days(this.rng.between(185, Math.min(L < this.membersFrom + Clock.days(61) ? 200 : 400, room))))
    if (this.rng.chance(0.15)) {
      const t = S + Clock.days(this.rng.between(30, 600))
      if (t < this.asOf - Instant.DAY) {
        const restored = this.decide(m, t, "restore")
        this.contacts(m, restored, this.asOf)
        return
      }
    }
    if (this.rng.chance(0.1)) this.searches(m, S + Instant.DAY, this.asOf, 1, false)
    if (this.rng.chance(this.rate(0.2))) Observations.observe(this, m, S, Observations.recordOnly, 0.1)
  }

  private removed(m: Member): void {
    const viaSuspension = this.rng.chance(0.6)
    const window = (this.asOf - this.membersFrom) / Instant.DAY
    if (viaSuspension && window > 940) {
      const L = this.asOf - Clock.days(this.rng.between(925, Math.min(1060, window - 2)))
      const S = L + Clock.days(this.rng.between(185, 195))
      const removeAt = Math.min(S + Clock.days(this.rng.between(731, 760)), this.asOf - Instant.DAY)
      if (removeAt >= S + Clock.days(730) && this.register(m, L - Instant.DAY) !== undefined) {
        const suspended = this.suspendAfter(m, L, S)
        this.decide(m, Math.max(removeAt, suspended + Clock.days(730)), "remove")
        return
      }
    }
    // 自行脱党: six months without dues or organisational life, removed directly.
    const L = this.asOf - Clock.days(this.rng.between(220, Math.min(900, window - 2)))
    if (this.register(m, L - Instant.DAY) === undefined) return this.fallback(m)
    const last = this.fadeOut(m, L, 0.2)
    const removeAt = Math.min(last + Clock.days(this.rng.between(190, 400)), this.asOf - Instant.DAY)
    this.searches(m, last + Clock.days(30), removeAt - Instant.DAY, this.rng.int(1, 4), true)
    this.probationEnds(m, last)
    this.decide(m, removeAt, "remove")
  }

  private ended(m: Member): void {
    const D = this.asOf - Clock.days(this.rng.between(1, 900))
    if (this.register(m, D - Clock.days(30)) === undefined) return this.fallback(m)
    const last = this.contacts(m, m.registeredAt, D - Clock.days(this.rng.between(0, 60)))
    const deceased = this.asOf - m.person.birthAt > 60 * 365.25 * Instant.DAY ? this.rng.chance(0.9) : this.rng.chance(0.3)
    const at = this.decide(m, Math.max(D, last + Instant.DAY), deceased ? "deceased" : "left")
    if (deceased && this.rng.chance(this.rate(0.2))) {
      // The 民政 death registration shows up later in a data exchange.
      const t = at + Clock.days(this.rng.between(5, 60))
      if (t <= this.asOf) {
        const { identity, noise } = Noise.identityOf(this.rng, this.people, m, Observations.profiles["civil-affairs"])
        Observations.observation(this, t, "record", identity, m.home.region, { memberId: m.memberId, noise }, "civil-affairs")
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
}
