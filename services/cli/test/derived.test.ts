/**
 * Values from the data in what relink writes: ids never become paths, lengths are counted in the
 * unit each format counts, and no control reaches a page, a terminal or a spreadsheet cell.
 */
import { assert, describe, it } from "@effect/vitest"
import ExcelJS from "exceljs"
import fc from "fast-check"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as FileName from "../src/FileName.ts"
import * as Csv from "../src/render/Csv.ts"
import * as Html from "../src/render/Html.ts"
import * as Json from "../src/render/Json.ts"
import * as Text from "../src/render/Text.ts"
import * as Xlsx from "../src/render/Xlsx.ts"
import { AS_OF, ok, relink, tempDir } from "./helpers.ts"
import { openpyxl } from "./readers.ts"

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Strings as hostile exports hold them: separators, dots, bidi controls, emoji, lone surrogates, controls. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.array(fc.constantFrom("../", "..", "/", "\\", ".", "\u202E", "\u2066", "\u2069", "😀", "𠀀", "\uD800", "\u0000", "\u001b[2J", "党支部", "a", " ", "CON", ":"), { maxLength: 40 }).map((parts) => parts.join(""))
)

describe("a value from the data never becomes part of a path", () => {
  it("FileName.part is one safe file-name component within 105 bytes, for any id", () => {
    fc.assert(
      fc.property(hostile, (id) => {
        const part = FileName.part(id)
        assert.match(part, /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u)
        assert.isAtMost(Buffer.byteLength(part), 96 + 9)
        assert.notInclude(part, "..")
      })
    )
  })

  it("FileName.part keeps a safe id as it is and tells two ids apart", () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        if (a !== b) assert.notStrictEqual(FileName.part(a), FileName.part(b))
        const safe = FileName.part(a)
        assert.strictEqual(FileName.part(safe), safe)
      })
    )
  })

  it("writes the default workbook of every report for an id with ../ segments in the working directory, one file each", () => {
    const dir = tempDir("derived-path")
    const cwd = join(dir, "work", "here")
    mkdirSync(cwd, { recursive: true })
    const orgId = "../../../escaped/x"
    const eventsPath = join(dir, "events.ndjson")
    const at = "2020-01-06T09:00:00+08:00"
    writeFileSync(
      eventsPath,
      [
        { eventId: "e-org", type: "OrgRegistered", occurredAt: at, orgId, name: "支部", kind: "branch", region: "510107" },
        { eventId: "e-m", type: "MemberRegistered", occurredAt: at, orgId, memberId: "m-1", name: "张三", idNumber: "11010519491231002X", category: "full" }
      ]
        .map((e) => JSON.stringify(e))
        .join("\n")
    )
    for (const kind of ["unlinked", "data-quality", "early-warning", "branches"]) ok(relink(["report", kind, "--events", eventsPath, "--as-of", AS_OF, "--org", orgId, "--quiet"], { cwd }))
    ok(relink(["report", "progress", "--events", eventsPath, "--from", "2026-01-01", "--to", AS_OF, "--org", orgId, "--quiet"], { cwd }))
    const safe = FileName.part(orgId)
    assert.deepStrictEqual(readdirSync(cwd).sort(), [
      `branches-${safe}-${AS_OF}.xlsx`,
      `data-quality-${safe}-${AS_OF}.xlsx`,
      `early-warning-${safe}-${AS_OF}.xlsx`,
      `progress-${safe}-${AS_OF}.xlsx`,
      `unlinked-${safe}-${AS_OF}.xlsx`
    ])
    assert.deepStrictEqual(readdirSync(join(dir, "work")), ["here"])
    assert.isFalse(existsSync(join(dir, "escaped")))
  })
})

describe("lengths are counted in the unit the format counts", () => {
  it("Text.cutUtf16 gives a prefix within the units that never ends inside a surrogate pair", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 50 }), fc.nat({ max: 60 }), (text, units) => {
        const cut = Text.cutUtf16(text, units)
        assert.isAtMost(cut.length, units)
        assert.isTrue(text.startsWith(cut))
        assert.isTrue(cut.length >= Math.min(text.length, units) - 1)
        if (!LONE_SURROGATE.test(text)) assert.notMatch(cut, LONE_SURROGATE)
      })
    )
  })

  it("a sheet name is at most 31 UTF-16 units, unique without case, with no bidi control or lone surrogate", () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 12 }), (wanted) => {
        const used = new Set<string>()
        const names = wanted.map((w) => Xlsx.sheetName(w, used))
        for (const name of names) {
          assert.isAtMost(name.length, 31)
          assert.isAbove(name.length, 0)
          assert.notMatch(name, BIDI)
          assert.notMatch(name, LONE_SURROGATE)
          assert.notMatch(name, /[[\]:*?/\\]|^'|'$/)
        }
        assert.strictEqual(new Set(names.map((n) => n.toLocaleLowerCase("en-US"))).size, names.length)
      })
    )
  })

  it("writes a workbook Excel's rules accept when an emoji straddles the 31st unit of an organisation name", async () => {
    const dir = tempDir("derived-emoji")
    const at = "2020-01-06T09:00:00+08:00"
    const name = `${"党".repeat(30)}😀支部`
    const eventsPath = join(dir, "events.ndjson")
    writeFileSync(
      eventsPath,
      [
        { eventId: "e-org", type: "OrgRegistered", occurredAt: at, orgId: "org-e", name, kind: "branch", region: "510107" },
        { eventId: "e-m", type: "MemberRegistered", occurredAt: at, orgId: "org-e", memberId: "m-1", name: "张三", idNumber: "11010519491231002X", category: "full" }
      ]
        .map((e) => JSON.stringify(e))
        .join("\n")
    )
    const out = join(dir, "unlinked.xlsx")
    ok(relink(["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--quiet", "--out", out]))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(out)
    const names = workbook.worksheets.map((ws) => ws.name)
    // The list's sheet is cut before the emoji; its print sheet keeps its suffix whole, the name before it cut.
    assert.includeMembers(names, ["党".repeat(30), `${"党".repeat(27)}（打印）`])
    for (const n of names) assert.isAtMost(n.length, 31)
    const read = openpyxl("import openpyxl, sys\nprint(sorted(len(ws.title.encode('utf-16-le')) // 2 for ws in openpyxl.load_workbook(sys.argv[1])))", [out])
    if (read.ok) assert.strictEqual(read.stdout.trim(), "[2, 30, 31]")
    else console.warn(`${read.missing}: the sheet names are checked without openpyxl`)
  })
})

describe("untrusted text cannot escape its isolation", () => {
  it("Html.escape leaves no bidi control and no markup character, whatever the combination", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const escaped = Html.escape(text)
        assert.notMatch(escaped, BIDI)
        assert.notMatch(escaped, /[<>"']/)
        assert.notMatch(escaped, /&(?!amp;|lt;|gt;|quot;|#39;)/)
      })
    )
  })

  it("Html.isolatedText holds exactly one isolate, balanced, around the text", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const isolated = Html.isolatedText(text)
        assert.strictEqual(isolated.match(/[\u2066-\u2069]/g)?.join(""), "\u2068\u2069")
        assert.isTrue(isolated.startsWith("\u2068") && isolated.endsWith("\u2069"))
      })
    )
  })

  it("Json.stringify reads back as JSON.stringify does, with no C1, DEL, bidi or line separator left raw", () => {
    fc.assert(
      fc.property(fc.jsonValue(), hostile, (value, text) => {
        for (const v of [value, { text }, [text, value]]) {
          const written = Json.stringify(v)
          assert.deepStrictEqual(JSON.parse(written), JSON.parse(JSON.stringify(v)))
          // eslint-disable-next-line no-control-regex -- finding controls is the point
          assert.notMatch(written, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/)
        }
      })
    )
  })

  it("a CSV cell holds no control but tab and line breaks, no bidi control, and at most Excel's 32,767 UTF-16 units", () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.tuple(hostile, fc.nat({ max: 3 })).map(([text, n]) => `${"长".repeat(32_760 + n)}😀${text}`)), (text) => {
        const cell = Csv.cellText(text)
        // eslint-disable-next-line no-control-regex -- finding controls is the point
        assert.notMatch(cell, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/)
        assert.isAtMost(cell.length, 32_767)
        if (!LONE_SURROGATE.test(text)) assert.notMatch(cell, LONE_SURROGATE)
      })
    )
  })

  it("writes a CSV list to standard output without NUL, BEL, ESC or bidi controls from names", () => {
    const dir = tempDir("derived-csv")
    const at = "2020-01-06T09:00:00+08:00"
    const eventsPath = join(dir, "events.ndjson")
    writeFileSync(
      eventsPath,
      [
        { eventId: "e-org", type: "OrgRegistered", occurredAt: at, orgId: "org-c", name: "支\u0007部\u001b[2J\u202E", kind: "branch", region: "510107" },
        { eventId: "e-m", type: "MemberRegistered", occurredAt: at, orgId: "org-c", memberId: "m-1", name: "张\u0000三\u001b]0;x\u0007\u2066", idNumber: "11010519491231002X", category: "full" }
      ]
        .map((e) => JSON.stringify(e))
        .join("\n")
    )
    for (const format of ["csv", "json", "html"]) {
      const out = ok(relink(["report", "unlinked", "--events", eventsPath, "--as-of", AS_OF, "--quiet", "--format", format, "--out", "-"])).stdout
      // eslint-disable-next-line no-control-regex -- finding controls is the point
      assert.notMatch(out, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066\u2067]/, format)
      assert.include(out, format === "json" ? "张\\u0000三" : "张三", format)
    }
  })
})

describe("the summary says where rejected lines went", () => {
  it("says rejected lines were only counted when --max-rejects is 0, and writes no rejects file", () => {
    const dir = tempDir("derived-rejects")
    const eventsPath = join(dir, "events.ndjson")
    const at = "2020-01-06T09:00:00+08:00"
    writeFileSync(
      eventsPath,
      `${JSON.stringify({ eventId: "e-org", type: "OrgRegistered", occurredAt: at, orgId: "org-r", name: "支部", kind: "branch", region: "510107" })}\nnot json\n`
    )
    const run = ok(relink(["scan", "--events", eventsPath, "--as-of", AS_OF, "--max-rejects", "0", "--out", join(dir, "scan.ndjson")], { cwd: dir }))
    assert.include(run.stderr, "1 malformed line skipped and only counted (--max-rejects 0: no rejects file)")
    assert.notInclude(run.stderr, "?")
    assert.deepStrictEqual(readdirSync(dir).sort(), ["events.ndjson", "scan.ndjson"])
  })
})
