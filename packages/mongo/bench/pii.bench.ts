/**
 * The cost of personal data at rest: a blind index (HMAC-SHA256) and an encryption (AES-256-GCM)
 * of a short value, the two the worker runs per member and per event.
 *
 *   pnpm exec node packages/mongo/bench/pii.bench.ts [--calls 100000]
 */
import { Effect, Redacted } from "effect"
import { header, line, now, numberOptions } from "../../core/bench/common.ts"
import * as Pii from "../src/Pii.ts"

const options = numberOptions({ calls: 100_000 })
const calls = options.quick ? 10_000 : options.calls
const pii = Effect.runSync(Pii.make(Redacted.make("bench-key-0123456789abcdef")))

header("mongo: PII primitives")
const time = (label: string, run: (i: number) => string) => {
  // A first round warms the JIT; the second is timed.
  for (let i = 0; i < calls; i++) run(i)
  const started = now()
  for (let i = 0; i < calls; i++) run(i)
  line(label, `${(((now() - started) * 1000) / calls).toFixed(1)} µs per call (${calls.toLocaleString("en-US")} calls)`)
}
time("blind index (HMAC-SHA256)", (i) => pii.blindIndex(`110105194912310${i}`))
time("encrypt (AES-256-GCM, 18 bytes)", (i) => pii.encrypt(`110105194912310${i}`))
