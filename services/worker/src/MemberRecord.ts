/**
 * How a member is stored: the projection (personal data encrypted inside), its fingerprint, the
 * core evaluation, and the fields MongoDB indexes (status, home, next review, blocking keys).
 */
import { Effect, Redacted } from "effect"
import { createHash } from "node:crypto"
import { Matching, type MatchRule, Projection, Status } from "@relink/core"
import { Pii, type Store } from "@relink/mongo"
import * as StoredData from "./StoredData.ts"

const decodeProjection = StoredData.decoder(Projection.Projection, "members")
const decodeEvaluation = StoredData.decoder(Status.Evaluation, "members")

/**
 * Decodes a stored projection (written by `toDoc`). A ciphertext that does not open throws, as
 * `Pii.parse` does: that is the wrong key, not a malformed document.
 */
export const projectionOf = (pii: Pii.Pii, doc: Store.MemberDoc): Effect.Effect<Projection.Projection, StoredData.StoredDataError> =>
  decodeProjection(doc._id, "state", Pii.parse(pii, doc.state))

const noEvaluation = Effect.succeed(undefined)

/** An evaluation stored in `field` of member `id`'s document, decoded; undefined for `null` (never registered). */
export const decodeStoredEvaluation = (
  id: string,
  field: string,
  value: unknown
): Effect.Effect<Status.Evaluation | undefined, StoredData.StoredDataError> =>
  value === null || value === undefined ? noEvaluation : decodeEvaluation(id, field, value)

/** The evaluation stored with a member; undefined for no document or no evaluation. */
export const evaluationOf = (doc: Store.MemberDoc | undefined): Effect.Effect<Status.Evaluation | undefined, StoredData.StoredDataError> =>
  doc === undefined ? noEvaluation : decodeStoredEvaluation(doc._id, "evaluation", doc.evaluation)

/** A hash of the projection with personal values replaced by their blind index: equal state, equal fingerprint. */
export const fingerprint = (pii: Pii.Pii, value: unknown): string =>
  createHash("sha256")
    .update(
      JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
        const original = this[key]
        return Redacted.isRedacted(original) ? `pii:${pii.blindIndex(String(Redacted.value(original)))}` : v
      })
    )
    .digest("base64url")

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
  state: Pii.stringify(pii, projection),
  fingerprint: fingerprint(pii, projection),
  evaluation: evaluation ?? null,
  status: evaluation?.status ?? null,
  homeOrgId: evaluation?.homeOrgId ?? null,
  responsibleOrgId: evaluation?.responsibleOrgId ?? null,
  nextReviewAt: evaluation?.nextReviewAt === undefined ? null : new Date(evaluation.nextReviewAt),
  blockingKeys: [...keys],
  evaluatedAt: new Date(now),
  pending: [...pending],
  pendingSince: pending.length === 0 ? null : pendingSince
})
