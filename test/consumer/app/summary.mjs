// The README's library example, given the modules of @relink/core: the consumer test runs it with
// the installed package (example.mjs) and with the workspace's sources, and requires the same result.
export const summarise = ({ Event, Policy, Report, Scan, Status }, lines, asOf, orgId) => {
  const events = lines.map(Event.decodeLine).filter((r) => r._tag === "Success").map((r) => r.success)
  const result = Scan.run(events, { asOf: Date.parse(asOf), policy: Policy.defaults })
  const list = Report.unlinked(Report.fromScan(result), { orgId, includeSubtree: true, lang: "zh", reveal: false })
  const statuses = {}
  for (const evaluation of result.evaluations) statuses[evaluation.status] = (statuses[evaluation.status] ?? 0) + 1
  return {
    events: events.length,
    members: result.evaluations.length,
    unlinked: result.evaluations.filter((e) => Status.unlinked.has(e.status)).length,
    statuses,
    proposals: result.proposals.length,
    autoLinks: result.proposals.filter((p) => p.decision === "auto-link").length,
    listRows: list.rows.length,
    maskedIds: list.rows.every((row) => row.idNumber.includes("*"))
  }
}
