// A CommonJS application: require("@relink/core") loads the ES module through Node's require(esm).
const { readFileSync } = require("node:fs")
const { Event, Policy, Scan } = require("@relink/core")

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((line) => line.length > 0)
const events = lines.map(Event.decodeLine).filter((r) => r._tag === "Success").map((r) => r.success)
const result = Scan.run(events, { asOf: Date.parse(process.argv[3]), policy: Policy.defaults })
console.log(JSON.stringify({ members: result.evaluations.length, proposals: result.proposals.length }))
