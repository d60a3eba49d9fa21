import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Result } from "effect"
import * as fc from "fast-check"
import * as Pii from "../src/Pii.ts"

const pii = Effect.runSync(Pii.make(Redacted.make("pii-test-key-0123456789abcdef")))
const other = Effect.runSync(Pii.make(Redacted.make("another-pii-test-key-0123456789")))

const texts = fc.oneof(fc.string({ unit: "grapheme" }), fc.uint8Array().map((bytes) => Buffer.from(bytes)))

/** What encrypt seals of a plaintext: a string's UTF-8 bytes. */
const hexOf = (plaintext: string | Uint8Array) => Buffer.from(plaintext).toString("hex")

describe("Pii.decrypt", () => {
  it("gives back what encrypt sealed, under the same key", () => {
    fc.assert(
      fc.property(texts, (text) => {
        assert.deepStrictEqual(Result.map(pii.decrypt(pii.encrypt(text)), hexOf), Result.succeed(hexOf(text)))
      })
    )
  })

  it("fails with PiiKeyMismatch, never a throw, for a ciphertext sealed under another key", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const opened = pii.decrypt(other.encrypt(text))
        assert.isTrue(Result.isFailure(opened) && opened.failure._tag === "PiiKeyMismatch")
      })
    )
  })

  it("fails with PiiKeyMismatch for a ciphertext with any one byte altered", () => {
    fc.assert(
      fc.property(texts, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, at, flip) => {
        const bytes = Buffer.from(pii.encrypt(text), "base64")
        const index = at % bytes.length
        bytes[index] = (bytes[index] ?? 0) ^ flip
        const opened = pii.decrypt(bytes.toString("base64"))
        assert.isTrue(Result.isFailure(opened) && opened.failure._tag === "PiiKeyMismatch")
      })
    )
  })

  it("fails with UndecryptableData for a value shorter than an IV and a tag, and names nothing of it", () => {
    const opened = pii.decrypt(Buffer.from("张伟 13800138000").toString("base64"))
    assert.isTrue(Result.isFailure(opened))
    if (Result.isFailure(opened)) {
      assert.deepInclude(opened.failure, { _tag: "UndecryptableData", bytes: 18 })
      assert.strictEqual(opened.failure.message, "a stored ciphertext of 18 bytes is shorter than its IV and tag (28 bytes)")
    }
    const empty = pii.decrypt("")
    assert.isTrue(Result.isFailure(empty) && empty.failure._tag === "UndecryptableData")
  })
})
