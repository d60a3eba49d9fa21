/**
 * Realistic, deterministic synthetic event streams in the wire format of the contract
 * (docs/events.md), for `relink simulate`, the benchmarks, the matching evaluation and the
 * differential tests of the worker.
 *
 * What comes out looks like an export of a Kafka topic of a Chengdu district's 智慧党建 platform:
 * - the organisation tree first ({@link World});
 * - then members, in batches: each member lives one of twelve lives ({@link Lives}) over the three
 *   years before `asOf`, with the events that lead there, in contact at a pace of their own in the
 *   shape of the world ({@link Pace}: a rhythm weekly to quarterly, or a mean gap of 7 to 90 days,
 *   regular or not), many of those who go silent fading first; a batch's events are sorted by
 *   time, numbered, locally reordered and ~1 % of them are redelivered ({@link Stream});
 * - observations (党员找组织 / 党员找党员 / 组织找党员) that are noisy copies of a member's identity
 *   ({@link Noise}), and decoys (people who are no member but share a member's name), each with a
 *   label ({@link Observations});
 * - 0.8 % of registrations written with a clerk's mistake, a data-quality problem to find
 *   ({@link Mistakes}), each with its mistake;
 * - last, the floating organisations' life ({@link OrgLife}): their 组织生活, regular, lapsing or
 *   dormant, attended by the members they hold; their committees' guidance; their reports to the
 *   members' home organisations; each organisation's life labelled on its registration.
 *
 * Everything derives from `seed`: the same options give the same stream, event for event. Output
 * is lazy, one batch in memory at a time, so ten million events stream to a file in near-constant
 * memory (apart from a set of issued identity numbers, ~40 bytes per member, which keeps them
 * unique, and the stays of the members registered with a floating organisation, about one in ten).
 *
 * With the default options a member produces 22.7 events on average over the three years (measured
 * at 50,000 members, seed 1; 90 % of them ContactRecorded, 0.2 the floating organisations'), plus
 * about one organisation per 40 members; each floating organisation has about 130 activities and
 * guidance contacts over the three years, and a report a year to each home organisation of the
 * members it holds; in the `varied` world 42.8 (at 50,000 members; 95 % ContactRecorded), its members in contact
 * about twice as often. Throughput is roughly 400,000–500,000 events per second on one core, with
 * or without `JSON.stringify`.
 */
import { type Event, Instant } from "@relink/core"
import { Random } from "./internal/Random.ts"
import * as Lives from "./Lives.ts"
import * as Mistakes from "./Mistakes.ts"
import * as OrgLife from "./OrgLife.ts"
import * as Pace from "./Pace.ts"
import * as People from "./People.ts"
import * as Stream from "./Stream.ts"
import * as World from "./World.ts"

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
  /** Overrides of {@link Lives.defaultBehaviourWeights} (relative weights). */
  readonly behaviourWeights?: Partial<Record<Lives.Behaviour, number>>
  /** The shape of the world's contacts (README "World shapes"). Default `"rhythms"`. */
  readonly shape?: Pace.Shape
  /** Overrides of {@link Lives.defaultRhythmWeights} (relative weights): the `rhythms` world only. */
  readonly rhythmWeights?: Partial<Record<Lives.Rhythm, number>>
  /**
   * The share of registrations written with a mistake a clerk must correct ({@link Mistakes}), in
   * [0, 1]. Default 0.008. Drawn apart from everything else: the stream with 0 differs only in
   * those registrations' fields.
   */
  readonly mistakeRate?: number
}

/** The defaults of the optional {@link Options}. */
export const defaults = {
  shape: "rhythms",
  batchSize: 1000,
  duplicateRate: 0.01,
  reorderRate: 0.05,
  reorderWindow: 40,
  observationRate: 1,
  decoyRate: 0.02,
  mistakeRate: Mistakes.defaultRate
} as const

/**
 * The stream: organisations first, then members batch by batch. Lazy — nothing is computed until
 * the first item is asked for, and one batch is in memory at a time.
 *
 * @throws RangeError at once for options that make no sense (negative members, startAt ≥ asOf…).
 */
export const generate = (options: Options): Generator<Stream.Item, void, undefined> => run(resolve(options))

/** The events alone, for callers that do not need the labels. */
export function* events(options: Options): Generator<Event.Encoded, void, undefined> {
  for (const item of generate(options)) yield item.event
}

interface Resolved extends Lives.Settings {
  readonly members: number
  readonly seed: number
  readonly batchSize: number
  readonly duplicateRate: number
  readonly reorderRate: number
  readonly reorderWindow: number
}

/** The generator's stream the registrations' mistakes are drawn on (`Random`): any but the main one, 0. */
const MISTAKES_STREAM = 1
/** The stream the floating organisations' life is drawn on ({@link OrgLife}). */
const ORG_LIFE_STREAM = 2

function* run(options: Resolved): Generator<Stream.Item, void, undefined> {
  const rng = new Random(options.seed)
  const world = World.make(options.members, rng.fork())
  const orgLife = new OrgLife.OrgLife(world, new Random(options.seed, ORG_LIFE_STREAM), Lives.membersFrom(options.startAt), options.asOf)
  const lives = new Lives.Lives(options, rng, world, new People.Registry(rng, options.asOf), new Random(options.seed, MISTAKES_STREAM), orgLife)
  const stream = new Stream.Stream(rng, options.duplicateRate)
  yield* stream.organisations(world, options.startAt, orgLife.lives)
  for (let start = 0; start < options.members; start += options.batchSize) {
    const drafts = lives.batch(start, Math.min(options.batchSize, options.members - start))
    yield* stream.deliver(drafts, options.reorderRate, options.reorderWindow)
  }
  // Last, once every member has lived: an activity names attendees of every batch.
  yield* stream.deliver(orgLife.drafts(), options.reorderRate, options.reorderWindow)
}

const resolve = (options: Options): Resolved => {
  const fail = (what: string): never => {
    throw new RangeError(`Simulation: ${what}`)
  }
  if (!Number.isInteger(options.members) || options.members < 0) fail("members must be a whole number ≥ 0")
  if (!Number.isFinite(options.seed)) fail("seed must be a finite number")
  if (!Number.isFinite(options.asOf)) fail("asOf must be epoch milliseconds")
  const startAt = options.startAt ?? Instant.addMonths(options.asOf, -36)
  if (!Number.isFinite(startAt) || startAt > options.asOf - 60 * Instant.DAY) fail("startAt must be at least 60 days before asOf")
  const rate = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback
    return Number.isFinite(v) && v >= 0 ? v : fail(`${name} must be a number ≥ 0`)
  }
  const shape = options.shape ?? defaults.shape
  if (!Pace.shapes.includes(shape)) fail(`shape must be one of ${Pace.shapes.join(", ")}`)
  if (shape !== "rhythms" && options.rhythmWeights !== undefined) fail("rhythmWeights are of the rhythms world only")
  const batchSize = options.batchSize ?? defaults.batchSize
  if (!Number.isInteger(batchSize) || batchSize < 1) fail("batchSize must be a whole number ≥ 1")
  const weights = <K extends string>(what: string, defaults: Readonly<Record<K, number>>, overrides: Partial<Record<K, number>> | undefined) => {
    const merged: Readonly<Record<K, number>> = { ...defaults, ...overrides }
    const values: ReadonlyArray<number> = Object.values(merged)
    if (values.some((w) => !(Number.isFinite(w) && w >= 0))) fail(`${what} weights must be ≥ 0`)
    if (values.every((w) => w === 0)) fail(`some ${what} weight must be positive`)
    return merged
  }
  return {
    members: options.members,
    seed: options.seed,
    asOf: options.asOf,
    startAt,
    shape,
    batchSize,
    duplicateRate: Math.min(1, rate("duplicateRate", options.duplicateRate, defaults.duplicateRate)),
    reorderRate: Math.min(1, rate("reorderRate", options.reorderRate, defaults.reorderRate)),
    reorderWindow: rate("reorderWindow", options.reorderWindow, defaults.reorderWindow),
    observationRate: rate("observationRate", options.observationRate, defaults.observationRate),
    decoyRate: rate("decoyRate", options.decoyRate, defaults.decoyRate),
    mistakeRate: Math.min(1, rate("mistakeRate", options.mistakeRate, defaults.mistakeRate)),
    behaviourWeights: weights("behaviour", Lives.defaultBehaviourWeights, options.behaviourWeights),
    rhythmWeights: weights("rhythm", Lives.defaultRhythmWeights, options.rhythmWeights)
  }
}
