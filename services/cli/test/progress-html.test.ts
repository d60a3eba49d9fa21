import { assert, describe, it } from "@effect/vitest"
import type { Screening } from "@relink/core"
import { parse as parseHtml } from "parse5"
import { render } from "../src/render/ProgressHtml.ts"

const at = (date: string) => Date.parse(`${date}T00:00:00+08:00`)
const HOSTILE = "<script>alert(1)</script>\u202E"

const cell = (counts: Partial<Screening.Cell>): Screening.Cell => ({
  unlinkedAtStart: 0,
  newlyUnlinked: 0,
  found: 0,
  closed: 0,
  open: 0,
  medianDaysToFound: undefined,
  confirmed: 0,
  rejected: 0,
  ...counts
})

const found = (memberId: string, orgId: string, period: number, days: number): Screening.Found => ({
  memberId,
  orgId,
  period,
  relink: { at: at(period === 0 ? "2026-01-20" : "2026-02-10"), type: "ContactRecorded", channel: "visit" },
  days
})

/** Two months, two organisations (one named to inject markup); the medians of the months (2, 10) are not the median of all (2.5). */
const report: Screening.Progress = {
  kind: "progress",
  every: "month",
  instants: [at("2026-01-01"), at("2026-02-01"), at("2026-03-01")],
  periods: [
    { from: at("2026-01-01"), to: at("2026-02-01"), label: "2026-01" },
    { from: at("2026-02-01"), to: at("2026-03-01"), label: "2026-02" }
  ],
  rows: [
    {
      orgId: "o-1",
      org: "第一党支部",
      cells: [cell({ unlinkedAtStart: 3, newlyUnlinked: 1, found: 2, open: 2 }), cell({ unlinkedAtStart: 2, newlyUnlinked: 1, found: 1, open: 2 })],
      span: cell({ unlinkedAtStart: 3, newlyUnlinked: 2, found: 3, open: 2, medianDaysToFound: 2 })
    },
    {
      orgId: "o-evil",
      org: HOSTILE,
      cells: [cell({ unlinkedAtStart: 2, newlyUnlinked: 1, found: 1, open: 2 }), cell({ unlinkedAtStart: 2, newlyUnlinked: 1, closed: 1, open: 2 })],
      span: cell({ unlinkedAtStart: 2, newlyUnlinked: 2, found: 1, closed: 1, open: 2, medianDaysToFound: 3 })
    }
  ],
  total: [
    cell({ unlinkedAtStart: 5, newlyUnlinked: 2, found: 3, open: 4, medianDaysToFound: 2 }),
    cell({ unlinkedAtStart: 4, newlyUnlinked: 2, found: 1, closed: 1, open: 4, medianDaysToFound: 10, confirmed: 7 })
  ],
  // As the core counts it: the median over every member found (1, 2, 3, 10), not of the months' medians.
  span: cell({ unlinkedAtStart: 5, newlyUnlinked: 4, found: 4, closed: 1, open: 4, medianDaysToFound: 2.5, confirmed: 7 }),
  statusCounts: [
    { lost: 3, suspended: 2, "at-risk": 6, active: 120 },
    { lost: 2, suspended: 2, "at-risk": 5, active: 121 },
    { lost: 2, "transfer-overdue": 2, "at-risk": 4, active: 122, removed: 1 }
  ],
  found: [found("m-1", "o-1", 0, 1), found("m-2", "o-1", 0, 2), found("m-3", "o-evil", 0, 3), found("m-4", "o-1", 1, 10)],
  untraced: 0
}

/** The key figures as the cards show them, by label. */
const figures = (html: string): Record<string, string> =>
  Object.fromEntries([...html.matchAll(/<div class="n">([^<]*)<\/div><div class="l">([^<]*)<\/div>/g)].map((m) => [m[2], m[1]]))

const parseErrors = (html: string): ReadonlyArray<string> => {
  const errors: Array<string> = []
  parseHtml(html, { onParseError: (error) => errors.push(`${error.code} at ${error.startLine}:${error.startCol}`) })
  return errors
}

/** A report of 24 months, 30 organisations (the i-th with i members to find) and 250 members found. */
const large = (): Screening.Progress => {
  const instants = Array.from({ length: 25 }, (_, i) => at(`${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}-01`))
  const periods = instants.slice(0, -1).map((from, i) => ({ from, to: instants[i + 1] as number, label: `p${i}` }))
  const rows = Array.from({ length: 30 }, (_, i) => ({
    orgId: `o-${i}`,
    org: `支部${i}`,
    cells: periods.map(() => cell({ unlinkedAtStart: i, open: i })),
    span: cell({ unlinkedAtStart: i, open: i })
  }))
  return {
    kind: "progress",
    every: "month",
    instants,
    periods,
    rows,
    total: periods.map(() => cell({ unlinkedAtStart: 435, open: 435 })),
    span: cell({ unlinkedAtStart: 435, open: 435 }),
    statusCounts: instants.map(() => ({ lost: 435 })),
    found: Array.from({ length: 250 }, (_, i) => found(`m-${i}`, "o-1", 0, i)),
    untraced: 0
  }
}

describe("progress HTML", () => {
  const zh = render(report, { lang: "zh" })
  const en = render(report, { lang: "en" })

  it("is in Chinese by default, with the key figures of the whole span", () => {
    assert.include(zh, '<html lang="zh-CN">')
    for (const header of ["排查进度", "按月", "失联与联系预警人数", "每期找回与新增失联", "各期汇总", "按责任党组织", "找回名单", "找回用时中位数（天）", "联系（走访）"]) {
      assert.include(zh, header)
    }
    assert.include(zh, "2026-01-01 – 2026-02-28")
    assert.deepStrictEqual(figures(zh), { 期初失联: "5", 新增失联: "4", 找回: "4", 除名或终止: "1", 期末仍失联: "4", "找回用时中位数（天）": "2.5" })
    // The last registered count (122 active + 1 removed + 8 stacked) is told, not drawn.
    assert.include(zh, "期末共登记党员 131 人")
    // The per-period medians with one decimal, the whole span's median in the totals row.
    assert.match(zh, /<td class="nowrap">2026-01<\/td>(<td class="num">[^<]*<\/td>){5}<td class="num">2\.0<\/td>/)
    assert.match(zh, /<tr class="span"><td class="nowrap">全期<\/td>(<td class="num">[^<]*<\/td>){5}<td class="num">2\.5<\/td><td class="num">7<\/td>/)
    assert.include(zh, "找回指期初失联")
  })

  it("is in English with lang en", () => {
    assert.include(en, '<html lang="en">')
    for (const header of ["Screening progress", "monthly", "Unlinked and at-risk members", "Members found", "contact (visit)", "How members are counted"]) {
      assert.include(en, header)
    }
    assert.deepStrictEqual(figures(en), {
      "Unlinked at start": "5",
      "Newly unlinked": "4",
      Found: "4",
      "Removed or ended": "1",
      "Still open": "4",
      "Median days to find": "2.5"
    })
    assert.notMatch(en.replace(/<bdi>[^<]*<\/bdi>/g, ""), /[\u4e00-\u9fff]/, "no Chinese but in the names")
  })

  it("escapes and isolates an organisation name made to inject markup, its bidi controls dropped", () => {
    for (const html of [zh, en]) {
      assert.notInclude(html, "<script")
      assert.include(html, "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>")
      assert.notInclude(html, "\u202E")
      // The only bidi controls left are relink's own isolates, each around text with none.
      const outside = html.replace(/\u2068[^\u2066-\u2069]*\u2069/g, "")
      assert.notMatch(outside, /[\u061c\u200e\u200f\u202A-\u202E\u2066-\u2069]/)
    }
  })

  it("is self-contained and parses without an error", () => {
    for (const html of [zh, en, render(large(), { lang: "zh" })]) {
      assert.notMatch(html, /https?:\/\//)
      assert.notMatch(html, /<(script|link|img|iframe|object)\b/i)
      assert.notMatch(html, /url\(/)
      assert.deepStrictEqual(parseErrors(html), [])
    }
  })

  it("names the scope", () => {
    const html = render(report, { lang: "zh", org: { orgId: "o-1", name: "第一党支部", includeSubtree: true } })
    assert.include(html, "范围: <bdi>第一党支部 o-1（含下级组织）</bdi>")
  })

  it("lists the 25 organisations with most members to find, and the first 200 found, and says how many more", () => {
    const html = render(large(), { lang: "zh" })
    const orgRows = [...html.matchAll(/<tr><td class="org"><bdi>([^<]*)<\/bdi>/g)].map((m) => m[1])
    assert.deepStrictEqual(orgRows, Array.from({ length: 25 }, (_, i) => `支部${29 - i}`))
    assert.include(html, "另有 5 个组织未列出。")
    assert.strictEqual(html.match(/<td class="id">/g)?.length, 200)
    assert.include(html, "另有 50 人未列出（共 250 人）。")
  })

  it("counts one organisation left out, and one member registered, in the singular", () => {
    const big = large()
    const oneMore = render({ ...big, rows: big.rows.slice(0, 26) }, { lang: "en" })
    assert.include(oneMore, "1 more organisation is not shown.")
    const alone = render({ ...report, statusCounts: [...report.statusCounts.slice(0, -1), { "at-risk": 1 }] }, { lang: "en" })
    assert.include(alone, "At the end 1 member is registered")
  })

  it("says so when no member was found", () => {
    assert.include(render({ ...report, found: [] }, { lang: "zh" }), "<p>该期间没有找回的党员。</p>")
  })

  it("says so when no member in the scope was unlinked in the span", () => {
    const empty: Screening.Progress = {
      ...report,
      rows: [],
      total: report.total.map((c) => cell({ confirmed: c.confirmed })),
      span: cell({ confirmed: 7 }),
      statusCounts: report.instants.map(() => ({ active: 10 })),
      found: []
    }
    for (const [lang, message] of [["zh", "该范围内该期间没有失联党员。"], ["en", "No member in this scope was unlinked during this period."]] as const) {
      const html = render(empty, { lang })
      assert.include(html, message)
      assert.notInclude(html, "<svg")
      assert.deepStrictEqual(parseErrors(html), [])
    }
  })
})
