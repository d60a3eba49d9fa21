/**
 * Settings of the commands that talk to Kafka and MongoDB (`worker`, `publish`, `--mongo`). The
 * worker and the adapters read their settings through `Config` under the names of the environment
 * variables (`KAFKA_BROKERS`, `MONGODB_URI`, …); a command maps each flag given to the variable it
 * stands for and layers those values over the environment as one `ConfigProvider`, so a flag
 * overrides its variable and everything not given as a flag still comes from the environment.
 */
import { Config, ConfigProvider, Effect, Option, Redacted } from "effect"
import { Usage } from "./Errors.ts"

/** A setting a command cannot run without, and how to give it. */
export interface Required {
  /** The environment variable (the `Config` name). */
  readonly variable: string
  /** The flag that stands for it; none for secrets, which a flag would show in `ps`. */
  readonly flag?: string
  /** What it is, for the error message: "Kafka brokers". */
  readonly what: string
  /** How a value looks, for the error message: "HOST:PORT[,HOST:PORT…]". */
  readonly metavar: string
}

/** The variables the given flags set: absent flags are left out, so the environment decides. */
export const variablesOf = (flags: Readonly<Record<string, string | number | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [variable, value] of Object.entries(flags)) if (value !== undefined) out[variable] = String(value)
  return out
}

/** The flags' variables over the environment's. */
export const providerOf = (
  flags: Readonly<Record<string, string | number | undefined>>,
  env: Readonly<Record<string, string | undefined>> = process.env
): ConfigProvider.ConfigProvider =>
  ConfigProvider.orElse(ConfigProvider.fromEnv({ env: variablesOf(flags) }), ConfigProvider.fromEnv({ env: variablesOf(env) }))

/** An `Option` flag's value, or undefined (for `providerOf`). */
export const given = <A>(flag: Option.Option<A>): A | undefined => Option.getOrUndefined(flag)

const present = (provider: ConfigProvider.ConfigProvider, variable: string): Effect.Effect<boolean> =>
  provider.load([variable]).pipe(
    Effect.map((node) => node !== undefined && (node._tag !== "Value" || node.value.trim().length > 0)),
    Effect.orElseSucceed(() => false)
  )

/** "no Kafka brokers: give --brokers HOST:PORT or set KAFKA_BROKERS" */
export const missingReason = (setting: Required): string =>
  setting.flag === undefined
    ? `no ${setting.what}: set ${setting.variable} (${setting.metavar}); it is read only from the environment, never from a flag`
    : `no ${setting.what}: give ${setting.flag} ${setting.metavar} or set ${setting.variable}`

/** Fails with a one-line `Usage` error naming the first required setting that is neither a flag nor in the environment. */
export const requireAll = (
  command: string,
  provider: ConfigProvider.ConfigProvider,
  required: ReadonlyArray<Required>
): Effect.Effect<void, Usage> =>
  Effect.gen(function* () {
    for (const setting of required) {
      if (!(yield* present(provider, setting.variable))) return yield* new Usage({ command, reason: missingReason(setting) })
    }
  })

/**
 * One line from a `ConfigError` ("SchemaError(Expected a string representing a finite number\n at
 * ["RELINK_HTTP_PORT"])" → "RELINK_HTTP_PORT (--http-port): Expected a string representing a finite number").
 */
export const configReason = (error: Config.ConfigError, flags: Readonly<Record<string, string>> = {}): string => {
  const text = error.message.replace(/^\w+\(([\s\S]*)\)$/, "$1")
  const path = /\bat \[([^\]]*)\]/.exec(text)
  const what = text
    .replace(/\s*\bat \[[^\]]*\]/g, "")
    .replace(/\s*\n\s*/g, " ")
    .trim()
  if (path === null) return `invalid setting: ${what}`
  const variable = (path[1] ?? "").replace(/"/g, "").split(",").join(".")
  const flag = flags[variable]
  return `${variable}${flag === undefined ? "" : ` (${flag})`}: ${what}`
}

/** Reads a `Config` under the provider; a bad value is a one-line `Usage` error. */
export const read = <A>(
  command: string,
  provider: ConfigProvider.ConfigProvider,
  config: Config.Config<A>,
  flags: Readonly<Record<string, string>> = {}
): Effect.Effect<A, Usage> =>
  config.parse(provider).pipe(Effect.mapError((error) => new Usage({ command, reason: configReason(error, flags) })))

/** The key that encrypts ID numbers and phones at rest: from `RELINK_PII_KEY` only. */
export const piiKey: Required = { variable: "RELINK_PII_KEY", what: "key for personal data at rest", metavar: "a secret of 16 characters or more, the worker's" }

export const readPiiKey = (command: string, provider: ConfigProvider.ConfigProvider): Effect.Effect<Redacted.Redacted<string>, Usage> =>
  Effect.gen(function* () {
    yield* requireAll(command, provider, [piiKey])
    const key = yield* read(command, provider, Config.Redacted("RELINK_PII_KEY"))
    if (Redacted.value(key).length < 16) {
      return yield* new Usage({ command, reason: "RELINK_PII_KEY is too short: it must be at least 16 characters (32 random bytes, base64, recommended)" })
    }
    return key
  })

/** A connection string fit for a terminal: `mongodb://user:secret@host/` → `mongodb://user:***@host/`. */
export const redactUri = (uri: string): string => uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:***@")
