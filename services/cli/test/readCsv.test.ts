/**
 * Reading CSV back (read/Csv.ts): every record the writer (render/Csv.ts) writes reads back as the
 * cells it was given, on the line it starts on; what no writer of RFC 4180 writes is an error
 * naming its line.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { Result } from "effect"
import * as Read from "../src/read/Csv.ts"
import * as Csv from "../src/render/Csv.ts"

const tricky = fc.array(fc.constantFrom(",", ";", "\t", '"', '""', "\r", "\n", "\r\n", "=", "+", "-", "@", "'", "0", "X", "支部", " ", "😀"), { maxLength: 10 }).map((parts) => parts.join(""))
const cell = fc.oneof(tricky, fc.string({ unit: "grapheme", maxLength: 16 }))

const parsed = (text: string): ReadonlyArray<Read.Record> => {
  const result = Read.parse(text)
  if (Result.isFailure(result)) throw new Error(`line ${result.failure.line}: ${result.failure.reason}`)
  return result.success
}

describe("read/Csv", () => {
  it("reads back every record the writer writes, as the cells it holds, each numbered by the line it starts on", () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 6 }), { maxLength: 6 }), fc.boolean(), (records, bom) => {
        const written = records.map((values) => Csv.record(values))
        const read = parsed((bom ? Csv.BOM : "") + written.join(""))
        assert.deepStrictEqual(
          read.map((r) => r.fields),
          records.map((values) => values.map((v) => Csv.cellText(v)))
        )
        let line = 1
        read.forEach((record, i) => {
          assert.strictEqual(record.line, line)
          line += (written[i]?.match(/\n/g) ?? []).length
        })
      })
    )
  })

  it("takes the text of a cell back from the writer's mark: what was written is what is read", () => {
    fc.assert(
      fc.property(cell, (text) => {
        // Text that began with an apostrophe and a formula start is the one text read back otherwise.
        fc.pre(!/^'[=+\-@\t\r]/.test(text))
        assert.strictEqual(Csv.unmarked(Csv.cellText(text)), text)
      })
    )
  })

  it("takes LF line ends and skips blank lines", () => {
    assert.deepStrictEqual(parsed("a,b\n\nc,\"d\ne\"\n"), [
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["c", "d\ne"] }
    ])
  })

  it("refuses what no RFC 4180 writer writes, naming the line", () => {
    const failure = (text: string) => {
      const result = Read.parse(text)
      return Result.isFailure(result) ? result.failure : undefined
    }
    assert.deepStrictEqual(failure('a,b\r\nc,"d\r\ne'), { line: 2, reason: "a quoted field is never closed" })
    assert.deepStrictEqual(failure('a,b\r\nc,d"e\r\n'), { line: 2, reason: "a quote inside a field that does not start with one" })
    assert.deepStrictEqual(failure('a,"b"c\r\n'), { line: 1, reason: "text after a quoted field's closing quote" })
    assert.deepStrictEqual(failure('"a\nb","c"d'), { line: 2, reason: "text after a quoted field's closing quote" })
  })
})
