import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"

const line = '{"eventId":"e-1","type":"ContactRecorded","occurredAt":"2026-03-01T09:30:00+08:00","orgId":"org-1","memberId":"m-1","channel":"phone"}'
const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))))

describe("invalid UTF-8", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<number>]> = [
    ["a lone continuation byte", [0x80]],
    ["0xFF", [0xff]],
    ["a truncated two-byte sequence", [0xe5]],
    ["an overlong slash", [0xc0, 0xaf]],
    ["an overlong three-byte form", [0xe0, 0x80, 0xaf]],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]]
  ]
  for (const [what, bad] of cases) {
    it(`${what} inside a name is rejected as invalid UTF-8 at its byte`, () => {
      const prefix = '{"name":"张'
      const input = bytes(prefix, bad, '伟"}')
      const at = Buffer.byteLength(prefix) + 1
      assert.strictEqual(Event.invalidUtf8At(input), at)
      const decoded = Event.decodeBytes(input)
      assert.isTrue(Result.isFailure(decoded))
      if (Result.isFailure(decoded)) {
        assert.strictEqual(decoded.failure._tag, "InvalidUtf8")
        assert.strictEqual(decoded.failure.reason, `invalid UTF-8 at byte ${at}`)
      }
    })
  }
  it("valid UTF-8 decodes as the text does, a U+FFFD written in the text included", () => {
    assert.isUndefined(Event.invalidUtf8At(bytes("张伟 \uFFFD 𠀋 é")))
    const decoded = Event.decodeBytes(bytes(line))
    assert.deepStrictEqual(decoded, Event.decodeLine(line))
  })
  it("agrees with the standard decoder on any bytes", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.string({ unit: "grapheme" }).map((s) => bytes(s))), (input) => {
        let valid = true
        try {
          decoder.decode(input)
        } catch {
          valid = false
        }
        assert.strictEqual(Event.invalidUtf8At(input) === undefined, valid)
      }),
      { numRuns: 2000 }
    )
  })
})
