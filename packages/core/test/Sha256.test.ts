import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { createHmac } from "node:crypto"
import { hmacSha256Hex } from "../src/internal/Sha256.ts"

describe("Sha256.hmacSha256Hex", () => {
  it("gives RFC 4231's test case 2 (key Jefe)", () => {
    assert.strictEqual(hmacSha256Hex("Jefe", "what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
  })

  it("gives node:crypto's HMAC-SHA256 for any key and text, keys longer than a block too", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 100 }), fc.string({ unit: "binary", maxLength: 200 }), (key, text) => {
        assert.strictEqual(hmacSha256Hex(key, text), createHmac("sha256", key).update(text, "utf8").digest("hex"))
      }),
      { numRuns: 300 }
    )
  })
})
