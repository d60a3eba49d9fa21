/**
 * Loads an event export into Kafka, keyed as the contract says (`memberId`, else `eventId`). Lines
 * that do not decode are published too, keyed by whatever `eventId` they carry: the worker's
 * dead-letter handling is then exercised exactly as with a misbehaving producer.
 */
import { Effect, Stream } from "effect"
import { Event } from "@relink/core"
import { Producer } from "@relink/kafka"

const keyOfLine = (line: string): string | null => {
  const decoded = Event.decodeLine(line)
  if (decoded._tag === "Success") return Event.keyOf(decoded.success)
  return "eventId" in decoded.failure ? (decoded.failure.eventId ?? null) : null
}

/** Publishes lines in chunks; returns how many were sent. */
export const publishLines = <E, R>(topic: string, lines: Stream.Stream<string, E, R>, chunk = 500) =>
  Effect.gen(function* () {
    const producer = yield* Producer.Producer
    let sent = 0
    yield* lines.pipe(
      Stream.filter((line) => line.trim().length > 0),
      Stream.grouped(chunk),
      Stream.runForEach((group) =>
        Effect.map(producer.send(topic, group.map((line) => ({ key: keyOfLine(line), value: line }))), () => {
          sent += group.length
        })
      )
    )
    return sent
  })
