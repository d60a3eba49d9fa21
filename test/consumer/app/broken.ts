// Deliberately wrong: a status is not a number. The consumer test requires tsc to reject this line.
import { Policy, Scan, type Status } from "@relink/core"

export const wrong: ReadonlyArray<number> = Scan.run([], { asOf: 0, policy: Policy.defaults }).evaluations.map((e: Status.Evaluation) => e.status)
