/**
 * The READMEs' commands, run as written. Every command of README.md's shell blocks, and of the quick
 * start in services/cli/README.md, that a newcomer runs is run with bash, in order, as it is written
 * there (its comment too), each in a fresh place:
 * - README.md's in a fresh copy of the workspace — its package.json, .npmrc and
 *   pnpm-workspace.yaml copied, packages/, services/ and the installed node_modules/ linked — so that
 *   `pnpm relink …` runs the workspace's script and writes its out/ there;
 * - services/cli/README.md's in an empty directory outside the workspace, with `relink` the
 *   workspace's own (as `npm install -g @relink/cli` gives it; the consumer test installs the packed
 *   package and runs it).
 * Each must exit 0, and what it writes must be what it says: JSON Lines and NDJSON whose every line
 * is JSON, JSON, CSV with its header, a workbook, a page.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, readFileSync, statSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { bin, parseCsv, root, tempDir } from "./helpers.ts"

/** Commands of the READMEs not run here, and why. */
const skipped: ReadonlyArray<{ readonly command: RegExp; readonly why: string }> = [
  { command: /^pnpm install$/, why: "the copy links the workspace's installed node_modules: an install there would write through the links" },
  { command: /^pnpm test\b/, why: "every test project, the integration tests with Kafka and FerretDB: the suite this test is part of" },
  { command: /^npm install @relink\/core effect\b/, why: "installs from the npm registry: the consumer test (test/consumer) installs the packed packages and runs the library example" },
  { command: /^npm install -g @relink\/cli\b/, why: "installs from the npm registry: the consumer test installs the packed @relink/cli globally and runs it; here relink is the workspace's" },
  {
    command: /RELINK_PII_KEY|--brokers|--mongo\b/,
    why: "needs Kafka and MongoDB: test/integration/cli-mongo.test.ts runs publish, worker and report --mongo against them"
  }
]

/** The commands of a Markdown file's `sh` blocks, a command continued on the next line (`\`) joined to it. */
const commandsOf = (markdown: string): ReadonlyArray<string> =>
  [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap(([, block = ""]) =>
    block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith("#"))
      // `a && b`: each part is a command of its own, run in order.
      .flatMap((line) => line.split(/\s&&\s/).map((part) => part.trim()))
  )

const whyNot = (command: string): string | undefined => skipped.find((s) => s.command.test(command))?.why

/** A fresh terminal's environment: nothing of the pnpm script or the test runner this test was started by. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|INIT_CWD$|PNPM_|NODE_OPTIONS$|VITEST|RELINK_|OTEL_)/i.test(name)))

const run = (script: string, cwd: string) => {
  const result = spawnSync("bash", ["-c", script], { cwd, encoding: "utf8", env: { ...cleanEnv(), NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024, timeout: 170_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** The files a command writes: `--out PATH`, or what `> PATH` redirects standard output into. */
const outputsOf = (command: string): ReadonlyArray<string> => {
  const code = command.replace(/\s#.*$/, "")
  return [...code.matchAll(/(?:--out|>)\s+(\S+)/g)].map(([, path = ""]) => path)
}

/** Checks that what a command wrote is what it says it is. */
const checkOutput = async (path: string): Promise<void> => {
  assert.isTrue(existsSync(path), `${path} was written`)
  if (statSync(path).isDirectory()) {
    // relink simulate: events, labels and a manifest.
    for (const line of readFileSync(join(path, "events.ndjson"), "utf8").split("\n").filter((l) => l.length > 0)) JSON.parse(line)
    assert.isArray(JSON.parse(readFileSync(join(path, "labels.json"), "utf8")))
    assert.isAbove((JSON.parse(readFileSync(join(path, "manifest.json"), "utf8")) as { events: number }).events, 0)
    return
  }
  const text = readFileSync(path, "utf8")
  if (path.endsWith(".jsonl") || path.endsWith(".ndjson")) {
    const lines = text.split("\n").filter((l) => l.length > 0)
    assert.isAbove(lines.length, 0, path)
    lines.forEach((line, i) => assert.doesNotThrow(() => JSON.parse(line), undefined, undefined, `${path}:${i + 1} is JSON: ${line.slice(0, 80)}`))
  } else if (path.endsWith(".json")) {
    assert.doesNotThrow(() => JSON.parse(text), undefined, undefined, `${path} is JSON`)
  } else if (path.endsWith(".csv")) {
    assert.isAbove(parseCsv(text.replace(/^\uFEFF/, ""))[0]?.length ?? 0, 1, `${path} starts with its header`)
  } else if (path.endsWith(".html")) {
    assert.match(text, /^<!DOCTYPE html>/i, path)
    assert.include(text, "</html>", path)
  } else if (path.endsWith(".xlsx")) {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(path)
    assert.isAbove(workbook.worksheets.length, 0, path)
  } else assert.fail(`${path}: no check for what this command writes`)
}

/** Runs one README command and checks it; `prelude` is bash run before it (a function standing for an installed command). */
const check = async (command: string, cwd: string, prelude = ""): Promise<void> => {
  const result = run(`set -o pipefail\n${prelude}${command}`, cwd)
  assert.strictEqual(result.status, 0, `${command}\n${result.stderr}`)
  const outputs = outputsOf(command)
  for (const path of outputs) await checkOutput(join(cwd, path))
  if (outputs.length === 0) assert.isAbove(result.stdout.trim().length, 0, `${command} prints what it found`)
}

describe("README.md's commands, as written, in a fresh copy of the workspace", () => {
  const copy = tempDir("readme")
  for (const file of ["package.json", ".npmrc", "pnpm-workspace.yaml"]) copyFileSync(join(root, file), join(copy, file))
  for (const dir of ["node_modules", "packages", "services"]) symlinkSync(join(root, dir), join(copy, dir))
  const commands = commandsOf(readFileSync(join(root, "README.md"), "utf8"))

  it("finds the commands: the demo first, then every relink command of the CLI section", () => {
    assert.strictEqual(commands[0], "pnpm install")
    assert.match(commands[1] ?? "", /^pnpm demo\b/)
    assert.isAtLeast(commands.filter((c) => c.startsWith("pnpm relink ") || c.startsWith("pnpm -s relink ")).length, 10)
  })

  for (const command of commands) {
    const why = whyNot(command)
    if (why !== undefined) {
      it.skip(`${command} — not run: ${why}`, () => undefined)
      continue
    }
    it(command, { timeout: 180_000 }, async () => {
      await check(command, copy)
      // The demo says where its lists are.
      if (/^pnpm demo\b/.test(command)) for (const file of ["unlinked.xlsx", "unlinked.html", "data-quality.html"]) await checkOutput(join(copy, "out", "demo", file))
    })
  }
})

describe("services/cli/README.md's quick start, as written, outside the workspace", () => {
  const here = tempDir("readme-cli")
  const commands = commandsOf(readFileSync(join(root, "services", "cli", "README.md"), "utf8"))
  // What `npm install -g @relink/cli` puts on PATH, from the workspace's sources.
  const relink = `relink() { node --conditions=@relink/source ${JSON.stringify(bin)} "$@"; }\n`

  for (const command of commands) {
    const why = whyNot(command)
    if (why !== undefined) {
      it.skip(`${command} — not run: ${why}`, () => undefined)
      continue
    }
    it(command, { timeout: 180_000 }, () => check(command, here, relink))
  }
})
