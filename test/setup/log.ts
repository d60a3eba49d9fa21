// Progress messages go to stderr so `pnpm services` keeps stdout for the two KEY=value lines.
export const progress = (message: string): void => {
  process.stderr.write(`[services] ${message}\n`)
}

export const seconds = (sinceMs: number): string => `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`
