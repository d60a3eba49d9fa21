// A private npm registry on loopback (Verdaccio) for the consumer tests: relink's tarballs are
// published to it and everything else is proxied from the registry npm is configured with, so
// `npm install @relink/core` and `npm install -g @relink/cli` run exactly as a user's would, with
// dependencies resolved and deduplicated by npm itself rather than by hand-picked tarball paths.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cachePath, installAtomically } from "./cache.ts"
import { waitUntilReady } from "./handle.ts"
import { progress, seconds } from "./log.ts"
import { freePorts, LOOPBACK } from "./ports.ts"
import { runCommand, spawnService, type ManagedProcess } from "./processes.ts"

const VERDACCIO_VERSION = "6.10.4"

/** The registry npm itself uses here (npm_config_registry under pnpm, else npm's own setting). */
export const upstreamRegistry = (): string =>
  process.env["npm_config_registry"] ?? execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).trim()

/** Verdaccio installed once into the services cache. */
const ensureVerdaccio = async (): Promise<string> => {
  const dir = cachePath(`verdaccio-${VERDACCIO_VERSION}`)
  const bin = join(dir, "node_modules", "verdaccio", "bin", "verdaccio")
  if (existsSync(bin)) return bin
  const started = Date.now()
  progress(`installing Verdaccio ${VERDACCIO_VERSION} with npm (first run only)…`)
  await installAtomically(dir, async (tmp) => {
    mkdirSync(tmp, { recursive: true })
    await runCommand("npm install verdaccio", "npm", ["install", "--no-audit", "--no-fund", "--prefix", tmp, `verdaccio@${VERDACCIO_VERSION}`], {
      cwd: tmp,
      logFile: join(tmp, "install.log")
    })
  })
  progress(`Verdaccio installed in ${seconds(started)}`)
  return bin
}

export interface Registry {
  /** Base URL with a trailing slash, for `--registry`. */
  readonly url: string
  /** npm arguments that point a command at this registry, authenticated for publishing. */
  readonly npmArgs: ReadonlyArray<string>
  readonly process: ManagedProcess
}

/**
 * Start a registry whose storage lives under `dir`: `@relink/*` is served only from what is
 * published to it (never proxied, so a same-named package elsewhere cannot leak in), every other
 * package is proxied from upstream.
 */
export const startRegistry = async (dir: string): Promise<Registry> => {
  const bin = await ensureVerdaccio()
  const [port] = await freePorts(1)
  if (port === undefined) throw new Error("no free port for the npm registry")
  const url = `http://${LOOPBACK}:${port}/`
  const config = join(dir, "verdaccio.yaml")
  mkdirSync(join(dir, "storage"), { recursive: true })
  writeFileSync(
    config,
    [
      `storage: ${join(dir, "storage")}`,
      "uplinks:",
      "  upstream:",
      `    url: ${upstreamRegistry()}`,
      "    timeout: 60s",
      "packages:",
      "  '@relink/*':",
      "    access: $all",
      "    publish: $anonymous",
      "  '**':",
      "    access: $all",
      "    proxy: upstream",
      "log: { type: stdout, format: pretty, level: warn }",
      ""
    ].join("\n")
  )
  const child = spawnService("verdaccio", process.execPath, [bin, "--config", config, "--listen", `${LOOPBACK}:${port}`], {
    cwd: dir,
    logFile: join(dir, "verdaccio.log"),
    orphanDir: dir
  })
  const probe = async () => {
    const response = await fetch(`${url}-/ping`)
    if (!response.ok) throw new Error(`ping answered ${response.status}`)
  }
  await waitUntilReady({ service: "npm registry", child, probe, timeoutMs: 60_000 })
  const host = url.replace(/^http:/, "")
  return { url, npmArgs: ["--registry", url, `--${host}:_authToken=relink-consumer-test`], process: child }
}
