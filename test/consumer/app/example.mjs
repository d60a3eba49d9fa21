// An application that installed @relink/core: prints the summary of the events file named on the
// command line, as of an instant, for an organisation's subtree.
import { readFileSync } from "node:fs"
import * as core from "@relink/core"
import { summarise } from "./summary.mjs"

const [file, asOf, orgId] = process.argv.slice(2)
const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0)
console.log(JSON.stringify(summarise(core, lines, asOf, orgId)))
