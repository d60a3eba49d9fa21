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
 *
 * The commands of docs/*.md and of the other READMEs reproduce measurements and generated files,
 * most of them too long to run here: those cheap as written are run, in a fresh copy of the
 * workspace from a fresh terminal, and every way they start the workspace's code (`pnpm exec node`,
 * `pnpm relink`…) is tried there on the CLI's version, from the process it starts and from a child
 * of it (as the benchmarks start the CLI).
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, symlinkSync } from "node:fs"
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
const checkOutput = async (path: string, mayBeEmpty = false): Promise<void> => {
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
    if (!mayBeEmpty) assert.isAbove(lines.length, 0, path)
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
  // A review workbook no clerk has filled in decides nothing: resolve writes no event.
  const mayBeEmpty = /\brelink resolve\b/.test(command)
  for (const path of outputs) await checkOutput(join(cwd, path), mayBeEmpty)
  if (outputs.length === 0) assert.isAbove(result.stdout.trim().length, 0, `${command} prints what it found`)
}

/** A fresh copy of the workspace: its package.json, .npmrc and pnpm-workspace.yaml, its packages and installed node_modules linked. */
const workspaceCopy = (name: string): string => {
  const copy = tempDir(name)
  for (const file of ["package.json", ".npmrc", "pnpm-workspace.yaml"]) copyFileSync(join(root, file), join(copy, file))
  for (const dir of ["node_modules", "packages", "services", "test"]) symlinkSync(join(root, dir), join(copy, dir))
  return copy
}

describe("README.md's commands, as written, in a fresh copy of the workspace", () => {
  const copy = workspaceCopy("readme")
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

/** The commands of docs/*.md and of the READMEs other than the two above that are not run here, and why. */
const notRun: ReadonlyArray<{ readonly command: RegExp; readonly why: string }> = [
  { command: /^pnpm bench$/, why: "the eleven benchmarks at their measured sizes, hours: each one's own command is below" },
  { command: /packages\.bench\.ts/, why: "builds and packs every package: the consumer test (test/consumer) does it" },
  { command: /(core|matching|scan|shapes|stalls|import)\.bench\.ts|(matching|early-warning|labels)\.eval\.ts|default-(rule|warning)\.ts/, why: "minutes at the size it measures; the way it is started is tried" },
  { command: /relink-bench-1000000-1/, why: "a million members, the scan benchmark's export; the way it is started is tried" },
  { command: /(worker|snapshot)\.bench\.ts/, why: "starts Kafka and FerretDB; the way it is started is tried" },
  { command: /\bpnpm test:integration\b/, why: "the integration tests, with Kafka and FerretDB" }
]

/** Commands for elsewhere than the workspace: installing from the npm registry, an installed relink on a deployment's own export or spreadsheets. */
const elsewhere: RegExp = /^(npm install|npx |export |relink .*--events export\.ndjson|relink import )/

/**
 * How a command starts what it runs, without the environment it sets or a timer around it:
 * `pnpm exec node` (and node's own flags), `pnpm relink` (with or without -s), `pnpm bench`, `node`, `relink`…
 */
const launcherOf = (command: string): string => {
  const words = command
    .replace(/^(\w+=\S*\s+)+/, "")
    .replace(/^\/usr\/bin\/time -v\s+/, "")
    .split(/\s+/)
    .filter((w) => w !== "-s")
  let end = words[0] !== "pnpm" ? 1 : words[1] === "exec" ? 3 : 2
  if (words[end - 1] === "node") while (words[end]?.startsWith("-") === true) end++
  return words.slice(0, end).join(" ")
}

/** Whether a command runs the workspace's code: a TypeScript file of it, or the CLI. */
const runsWorkspaceCode = (command: string): boolean => /\S+\.ts\b/.test(command) || /^(pnpm relink|relink)$/.test(launcherOf(command))

/**
 * Commands that show whether a launcher runs the workspace's TypeScript with its packages resolved
 * to their sources: the CLI's version, and for node, the same from a process it starts (as the
 * benchmarks start the CLI: `process.execPath` and the script, nothing more).
 */
const probesOf = (launcher: string): ReadonlyArray<string> =>
  launcher.split(" ").includes("node")
    ? [
        `${launcher} services/cli/src/bin.ts --version`,
        `${launcher} -e 'process.exitCode = require("node:child_process").spawnSync(process.execPath, ["services/cli/src/bin.ts", "--version"], { stdio: "inherit" }).status ?? 1'`
      ]
    : [`${launcher.replace(/^pnpm /, "pnpm -s ")} --version`]

describe("the commands of docs/*.md and the other READMEs, from a fresh terminal in a fresh copy of the workspace", () => {
  const copy = workspaceCopy("docs")
  const files = [
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => join("docs", f)),
    ...["packages", "services", "test"].flatMap((dir) =>
      readdirSync(join(root, dir))
        .map((sub) => join(dir, sub, "README.md"))
        .filter((f) => f !== join("services", "cli", "README.md") && existsSync(join(root, f)))
    )
  ]
  const commands = files.flatMap((file) => commandsOf(readFileSync(join(root, file), "utf8")).map((command) => ({ file, command })))
  const workspace = commands.filter((c) => !elsewhere.test(c.command))
  const cheap = workspace.filter((c) => notRun.every((n) => !n.command.test(c.command)))

  it("start the workspace's code with its packages resolved to their sources, in the processes it starts too", () => {
    const launchers = new Map(workspace.filter((c) => runsWorkspaceCode(c.command)).map((c) => [launcherOf(c.command), `${c.file}: ${c.command}`]))
    for (const [launcher, example] of launchers) {
      for (const probe of probesOf(launcher)) {
        const result = run(probe, copy)
        assert.strictEqual(result.status, 0, `${example}\n${probe}\n${result.stderr}`)
        assert.match(result.stdout, /^relink v\d/, probe)
      }
    }
    assert.includeMembers([...launchers.keys()], ["pnpm exec node", "pnpm relink"])
  })

  for (const { file, command } of cheap) {
    it(`${file}: ${command}`, { timeout: 180_000 }, () => check(command, copy))
  }
})
