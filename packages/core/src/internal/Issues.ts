/** Schema errors in one line, for a person: field paths and reasons, never the values. */
import { type Schema, SchemaIssue } from "effect"

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** "occurredAt: must be an ISO-8601 …; memberId: Missing key" — field paths and reasons, no values. */
export const describe = (error: Schema.SchemaError): string =>
  formatIssue(error.issue)
    .issues.map((i) => {
      const path = (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".")
      return path === "" ? i.message : `${path}: ${i.message}`
    })
    .join("; ")
