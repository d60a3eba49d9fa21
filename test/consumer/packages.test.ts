// relink as its users get it: every package built, packed and published to a private registry on
// loopback, then installed by npm into projects outside the workspace and run on the Node versions
// the packages claim (`engines`: the oldest, 22.12, and this one).
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawnSync, type SpawnSyncReturns } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as core from "@relink/core"
import { cachePath, installAtomically } from "../setup/cache.ts"
import { startRegistry, type Registry } from "../setup/registry.ts"
import { summarise, type Summary } from "./app/summary.mjs"
import { packAll, root, type Tarball } from "./pack.ts"

const FIXTURE = join(root, "test", "fixtures", "events-60-members.ndjson")
const AS_OF = "2026-11-27T00:00:00+08:00"
const ORG = "org-5101-0006"
/** The oldest Node the packages' `engines` admit. */
const OLDEST_NODE = "22.12.0"

const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> }
const coreManifest = JSON.parse(readFileSync(join(root, "packages", "core", "package.json"), "utf8")) as {
  engines: { node: string }
  devDependencies: Record<string, string>
}

/** The environment of npm and node children: none of pnpm's npm_* settings, no inherited NODE_OPTIONS. */
const childEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_") && key !== "NODE_OPTIONS"))

const run = (command: string, args: ReadonlyArray<string>, cwd: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, env: childEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })

const ok = (result: SpawnSyncReturns<string>, what: string): string => {
  assert.strictEqual(result.status, 0, `${what} failed (${result.status}):\n${result.stderr}\n${result.stdout}`)
  return result.stdout
}

/** Node `version` from the registry, installed once into the services cache. */
const nodeBinary = async (version: string): Promise<string> => {
  const dir = cachePath(`node-${version}`)
  const binary = join(dir, "node_modules", "node", "bin", "node")
  if (!existsSync(binary)) {
    await installAtomically(dir, async (tmp) => {
      mkdirSync(tmp, { recursive: true })
      ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefix", tmp, `node@${version}`], tmp), `npm install node@${version}`)
    })
  }
  return binary
}

/** What the README's example prints, computed here with the workspace's sources. */
const expectedSummary = (): Summary => summarise(core, readFileSync(FIXTURE, "utf8").split("\n").filter((line) => line.length > 0), AS_OF, ORG)

describe("the published packages, installed by npm outside the workspace", () => {
  let work: string
  let registry: Registry | undefined
  let tarballs: ReadonlyArray<Tarball>
  let app: string
  let nodes: ReadonlyArray<readonly [string, string]>

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "relink-consumer-"))
    tarballs = packAll(join(work, "tarballs"))
    for (const t of tarballs) {
      console.log(`${t.name}@${t.version}: ${(t.bytes / 1024).toFixed(1)} KiB packed, ${t.files.length} files\n  ${t.files.join("\n  ")}`)
    }
    registry = await startRegistry(join(work, "registry"))
    for (const t of tarballs) ok(run("npm", ["publish", ...registry.npmArgs, t.path], work), `npm publish ${t.name}`)

    app = join(work, "app")
    cpSync(join(root, "test", "consumer", "app"), app, { recursive: true })
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "relink-consumer", private: true, type: "module" }))
    const install = [
      "@relink/core",
      "@relink/kafka",
      "@relink/mongo",
      "@relink/worker",
      `effect@${coreManifest.devDependencies["effect"]}`,
      `typescript@${rootManifest.devDependencies["typescript"]}`,
      `@types/node@${rootManifest.devDependencies["@types/node"]}`
    ]
    ok(run("npm", ["install", "--no-audit", "--no-fund", ...registry.npmArgs, ...install], app), "npm install in the consumer project")
    nodes = [
      [process.version, process.execPath],
      [`v${OLDEST_NODE}`, await nodeBinary(OLDEST_NODE)]
    ]
  }, 900_000)

  afterAll(async () => {
    await registry?.process.stop()
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  it("packs only built JavaScript, declarations, source maps, README and LICENSE, with real versions and closed internals", () => {
    assert.includeMembers(
      tarballs.map((t) => t.name),
      ["@relink/core", "@relink/simulation", "@relink/kafka", "@relink/mongo", "@relink/worker", "@relink/cli"]
    )
    for (const t of tarballs) {
      for (const file of t.files) assert.match(file, /^(dist\/.+\.(js|js\.map|d\.ts)|README\.md|LICENSE|package\.json)$/, `${t.name}: ${file}`)
      assert.includeMembers([...t.files], ["README.md", "LICENSE", "package.json"], t.name)
      const manifest = ok(run("tar", ["-xzOf", t.path, "package/package.json"], work), `tar ${t.name}`)
      assert.notInclude(manifest, "workspace:", t.name)
      assert.notInclude(manifest, "/src/", t.name)
      const parsed = JSON.parse(manifest) as { engines: { node: string }; license: string; exports?: Record<string, unknown> }
      assert.strictEqual(parsed.engines.node, coreManifest.engines.node, t.name)
      assert.strictEqual(parsed.license, "MIT", t.name)
      if (parsed.exports !== undefined) {
        assert.deepStrictEqual(parsed.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" }, t.name)
        assert.isNull(parsed.exports["./internal/*"], t.name)
      }
    }
  })

  it("runs the README's library example with the scan's real counts on every supported Node", () => {
    const expected = expectedSummary()
    assert.strictEqual(expected.members, 60)
    assert.strictEqual(expected.listRows, 5)
    for (const [version, node] of nodes) {
      const versionOut = ok(run(node, ["--version"], app), `${node} --version`).trim()
      assert.strictEqual(versionOut, version)
      const printed = ok(run(node, ["example.mjs", FIXTURE, AS_OF, ORG], app), `example.mjs on Node ${version}`)
      assert.deepStrictEqual(JSON.parse(printed), expected, `Node ${version}`)
    }
  })

  it("loads through require() on every supported Node (require(esm))", () => {
    const expected = expectedSummary()
    for (const [version, node] of nodes) {
      const printed = ok(run(node, ["require.cjs", FIXTURE, AS_OF], app), `require.cjs on Node ${version}`)
      assert.deepStrictEqual(JSON.parse(printed), { members: expected.members, proposals: expected.proposals }, `Node ${version}`)
    }
  })

  it("keeps @relink/core/internal/* out of reach", () => {
    assert.include(tarballs.find((t) => t.name === "@relink/core")?.files ?? [], "dist/internal/Similarity.js")
    const result = run(process.execPath, ["--input-type=module", "-e", 'await import("@relink/core/internal/Similarity")'], app)
    assert.notStrictEqual(result.status, 0)
    assert.include(result.stderr, "ERR_PACKAGE_PATH_NOT_EXPORTED")
  })

  it("type-checks a strict TypeScript consumer (nodenext, no skipLibCheck) and rejects a type error in it", () => {
    const tsc = join(app, "node_modules", "typescript", "bin", "tsc")
    ok(run(process.execPath, [tsc, "-p", "tsconfig.json"], app), "tsc on consumer.ts")
    writeFileSync(join(app, "tsconfig.broken.json"), JSON.stringify({ extends: "./tsconfig.json", files: ["broken.ts"] }))
    const broken = run(process.execPath, [tsc, "-p", "tsconfig.broken.json"], app)
    assert.notStrictEqual(broken.status, 0)
    assert.match(broken.stdout, /^broken\.ts\(4,\d+\): error TS2322: Type '.*' is not assignable to type 'readonly number\[\]'/m)
    assert.strictEqual(broken.stdout.match(/error TS\d+/g)?.length, 1, broken.stdout)
  })

  it("gives a working relink command from npm install -g @relink/cli", () => {
    assert.isDefined(registry)
    if (registry === undefined) return
    const prefix = join(work, "global")
    ok(run("npm", ["install", "-g", "--no-audit", "--no-fund", "--prefix", prefix, ...registry.npmArgs, "@relink/cli"], work), "npm install -g @relink/cli")
    const relink = join(prefix, "bin", "relink")
    const help = ok(run(relink, ["--help"], work), "relink --help")
    for (const command of ["simulate", "scan", "report", "orgs", "worker", "publish"]) assert.include(help, command)

    const fromSource = join(work, "source.jsonl")
    ok(run(process.execPath, ["--conditions=@relink/source", join(root, "services", "cli", "src", "bin.ts"), "scan", "--events", FIXTURE, "--as-of", AS_OF, "--out", fromSource, "--quiet"], work), "relink scan from the workspace")
    const expected = readFileSync(fromSource, "utf8")
    assert.strictEqual(expected.split("\n").filter((l) => l.includes('"kind":"member"')).length, 60)
    const bin = join(prefix, "lib", "node_modules", "@relink", "cli", "dist", "bin.js")
    for (const [version, node] of nodes) {
      const out = join(work, `installed-${version}.jsonl`)
      ok(run(node, [bin, "scan", "--events", FIXTURE, "--as-of", AS_OF, "--out", out, "--quiet"], work), `installed relink scan on Node ${version}`)
      assert.strictEqual(readFileSync(out, "utf8"), expected, `Node ${version}`)
    }
    const viaPath = join(work, "installed-bin.jsonl")
    ok(run(relink, ["scan", "--events", FIXTURE, "--as-of", AS_OF, "--out", viaPath, "--quiet"], work), "relink scan through the installed bin")
    assert.strictEqual(readFileSync(viaPath, "utf8"), expected)
  })
})
