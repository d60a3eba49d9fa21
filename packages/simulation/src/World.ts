/**
 * The organisation tree of a simulated Chengdu district and the places its members go to: 区委 →
 * 街道/乡镇 工委 → 社区/企业/机关/非公企业/村 党支部, some 党总支, the district's 驻外 floating
 * branches, and 流入地 organisations in the cities floating members go to.
 */
import { type Event, Instant, type OrgTree } from "@relink/core"
import * as Data from "./internal/ChineseData.ts"
import * as Clock from "./internal/Clock.ts"
import { type Random, Table } from "./internal/Random.ts"
import * as Wire from "./internal/Wire.ts"

/** An organisation as `OrgRegistered` registers it: the tree's node before it has an event. */
export type Org = Omit<OrgTree.Org, "at" | "eventId">

/** A 党支部 members belong to. */
export interface Branch {
  readonly orgId: string
  readonly region: string
  /** The 街道/乡镇 (or 流入地) committee above the branch. */
  readonly townOrgId: string
  /** The district committee, or the 流入地 committee for branches in other cities. */
  readonly districtOrgId: string
  /** Index into `districts`; −1 for branches in other cities. */
  readonly district: number
}

/** A district committee. */
export interface DistrictOrgs {
  readonly orgId: string
  readonly code: string
  readonly name: string
  /** The district's 驻外 floating branches, by destination code. */
  readonly away: ReadonlyMap<string, string>
}

/** A city floating members go to, with its organisations. */
export interface Place {
  readonly destination: Data.Destination
  readonly committeeId: string
  readonly floatingId: string
  readonly branches: ReadonlyArray<Branch>
}

export interface World {
  /** Parents before children. */
  readonly orgs: ReadonlyArray<Org>
  readonly rootOrgId: string
  /** The district's branches, weighted by how many members each has room for. */
  readonly branches: Table<Branch>
  readonly districts: ReadonlyArray<DistrictOrgs>
  readonly places: ReadonlyArray<Place>
  /** Places weighted by how often members go there. */
  readonly placeTable: Table<Place>
  readonly placeByCode: ReadonlyMap<string, Place>
}

/** The region a member of `branch` is local to: its district, or the first one for branches in other cities. */
export const localRegion = (branch: Branch): string => (branch.district >= 0 ? branch.region : (Data.districts[0] as Data.District).code)

/** The name of a region as a lead's note says where someone was seen. */
export const placeName = (world: World, region: string): string => {
  const place = world.placeByCode.get(region)
  if (place !== undefined) return place.destination.place
  const district = Data.districts.find((d) => d.code === region)
  return district === undefined ? "外地" : `四川省成都市${district.name}`
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
export const make = (members: number, rng: Random): World => {
  const orgs: Array<Org> = []
  const counters = new Map<string, number>()
  const addOrg = (prefecture: string, name: string, kind: Event.OrgKind, region: string, parentId: string | undefined): string => {
    const n = (counters.get(prefecture) ?? 0) + 1
    counters.set(prefecture, n)
    const orgId = `org-${prefecture}-${Wire.pad(n, 4)}`
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

/** The `OrgRegistered` events, parents first, a minute (or less) apart from the first 09:00 at or after `startAt`. */
export const registrations = (world: World, startAt: number): Array<Wire.Timed> => {
  const nine = Instant.startOfDay(startAt) + 9 * Instant.HOUR
  const start = nine >= startAt ? nine : nine + Instant.DAY
  const step = Math.max(1000, Math.min(Clock.MINUTE, Math.floor(43_200 / Math.max(1, world.orgs.length)) * 1000))
  return world.orgs.map((org, i) => ({
    at: start + i * step,
    make: Wire.event("OrgRegistered", org.orgId, { source: "org-dept" }, (head) => ({
      ...head,
      name: org.name,
      ...(org.parentId !== undefined && { parentId: org.parentId }),
      kind: org.kind,
      region: org.region
    }))
  }))
}
