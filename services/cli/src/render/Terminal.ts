/**
 * Text for a terminal. Organisation names, ids and file names come from the input: an escape
 * sequence or a control character in one would drive the terminal (move the cursor, retitle the
 * window, ring the bell), and a bidi control would reorder the line around it. They are removed.
 */
import * as Text from "./Text.ts"

/** ESC sequences whole: CSI (`ESC [ … final`), OSC and the other strings ended by BEL or ST, two-character ones. */
// eslint-disable-next-line no-control-regex -- matching ESC and BEL is the point
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -~]?)/g

/** C0 and C1 controls (and DEL), and the bidi controls: marks, embeddings, overrides, isolates. */
const CONTROL = new RegExp(`[\\p{Cc}${Text.BIDI_CONTROLS}]`, "gu")

/** One line as a terminal may show it: no escape sequence, no control character. */
export const clean = (text: string): string => text.replace(ESCAPE_SEQUENCE, "").replace(CONTROL, "")
