// A real Apache Kafka broker for tests: one KRaft node acting as broker and controller, on free
// loopback ports, with its data in a fresh directory. The jars come from Maven Central through
// `mvn dependency:copy-dependencies` and are cached per version.
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Kafka, logLevel } from "kafkajs"
import { cacheDir, cachePath, installAtomically } from "./cache.ts"
import { CommandFailedError } from "./errors.ts"
import { localHandle, waitUntilReady, type ServiceHandle } from "./handle.ts"
import { progress, seconds } from "./log.ts"
import { freePorts, LOOPBACK } from "./ports.ts"
import { requireTool, runCommand, spawnService } from "./processes.ts"

// 3.9.x first (the design's choice). Only 3.x: Kafka 4 dropped the old protocol versions kafkajs
// speaks and switched to log4j2. RELINK_KAFKA_VERSION pins one version.
const KAFKA_VERSIONS = ["3.9.1", "3.9.0", "3.8.1"]
const SLF4J_VERSION = "1.7.36"
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"

const candidateVersions = (): string[] => {
  const pinned = process.env["RELINK_KAFKA_VERSION"]
  return pinned ? [pinned] : KAFKA_VERSIONS
}

const libDirOf = (version: string) => cachePath(`kafka-${version}`, "lib")
const isResolved = (version: string) => existsSync(join(libDirOf(version), `kafka_2.13-${version}.jar`))

// The broker plus slf4j-reload4j, so the broker's log4j output has a binding (otherwise slf4j
// silently drops every log line and a failed start shows nothing).
const pom = (version: string) => `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>relink.test</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${version}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`

const resolveJars = async (mvn: string, version: string): Promise<void> => {
  const dir = cacheDir(`kafka-${version}`)
  const pomFile = join(dir, "pom.xml")
  writeFileSync(pomFile, pom(version))
  await installAtomically(libDirOf(version), async (tmp) => {
    const args = ["-B", "-q", "-Dstyle.color=never", "-f", pomFile, `-DoutputDirectory=${tmp}`]
    await runCommand(`mvn (Kafka ${version} jars)`, mvn, [...args, "-DincludeScope=runtime", DEPENDENCY_PLUGIN], {
      cwd: dir,
      logFile: join(dir, "mvn.log")
    })
  })
}

/** The lib directory of a cached Kafka version, resolving the first version Maven can provide. */
export const ensureKafkaJars = async (): Promise<{ version: string; libDir: string }> => {
  const candidates = candidateVersions()
  const cached = candidates.find(isResolved)
  if (cached !== undefined) return { version: cached, libDir: libDirOf(cached) }

  const mvn = requireTool("mvn", "download the Kafka jars from Maven Central")
  const failures: string[] = []
  for (const version of candidates) {
    const started = Date.now()
    progress(`resolving Kafka ${version} jars with Maven (first run only)…`)
    try {
      await resolveJars(mvn, version)
      progress(`Kafka ${version} jars ready in ${seconds(started)}`)
      return { version, libDir: libDirOf(version) }
    } catch (error) {
      if (!(error instanceof CommandFailedError)) throw error
      progress(`could not resolve Kafka ${version}; trying the next version`)
      failures.push(error.message)
    }
  }
  throw new Error(`no Kafka version could be resolved (${candidates.join(", ")}):\n${failures.join("\n")}`)
}

// Kafka cluster ids are 16 random bytes in URL-safe base64 without padding; Kafka itself never
// hands out one starting with '-' (it would read as a command-line flag).
const clusterId = (): string => {
  for (;;) {
    const id = randomBytes(16).toString("base64url")
    if (!id.startsWith("-")) return id
  }
}

const serverProperties = (dir: string, port: number, controllerPort: number) => `
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${LOOPBACK}:${controllerPort}
listeners=PLAINTEXT://${LOOPBACK}:${port},CONTROLLER://${LOOPBACK}:${controllerPort}
advertised.listeners=PLAINTEXT://${LOOPBACK}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${join(dir, "data")}
# Tests create their topics explicitly, as production does.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
# One node: internal topics cannot have more replicas; few partitions keep the first group join fast.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
# Consumer groups in tests should not wait 3 s for more members.
group.initial.rebalance.delay.ms=0
# After a crash the restarted broker cannot register until its old session expires (default 9 s).
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
log.segment.bytes=16777216
num.io.threads=4
num.network.threads=2
`

// Everything to stdout, which the setup appends to kafka.log: one file to tail on failure.
const LOG4J = `
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
`

/**
 * Answers only when the broker serves metadata, the controller can create a topic and the group
 * coordinator is loaded (so a test's first consumer group does not race its creation).
 */
const probeKafka = async (brokers: string): Promise<void> => {
  const kafka = new Kafka({
    clientId: "relink-services-probe",
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 0 }
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.fetchTopicMetadata()
    const topic = `__relink_probe_${Date.now()}`
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
    await admin.deleteTopics({ topics: [topic] })
    await admin.describeGroups(["relink-services-probe"])
  } finally {
    await admin.disconnect()
  }
}

/**
 * Format a data directory in `dir` and start Kafka there; the handle restarts it in place.
 * `orphanDir` is deleted by the watchdog if this process dies without stopping Kafka.
 */
export const startKafka = async (dir: string, orphanDir = dir): Promise<ServiceHandle> => {
  const java = requireTool("java", "run the Kafka broker")
  const { version, libDir } = await ensureKafkaJars()
  const started = Date.now()
  mkdirSync(dir, { recursive: true })
  const [port, controllerPort] = await freePorts(2)
  if (port === undefined || controllerPort === undefined) throw new Error("no free ports for Kafka")
  const brokers = `${LOOPBACK}:${port}`
  const properties = join(dir, "server.properties")
  const log4j = join(dir, "log4j.properties")
  const logFile = join(dir, "kafka.log")
  writeFileSync(properties, serverProperties(dir, port, controllerPort))
  writeFileSync(log4j, LOG4J)

  const classpath = ["-cp", join(libDir, "*")]
  const logging = [`-Dlog4j.configuration=file:${log4j}`, `-Dkafka.logs.dir=${dir}`]
  await runCommand(
    "Kafka storage format",
    java,
    [...logging, ...classpath, "kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", properties],
    { cwd: dir, logFile }
  )

  const jvm = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"]
  const launch = async () => {
    const child = spawnService("kafka", java, [...jvm, ...logging, ...classpath, "kafka.Kafka", properties], {
      cwd: dir,
      logFile,
      orphanDir
    })
    await waitUntilReady({ service: "Kafka", child, probe: () => probeKafka(brokers), timeoutMs: 120_000 })
    return child
  }
  const handle = localHandle("Kafka", "KAFKA_BROKERS", brokers, logFile, launch)
  await handle.start()
  progress(`Kafka ${version} ready at ${brokers} in ${seconds(started)}`)
  return handle
}
