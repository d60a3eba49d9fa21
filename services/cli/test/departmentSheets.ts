/**
 * A simulated department's spreadsheets, written from the simulation's events as a county
 * organisation department keeps them: the organisations, a roster at each month's end, the month's
 * dues and sign-in sheets — in three layouts that take turns (title rows, a merged title and merged
 * branch cells, dates as date cells, as 2023.05.01 and as 2023年5月1日, full-width digits, spaced
 * names, a hidden column, a totals row, CSV with a byte-order mark). `carried` gives the events as
 * those sheets carry them: the round trip's reference.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { Redacted } from "effect"
import { type Event, IdNumber, Instant, Roster } from "@relink/core"

const DAY = 86_400_000
const CST = 8 * 3_600_000

/** `YYYY-MM-DD` of an instant in China Standard Time. */
const cstDay = (at: number): string => new Date(at + CST).toISOString().slice(0, 10)
/** The start of a CST day. */
const startOf = (day: string): number => Date.parse(`${day}T00:00:00+08:00`)
const endOf = (day: string): number => startOf(day) + DAY - 1

/** The last day of each month from the first event's to the as-of day's (its month's last day, or the as-of day itself). */
export const monthEnds = (events: ReadonlyArray<Event.Event>, asOf: string): ReadonlyArray<string> => {
  const first = cstDay(Math.min(...events.map((e) => e.occurredAt)))
  const out: Array<string> = []
  let [y, m] = first.split("-").map(Number) as [number, number]
  for (;;) {
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10)
    out.push(last < asOf ? last : asOf)
    if (last >= asOf) return out
    if (m === 12) {
      y += 1
      m = 1
    } else m += 1
  }
}

interface Away {
  readonly at: string
  readonly region: string
  readonly detail?: string
  readonly reason: Event.OutflowReason
}

interface Person {
  readonly memberId: string
  orgId: string
  name: string
  readonly idNumber: string
  readonly gender?: Event.Gender
  readonly birthDate?: string
  phone?: string
  hukou?: string
  category: Event.Category
  readonly joinedAt?: string
  away?: Away
  ended: boolean
}

const endings: ReadonlySet<string> = new Set(["remove", "deceased", "left", "cancel-probation"])

/** Each member's register at a day's end, folded from the events in time order. */
const registerAt = (sorted: ReadonlyArray<Event.Event>) => {
  const people = new Map<string, Person>()
  let next = 0
  return (day: string): ReadonlyMap<string, Person> => {
    const until = endOf(day)
    for (; next < sorted.length && (sorted[next] as Event.Event).occurredAt <= until; next++) {
      const e = sorted[next] as Event.Event
      const p = "memberId" in e && typeof e.memberId === "string" ? people.get(e.memberId) : undefined
      switch (e.type) {
        case "MemberRegistered":
          people.set(e.memberId, {
            memberId: e.memberId,
            orgId: e.orgId,
            name: e.name,
            idNumber: Redacted.value(e.idNumber),
            ...(e.gender !== undefined && { gender: e.gender }),
            ...(e.birthDate !== undefined && { birthDate: e.birthDate }),
            ...(e.phone !== undefined && { phone: Redacted.value(e.phone) }),
            ...(e.hukouRegion !== undefined && { hukou: e.hukouRegion }),
            category: e.category,
            ...(e.joinedAt !== undefined && { joinedAt: e.joinedAt }),
            ended: false
          })
          break
        case "MemberUpdated":
          if (p === undefined) break
          if (e.name !== undefined) p.name = e.name
          if (e.phone !== undefined) p.phone = Redacted.value(e.phone)
          if (e.hukouRegion !== undefined) p.hukou = e.hukouRegion
          if (e.category !== undefined) p.category = e.category
          break
        case "OutflowReported":
          if (p !== undefined) {
            p.away = { at: cstDay(e.occurredAt), region: e.destinationRegion, reason: e.reason, ...(e.destinationDetail !== undefined && e.destinationDetail !== "" && { detail: e.destinationDetail }) }
          }
          break
        case "ReturnReported":
          if (p !== undefined) delete p.away
          break
        case "TransferReceived":
          if (p !== undefined) {
            p.orgId = e.orgId
            delete p.away
          }
          break
        case "StatusDecided":
          if (p !== undefined) p.ended = endings.has(e.decision)
          break
        default:
          break
      }
    }
    return people
  }
}

const byTime = (events: ReadonlyArray<Event.Event>): ReadonlyArray<Event.Event> =>
  [...events].sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1))

/** Members moved by a transfer: a roster shows their new branch, which is a decision, not an import. */
export const transferred = (events: ReadonlyArray<Event.Event>): ReadonlySet<string> =>
  new Set(events.flatMap((e) => (e.type === "TransferIssued" || e.type === "TransferReceived" ? [e.memberId] : [])))

const sameAway = (a: Away | undefined, b: Away | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.at === b.at && a.region === b.region && a.detail === b.detail && a.reason === b.reason)

/**
 * The events as the sheets carry them, member ids as the import gives them (a keyed digest of the
 * ID number): the organisations; a member registered, updated or back home as of the end of the
 * month whose roster first shows it; a period away from its day, when a month's end shows it; dues
 * and meeting contacts and organisations' activities at the start of their day.
 */
export const carried = (events: ReadonlyArray<Event.Event>, ends: ReadonlyArray<string>, key: string): ReadonlyArray<Event.Event> => {
  const sorted = byTime(events)
  const at = registerAt(sorted)
  const idOf = new Map<string, string>()
  const out: Array<Event.Event> = sorted.filter((e) => e.type === "OrgRegistered")
  const shown = new Map<string, Person>()
  let n = 0
  const base = (day: string, orgId: string) => ({ eventId: `carried-${n++}`, occurredAt: startOf(day), orgId })
  const outflow = (p: Person, a: Away): Event.OutflowReported => ({
    type: "OutflowReported",
    ...base(a.at, p.orgId),
    memberId: idOf.get(p.memberId) as string,
    destinationRegion: a.region,
    ...(a.detail !== undefined && { destinationDetail: a.detail }),
    reason: a.reason
  })
  for (const end of ends) {
    for (const p of at(end).values()) {
      if (p.ended) continue
      const before = shown.get(p.memberId)
      const now: Person = { ...p, ...(p.away !== undefined && { away: { ...p.away } }) }
      shown.set(p.memberId, now)
      if (before === undefined) {
        const id = Roster.memberIdOf(IdNumber.normalizeLoose(p.idNumber) ?? p.idNumber, key)
        idOf.set(p.memberId, id)
        out.push({
          type: "MemberRegistered",
          ...base(end, p.orgId),
          memberId: id,
          name: p.name,
          idNumber: Redacted.make(p.idNumber),
          ...(p.gender !== undefined && { gender: p.gender }),
          ...(p.birthDate !== undefined && { birthDate: p.birthDate }),
          ...(p.phone !== undefined && { phone: Redacted.make(p.phone) }),
          ...(p.hukou !== undefined && { hukouRegion: p.hukou }),
          category: p.category,
          ...(p.joinedAt !== undefined && { joinedAt: p.joinedAt })
        })
        if (p.away !== undefined) out.push(outflow(p, p.away))
        continue
      }
      const memberId = idOf.get(p.memberId) as string
      const orgId = before.orgId
      if (before.name !== p.name || before.phone !== p.phone || before.hukou !== p.hukou || before.category !== p.category) {
        out.push({
          type: "MemberUpdated",
          ...base(end, orgId),
          memberId,
          ...(before.name !== p.name && { name: p.name }),
          ...(before.phone !== p.phone && p.phone !== undefined && { phone: Redacted.make(p.phone) }),
          ...(before.hukou !== p.hukou && p.hukou !== undefined && { hukouRegion: p.hukou }),
          ...(before.category !== p.category && { category: p.category })
        })
      }
      if (p.away !== undefined && !sameAway(before.away, p.away)) out.push(outflow({ ...p, orgId }, p.away))
      if (p.away === undefined && before.away !== undefined) out.push({ type: "ReturnReported", ...base(end, orgId), memberId })
      // The branch a roster shows stays the registration's: a transfer is decided, not imported.
      now.orgId = orgId
    }
  }
  for (const e of sorted) {
    const day = cstDay(e.occurredAt)
    if (e.type === "ContactRecorded" && (e.channel === "dues" || e.channel === "meeting")) {
      const memberId = idOf.get(e.memberId)
      if (memberId !== undefined) out.push({ ...e, ...base(day, e.orgId), memberId })
    }
    if (e.type === "OrgActivityRecorded") {
      const attendees = (e.attendees ?? []).flatMap((m) => idOf.get(m) ?? [])
      out.push({ type: "OrgActivityRecorded", ...base(day, e.orgId), activity: e.activity, ...(attendees.length > 0 && { attendees }) })
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The sheets

const KIND_WORDS: Readonly<Record<Event.OrgKind, string>> = { committee: "党委", "general-branch": "党总支", branch: "党支部", "floating-branch": "流动党员党支部" }
const REASON_WORDS: Readonly<Record<Event.OutflowReason, string>> = { work: "务工", business: "经商", study: "就学", residence: "随迁", other: "其他" }
const ACTIVITY_WORDS: Readonly<Record<Event.OrgActivity, string>> = {
  "committee-meeting": "支委会",
  "members-meeting": "党员大会",
  "group-meeting": "党小组会",
  "party-lecture": "党课",
  "theme-day": "主题党日",
  "life-meeting": "组织生活会",
  "democratic-review": "民主评议党员"
}

type Spelling = (day: string) => string | Date
const spellings: ReadonlyArray<Spelling> = [
  (day) => new Date(`${day}T00:00:00Z`),
  (day) => day.replaceAll("-", "."),
  (day) => {
    const [y, m, d] = day.split("-").map(Number) as [number, number, number]
    return `${y}年${m}月${d}日`
  }
]

const fullWidth = (text: string): string => text.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))
/** Two-character names spaced to line up with three-character ones, as rosters do. */
const spaced = (name: string): string => ([...name].length === 2 ? [...name].join("  ") : name)

const csvCell = (v: string | Date | number | undefined): string => {
  const text = v === undefined ? "" : v instanceof Date ? v.toISOString().slice(0, 10) : String(v)
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const writeCsv = (path: string, rows: ReadonlyArray<ReadonlyArray<string | Date | number | undefined>>): void =>
  writeFileSync(path, `\uFEFF${rows.map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`)

const writeXlsx = async (
  path: string,
  sheetName: string,
  titles: ReadonlyArray<string>,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string | Date | number | undefined>>,
  options: { readonly mergeColumn?: number; readonly hiddenColumn?: number; readonly totals?: boolean } = {}
): Promise<void> => {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet(sheetName)
  for (const t of titles) {
    const row = sheet.addRow([t])
    sheet.mergeCells(row.number, 1, row.number, header.length)
  }
  sheet.addRow([...header])
  const first = sheet.rowCount + 1
  for (const r of rows) {
    const row = sheet.addRow(r.map((v) => v ?? null))
    r.forEach((v, i) => {
      if (v instanceof Date) row.getCell(i + 1).numFmt = "yyyy-mm-dd"
    })
  }
  if (options.mergeColumn !== undefined) {
    // Consecutive rows of one branch share one merged cell, its value in the first.
    const c = options.mergeColumn + 1
    let start = first
    for (let r = first + 1; r <= sheet.rowCount + 1; r++) {
      const same = r <= sheet.rowCount && sheet.getRow(r).getCell(c).value === sheet.getRow(start).getCell(c).value
      if (!same) {
        if (r - 1 > start) sheet.mergeCells(start, c, r - 1, c)
        start = r
      }
    }
  }
  if (options.hiddenColumn !== undefined) sheet.getColumn(options.hiddenColumn + 1).hidden = true
  if (options.totals === true) sheet.addRow(["合计", `${rows.length}人`])
  await book.xlsx.writeFile(path)
}


/** A roster of the people at a month's end, in one of the three layouts (0: title rows, merged branch cells, date cells, a totals row; 1: spaced names, full-width phones, 2023.05.01, a hidden column; 2: CSV, 2023年5月1日). */
const writeRoster = async (registered: Iterable<Person>, orgName: ReadonlyMap<string, string>, end: string, layout: number, roster: string): Promise<void> => {
  const spell = spellings[layout] as Spelling
    const people = [...registered].filter((p) => !p.ended).sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : a.memberId < b.memberId ? -1 : 1))
  const rosterRows = people.map((p, n) => {
    const away = p.away
    const fields = {
      name: layout === 1 ? spaced(p.name) : p.name,
      gender: p.gender === undefined ? undefined : p.gender === "M" ? "男" : "女",
      birth: p.birthDate === undefined ? undefined : layout === 1 ? `${p.birthDate.slice(0, 4)}年${Number(p.birthDate.slice(5, 7))}月` : spell(p.birthDate),
      joined: p.joinedAt === undefined ? undefined : spell(p.joinedAt),
      category: p.category === "full" ? "正式党员" : "预备党员",
      branch: orgName.get(p.orgId),
      phone: p.phone === undefined ? undefined : layout === 1 ? fullWidth(p.phone) : p.phone,
      outAt: away === undefined ? undefined : spell(away.at),
      outTo: away === undefined ? undefined : `${away.region}${away.detail === undefined ? "" : ` ${away.detail}`}`,
      reason: away === undefined ? undefined : REASON_WORDS[away.reason]
    }
    return layout === 1
      ? [fields.name, p.idNumber, fields.gender, fields.birth, fields.joined, fields.category, fields.branch, fields.phone, p.hukou, fields.outAt, fields.outTo, fields.reason, "备注"]
      : [n + 1, fields.name, fields.gender, fields.birth, p.idNumber, fields.joined, fields.category, fields.branch, fields.phone, p.hukou, fields.outAt, fields.outTo, fields.reason]
  })
  const header0 = ["序号", "姓名", "性别", "出生日期", "公民身份号码", "入党时间", "人员类别", "所在党支部", "联系电话", "户籍所在地", "外出时间", "外出地点", "外出原因"]
  if (layout === 0) await writeXlsx(roster, "花名册", [`党员花名册（截至${end}）`, "填报单位：组织部"], header0, rosterRows, { mergeColumn: 7, totals: true })
  else if (layout === 1) {
    await writeXlsx(roster, "Sheet1", [], ["姓名", "身份证号码", "性别", "出生年月", "入党日期", "党员类别", "所属党组织", "手机号码", "户籍地", "流出时间", "流入地", "流出原因", "备注"], rosterRows, { hiddenColumn: 12 })
  } else writeCsv(roster, [["序号", "姓名", "身份证号码", "性别", "出生日期", "入党时间", "人员类别", "所在党支部", "联系电话", "户籍所在地", "外出时间", "外出地点", "外出原因"], ...rosterRows.map((r) => [r[0], r[1], r[4], r[2], r[3], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12]])])
}

/**
 * Each organisation as a clerk writes it in a 所在党支部 or 上级党组织 cell: its name when no other
 * has it, else qualified by its parent's (中共浆洗街街道工作委员会/簇锦社区党支部), else its id.
 */
const cellNames = (orgs: ReadonlyArray<Event.OrgRegistered>): ReadonlyMap<string, string> => {
  const count = new Map<string, number>()
  for (const o of orgs) count.set(o.name, (count.get(o.name) ?? 0) + 1)
  const byId = new Map(orgs.map((o) => [o.orgId, o]))
  const unique = (name: string | undefined): name is string => name !== undefined && count.get(name) === 1
  return new Map(
    orgs.map((o) => {
      const parent = o.parentId === undefined ? undefined : byId.get(o.parentId)?.name
      return [o.orgId, unique(o.name) ? o.name : unique(parent) ? `${parent}/${o.name}` : o.orgId] as const
    })
  )
}

export interface SheetFile {
  readonly kind: "orgs" | "roster" | "dues" | "attendance"
  readonly path: string
  readonly asOf: string
}

/**
 * Writes the sheets into `dir`: the organisations, then for each month's end its roster, dues and
 * sign-in sheets, in the order they are imported.
 */
export const write = async (events: ReadonlyArray<Event.Event>, ends: ReadonlyArray<string>, dir: string): Promise<ReadonlyArray<SheetFile>> => {
  const sorted = byTime(events)
  const orgs = sorted.filter((e): e is Event.OrgRegistered => e.type === "OrgRegistered")
  const orgName = cellNames(orgs)
  const files: Array<SheetFile> = []
  const orgsPath = join(dir, "党组织.xlsx")
  await writeXlsx(
    orgsPath,
    "党组织",
    ["党组织信息表"],
    ["组织编号", "组织名称", "上级党组织", "组织类别", "行政区划代码"],
    orgs.map((o) => [o.orgId, o.name, o.parentId === undefined ? undefined : orgName.get(o.parentId), KIND_WORDS[o.kind], o.region])
  )
  files.push({ kind: "orgs", path: orgsPath, asOf: cstDay(orgs[0]?.occurredAt ?? 0) })
  const at = registerAt(sorted)
  let previous = ""
  for (const [i, end] of ends.entries()) {
    const layout = i % 3
    const spell = spellings[layout] as Spelling
    const month = end.slice(0, 7)
    const roster = join(dir, `花名册-${month}${layout === 2 ? ".csv" : ".xlsx"}`)
    await writeRoster(at(end).values(), orgName, end, layout, roster)
    files.push({ kind: "roster", path: roster, asOf: end })

    const inMonth = sorted.filter((e) => {
      const day = cstDay(e.occurredAt)
      return day > previous && day <= end
    })
    const registered = at(end)
    const duesRows = inMonth.flatMap((e) => {
      if (e.type !== "ContactRecorded" || e.channel !== "dues") return []
      const p = registered.get(e.memberId)
      if (p === undefined) return []
      const day = cstDay(e.occurredAt)
      return [[p.name, p.idNumber, orgName.get(e.orgId), `${day.slice(0, 4)}年${Number(day.slice(5, 7))}月`, spell(day), 12.5]]
    })
    const dues = join(dir, `党费-${month}${layout === 2 ? ".csv" : ".xlsx"}`)
    const duesHeader = ["姓名", "身份证号码", "所在党支部", "缴费月份", "缴费日期", "金额"]
    if (layout === 2) writeCsv(dues, [duesHeader, ...duesRows])
    else await writeXlsx(dues, "党费收缴明细", layout === 0 ? [`党费收缴明细（${month}）`] : [], duesHeader, duesRows)
    files.push({ kind: "dues", path: dues, asOf: end })

    // One row per meeting: a branch's meeting contacts of a day, and an organisation's activity with no one listed;
    // a person a row, by ID number, for an activity with attendees (a floating organisation's are registered at home).
    const signedIn: Array<ReadonlyArray<string | Date | undefined>> = []
    const meetings = new Map<string, { orgId: string; day: string; activity: Event.OrgActivity; names: Array<string> }>()
    for (const e of inMonth) {
      const day = cstDay(e.occurredAt)
      if (e.type === "ContactRecorded" && e.channel === "meeting") {
        const name = registered.get(e.memberId)?.name
        if (name === undefined) continue
        const key = JSON.stringify([e.orgId, day, "contact"])
        const m = meetings.get(key) ?? { orgId: e.orgId, day, activity: "members-meeting" as const, names: [] }
        m.names.push(name)
        meetings.set(key, m)
      }
      if (e.type === "OrgActivityRecorded" && (e.attendees ?? []).length === 0) meetings.set(JSON.stringify([e.eventId]), { orgId: e.orgId, day, activity: e.activity, names: [] })
      for (const id of e.type === "OrgActivityRecorded" ? (e.attendees ?? []) : []) {
        const p = registered.get(id)
        if (p !== undefined && e.type === "OrgActivityRecorded") signedIn.push([p.name, p.idNumber, orgName.get(e.orgId), ACTIVITY_WORDS[e.activity], spell(day)])
      }
    }
    const signInRows = [...meetings.values()].map((m) => [orgName.get(m.orgId), ACTIVITY_WORDS[m.activity], spell(m.day), m.names.join("、")])
    const attendance = join(dir, `签到-${month}${layout === 2 ? ".csv" : ".xlsx"}`)
    const signInHeader = ["所在党支部", "会议类型", "会议日期", "参会人员"]
    if (layout === 2) writeCsv(attendance, [signInHeader, ...signInRows])
    else await writeXlsx(attendance, "组织生活签到表", [], signInHeader, signInRows)
    files.push({ kind: "attendance", path: attendance, asOf: end })
    const byPerson = join(dir, `签到明细-${month}${layout === 2 ? ".csv" : ".xlsx"}`)
    const byPersonHeader = ["姓名", "公民身份号码", "所在党支部", "会议类型", "会议日期"]
    if (layout === 2) writeCsv(byPerson, [byPersonHeader, ...signedIn])
    else await writeXlsx(byPerson, "签到明细", [`组织生活签到明细（${month}）`], byPersonHeader, signedIn)
    files.push({ kind: "attendance", path: byPerson, asOf: end })
    previous = end
  }
  return files
}

/** The instant a scan is taken at the end of a day. */
export const endOfDay = (day: string): number => Instant.parseIsoInstant(`${day}T23:59:59+08:00`) ?? Number.NaN

/** One roster of the people the events register at `end`, in a layout (0, 1 or 2 as above): what the import benchmark reads. */
export const writeRosterAt = async (events: ReadonlyArray<Event.Event>, end: string, path: string, layout: number): Promise<void> => {
  const sorted = byTime(events)
  const orgName = cellNames(sorted.filter((e): e is Event.OrgRegistered => e.type === "OrgRegistered"))
  await writeRoster(registerAt(sorted)(end).values(), orgName, end, layout, path)
}
