#!/usr/bin/env node
/**
 * Runs the worker from the environment (KAFKA_BROKERS, MONGODB_URI, RELINK_PII_KEY, …; see
 * docs/worker.md). `relink worker` does the same with flags. Logs are JSON lines on stdout; SIGTERM or
 * SIGINT finishes the batch in flight, commits, disconnects and exits 0.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Exit } from "effect"
import * as Worker from "./Worker.ts"

NodeRuntime.runMain(Worker.fromEnvironment, {
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
