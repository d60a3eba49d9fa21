/**
 * Personal data at rest: member states and stored event payloads are kept as AES-256-GCM
 * ciphertexts, and personal values are looked up through an HMAC-SHA256 blind index. Both keys derive (HKDF)
 * from one secret, `RELINK_PII_KEY`, which stays `Redacted` and is never logged.
 */
import { Config, Context, Data, Effect, Layer, Redacted } from "effect"
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from "node:crypto"

export class PiiError extends Data.TaggedError("PiiError")<{ readonly reason: string }> {}

export interface Pii {
  /** A keyed hash for equality lookups (blocking keys, ID and phone indexes). */
  readonly blindIndex: (value: string) => string
  /**
   * A keyed hash of an event's content (`Event.canonical`), stored with the event: equal for copies
   * with the same content, and keyed so that the personal data inside cannot be guessed from it.
   */
  readonly digest: (canonical: string) => string
  readonly encrypt: (plaintext: string | Uint8Array) => string
  readonly decrypt: (ciphertext: string) => Buffer
}

export class PiiService extends Context.Service<PiiService, Pii>()("@relink/mongo/Pii") {}

const IV = 12
const TAG = 16

/** Builds the service from the secret; at least 16 characters, so a short test phrase is refused. */
export const make = (secret: Redacted.Redacted<string>): Effect.Effect<Pii, PiiError> =>
  Effect.gen(function* () {
    const material = Redacted.value(secret)
    if (material.length < 16) {
      return yield* new PiiError({ reason: "RELINK_PII_KEY must be at least 16 characters (32 random bytes, base64, recommended)" })
    }
    // Key objects made once: passing raw key bytes makes Node build one on every call.
    const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync("sha256", material, "relink", info, 32)))
    const macKey = derive("blind-index")
    const encKey = derive("encryption")
    const digestKey = derive("event-digest")
    return {
      blindIndex: (value) => createHmac("sha256", macKey).update(value).digest("base64url"),
      digest: (canonical) => createHmac("sha256", digestKey).update(canonical).digest("base64url"),
      encrypt: (plaintext) => {
        const iv = randomBytes(IV)
        const cipher = createCipheriv("aes-256-gcm", encKey, iv)
        const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
        return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")
      },
      decrypt: (ciphertext) => {
        const bytes = Buffer.from(ciphertext, "base64")
        const decipher = createDecipheriv("aes-256-gcm", encKey, bytes.subarray(0, IV))
        decipher.setAuthTag(bytes.subarray(IV, IV + TAG))
        return Buffer.concat([decipher.update(bytes.subarray(IV + TAG)), decipher.final()])
      }
    }
  })

export const layer = (secret: Redacted.Redacted<string>) => Layer.effect(PiiService, make(secret))
export const layerConfig = Layer.effect(PiiService, Effect.flatMap(Config.Redacted("RELINK_PII_KEY"), make))
