/**
 * Dead letters: a message the worker cannot decode, or a later copy of an eventId with other content
 * than the first, goes to `<topic>.DLT` with its original bytes and key, and headers naming where
 * it came from and why it was rejected.
 */
import type { Message } from "./Consumer.ts"
import type { OutgoingMessage } from "./Producer.ts"

export const headers = {
  topic: "relink-origin-topic",
  partition: "relink-origin-partition",
  offset: "relink-origin-offset",
  errorTag: "relink-error-tag",
  reason: "relink-error-reason"
} as const

export const make = (message: Message, error: { readonly _tag: string; readonly reason: string }): OutgoingMessage => ({
  key: message.key,
  value: message.value ?? Buffer.alloc(0),
  headers: {
    ...message.headers,
    [headers.topic]: message.topic,
    [headers.partition]: String(message.partition),
    [headers.offset]: message.offset,
    [headers.errorTag]: error._tag,
    [headers.reason]: error.reason
  }
})
