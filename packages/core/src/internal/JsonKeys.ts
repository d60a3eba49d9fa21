/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys in an object without a
 * word, so a line naming `memberId` twice would be read as whichever came last. Counting is cheap
 * enough for every line of a scan: the key separators (`:` outside strings) of the text against the
 * keys of the parsed value differ exactly when some object names a key twice. Only then is the text
 * walked again, to name the duplicate.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

/** Where the string opened at `open` closes: at the first quote after it that no odd run of backslashes escapes. */
const closingQuote = (text: string, open: number): number => {
  let close = text.indexOf('"', open + 1)
  while (close !== -1 && text.charCodeAt(close - 1) === BACKSLASH) {
    let backslashes = 1
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) break
    close = text.indexOf('"', close + 1)
  }
  return close
}

/**
 * The keys written in valid JSON text: its colons outside strings. Strings are jumped over with
 * `indexOf` (most of an event's text is inside strings); the few characters between them are looked
 * at one by one.
 */
export const inText = (text: string): number => {
  let keys = 0
  const length = text.length
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const close = closingQuote(text, i)
      if (close === -1) return keys
      i = close
    } else if (c === COLON) keys++
  }
  return keys
}

/** The keys of a parsed JSON value, at every depth; iterative, so a deeply nested value cannot overflow the stack. */
export const inValue = (value: unknown): number => {
  let keys = 0
  const pending: Array<unknown> = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next !== "object" || next === null) continue
    if (Array.isArray(next)) {
      for (const item of next) if (typeof item === "object" && item !== null) pending.push(item)
      continue
    }
    for (const key in next) {
      keys++
      const field = (next as Record<string, unknown>)[key]
      if (typeof field === "object" && field !== null) pending.push(field)
    }
  }
  return keys
}

type Segment = string | number

/** An open object or array: its keys so far (undefined for an array), and its last key or current index. */
interface Frame {
  readonly keys: Set<string> | undefined
  at: Segment
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

/**
 * The path (keys and array indices from the top) of the first key that valid JSON text names twice
 * in one object, the key last; undefined when every object names each key once. Keys are compared
 * as parsed, so `"n\u0061me"` repeats `"name"`. Linear in the text, however deep it nests: each open
 * object or array keeps only its own last key or index, and the path is read off them at the end.
 */
export const firstDuplicate = (text: string): ReadonlyArray<Segment> | undefined => {
  const open: Array<Frame> = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const start = i
      i = closingQuote(text, i)
      if (i === -1) return undefined
      let next = i + 1
      while (next < text.length && isSpace(text.charCodeAt(next))) next++
      const top = open.at(-1)
      if (text.charCodeAt(next) !== COLON || top?.keys === undefined) continue
      const key = JSON.parse(text.slice(start, i + 1)) as string
      if (top.keys.has(key)) return [...open.slice(0, -1).map((frame) => frame.at), key]
      top.keys.add(key)
      top.at = key
    } else if (c === 0x7b /* { */) open.push({ keys: new Set(), at: "" })
    else if (c === 0x5b /* [ */) open.push({ keys: undefined, at: 0 })
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) open.pop()
    else if (c === 0x2c /* , */) {
      const top = open.at(-1)
      if (top !== undefined && typeof top.at === "number") top.at++
    }
  }
  return undefined
}
