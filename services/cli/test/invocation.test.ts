/**
 * `pnpm relink …` run anywhere in the workspace reads and writes relative paths from where it was
 * typed, and hints spell the command as it works there.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, realpathSync } from "node:fs"
import { join } from "node:path"
import * as Invocation from "../src/Invocation.ts"
import { root, tempDir } from "./helpers.ts"

const manifest = realpathSync(join(root, "package.json"))

describe("Invocation.of", () => {
  const elsewhere = tempDir("elsewhere")
  const script = (event: string, initCwd: string | undefined) => ({
    npm_package_json: join(root, "package.json"),
    npm_lifecycle_event: event,
    ...(initCwd !== undefined && { INIT_CWD: initCwd })
  })

  it("moves a workspace script to the directory pnpm was typed in, and hints pnpm relink", () => {
    assert.deepStrictEqual(Invocation.of(script("relink", elsewhere), manifest, root), { command: "pnpm relink", directory: elsewhere })
    assert.deepStrictEqual(Invocation.of(script("demo", elsewhere), manifest, root), { command: "pnpm relink", directory: elsewhere })
  })

  it("stays where it is when pnpm was typed in the repository root, or did not say where", () => {
    assert.deepStrictEqual(Invocation.of(script("relink", root), manifest, root), { command: "pnpm relink", directory: undefined })
    assert.deepStrictEqual(Invocation.of(script("relink", undefined), manifest, root), { command: "pnpm relink", directory: undefined })
  })

  it("leaves alone a relink started otherwise: installed, by another project's script, or by another workspace script", () => {
    const alone = { command: "relink", directory: undefined }
    assert.deepStrictEqual(Invocation.of({}, manifest, elsewhere), alone)
    assert.deepStrictEqual(Invocation.of({ ...script("relink", elsewhere), npm_package_json: join(elsewhere, "package.json") }, manifest, root), alone)
    assert.deepStrictEqual(Invocation.of(script("test", elsewhere), manifest, root), alone)
  })
})

describe("pnpm relink from another directory", () => {
  const pnpm = (cwd: string, args: ReadonlyArray<string>) => {
    const run = spawnSync("pnpm", ["-C", root, "-s", ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    assert.strictEqual(run.status, 0, run.stderr)
    return run
  }

  it("writes and reads relative paths from there, and the demo's hints say pnpm relink", () => {
    const here = join(tempDir("here"), "sub")
    mkdirSync(here)
    pnpm(here, ["relink", "simulate", "--members", "20", "--seed", "1", "--as-of", "2026-11-27", "--out", "sim", "--quiet"])
    assert.isTrue(existsSync(join(here, "sim", "events.ndjson")))
    assert.isFalse(existsSync(join(root, "sim")))
    const orgs = pnpm(here, ["relink", "orgs", "--events", "sim", "--quiet"])
    assert.include(orgs.stdout, "org-5101")
    const demo = pnpm(here, ["demo", "--members", "100", "--out", "demo"])
    assert.isTrue(existsSync(join(here, "demo", "unlinked.xlsx")))
    assert.include(demo.stdout, "Next: pnpm relink orgs --events demo/events.ndjson")
  })
})
