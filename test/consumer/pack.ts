// Builds every publishable workspace package and packs it as `pnpm publish` would: `publishConfig`
// applied, `workspace:` ranges replaced by real versions. Shared by the consumer test and the bench.
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../..", import.meta.url))

export interface Tarball {
  readonly name: string
  readonly version: string
  readonly path: string
  readonly bytes: number
  readonly files: ReadonlyArray<string>
}

/** Workspace package directories under packages/ and services/ that are not private. */
export const publishable = (): ReadonlyArray<string> =>
  ["packages", "services"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(root, group, name))
      .filter((dir) => {
        try {
          const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { readonly private?: boolean }
          return manifest.private !== true
        } catch {
          return false
        }
      })
  )

/** `pnpm build` (tsc -b, incremental), then one tarball per publishable package in `destination`. */
export const packAll = (destination: string): ReadonlyArray<Tarball> => {
  execFileSync("pnpm", ["-s", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
  return publishable().map((dir) => {
    const out = execFileSync("pnpm", ["pack", "--json", "--pack-destination", destination], { cwd: dir, encoding: "utf8" })
    const packed = JSON.parse(out) as { name: string; version: string; filename: string }
    // The tarball's own listing: pnpm's JSON leaves out files it adds itself, such as LICENSE.
    const listing = execFileSync("tar", ["-tzf", packed.filename], { encoding: "utf8" })
    return {
      name: packed.name,
      version: packed.version,
      path: packed.filename,
      bytes: statSync(packed.filename).size,
      files: listing.split("\n").filter((line) => line.length > 0).map((line) => line.replace(/^package\//, "")).sort()
    }
  })
}
