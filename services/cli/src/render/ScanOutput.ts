/**
 * The output of `relink scan`: one row per member and one per match proposal, as the core computed
 * them. JSON Lines is the primary form (`{"kind":"member",…}` / `{"kind":"match",…}`); CSV flattens
 * the same rows into one table, JSON wraps them in one document, XLSX puts them on two sheets.
 */
import { Effect } from "effect"
import { Instant, Matching, MatchRule, Scan, Status, Steps } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Turns from "../Turns.ts"
import * as Csv from "./Csv.ts"
import * as Xlsx from "./Xlsx.ts"
import * as Json from "./Json.ts"

export interface MemberRow {
  readonly kind: "member"
  readonly memberId: string
  readonly status: Status.Status
  readonly responsibleOrgId: string
  readonly assistingOrgId: string | null
  readonly flags: ReadonlyArray<Status.Flag>
  readonly reasons: ReadonlyArray<{ readonly rule: string; readonly since?: string }>
  readonly lastContactAt: string | null
  readonly nextReviewAt: string | null
}

export interface MatchRow {
  readonly kind: "match"
  readonly observationEventId: string
  readonly memberId: string
  readonly decision: Matching.Decision
  readonly weight: number
  readonly probability: number
  readonly explanation: Matching.Explanation & { readonly text: string }
}

export const memberRow = (e: Status.Evaluation): MemberRow => ({
  kind: "member",
  memberId: e.memberId,
  status: e.status,
  responsibleOrgId: e.responsibleOrgId,
  assistingOrgId: e.assistingOrgId ?? null,
  flags: e.flags,
  reasons: e.reasons.map((r) => (r.since === undefined ? { rule: r.rule } : { rule: r.rule, since: Instant.formatCst(r.since) })),
  lastContactAt: e.lastContact === undefined ? null : Instant.formatCst(e.lastContact.at),
  nextReviewAt: e.nextReviewAt === undefined ? null : Instant.formatCst(e.nextReviewAt)
})

const round = (n: number, digits: number) => Number(n.toFixed(digits))


/** A proposal's row, its explanation written out under the rule that made the proposal. */
export const matchRow = (p: Matching.Proposal, rule: MatchRule.MatchRule): MatchRow => ({
  kind: "match",
  observationEventId: p.observationEventId,
  memberId: p.memberId,
  decision: p.decision,
  weight: round(p.weight, 3),
  probability: p.probability,
  explanation: { ...p.explanation, text: Matching.explain(p.explanation, rule, "zh") }
})

/**
 * What the outputs are made of: a `Scan.Result`, or the worker's MongoDB state read back in its
 * terms (`relink scan --mongo`) — the same rows either way — and the rule the proposals were made under.
 */
export type Rows = Pick<Scan.Result, "asOf" | "evaluations" | "proposals" | "events" | "skippedFuture" | "unregisteredMembers"> & {
  readonly rule: MatchRule.MatchRule
}

export type Format = "jsonl" | "csv" | "json" | "xlsx"
export const formats: ReadonlyArray<Format> = ["jsonl", "csv", "json", "xlsx"]

/**
 * Writes what `produce` emits; it yields after each row (or step of work), and every slice the
 * output catches up and the event loop turns (`Turns`).
 */
const writeText = (sink: Sink.Sink, produce: (emit: (text: string) => void) => Iterable<unknown>): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    for (const _ of produce(s.write)) if (Turns.due()) await s.ready()
    await s.ready()
  })

/**
 * A scan's evaluations as they are made, then the steps of matching (`undefined`), then its
 * proposals: what `writeLines` takes. `between` runs after the last evaluation and before matching
 * (the embedded scan collects garbage there).
 */
export function* scanned(
  state: Scan.State,
  options: Scan.Options,
  between: () => void
): Generator<Status.Evaluation | undefined, Scan.Proposed> {
  const evaluated = yield* Scan.evaluations(state, options)
  between()
  return yield* Scan.proposeInSteps(state, evaluated, options.rule)
}

/** The evaluations one by one, then the proposals: what `writeLines` takes, from arrays. */
function* membersThen(evaluations: ReadonlyArray<Status.Evaluation>, proposed: Scan.Proposed): Generator<Status.Evaluation, Scan.Proposed> {
  yield* evaluations
  return proposed
}

const csvColumns = [
  "kind",
  "memberId",
  "status",
  "responsibleOrgId",
  "assistingOrgId",
  "flags",
  "reasons",
  "lastContactAt",
  "nextReviewAt",
  "observationEventId",
  "decision",
  "weight",
  "probability",
  "explanation"
] as const

const reasonsText = (row: MemberRow) => row.reasons.map((r) => (r.since === undefined ? r.rule : `${r.rule}@${r.since}`)).join(";")

const csvMember = (row: MemberRow) =>
  Csv.record([
    row.kind,
    row.memberId,
    row.status,
    row.responsibleOrgId,
    row.assistingOrgId,
    row.flags.join(";"),
    reasonsText(row),
    row.lastContactAt,
    row.nextReviewAt,
    null,
    null,
    null,
    null,
    null
  ])

const csvMatch = (row: MatchRow) =>
  Csv.record([row.kind, row.memberId, null, null, null, null, null, null, null, row.observationEventId, row.decision, row.weight, row.probability, row.explanation.text])

/** What the row-by-row formats wrote, for the summary line. */
export interface Written {
  readonly members: number
  readonly unlinked: number
  readonly proposals: number
  /** Observations with a blocking key too common to block on (`Scan.Proposed.crowded`). */
  readonly crowded: number
}

const lineFormats = {
  jsonl: {
    head: "",
    member: (e: Status.Evaluation) => `${Json.stringify(memberRow(e))}\n`,
    match: (p: Matching.Proposal, rule: MatchRule.MatchRule) => `${Json.stringify(matchRow(p, rule))}\n`
  },
  csv: {
    head: Csv.BOM + Csv.record(csvColumns),
    member: (e: Status.Evaluation) => csvMember(memberRow(e)),
    match: (p: Matching.Proposal, rule: MatchRule.MatchRule) => csvMatch(matchRow(p, rule))
  }
} as const

/**
 * Writes JSON Lines or CSV as the evaluations come — a row per member in member id order, then a
 * row per proposal the evaluations end with (an `undefined` between them is a step of work, no
 * row) — letting the output drain every slice. Fed by `Scan.evaluations`, a scan never holds every
 * member's evaluation at once.
 */
export const writeLines = (
  format: "jsonl" | "csv",
  rows: Iterator<Status.Evaluation | undefined, Scan.Proposed>,
  rule: MatchRule.MatchRule,
  sink: Sink.Sink
): Effect.Effect<Written, WriteFailed> => {
  const { head, member, match } = lineFormats[format]
  let members = 0
  let unlinked = 0
  let proposals = 0
  let crowded = 0
  return writeText(sink, function* (emit) {
    if (head.length > 0) emit(head)
    for (;;) {
      const next = rows.next()
      if (next.done === true) {
        proposals = next.value.proposals.length
        crowded = next.value.crowded
        yield* Steps.each(next.value.proposals, (p) => emit(match(p, rule)))
        return
      }
      const evaluation = next.value
      if (evaluation !== undefined) {
        emit(member(evaluation))
        if (Status.unlinked.has(evaluation.status)) unlinked++
        members++
      }
      yield
    }
  }).pipe(Effect.map(() => ({ members, unlinked, proposals, crowded })))
}

/** Writes JSON Lines, CSV or JSON to a text sink. */
export const writeTextFormat = (format: Exclude<Format, "xlsx">, result: Rows, sink: Sink.Sink): Effect.Effect<void, WriteFailed> => {
  const { evaluations, proposals, rule } = result
  switch (format) {
    case "jsonl":
    case "csv":
      return Effect.asVoid(writeLines(format, membersThen(evaluations, { proposals, crowded: 0 }), rule, sink))
    case "json":
      return writeText(sink, function* (emit) {
        const head = {
          asOf: Instant.formatCst(result.asOf),
          events: result.events,
          skippedFuture: result.skippedFuture,
          unregisteredMembers: result.unregisteredMembers
        }
        emit(`${Json.stringify(head).slice(0, -1)},"members":[`)
        yield* Steps.each(evaluations, (e) => emit(`${e === evaluations[0] ? "" : ","}\n${Json.stringify(memberRow(e))}`))
        emit(`],"matches":[`)
        yield* Steps.each(proposals, (p) => emit(`${p === proposals[0] ? "" : ","}\n${Json.stringify(matchRow(p, rule))}`))
        emit("]}\n")
      })
  }
}

/** Excel allows 1,048,576 rows per sheet; a larger scan continues on "members (2)"… */
const ROWS_PER_SHEET = 1_000_000

const memberColumns: ReadonlyArray<Xlsx.Column> = [
  { header: "memberId", width: 16, identifier: true },
  { header: "status", width: 22 },
  { header: "状态", width: 12 },
  { header: "responsibleOrgId", width: 18, identifier: true },
  { header: "assistingOrgId", width: 18, identifier: true },
  { header: "flags", width: 24 },
  { header: "reasons", width: 48 },
  { header: "lastContactAt", width: 26 },
  { header: "nextReviewAt", width: 26 }
]

const matchColumns: ReadonlyArray<Xlsx.Column> = [
  { header: "observationEventId", width: 20, identifier: true },
  { header: "memberId", width: 16, identifier: true },
  { header: "decision", width: 10 },
  { header: "weight", width: 8, numeric: true },
  { header: "probability", width: 12, numeric: true },
  { header: "explanation", width: 120 }
]

/** Writes the scan as a workbook: summary, members, matches. */
export const writeXlsx = (result: Pick<Rows, "evaluations" | "proposals" | "rule">, target: Sink.Staged): Effect.Effect<void, WriteFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const workbook = yield* Xlsx.open(target, "en")
      const summary = Xlsx.sheet(workbook, "summary", [
        { header: "status", width: 24 },
        { header: "状态", width: 14 },
        { header: "members", width: 12, numeric: true }
      ])
      const counts = new Map<Status.Status, number>()
      for (const e of result.evaluations) counts.set(e.status, (counts.get(e.status) ?? 0) + 1)
      for (const status of Status.statuses) summary.row([status, Status.labels[status].zh, counts.get(status) ?? 0])
      summary.below(["total", "合计", result.evaluations.length], { bold: true })
      summary.commit()
      yield* Sink.attempt(target.path, async () => {
        const parts = Math.max(1, Math.ceil(result.evaluations.length / ROWS_PER_SHEET))
        for (let part = 0; part < parts; part++) {
          const sheet = Xlsx.sheet(workbook, "members", memberColumns)
          const end = Math.min(result.evaluations.length, (part + 1) * ROWS_PER_SHEET)
          for (let i = part * ROWS_PER_SHEET; i < end; i++) {
            const row = memberRow(result.evaluations[i] as Status.Evaluation)
            sheet.row([
              row.memberId,
              row.status,
              Status.labels[row.status].zh,
              row.responsibleOrgId,
              row.assistingOrgId,
              row.flags.join(";"),
              reasonsText(row),
              row.lastContactAt,
              row.nextReviewAt
            ])
            if (Turns.due()) await Turns.take()
          }
          sheet.commit()
        }
        const matches = Xlsx.sheet(workbook, "matches", matchColumns)
        for (let i = 0; i < result.proposals.length && i < ROWS_PER_SHEET; i++) {
          const row = matchRow(result.proposals[i] as Matching.Proposal, result.rule)
          matches.row([row.observationEventId, row.memberId, row.decision, row.weight, row.probability, row.explanation.text])
          if (Turns.due()) await Turns.take()
        }
        matches.commit()
      })
      yield* Xlsx.commit(workbook)
    })
  )
