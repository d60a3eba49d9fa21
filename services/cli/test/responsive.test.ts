/**
 * The HTML pages on a phone: Chromium renders the unlinked list, the early-warning list, the review
 * queue (with an audit sample: a small district has few proposals to verify), the progress page and the floating organisations' page of a small simulated district at 390 × 844 CSS pixels and measures them. With
 * RELINK_SCREENSHOTS=<dir> it also saves each page whole, as a PNG, in that directory.
 */
import { assert, describe, it } from "@effect/vitest"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { AS_OF, ok, relink, simulate, tempDir } from "./helpers.ts"
import { chromium } from "./readers.ts"

const WIDTH = 390
const HEIGHT = 844

interface Box {
  readonly left: number
  readonly right: number
  readonly width: number
  readonly height: number
}

interface Measures {
  readonly scrollWidth: number
  /** Every svg and table shown. */
  readonly boxes: ReadonlyArray<Box & { readonly tag: string }>
  /** Every text of a chart shown: labels, bar values, axes. */
  readonly texts: ReadonlyArray<Box & { readonly text: string }>
  /** Per table of rows as cards: its headers, and what each cell of its first row is labelled with (CSS `content`). */
  readonly cards: ReadonlyArray<{ readonly headers: ReadonlyArray<string>; readonly labels: ReadonlyArray<string> }>
}

/** Runs in the page (the tests' TypeScript has no DOM types, so it travels as text). */
const MEASURE = `(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, width: r.width, height: r.height } }
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    boxes: [...document.querySelectorAll("svg, table")].filter(shown).map((e) => ({ tag: e.tagName.toLowerCase(), ...box(e) })),
    texts: [...document.querySelectorAll("svg.chart text")].filter(shown).map((e) => ({ text: e.textContent, ...box(e) })),
    cards: [...document.querySelectorAll("table.rowcards")].map((table) => ({
      headers: [...table.querySelectorAll("thead th")].map((th) => th.textContent),
      labels: [...(table.querySelector("tbody tr:not(.group):not(.span)")?.children ?? [])].map((td) => getComputedStyle(td, "::before").content)
    }))
  }
})()`

describe("the HTML pages on a phone (Chromium, 390 px wide)", () => {
  const sim = simulate(1000, 1)
  const dir = tempDir("responsive")
  const pages = (["zh", "en"] as const).flatMap((lang) =>
    (["unlinked", "early-warning", "review", "progress", "branches"] as const).map((kind) => {
      const path = join(dir, `${kind}-${lang}.html`)
      const range = kind === "progress" ? ["--to", AS_OF] : kind === "review" ? ["--as-of", AS_OF, "--sample-auto-links", "20"] : ["--as-of", AS_OF]
      ok(relink(["report", kind, "--events", sim.eventsPath, ...range, "--lang", lang, "--format", "html", "--out", path, "--quiet"]))
      return { name: `${kind}-${lang}`, path }
    })
  )

  it("keeps every page, chart and table within the screen, chart text readable and in view, and table rows as labelled cards", async (context) => {
    const browser = await chromium(WIDTH, HEIGHT)
    if (!browser.ok) {
      console.warn(`${browser.missing}: skipping the pages at ${WIDTH} px`)
      context.skip()
      return
    }
    const screenshots = process.env["RELINK_SCREENSHOTS"]
    if (screenshots !== undefined) mkdirSync(screenshots, { recursive: true })
    try {
      const page = await browser.context.newPage()
      for (const { name, path } of pages) {
        await page.goto(pathToFileURL(path).href)
        const measured = await page.evaluate<Measures>(MEASURE)
        assert.isAtMost(measured.scrollWidth, WIDTH, `${name}: the page scrolls sideways`)
        assert.isTrue(measured.boxes.some((b) => b.tag === "svg") && measured.boxes.some((b) => b.tag === "table"), `${name}: no chart or table shown`)
        for (const box of measured.boxes) {
          assert.isAtMost(box.width, WIDTH, `${name}: a ${box.tag} ${box.width} px wide`)
          assert.isTrue(box.left >= 0 && box.right <= WIDTH, `${name}: a ${box.tag} from ${box.left} to ${box.right} px`)
        }
        // Every label, bar value and axis number is on the screen, and not scaled down past reading (a 13 px label drawn 787 px wide would be 6 px here).
        for (const text of measured.texts) {
          assert.isTrue(text.left >= 0 && text.right <= WIDTH, `${name}: "${text.text}" from ${text.left} to ${text.right} px`)
          assert.isAtLeast(text.height, 10, `${name}: "${text.text}" ${text.height} px high`)
        }
        assert.isAbove(measured.cards.length, 0, name)
        for (const { headers, labels } of measured.cards) {
          assert.lengthOf(labels, headers.length, name)
          // A cell shows its column's header before it; a row's heading cell (the organisation, the period) stands alone.
          labels.forEach((label, i) => assert.include(["none", JSON.stringify(headers[i])], label, `${name}: cell ${i + 1} labelled ${label}`))
          assert.isAbove(labels.filter((l) => l !== "none").length, headers.length / 2, name)
        }
        if (screenshots !== undefined) await page.screenshot({ path: join(screenshots, `${name}-${WIDTH}.png`), fullPage: true })
      }
      // The flow chart ends with the last period (the matrix's last column): its label is on the screen.
      await page.goto(pathToFileURL(join(dir, "progress-en.html")).href)
      const progress = await page.evaluate<Measures>(MEASURE)
      const lastPeriod = await page.evaluate<string | undefined>(`[...document.querySelectorAll("table.matrix th.period")].at(-1)?.textContent`)
      assert.isDefined(lastPeriod)
      assert.include(
        progress.texts.map((t) => t.text),
        lastPeriod
      )
    } finally {
      await browser.context.close()
    }
  })
})
