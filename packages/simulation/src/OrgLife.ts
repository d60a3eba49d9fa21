/**
 * The life of the floating party organisations (驻外流动党组织, kind `floating-branch`): the
 * 组织生活 each holds, the guidance its parent committee gives it (联系指导) and its reports to the
 * home organisations of the members it holds (通报), with the members who attend and those who
 * drift away.
 *
 * Each floating organisation is given a {@link Trait} of its 组织生活 and a {@link GuidanceTrait}
 * of its parent's guidance when the world is made; the members registered with it while away are
 * told to it as they live their lives ({@link Stay}); its events are written once every member has
 * lived, as the stream's last batch, for an activity names its attendees from every batch.
 * Everything here draws on a generator stream of its own: the members' lives draw nothing more for it.
 */
import type { Event } from "@relink/core"
import { Instant } from "@relink/core"
import * as Clock from "./internal/Clock.ts"
import { type Random, Table } from "./internal/Random.ts"
import * as Wire from "./internal/Wire.ts"
import type * as World from "./World.ts"

/**
 * How an organisation keeps its 组织生活:
 * - `regular` (70 %) — every activity at its cadence on a fixed day of the month (主题党日 with the
 *   quarter's 党员大会, the 支委会 a few days before, the 党小组会 a few days after; a 组织生活会
 *   and 民主评议 once a year), one in fifty missed, one in ten moved a few days earlier; a 党课 in
 *   three months of ten;
 * - `lapsing` (20 %) — regular until an instant a quarter to nine tenths into the window, then
 *   stopped (half of them) or thinned to one activity in six;
 * - `dormant` (10 %) — a few activities in its first 0–4 months, then nothing.
 */
export type Trait = "regular" | "lapsing" | "dormant"
export const traitWeights: Readonly<Record<Trait, number>> = { regular: 70, lapsing: 20, dormant: 10 }
export const traits = Object.keys(traitWeights) as ReadonlyArray<Trait>

/**
 * How its parent committee guides it: `regular` (85 %) every 25–80 days, within the quarter the
 * rules ask; `lapsing` (15 %) so until an instant a quarter to nine tenths into the window, then
 * every 120–360 days.
 */
export type GuidanceTrait = "regular" | "lapsing"
export const guidanceWeights: Readonly<Record<GuidanceTrait, number>> = { regular: 85, lapsing: 15 }

/** The truth about a floating organisation, labelled on its `OrgRegistered`. */
export interface Life {
  readonly activity: Trait
  readonly guidance: GuidanceTrait
}

/**
 * A member registered with a floating organisation while away, from `from` (the registration) to
 * `until` (their return, or `asOf`), attending its activities up to `attendsUntil`: a member who
 * drifts stops before their last contact, their attendance thinning over the three months before.
 */
export interface Stay {
  readonly memberId: string
  readonly homeOrgId: string
  readonly from: number
  readonly until: number
  readonly attendsUntil: number
  readonly drifts: boolean
}

/** An event of an organisation, waiting for its id (as a life's `Draft`); an `OrgRegistered` with the organisation's life. */
export interface Draft {
  readonly at: number
  readonly seq: number
  readonly make: Wire.Make
  readonly orgLife?: Life
  id: string
}

/**
 * The chance a member attends an activity they could: seven in ten attend nearly always, two
 * often, one seldom.
 */
const propensities = new Table<readonly [number, number]>([[[0.75, 0.95], 70], [[0.4, 0.7], 20], [[0.1, 0.3], 10]])

const guidanceChannels = new Table<Event.GuidanceChannel>([["phone", 35], ["visit", 25], ["online", 20], ["document", 15], ["training", 5]])

/** A member's attendance thins over the months before they stop. */
const DRIFT = Clock.days(90)

interface Plan {
  readonly orgId: string
  readonly guideId: string | undefined
  readonly life: Life
  /** `lapsing`: the share of its life before it lapses; `dormant`: the days before it falls silent. */
  readonly lapse: number
  /** `lapsing`: thinned (true) or stopped (false) after the lapse. */
  readonly thins: boolean
  /** The share of its life before guidance lapses, when it does. */
  readonly guidanceLapse: number
  /** The day of the month of its 主题党日, and the 支委会's lead and 党小组会's lag in days. */
  readonly day: number
  readonly committeeLead: number
  readonly groupLag: number
  /** Which month of each quarter holds the 党员大会: the month of the year (0–11) modulo 3. */
  readonly quarterMonth: number
  /** The month of the year (0–11) of the 组织生活会 and the 民主评议. */
  readonly reviewMonth: number
  readonly stays: Array<Stay & { readonly propensity: number }>
}

/** A plan with its life's span: from the arrival of its first member (it is set up for them) to `asOf`. */
interface Lived extends Plan {
  readonly start: number
  readonly lapsesAt: number
  readonly guidanceLapsesAt: number
}

export class OrgLife {
  /** The truth about each floating organisation, by id. */
  readonly lives: ReadonlyMap<string, Life>
  private readonly plans: ReadonlyMap<string, Plan>
  private readonly rng: Random
  private readonly from: number
  private readonly asOf: number
  private seq = 0

  /** `from`: the first day activities can be held (the day after the organisations are registered). */
  constructor(world: World.World, rng: Random, from: number, asOf: number) {
    this.rng = rng
    this.from = from
    this.asOf = asOf
    const traitTable = new Table(traits.map((t) => [t, traitWeights[t]] as const))
    const guidanceTable = new Table((Object.keys(guidanceWeights) as ReadonlyArray<GuidanceTrait>).map((g) => [g, guidanceWeights[g]] as const))
    const plans = new Map<string, Plan>()
    for (const org of world.orgs) {
      if (org.kind !== "floating-branch") continue
      const life: Life = { activity: traitTable.pick(rng), guidance: guidanceTable.pick(rng) }
      plans.set(org.orgId, {
        orgId: org.orgId,
        guideId: org.parentId,
        life,
        lapse: life.activity === "dormant" ? rng.between(0, 120) : rng.between(0.25, 0.9),
        thins: rng.chance(0.5),
        guidanceLapse: rng.between(0.25, 0.9),
        day: rng.int(6, 25),
        committeeLead: rng.int(2, 5),
        groupLag: rng.int(1, 3),
        quarterMonth: rng.int(0, 2),
        reviewMonth: rng.pick([11, 0, 1]),
        stays: []
      })
    }
    this.plans = plans
    this.lives = new Map([...plans].map(([orgId, plan]) => [orgId, plan.life]))
  }

  /** A member registered with `orgId` (a floating organisation; anything else is ignored) for a while. */
  holds(orgId: string, stay: Stay): void {
    const plan = this.plans.get(orgId)
    if (plan === undefined) return
    const [least, most] = propensities.pick(this.rng)
    plan.stays.push({ ...stay, propensity: this.rng.between(least, most) })
  }

  /**
   * Every organisation's activities, guidance and reports up to `asOf`, in no particular order:
   * each lives from the arrival of its first member; one that never holds anyone has none.
   */
  drafts(): Array<Draft> {
    const drafts: Array<Draft> = []
    for (const plan of this.plans.values()) {
      if (plan.stays.length === 0) continue
      const start = Math.max(this.from, Math.min(...plan.stays.map((stay) => stay.from)))
      const span = this.asOf - start
      const lived: Lived = {
        ...plan,
        start,
        lapsesAt: plan.life.activity === "dormant" ? start + Clock.days(plan.lapse) : start + span * plan.lapse,
        guidanceLapsesAt: start + span * plan.guidanceLapse
      }
      this.activities(lived, drafts)
      this.guidance(lived, drafts)
    }
    return drafts
  }

  private push(drafts: Array<Draft>, at: number, make: Wire.Make): void {
    drafts.push({ at, seq: this.seq++, make, id: "" })
  }

  /** Whether an activity due at `t` is held, by the organisation's trait. */
  private held(plan: Lived, t: number): boolean {
    switch (plan.life.activity) {
      case "regular":
        return this.rng.chance(0.98)
      case "lapsing":
        return t < plan.lapsesAt ? this.rng.chance(0.97) : plan.thins && this.rng.chance(1 / 6)
      case "dormant":
        return t < plan.lapsesAt && this.rng.chance(0.8)
    }
  }

  /** Day `day` of the `k`th month after the one activities start in (`day` ≤ 28, so every month has it). */
  private dayOf(k: number, day: number): number {
    const first = Instant.startOfDay(this.from)
    const date = new Date(first + 8 * Instant.HOUR)
    return Instant.addMonths(first + Clock.days(day - date.getUTCDate()), k)
  }

  private activities(plan: Lived, drafts: Array<Draft>): void {
    const first = new Date(Instant.startOfDay(this.from) + 8 * Instant.HOUR).getUTCMonth()
    for (let k = 0; this.dayOf(k, 1) <= this.asOf; k++) {
      const month = (first + k) % 12
      const hold = (activity: Event.OrgActivity, day: number, attended: boolean) => {
        // One in ten moved a few days earlier (a holiday, a visit from home).
        const t = this.dayOf(k, day) - (this.rng.chance(0.1) ? Clock.days(this.rng.int(1, 3)) : 0)
        if (t < plan.start || t > this.asOf || !this.held(plan, t)) return undefined
        const at = Clock.timeOfDay(this.rng, this.asOf, t, "meeting")
        const attendees = attended ? this.attendees(plan, at) : []
        const source = Wire.source(this.rng, "dangjian-app")
        this.push(drafts, at, Wire.event("OrgActivityRecorded", plan.orgId, source, (head) => ({ ...head, activity, ...(attendees.length > 0 && { attendees }) })))
        return at
      }
      // The 支委会 are the cadres the home committee sent: no member of the data attends.
      hold("committee-meeting", plan.day - plan.committeeLead, false)
      hold("theme-day", plan.day, true)
      if (month % 3 === plan.quarterMonth) hold("members-meeting", plan.day, true)
      hold("group-meeting", plan.day + plan.groupLag, true)
      if (this.rng.chance(0.3)) hold("party-lecture", this.rng.int(1, 28), true)
      if (month === plan.reviewMonth) {
        hold("life-meeting", plan.day + 1, true)
        const review = hold("democratic-review", plan.day + 2, true)
        if (review !== undefined) this.report(plan, review, drafts)
      }
    }
  }

  /** The members who attend an activity at `at`: each it holds then by their propensity, less as they drift. */
  private attendees(plan: Plan, at: number): Array<string> {
    const out: Array<string> = []
    for (const stay of plan.stays) {
      if (at < stay.from || at > stay.attendsUntil) continue
      const thinning = stay.drifts ? Math.min(1, (stay.attendsUntil - at) / DRIFT) : 1
      if (this.rng.chance(stay.propensity * thinning)) out.push(stay.memberId)
    }
    return out
  }

  /**
   * After the 民主评议 at `review`, the organisation informs each home organisation of the members it
   * holds then: within 5–30 days, one report in six 60–150 days late.
   */
  private report(plan: Plan, review: number, drafts: Array<Draft>): void {
    const t = review + Clock.days(this.rng.chance(1 / 6) ? this.rng.between(60, 150) : this.rng.between(5, 30))
    if (t > this.asOf) return
    const at = Clock.timeOfDay(this.rng, this.asOf, t, "office")
    const byHome = new Map<string, Array<string>>()
    for (const stay of plan.stays) {
      if (at < stay.from || at > stay.until) continue
      const members = byHome.get(stay.homeOrgId)
      if (members === undefined) byHome.set(stay.homeOrgId, [stay.memberId])
      else members.push(stay.memberId)
    }
    for (const [homeOrgId, memberIds] of byHome) {
      const source = Wire.source(this.rng, "dangjian-app")
      this.push(drafts, at, Wire.event("BranchReported", plan.orgId, source, (head) => ({ ...head, homeOrgId, memberIds })))
    }
  }

  /** The parent committee's guidance: every 25–80 days, after a lapse every 120–360. */
  private guidance(plan: Lived, drafts: Array<Draft>): void {
    const guideId = plan.guideId
    if (guideId === undefined) return
    const lapsing = plan.life.guidance === "lapsing"
    for (let t = plan.start + Clock.days(this.rng.between(5, 60)); t <= this.asOf; ) {
      const at = Clock.timeOfDay(this.rng, this.asOf, t, "office")
      const channel = guidanceChannels.pick(this.rng)
      const targetOrgId = plan.orgId
      const source = Wire.source(this.rng, "org-dept")
      this.push(drafts, at, Wire.event("GuidanceRecorded", guideId, source, (head) => ({ ...head, targetOrgId, channel })))
      t += Clock.days(lapsing && t >= plan.guidanceLapsesAt ? this.rng.between(120, 360) : this.rng.between(25, 80))
    }
  }
}
