/**
 * Whether the worker's stored state agrees with the embedded scan of the same events: the
 * statuses (re-evaluated and as stored), the organisations, their records and the proposals.
 */
import { Event, type Matching, OrgRecord, Policy, Scan, type Status } from "@relink/core"
import type { Snapshot } from "@relink/worker"

/** The embedded scan of the same lines, as of the same instant. */
export const scanOf = (lines: Iterable<string>, asOf: number) => {
  const events: Array<Event.Event> = []
  for (const line of lines) {
    const decoded = Event.decodeLine(line)
    if (decoded._tag === "Success") events.push(decoded.success)
  }
  return Scan.run(events, { asOf, policy: Policy.defaults })
}

const evaluationKey = (e: Status.Evaluation) =>
  JSON.stringify([e.memberId, e.status, e.responsibleOrgId, e.assistingOrgId ?? null, e.flags, e.reasons, e.lastContact ?? null, e.nextReviewAt ?? null])
const proposalKey = (p: Matching.Proposal) => `${p.observationEventId}|${p.memberId}|${p.decision}|${p.weight.toFixed(9)}`

/** Differences between the worker's MongoDB state and the embedded scan (empty when they agree). */
export const differences = (scan: Scan.Result, state: Snapshot.Snapshot): ReadonlyArray<string> => {
  const out: Array<string> = []
  const expected = new Map(scan.evaluations.map((e) => [e.memberId, evaluationKey(e)]))
  const compare = (label: string, actual: ReadonlyMap<string, string>) => {
    for (const [id, key] of expected) if (actual.get(id) !== key) out.push(`${label} ${id}: expected ${key}, got ${actual.get(id) ?? "nothing"}`)
    for (const id of actual.keys()) if (!expected.has(id)) out.push(`${label} ${id}: not in the scan`)
  }
  compare("re-evaluated", new Map(state.evaluations.map((e) => [e.memberId, evaluationKey(e)])))
  compare("stored", new Map([...state.stored].map(([id, e]) => [id, evaluationKey(e)])))
  for (const [id, org] of scan.orgs.orgs) {
    const stored = state.orgs.orgs.get(id)
    if (stored?.eventId !== org.eventId || stored.name !== org.name) out.push(`organisation ${id}: expected ${org.eventId}, got ${stored?.eventId ?? "nothing"}`)
  }
  for (const [id, record] of scan.records) {
    const stored = state.records.get(id)
    if (stored === undefined || !OrgRecord.equals(stored, record)) out.push(`record ${id}: expected ${JSON.stringify(record)}, got ${stored === undefined ? "nothing" : JSON.stringify(stored)}`)
  }
  for (const id of state.records.keys()) if (!scan.records.has(id)) out.push(`record ${id}: not in the scan`)
  const want = new Set(scan.proposals.map(proposalKey))
  const got = new Set(state.proposals.map(proposalKey))
  for (const p of want) if (!got.has(p)) out.push(`proposal missing: ${p}`)
  for (const p of got) if (!want.has(p)) out.push(`proposal extra: ${p}`)
  return out
}
