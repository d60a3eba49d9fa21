// The download/build cache shared by all runs (jars, the ferretdb binary). Artifacts are built
// under a temporary name and renamed into place, so an interrupted or concurrent build never
// leaves a half-written artifact that a later run would trust.
import { existsSync, mkdirSync, renameSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { removeTempDir, trackTempDir } from "./processes.ts"

/** `RELINK_SERVICES_CACHE`, or `~/.cache/relink-services`. */
export const cacheRoot = (): string =>
  process.env["RELINK_SERVICES_CACHE"] || join(homedir(), ".cache", "relink-services")

/** Path of a cache entry, without creating anything. */
export const cachePath = (...segments: string[]): string => join(cacheRoot(), ...segments)

/** A cache directory, created if missing. */
export const cacheDir = (name: string): string => {
  const dir = cachePath(name)
  mkdirSync(dir, { recursive: true })
  return dir
}

/**
 * Produce `target` (a file or directory) with `build`, which writes to the temporary path it is
 * given. If another process installed `target` meanwhile, its copy wins and ours is discarded.
 */
export const installAtomically = async (target: string, build: (tmp: string) => Promise<void>): Promise<void> => {
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`
  mkdirSync(dirname(target), { recursive: true })
  trackTempDir(tmp)
  try {
    await build(tmp)
    try {
      renameSync(tmp, target)
    } catch (error) {
      if (!existsSync(target)) throw error
    }
  } finally {
    removeTempDir(tmp)
  }
}
