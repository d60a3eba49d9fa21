/**
 * File names made from the data. A default output name holds an organisation id, and an id is any
 * 1–128 characters the events carry (`../../etc`, `a/b`, a right-to-left override, `NUL`): it is
 * reduced to letters, digits, `.`, `_` and `-`, so the file lands in the directory the user is in,
 * under a name every file system takes. An id that had to change gets a short digest of itself, so
 * two ids never share a file.
 */
import { createHash } from "node:crypto"

/** Anything but letters (CJK included), digits and `._-` becomes `_`. */
const UNSAFE = /[^\p{L}\p{N}._-]+/gu

/** A run of dots reads like a way up, even where it is none. */
const DOTS = /\.{2,}/g

/** Dots lead to hidden files and `..`; dots and spaces at the end are dropped by Windows. */
const EDGES = /^[._-]+|[._-]+$/g

/** Far below the 255 bytes a file name may take, with room for the rest of the name. */
const MAX_PART_BYTES = 96

const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 8)

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, cut between code points. */
const withinBytes = (text: string, maxBytes: number): string => {
  let bytes = 0
  let end = 0
  for (const char of text) {
    const size = Buffer.byteLength(char)
    if (bytes + size > maxBytes) break
    bytes += size
    end += char.length
  }
  return text.slice(0, end)
}

/** One part of a file name made from a value in the data: `org-5101-0002` stays, `../x` → `x-1f3c…`. */
export const part = (value: string): string => {
  const safe = withinBytes(value.normalize("NFC").replace(UNSAFE, "_").replace(DOTS, ".").replace(EDGES, ""), MAX_PART_BYTES).replace(EDGES, "")
  if (safe === value && safe !== "") return value
  return safe === "" ? digest(value) : `${safe}-${digest(value)}`
}
