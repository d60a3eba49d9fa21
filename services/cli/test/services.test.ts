/**
 * The commands that talk to Kafka and MongoDB (`worker`, `publish`, `--mongo`), without either:
 * how flags map onto the worker's settings and override the environment, and how wrong or missing
 * settings are answered. The real services are exercised in test/integration/cli-mongo.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { Cause, Config, ConfigProvider, Effect, Exit, Option, Redacted, Stream } from "effect"
import { MatchRule } from "@relink/core"
import { KafkaConfig } from "@relink/kafka"
import { Mongo } from "@relink/mongo"
import { WorkerConfig } from "@relink/worker"
import * as Publish from "../src/commands/publish.ts"
import * as Shared from "../src/commands/shared.ts"
import * as WorkerCommand from "../src/commands/worker.ts"
import * as Settings from "../src/Settings.ts"
import * as Sources from "../src/Sources.ts"
import { bin, oneLineError, ok, relink as run, type RunOptions, tempDir } from "./helpers.ts"

const KEY = "unit-test-key-0123456789abcdef"
// What the store takes from the environment when nothing sets it: claims leases of 15 s, the write mode detected.
const storeDefaults = { claimLeaseMs: 15_000, conditionalWrites: undefined }

const noFlags: WorkerCommand.WorkerFlags = {
  brokers: Option.none(),
  mongo: Option.none(),
  database: Option.none(),
  topic: Option.none(),
  flagsTopic: Option.none(),
  group: Option.none(),
  httpPort: Option.none(),
  partitions: Option.none(),
  now: Option.none(),
  rule: Option.none()
}

const allFlags: WorkerCommand.WorkerFlags = {
  brokers: Option.some("k1:9092,k2:9092"),
  mongo: Option.some("mongodb://db:27017"),
  database: Option.some("flagdb"),
  topic: Option.some("flag.events"),
  flagsTopic: Option.some("flag.flags"),
  group: Option.some("flag-group"),
  httpPort: Option.some(0),
  partitions: Option.some(3),
  now: Option.some("2026-11-27"),
  rule: Option.none()
}

/** Everything the worker reads from `Config`, under the provider. */
const workerSettings = (provider: ConfigProvider.ConfigProvider) =>
  Effect.runSync(
    Effect.all({ kafka: KafkaConfig.config, mongo: Mongo.config, worker: WorkerConfig.config, piiKey: Config.Redacted("RELINK_PII_KEY") }).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, provider)
    )
  )

const failure = <A, E>(effect: Effect.Effect<A, E>): E => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  return Cause.squash(exit.cause) as E
}

const messageOf = (effect: Effect.Effect<unknown, { readonly message: string }>): string => failure(effect).message

describe("relink worker: flags over the environment", () => {
  it("maps every flag onto the worker's environment variable, --now as an ISO instant", () => {
    assert.deepStrictEqual(Effect.runSync(WorkerCommand.settingsOf(allFlags)), {
      KAFKA_BROKERS: "k1:9092,k2:9092",
      MONGODB_URI: "mongodb://db:27017",
      MONGODB_DATABASE: "flagdb",
      RELINK_TOPIC: "flag.events",
      RELINK_FLAGS_TOPIC: "flag.flags",
      KAFKA_GROUP_ID: "flag-group",
      RELINK_HTTP_PORT: "0",
      RELINK_PARTITIONS: "3",
      RELINK_NOW: "2026-11-27T15:59:59.000Z"
    })
    assert.deepStrictEqual(Effect.runSync(WorkerCommand.settingsOf(noFlags)), {})
    // Every flag has a variable the worker reads, and no two flags share one.
    const names = Object.values(WorkerCommand.variables).map((v) => v.variable)
    assert.strictEqual(new Set(names).size, names.length)
  })

  it("gives the worker the flags' values, whatever the environment says", () => {
    const env = {
      KAFKA_BROKERS: "env:9092",
      MONGODB_URI: "mongodb://env",
      MONGODB_DATABASE: "envdb",
      RELINK_TOPIC: "env.events",
      KAFKA_GROUP_ID: "env-group",
      RELINK_HTTP_PORT: "1234",
      RELINK_NOW: "2020-01-01T00:00:00Z",
      RELINK_PII_KEY: KEY
    }
    const settings = workerSettings(Effect.runSync(WorkerCommand.providerFor(allFlags, env)))
    assert.deepStrictEqual(settings.kafka.brokers, ["k1:9092", "k2:9092"])
    assert.strictEqual(settings.kafka.topic, "flag.events")
    assert.strictEqual(settings.kafka.flagsTopic, "flag.flags")
    assert.strictEqual(settings.kafka.groupId, "flag-group")
    assert.deepStrictEqual(settings.mongo, { uri: "mongodb://db:27017", database: "flagdb" , ...storeDefaults })
    assert.strictEqual(settings.worker.httpPort, 0)
    assert.strictEqual(settings.worker.partitions, 3)
    assert.strictEqual(settings.worker.fixedNow, Date.parse("2026-11-27T23:59:59+08:00"))
    assert.strictEqual(Redacted.value(settings.piiKey), KEY)
  })

  it("reads --rule from its file into the worker's rule, over RELINK_MATCH_RULE; a file that is no rule is a one-line error", async () => {
    const dir = tempDir("worker-rule")
    const tuned = { ...MatchRule.chinese, autoLinkProbability: 0.9999, nameFrequencies: { 王伟: 0.001 } }
    writeFileSync(join(dir, "rule.json"), JSON.stringify(tuned))
    const env = { KAFKA_BROKERS: "env:9092", MONGODB_URI: "mongodb://env", RELINK_PII_KEY: KEY, RELINK_MATCH_RULE: JSON.stringify(MatchRule.chinese) }
    const settings = workerSettings(await Effect.runPromise(WorkerCommand.providerFor({ ...noFlags, rule: Option.some(join(dir, "rule.json")) }, env)))
    assert.deepStrictEqual(settings.worker.rule, tuned)
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...MatchRule.chinese, reviewProbability: 2 }))
    const bad = await Effect.runPromise(Effect.flip(WorkerCommand.providerFor({ ...noFlags, rule: Option.some(join(dir, "bad.json")) }, env)))
    assert.strictEqual(bad._tag, "BadArgument")
    assert.match(bad.message, /^--rule: .*bad\.json: not a match rule: /)
  })

  it("takes from the environment what no flag gives, and the worker's defaults for the rest", () => {
    const env = {
      KAFKA_BROKERS: "env:9092",
      MONGODB_URI: "mongodb://env",
      RELINK_TOPIC: "env.events",
      KAFKA_CLIENT_ID: "env-client",
      KAFKA_SSL: "true",
      RELINK_SWEEP_INTERVAL_MS: "5000",
      RELINK_NOW: "2026-01-01T00:00:00+08:00",
      RELINK_PII_KEY: KEY
    }
    const settings = workerSettings(Effect.runSync(WorkerCommand.providerFor({ ...noFlags, group: Option.some("flag-group") }, env)))
    assert.deepStrictEqual(settings.kafka.brokers, ["env:9092"])
    assert.strictEqual(settings.kafka.topic, "env.events")
    assert.strictEqual(settings.kafka.clientId, "env-client")
    assert.strictEqual(settings.kafka.ssl, true)
    assert.strictEqual(settings.kafka.groupId, "flag-group")
    assert.strictEqual(settings.kafka.flagsTopic, "relink.flags")
    assert.deepStrictEqual(settings.mongo, { uri: "mongodb://env", database: "relink" , ...storeDefaults })
    assert.strictEqual(settings.worker.sweepIntervalMs, 5000)
    assert.strictEqual(settings.worker.httpPort, 9464)
    assert.strictEqual(settings.worker.fixedNow, Date.parse("2026-01-01T00:00:00+08:00"))
  })

  it("names the missing setting, its flag and its variable; the PII key only as a variable", () => {
    const brokers = messageOf(WorkerCommand.providerFor(noFlags, { MONGODB_URI: "mongodb://x", RELINK_PII_KEY: KEY }))
    assert.strictEqual(brokers, "relink worker: no Kafka brokers: give --brokers HOST:PORT[,HOST:PORT…] or set KAFKA_BROKERS (see relink worker --help)")
    const mongo = messageOf(WorkerCommand.providerFor({ ...noFlags, brokers: Option.some("k:1") }, { RELINK_PII_KEY: KEY }))
    assert.strictEqual(mongo, "relink worker: no MongoDB connection string: give --mongo URI or set MONGODB_URI (see relink worker --help)")
    const key = messageOf(WorkerCommand.providerFor({ ...noFlags, brokers: Option.some("k:1") }, { MONGODB_URI: "mongodb://x" }))
    assert.match(key, /^relink worker: no key for personal data at rest: set RELINK_PII_KEY .*never from a flag/)
    const blank = messageOf(WorkerCommand.providerFor(allFlags, { RELINK_PII_KEY: "  " }))
    assert.include(blank, "set RELINK_PII_KEY")
    const short = messageOf(WorkerCommand.providerFor(allFlags, { RELINK_PII_KEY: "short" }))
    assert.include(short, "RELINK_PII_KEY is too short")
    // An empty variable is as good as none.
    assert.include(messageOf(WorkerCommand.providerFor(noFlags, { KAFKA_BROKERS: "", MONGODB_URI: "m", RELINK_PII_KEY: KEY })), "no Kafka brokers")
  })

  it("refuses a --now that is no instant and ports or partition counts out of range", () => {
    assert.strictEqual(
      messageOf(WorkerCommand.settingsOf({ ...noFlags, now: Option.some("yesterday") })),
      '--now "yesterday" is not a date (2026-11-27) or an ISO instant with an offset (2026-11-27T18:00:00+08:00)'
    )
    assert.include(messageOf(WorkerCommand.settingsOf({ ...noFlags, httpPort: Option.some(70000) })), "--http-port 70000 is out of range")
    assert.include(messageOf(WorkerCommand.settingsOf({ ...noFlags, partitions: Option.some(0) })), "--partitions 0 is out of range")
  })

  it("turns a bad environment value into one line naming the variable and its flag", () => {
    const error = failure(WorkerConfig.config.parse(ConfigProvider.fromEnv({ env: { RELINK_HTTP_PORT: "eighty" } })))
    assert.strictEqual(
      Settings.configReason(error, WorkerCommand.flagOfVariable),
      "RELINK_HTTP_PORT (--http-port): Expected a string representing a finite number"
    )
    const policy = failure(WorkerConfig.config.parse(ConfigProvider.fromEnv({ env: { RELINK_POLICY: "{not json" } })))
    const reason = Settings.configReason(policy)
    assert.match(reason, /^RELINK_POLICY: /)
    assert.notInclude(reason, "\n")
  })
})

describe("relink publish: flags over the environment", () => {
  it("reads brokers, topic and partitions from flags, else the environment, else the worker's defaults", () => {
    const flags = { brokers: Option.some("k:1"), topic: Option.some("t"), partitions: Option.some(12) }
    assert.deepStrictEqual(Publish.settingsOf(flags), { KAFKA_BROKERS: "k:1", RELINK_TOPIC: "t", RELINK_PARTITIONS: "12" })
    const fromFlags = Effect.runSync(Publish.configFor(flags, { KAFKA_BROKERS: "env:1", RELINK_TOPIC: "env", KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }))
    assert.deepStrictEqual(fromFlags.kafka.brokers, ["k:1"])
    assert.strictEqual(fromFlags.kafka.topic, "t")
    assert.strictEqual(fromFlags.partitions, 12)
    assert.strictEqual(fromFlags.kafka.sasl?.username, "u")
    const none = { brokers: Option.none(), topic: Option.none(), partitions: Option.none() }
    const fromEnv = Effect.runSync(Publish.configFor(none, { KAFKA_BROKERS: "env:1", RELINK_PARTITIONS: "2" }))
    assert.deepStrictEqual(fromEnv.kafka.brokers, ["env:1"])
    assert.strictEqual(fromEnv.kafka.topic, "relink.events")
    assert.strictEqual(fromEnv.partitions, 2)
    assert.strictEqual(
      messageOf(Publish.configFor(none, {})),
      "relink publish: no Kafka brokers: give --brokers HOST:PORT[,HOST:PORT…] or set KAFKA_BROKERS (see relink publish --help)"
    )
    assert.include(messageOf(Publish.configFor(none, { KAFKA_BROKERS: "k:1", RELINK_PARTITIONS: "many" })), "RELINK_PARTITIONS (--partitions): ")
  })
})

describe("--events or --mongo", () => {
  const none = { events: Option.none(), orgs: Option.none(), mongo: Option.none(), database: Option.none() }
  const origin = (flags: Partial<Shared.OriginFlags>, env: Record<string, string> = { RELINK_PII_KEY: KEY }) =>
    Shared.originOf("relink scan", { ...none, ...flags }, env)

  it("reads an export with --events, the worker's database with --mongo", () => {
    const events = Effect.runSync(origin({ events: Option.some("x.ndjson"), orgs: Option.some("orgs.ndjson") }))
    assert.deepStrictEqual(events, { _tag: "Events", events: "x.ndjson", orgs: Option.some("orgs.ndjson"), rule: MatchRule.chinese })
    const mongo = Effect.runSync(origin({ mongo: Option.some("mongodb://h:1") }, { RELINK_PII_KEY: KEY, MONGODB_URI: "mongodb://ignored", MONGODB_DATABASE: "envdb" }))
    assert.strictEqual(mongo._tag, "Mongo")
    if (mongo._tag === "Mongo") {
      assert.deepStrictEqual(mongo.settings, { uri: "mongodb://h:1", database: "envdb" , ...storeDefaults })
      assert.strictEqual(Redacted.value(mongo.piiKey), KEY)
    }
    const named = Effect.runSync(origin({ mongo: Option.some("mongodb://h:1"), database: Option.some("flagdb") }, { RELINK_PII_KEY: KEY, MONGODB_DATABASE: "envdb" }))
    assert.deepStrictEqual(named._tag === "Mongo" && named.settings, { uri: "mongodb://h:1", database: "flagdb" , ...storeDefaults })
    const plain = Effect.runSync(origin({ mongo: Option.some("mongodb://h:1") }))
    assert.deepStrictEqual(plain._tag === "Mongo" && plain.settings, { uri: "mongodb://h:1", database: "relink" , ...storeDefaults })
  })

  it("answers a wrong mix with one line", () => {
    assert.strictEqual(
      messageOf(origin({ events: Option.some("x"), mongo: Option.some("mongodb://h") })),
      "relink scan: --events and --mongo exclude each other: read an export of events, or what the worker stored (see relink scan --help)"
    )
    assert.match(messageOf(origin({})), /^relink scan: say where to read from: --events FILE\|DIR\|- .* or --mongo URI/)
    assert.match(messageOf(origin({ mongo: Option.some("mongodb://h"), orgs: Option.some("o") })), /--orgs goes with --events/)
    assert.match(messageOf(origin({ events: Option.some("x"), database: Option.some("d") })), /--database goes with --mongo/)
    assert.match(messageOf(origin({ mongo: Option.some("mongodb://h") }, {})), /^relink scan: no key for personal data at rest: set RELINK_PII_KEY/)
  })

  it("never shows a password from a connection string", () => {
    assert.strictEqual(Settings.redactUri("mongodb://admin:s3cret@db1:27017,db2/?replicaSet=rs0"), "mongodb://admin:***@db1:27017,db2/?replicaSet=rs0")
    assert.strictEqual(Settings.redactUri("mongodb+srv://u:p%40ss@cluster.example.com/relink"), "mongodb+srv://u:***@cluster.example.com/relink")
    assert.strictEqual(Settings.redactUri("mongodb://db:27017"), "mongodb://db:27017")
    const mongo = Effect.runSync(origin({ mongo: Option.some("mongodb://admin:s3cret@db/") }))
    assert.strictEqual(Shared.originArgument(mongo), "--mongo mongodb://admin:***@db/")
  })
})

describe("reading lines for publish", () => {
  it("streams the same lines the scan reads: files, gzip, a directory, BOM and CRLF, no empty lines", async () => {
    const dir = tempDir("lines")
    writeFileSync(join(dir, "a.ndjson"), "\uFEFFone\r\n\r\ntwo\nthree")
    writeFileSync(join(dir, "b.ndjson.gz"), gzipSync("four\n\nfive\n"))
    const sources = Effect.runSync(Sources.resolve(dir))
    const streamed = await Effect.runPromise(Stream.runCollect(Sources.lines(sources)))
    assert.deepStrictEqual([...streamed], ["one", "two", "three", "four", "five"])
    const read: Array<[string, number]> = []
    for (const source of sources) await Effect.runPromise(Sources.readLines(source, { line: (text, n) => read.push([text, n]), tooLong: () => assert.fail("no line is too long"), invalidUtf8: () => assert.fail("every line is UTF-8") }, Sources.readLimit()))
    assert.deepStrictEqual(read, [
      ["one", 1],
      ["two", 3],
      ["three", 4],
      ["four", 1],
      ["five", 3]
    ])
  })
})

/** The environment without any Kafka, MongoDB or relink setting the shell running the tests may have. */
const cleanEnv = (): Record<string, string> => {
  const env: Record<string, string> = { NO_COLOR: "1" }
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(KAFKA_|MONGODB_|RELINK_)/.test(name)) env[name] = value
  }
  return env
}

/** The command without the test services' settings in its environment. */
const bare = (): RunOptions => ({ cwd: tempDir("cwd"), env: cleanEnv() })
const relink = (args: ReadonlyArray<string>) => run(args, bare())

describe("relink worker and publish at the command line", () => {
  it("prints help for worker and publish with every flag and its variable", () => {
    const worker = ok(relink(["worker", "--help"])).stdout
    for (const flag of ["--brokers", "--mongo", "--database", "--topic", "--flags-topic", "--group", "--http-port", "--partitions", "--now"]) assert.include(worker, flag)
    for (const variable of ["KAFKA_BROKERS", "MONGODB_URI", "RELINK_PII_KEY", "RELINK_NOW"]) assert.include(worker, variable)
    assert.notInclude(worker, "--pii-key")
    const publish = ok(relink(["publish", "--help"])).stdout
    for (const flag of ["--events", "--brokers", "--topic", "--partitions"]) assert.include(publish, flag)
  })

  it("answers missing settings and a wrong mix of flags with one line and exit code 2", () => {
    assert.match(oneLineError(["worker"], 2, bare()), /^relink worker: no Kafka brokers: give --brokers .* or set KAFKA_BROKERS \(see relink worker --help\)$/)
    assert.match(oneLineError(["worker", "--brokers", "k:1"], 2, bare()), /^relink worker: no MongoDB connection string: give --mongo URI or set MONGODB_URI/)
    assert.match(oneLineError(["worker", "--brokers", "k:1", "--mongo", "mongodb://h"], 2, bare()), /^relink worker: no key for personal data at rest: set RELINK_PII_KEY/)
    assert.match(oneLineError(["worker", "--pii-key", "x"], 2, bare()), /Unrecognized flag: --pii-key/)
    assert.match(oneLineError(["publish", "--events", "x.ndjson"], 2, bare()), /^relink publish: no Kafka brokers/)
    assert.match(oneLineError(["report", "unlinked", "--events", "x.ndjson", "--mongo", "mongodb://h"], 2, bare()), /^relink report unlinked: --events and --mongo exclude each other/)
    assert.match(oneLineError(["scan", "--mongo", "mongodb://h", "--format", "jsonl"], 2, bare()), /^relink scan: no key for personal data at rest/)
  })

  it("exits 0 when the worker is stopped with SIGTERM, even while it is still trying to connect", async () => {
    const child = spawn(process.execPath, [bin, "worker", "--brokers", "127.0.0.1:9", "--mongo", "mongodb://127.0.0.1:9", "--http-port", "0"], {
      env: { ...cleanEnv(), RELINK_PII_KEY: KEY },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    // The first log line (a refused connection) means the worker runs and listens for signals.
    await new Promise<void>((resolve) => {
      const seen = (chunk: Buffer) => {
        output += chunk.toString("utf8")
        resolve()
      }
      child.stdout.on("data", seen)
      child.stderr.on("data", seen)
    })
    child.kill("SIGTERM")
    assert.strictEqual(await exited, 0, output)
  })
})
