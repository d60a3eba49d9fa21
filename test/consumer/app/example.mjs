// The README's library example, as an application that installed @relink/core would write it.
// Prints a summary of the scan of the events file named on the command line.
import { readFileSync } from "node:fs"
import { Event, Policy, Report, Scan, Status } from "@relink/core"

const [file, asOf, orgId] = process.argv.slice(2)
const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0)
const events = lines.map(Event.decodeLine).filter((r) => r._tag === "Success").map((r) => r.success)
const result = Scan.run(events, { asOf: Date.parse(asOf), policy: Policy.defaults })
const list = Report.unlinked(Report.fromScan(result), { orgId, includeSubtree: true, lang: "zh", reveal: false })

const statuses = {}
for (const evaluation of result.evaluations) statuses[evaluation.status] = (statuses[evaluation.status] ?? 0) + 1
console.log(JSON.stringify({
  events: events.length,
  members: result.evaluations.length,
  unlinked: result.evaluations.filter((e) => Status.unlinked.has(e.status)).length,
  statuses,
  proposals: result.proposals.length,
  autoLinks: result.proposals.filter((p) => p.decision === "auto-link").length,
  listRows: list.rows.length,
  maskedIds: list.rows.every((row) => row.idNumber.includes("*"))
}))
