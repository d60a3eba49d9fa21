// Errors raised while preparing or running the test services. Each names its cause so a failed CI
// run says what to install or which log to read, instead of a bare ECONNREFUSED.

/** A command-line tool the setup needs (java, mvn, go) is not on PATH. */
export class MissingToolError extends Error {
  readonly _tag = "MissingToolError"
  readonly tool: string

  constructor(tool: string, purpose: string) {
    super(
      `'${tool}' was not found on PATH; it is needed to ${purpose}. ` +
        `Install it, or set KAFKA_BROKERS / MONGODB_URI to use services that are already running.`
    )
    this.name = "MissingToolError"
    this.tool = tool
  }
}

/** A one-shot command (mvn, go, the Kafka storage tool) exited unsuccessfully. */
export class CommandFailedError extends Error {
  readonly _tag = "CommandFailedError"
  readonly command: string
  readonly exitCode: number | null
  readonly outputTail: string

  constructor(what: string, command: string, exitCode: number | null, outputTail: string) {
    super(`${what} failed (exit ${exitCode ?? "by signal"}): ${command}\n--- output (tail) ---\n${outputTail}`)
    this.name = "CommandFailedError"
    this.command = command
    this.exitCode = exitCode
    this.outputTail = outputTail
  }
}

/** A service process exited before it became ready, or did not become ready in time. */
export class ServiceStartError extends Error {
  readonly _tag = "ServiceStartError"
  readonly service: string
  readonly logFile: string

  constructor(service: string, reason: string, logFile: string, logTail: string) {
    super(`${service} did not start: ${reason}\n--- ${logFile} (tail) ---\n${logTail}`)
    this.name = "ServiceStartError"
    this.service = service
    this.logFile = logFile
  }
}

/** Start/stop was asked of a service given through KAFKA_BROKERS / MONGODB_URI, which we do not own. */
export class ExternalServiceError extends Error {
  readonly _tag = "ExternalServiceError"
  readonly service: string

  constructor(service: string, operation: string, envVar: string) {
    super(`cannot ${operation} ${service}: it was given by ${envVar} and is not managed by the test setup`)
    this.name = "ExternalServiceError"
    this.service = service
  }
}
