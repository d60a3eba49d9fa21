/**
 * Plain SVG charts for the benchmarks: no dependency, text a reviewer can diff. Two kinds of panel,
 * side by side: step lines over bins (a distribution, on a log scale when counts span decades) and
 * curves of points, each with its axes, ticks, legend and optional vertical markers.
 */

export interface Series {
  readonly label: string
  readonly colour: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

export interface Marker {
  readonly label: string
  readonly x: number
  readonly colour: string
}

export interface Panel {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  readonly markers?: ReadonlyArray<Marker>
  readonly x: readonly [number, number]
  readonly y: readonly [number, number]
  /** Plot y on a log10 scale (values ≤ 0 sit on the axis). */
  readonly logY?: boolean
  /** Draw each series as steps (a histogram over bins starting at each x) rather than a polyline. */
  readonly steps?: boolean
}

const WIDTH = 520
const HEIGHT = 380
const MARGIN = { left: 64, right: 16, top: 64, bottom: 48 }

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const ticks = (from: number, to: number, count: number): ReadonlyArray<number> => {
  const raw = (to - from) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw
  const out: Array<number> = []
  for (let t = Math.ceil(from / step) * step; t <= to + step * 1e-9; t += step) out.push(Number(t.toFixed(10)))
  return out
}

const panel = (p: Panel, offsetX: number): string => {
  const w = WIDTH - MARGIN.left - MARGIN.right
  const h = HEIGHT - MARGIN.top - MARGIN.bottom
  const ty = (v: number) => (p.logY === true ? Math.log10(v) : v)
  const [y0, y1] = [ty(p.y[0]), ty(p.y[1])]
  const sx = (x: number) => offsetX + MARGIN.left + ((x - p.x[0]) / (p.x[1] - p.x[0])) * w
  const sy = (y: number) => MARGIN.top + h - ((Math.min(Math.max(ty(y), y0), y1) - y0) / (y1 - y0)) * h
  const out: Array<string> = []
  out.push(`<text x="${offsetX + WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escape(p.title)}</text>`)
  out.push(`<rect x="${offsetX + MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`)
  for (const t of ticks(p.x[0], p.x[1], 8)) {
    out.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${MARGIN.top + h}" y2="${MARGIN.top + h + 4}" stroke="#999"/>`)
    out.push(`<text x="${sx(t)}" y="${MARGIN.top + h + 16}" text-anchor="middle" font-size="11">${t}</text>`)
  }
  const yTicks = p.logY === true ? ticks(y0, y1, Math.min(8, y1 - y0)).filter(Number.isInteger).map((e) => 10 ** e) : ticks(p.y[0], p.y[1], 5)
  for (const t of yTicks) {
    out.push(`<line x1="${offsetX + MARGIN.left - 4}" x2="${offsetX + MARGIN.left + w}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`)
    out.push(`<text x="${offsetX + MARGIN.left - 6}" y="${sy(t) + 4}" text-anchor="end" font-size="11">${p.logY === true ? t.toExponential(0) : t}</text>`)
  }
  out.push(`<text x="${offsetX + MARGIN.left + w / 2}" y="${HEIGHT - 10}" text-anchor="middle" font-size="12">${escape(p.xLabel)}</text>`)
  out.push(`<text transform="translate(${offsetX + 16},${MARGIN.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escape(p.yLabel)}</text>`)
  for (const s of p.series) {
    const points = s.points.map(([x, y]) => [x, p.logY === true && y <= 0 ? p.y[0] : y] as const)
    const path =
      p.steps === true
        ? points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)} H${sx(x + 1).toFixed(1)}`).join(" ")
        : points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")
    out.push(`<path d="${path}" fill="none" stroke="${s.colour}" stroke-width="1.8"/>`)
  }
  // Markers and series are named in the legend above the plot, where they cannot cover the data.
  const legend = [
    ...p.series.map((s) => ({ label: s.label, colour: s.colour, dashed: false })),
    ...(p.markers ?? []).map((m) => ({ label: m.label, colour: m.colour, dashed: true }))
  ]
  legend.forEach((item, i) => {
    const x = offsetX + MARGIN.left + (i % 2) * (w / 2)
    const y = 34 + Math.floor(i / 2) * 14
    out.push(`<line x1="${x}" x2="${x + 20}" y1="${y}" y2="${y}" stroke="${item.colour}" stroke-width="2"${item.dashed ? ` stroke-dasharray="5,4"` : ""}/>`)
    out.push(`<text x="${x + 24}" y="${y + 4}" font-size="11">${escape(item.label)}</text>`)
  })
  for (const m of p.markers ?? []) {
    out.push(`<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${MARGIN.top}" y2="${MARGIN.top + h}" stroke="${m.colour}" stroke-width="1.5" stroke-dasharray="5,4"/>`)
  }
  return out.join("\n")
}

/** The panels side by side, with a caption under them. */
export const svg = (panels: ReadonlyArray<Panel>, caption: string): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * panels.length}" height="${HEIGHT + 24}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((p, i) => panel(p, i * WIDTH)),
    `<text x="8" y="${HEIGHT + 16}" font-size="11" fill="#555">${escape(caption)}</text>`,
    `</svg>`,
    ""
  ].join("\n")
