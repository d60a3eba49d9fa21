/**
 * Personal data at rest: member states and stored event payloads are kept as AES-256-GCM
 * ciphertexts, and personal values are looked up through an HMAC-SHA256 blind index. Both keys derive (HKDF)
 * from one secret, `RELINK_PII_KEY`, which stays `Redacted` and is never logged.
 */
import { Config, Context, Data, Effect, Layer, Redacted, Result } from "effect"
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from "node:crypto"

const IV = 12
const TAG = 16

export class PiiError extends Data.TaggedError("PiiError")<{ readonly reason: string }> {}

/**
 * A ciphertext that does not open under this key. AES-GCM cannot tell a ciphertext written under
 * another key from one altered since; a store's ciphertexts are not altered, so it is the key:
 * RELINK_PII_KEY is not the one the data was written with.
 */
export class PiiKeyMismatch extends Data.TaggedError("PiiKeyMismatch")<{}> {
  override get message() {
    return "a stored ciphertext does not open under RELINK_PII_KEY: it is not the key the data was written with"
  }
}

/** A stored value too short to be a ciphertext at all, whatever the key: stored data gone bad. */
export class UndecryptableData extends Data.TaggedError("UndecryptableData")<{ readonly bytes: number }> {
  override get message() {
    return `a stored ciphertext of ${this.bytes} bytes is shorter than its IV and tag (${IV + TAG} bytes)`
  }
}

/** Why a stored ciphertext did not open. Neither names anything of the data. */
export type DecryptError = PiiKeyMismatch | UndecryptableData

export interface Pii {
  /** A keyed hash for equality lookups (blocking keys, ID and phone indexes). */
  readonly blindIndex: (value: string) => string
  /**
   * A keyed hash of an event's content (`Event.canonical`), stored with the event: equal for copies
   * with the same content, and keyed so that the personal data inside cannot be guessed from it.
   */
  readonly digest: (canonical: string) => string
  readonly encrypt: (plaintext: string | Uint8Array) => string
  /** The plaintext of a ciphertext `encrypt` wrote, or why it does not open: never a throw. */
  readonly decrypt: (ciphertext: string) => Result.Result<Buffer, DecryptError>
}

export class PiiService extends Context.Service<PiiService, Pii>()("@relink/mongo/Pii") {}

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
        if (bytes.length < IV + TAG) return Result.fail(new UndecryptableData({ bytes: bytes.length }))
        const decipher = createDecipheriv("aes-256-gcm", encKey, bytes.subarray(0, IV))
        decipher.setAuthTag(bytes.subarray(IV, IV + TAG))
        const body = decipher.update(bytes.subarray(IV + TAG))
        try {
          // `final` is where GCM checks the tag, and its only failure: the tag does not match.
          return Result.succeed(Buffer.concat([body, decipher.final()]))
        } catch {
          return Result.fail(new PiiKeyMismatch())
        }
      }
    }
  })

export const layer = (secret: Redacted.Redacted<string>) => Layer.effect(PiiService, make(secret))
export const layerConfig = Layer.effect(PiiService, Effect.flatMap(Config.Redacted("RELINK_PII_KEY"), make))
