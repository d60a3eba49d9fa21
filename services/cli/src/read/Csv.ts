/**
 * Reading CSV back (RFC 4180): comma-separated fields, records ending in CRLF or LF, fields in
 * double quotes holding commas, quotes (doubled) and line breaks. It is strict: a quote inside an
 * unquoted field, text after a closing quote or a quote left open is an error naming its line, not
 * a guess — a file relink wrote never holds one, so a file that does was not written by relink.
 */
import { Result } from "effect"

export interface Record {
  /** The line the record starts on, counting from 1: what a person sees in an editor. */
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

export interface Malformed {
  readonly line: number
  readonly reason: string
}

/** Every record of the text; a blank line is no record. A byte-order mark before the first is skipped. */
export const parse = (text: string): Result.Result<ReadonlyArray<Record>, Malformed> => {
  const records: Array<Record> = []
  let fields: Array<string> = []
  let field = ""
  let line = 1
  let start = 1
  // What the cursor is in: between fields (a new one may be quoted), an unquoted field, a quoted one, or just after its closing quote.
  let state: "start" | "plain" | "quoted" | "closed" = "start"
  const end = () => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0] === "" && state === "start")) records.push({ line: start, fields })
    fields = []
    field = ""
  }
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i] as string
    if (state === "quoted") {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else state = "closed"
      } else {
        if (c === "\n") line++
        field += c
      }
      continue
    }
    if (c === ",") {
      fields.push(field)
      field = ""
      state = "start"
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      if (c === "\r") i++
      end()
      state = "start"
      start = ++line
    } else if (c === '"') {
      if (state !== "start") return Result.fail({ line, reason: state === "closed" ? "a quote right after a quoted field" : "a quote inside a field that does not start with one" })
      state = "quoted"
    } else {
      if (state === "closed") return Result.fail({ line, reason: "text after a quoted field's closing quote" })
      field += c
      state = "plain"
    }
  }
  if (state === "quoted") return Result.fail({ line: start, reason: "a quoted field is never closed" })
  if (field !== "" || fields.length > 0 || state === "closed") end()
  return Result.succeed(records)
}
