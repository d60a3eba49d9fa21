/**
 * Stored documents come back through core's schemas, never by a cast: a document that does not
 * decode fails the read with `StoredDataError`, which names the document and what is wrong with it.
 * Encrypted fields open the same way, except that one that does not open under the key fails with
 * `Pii.PiiKeyMismatch`: that is the key, not the document.
 */
import { Data, Effect, Schema, SchemaIssue } from "effect"
import type { Pii } from "@relink/mongo"

export class StoredDataError extends Data.TaggedError("StoredDataError")<{
  readonly collection: string
  readonly id: string
  readonly reason: string
}> {
  override get message() {
    return `the stored ${this.collection} document ${this.id} does not decode: ${this.reason}`
  }
}

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** "evaluation.reasons.0.rule: Expected …": paths and reasons, never values (projections hold personal data). */
const describe = (field: string, error: Schema.SchemaError): string =>
  formatIssue(error.issue)
    .issues.map((i) => {
      const path = [field, ...(i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p))].filter((p) => p !== "")
      return path.length === 0 ? i.message : `${path.join(".")}: ${i.message}`
    })
    .join("; ")

/**
 * A decoder of a collection's documents: `decode(id, field, value)` gives the value decoded, or a
 * `StoredDataError` for document `id` at `field` ("" when the value is the document itself).
 */
export const decoder = <T, E>(schema: Schema.Codec<T, E>, collection: string) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (id: string, field: string, value: unknown): Effect.Effect<T, StoredDataError> => {
    const result = decode(value, { errors: "all" })
    return result._tag === "Success"
      ? Effect.succeed(result.success)
      : Effect.fail(new StoredDataError({ collection, id, reason: describe(field, result.failure) }))
  }
}

/**
 * The plaintext of the ciphertext stored in `field` of document `id`: one too short to be a
 * ciphertext is that document gone bad; one that does not open under the key is the key's fault.
 */
export const opened = (
  pii: Pii.Pii,
  collection: string,
  id: string,
  field: string,
  ciphertext: string
): Effect.Effect<Buffer, StoredDataError | Pii.PiiKeyMismatch> => {
  const result = pii.decrypt(ciphertext)
  if (result._tag === "Success") return Effect.succeed(result.success)
  const error = result.failure
  return error._tag === "PiiKeyMismatch" ? Effect.fail(error) : Effect.fail(new StoredDataError({ collection, id, reason: `${field}: ${error.message}` }))
}

/** JSON stored (or sealed) in `field` of document `id`, parsed; text that is no JSON is that document gone bad. */
export const parsed = (collection: string, id: string, field: string, text: string): Effect.Effect<unknown, StoredDataError> =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    // The parser's message quotes the text around the fault: personal data, so only the field is named.
    catch: () => new StoredDataError({ collection, id, reason: `${field}: not JSON` })
  })
