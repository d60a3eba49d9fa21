/**
 * How relink was started, for the two things that depend on it: the directory relative paths are
 * read against, and how a hint spells the command so that it works where the user is.
 *
 * In the workspace, `pnpm relink …` and `pnpm demo` run the root package's scripts, which pnpm
 * starts in the repository root whatever directory the user typed them in; it says where that was
 * in `INIT_CWD`. relink moves there first, so `pnpm relink scan --events out/sim` from a
 * subdirectory reads the `out/sim` of that subdirectory, as an installed `relink` would. Only the
 * workspace's own scripts are recognised (`npm_package_json` is the workspace's package.json): a
 * `relink` run by another project's script keeps the directory its script runs in.
 */
import { realpathSync } from "node:fs"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The root package's scripts that start relink (package.json). */
export const workspaceScripts: ReadonlyArray<string> = ["relink", "demo"]

export interface Invocation {
  /** The command a hint tells the user to type: `pnpm relink` in the workspace, else `relink`. */
  readonly command: string
  /** The directory to resolve relative paths against, when it is not the one relink was started in. */
  readonly directory: string | undefined
}

/**
 * The invocation, from the environment pnpm or npm gives a script, the workspace's package.json
 * (absolute, symbolic links resolved) and the directory the process runs in.
 */
export const of = (env: Readonly<Record<string, string | undefined>>, workspaceManifest: string, cwd: string): Invocation => {
  const manifest = env["npm_package_json"]
  const script = env["npm_lifecycle_event"]
  const inWorkspace = manifest !== undefined && script !== undefined && workspaceScripts.includes(script) && canonical(manifest) === workspaceManifest
  if (!inWorkspace) return { command: "relink", directory: undefined }
  const user = env["INIT_CWD"]
  return { command: "pnpm relink", directory: user === undefined || user === "" || canonical(user) === canonical(cwd) ? undefined : user }
}

/** A path with its symbolic links resolved, or as given when it does not exist. */
const canonical = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** This process's invocation. */
export const current: Invocation = of(process.env, canonical(fileURLToPath(new URL("../../../package.json", import.meta.url))), process.cwd())
