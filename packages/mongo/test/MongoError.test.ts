import { assert, describe, it } from "@effect/vitest"
import {
  type BulkWriteResult,
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoServerError
} from "mongodb"
import * as MongoError from "../src/MongoError.ts"

const kinds: ReadonlyArray<MongoError.Kind> = ["Unavailable", "Timeout", "WriteConflict", "DuplicateKey", "Rejected", "Other"]

/** A bulk write that failed as the driver reports one: its write errors, or the driver error it wraps. */
const bulkFailure = (error: ConstructorParameters<typeof MongoBulkWriteError>[0]) =>
  // The result is the driver's to build (its class is not exported); the classification never reads it.
  new MongoBulkWriteError(error, {} as BulkWriteResult)

describe("MongoError", () => {
  it("classifies a taken unique key, also as a bulk write's write error", () => {
    const taken = new MongoServerError({ message: "E11000 duplicate key error", code: 11000 })
    assert.strictEqual(MongoError.classify(taken), "DuplicateKey")
    assert.isTrue(MongoError.isDuplicateKey({ index: 3, code: 11000, errmsg: "E11000" }))
    assert.isFalse(MongoError.isDuplicateKey(new MongoServerError({ message: "not primary", code: 10107 })))
  })

  it("classifies a dropped connection and an unreachable server as unavailable, a refused command as rejected", async () => {
    assert.strictEqual(MongoError.classify(new MongoNetworkError("connection 3 to 127.0.0.1:27017 closed")), "Unavailable")
    // Nothing listens on port 1: the driver's own server-selection error.
    const client = new MongoClient("mongodb://127.0.0.1:1/", { serverSelectionTimeoutMS: 200 })
    const unreachable: unknown = await client.connect().then(
      () => undefined,
      (error: unknown) => error
    )
    await client.close()
    assert.strictEqual(MongoError.classify(unreachable), "Unavailable")
    assert.strictEqual(MongoError.classify(new MongoServerError({ message: "unknown operator: $frob", code: 2 })), "Rejected")
    assert.strictEqual(MongoError.classify(new Error("anything else")), "Other")
  })

  it("keeps the driver's error as its cause, and its code", () => {
    const cause = new MongoServerError({ message: "E11000 duplicate key error", code: 11000 })
    const error = MongoError.fromCause("store events")(cause)
    assert.strictEqual(error.cause, cause)
    assert.strictEqual(error.code, 11000)
    assert.strictEqual(error.kind, "DuplicateKey")
    assert.strictEqual(error.message, "MongoDB store events failed: E11000 duplicate key error")
  })

  it("classifies timeouts, on the wire and on the server", () => {
    assert.strictEqual(MongoError.classify(new MongoNetworkTimeoutError("connection 4 to 127.0.0.1:27017 timed out")), "Timeout")
    assert.strictEqual(MongoError.classify(new MongoOperationTimeoutError("Timed out during operation execution")), "Timeout")
    assert.strictEqual(MongoError.classify(new MongoServerError({ message: "operation exceeded time limit", code: 50 })), "Timeout")
  })

  it("classifies a write conflict, and a server stepping down or shutting down as unavailable", () => {
    assert.strictEqual(MongoError.classify(new MongoServerError({ message: "WriteConflict error", code: 112 })), "WriteConflict")
    assert.strictEqual(MongoError.classify(new MongoServerError({ message: "not primary", code: 10107 })), "Unavailable")
    assert.strictEqual(MongoError.classify(new MongoServerError({ message: "interrupted at shutdown", code: 11600 })), "Unavailable")
    assert.strictEqual(MongoError.classify(new MongoServerError({ message: "overloaded", code: 462, errorLabels: ["SystemOverloadedError"] })), "Unavailable")
  })

  it("classifies a bulk write by the driver error it wraps, or by its write errors", () => {
    assert.strictEqual(MongoError.classify(bulkFailure(new MongoNetworkError("connection 5 to 127.0.0.1:27017 closed"))), "Unavailable")
    assert.strictEqual(MongoError.classify(bulkFailure({ message: "Document failed validation", code: 121 })), "Rejected")
    assert.strictEqual(MongoError.classify(bulkFailure({ message: "E11000 duplicate key error", code: 11000 })), "DuplicateKey")
  })

  it("retries exactly what the server or the wire may get past: unavailable, timed out, in conflict", () => {
    const retried = kinds.filter((kind) => new MongoError.MongoError({ operation: "write members", reason: "…", kind }).isRetryable)
    assert.deepStrictEqual(retried, ["Unavailable", "Timeout", "WriteConflict"])
    const refused = MongoError.fromCause("store events")(new MongoServerError({ message: "unknown operator: $frob", code: 2 }))
    assert.isFalse(refused.isRetryable)
    assert.isTrue(MongoError.fromCause("store events")(new MongoNetworkError("connection 3 closed")).isRetryable)
    assert.isFalse(MongoError.fromCause("store events")(new TypeError("Cannot read properties of undefined")).isRetryable)
  })
})
