/**
 * JSON as relink writes it, to a file or to a terminal. `JSON.stringify` escapes the C0 controls
 * (ESC among them) but leaves DEL, the C1 controls (a lone U+009B starts a terminal command), the
 * bidi controls and the line and paragraph separators as they are; these are written as `\uXXXX`
 * escapes too. The value a reader parses is the same, character for character.
 */
import * as Text from "./Text.ts"

/** Outside strings JSON has none of these, so each one replaced is inside a string, where its escape means the same. */
const UNSAFE = new RegExp(`[\\u007f-\\u009f\\u2028\\u2029${Text.BIDI_CONTROLS}]`, "g")

const escaped = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`

/** `JSON.stringify`, with every character that could drive a terminal or reorder a line escaped. */
export const stringify = (value: unknown, indent?: number): string => JSON.stringify(value, null, indent).replace(UNSAFE, escaped)
