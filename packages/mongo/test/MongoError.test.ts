import { assert, describe, it } from "@effect/vitest"
import { MongoClient, MongoNetworkError, MongoServerError } from "mongodb"
import * as MongoError from "../src/MongoError.ts"

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
})
