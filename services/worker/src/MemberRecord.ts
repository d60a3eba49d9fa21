/**
 * How a member is stored. The projection is sealed whole, one ciphertext: besides the identity
 * (name, ID number, phone, gender, birth date, hukou region) it holds whereabouts, contact history
 * and free-text notes, personal data all, and one encryption a write costs less than one per
 * field. What the store queries is beside it in the clear, derived and typed: status, organisations,
 * blind-indexed blocking keys, and the evaluation with its instants as dates.
 */
import { Effect, Redacted, Schema, SchemaTransformation } from "effect"
import { randomUUID } from "node:crypto"
import { BranchHealth, Matching, type MatchRule, Projection, Status } from "@relink/core"
import type { Pii } from "@relink/mongo"
import type * as Store from "./Store.ts"
import * as StoredData from "./StoredData.ts"

/** An instant stored as a date: the store's one time type, read back as epoch milliseconds. */
export const InstantFromDate = Schema.Date.pipe(
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transform({ decode: (date: Date) => date.getTime(), encode: (at: number) => new Date(at) })
  )
)

/** An evaluation as stored: plain data, its instants as dates. */
export const StoredEvaluation = Status.EvaluationWith(InstantFromDate)

const decodeProjection = StoredData.decoder(Projection.Projection, "members")
const decodeEvaluation = StoredData.decoder(StoredEvaluation, "members")
const encodeEvaluation = Schema.encodeSync(StoredEvaluation)

/** Personal values as their text: inside the sealed state, and nowhere else. */
const unredacted = function (this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key]
  return Redacted.isRedacted(original) ? Redacted.value(original) : value
}

/** The projection sealed: JSON with personal values as text, encrypted as one. */
export const seal = (pii: Pii.Pii, projection: Projection.Projection): string => pii.encrypt(JSON.stringify(projection, unredacted))

/**
 * Opens and decodes a stored projection (written by `toDoc`). A ciphertext that does not open
 * fails with `Pii.PiiKeyMismatch`: that is the wrong key, not a malformed document.
 */
export const projectionOf = (pii: Pii.Pii, doc: Store.MemberDoc): Effect.Effect<Projection.Projection, StoredData.StoredDataError | Pii.PiiKeyMismatch> =>
  StoredData.opened(pii, "members", doc._id, "state", doc.state).pipe(
    Effect.flatMap((plaintext) => StoredData.parsed("members", doc._id, "state", plaintext.toString("utf8"))),
    Effect.flatMap((json) => decodeProjection(doc._id, "state", json))
  )

const noEvaluation = Effect.succeed(undefined)

/** An evaluation stored in `field` of member `id`'s document, decoded; undefined for `null` (never registered). */
export const decodeStoredEvaluation = (
  id: string,
  field: string,
  value: unknown
): Effect.Effect<Status.Evaluation | undefined, StoredData.StoredDataError> =>
  value === null || value === undefined ? noEvaluation : decodeEvaluation(id, field, value)

/** An evaluation (or none) in its stored form. */
export const storedEvaluation = (evaluation: Status.Evaluation | undefined): typeof StoredEvaluation.Encoded | null =>
  evaluation === undefined ? null : encodeEvaluation(evaluation)

/** The evaluation stored with a member; undefined for no document or no evaluation. */
export const evaluationOf = (doc: Store.MemberDoc | undefined): Effect.Effect<Status.Evaluation | undefined, StoredData.StoredDataError> =>
  doc === undefined ? noEvaluation : decodeStoredEvaluation(doc._id, "evaluation", doc.evaluation)

/** The blind-indexed blocking keys of a member under the rule. */
export const blockingKeys = (pii: Pii.Pii, person: Matching.Person | undefined, rule: MatchRule.MatchRule): ReadonlyArray<string> =>
  person === undefined ? [] : Matching.blockingKeys(person, rule).map(pii.blindIndex)

export const toDoc = (
  pii: Pii.Pii,
  projection: Projection.Projection,
  evaluation: Status.Evaluation | undefined,
  keys: ReadonlyArray<string>,
  version: number,
  now: number,
  pending: ReadonlyArray<Store.PendingChange>,
  pendingSince: Date | null
): Store.MemberDoc => ({
  _id: projection.memberId,
  version,
  writeId: randomUUID(),
  state: seal(pii, projection),
  evaluation: storedEvaluation(evaluation),
  status: evaluation?.status ?? null,
  homeOrgId: evaluation?.homeOrgId ?? null,
  responsibleOrgId: evaluation?.responsibleOrgId ?? null,
  orgIds: Status.orgsOf(projection),
  nextReviewAt: evaluation?.nextReviewAt === undefined ? null : new Date(evaluation.nextReviewAt),
  branchKeys: evaluation === undefined ? [] : [...BranchHealth.keysOf({ projection, evaluation })],
  blockingKeys: [...keys],
  evaluatedAt: new Date(now),
  pending: [...pending],
  pendingSince: pending.length === 0 ? null : pendingSince
})
