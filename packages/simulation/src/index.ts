/**
 * relink simulation: realistic, deterministic synthetic event streams of a district's party
 * members, in the wire format of the event contract, with the truth about every observation.
 * `Simulation.generate(options)` is the entry point; the other modules are the concepts it is made
 * of. Import a module as a namespace: `import { Simulation } from "@relink/simulation"`.
 *
 * @module @relink/simulation
 */
export * as Lives from "./Lives.ts"
export * as Mistakes from "./Mistakes.ts"
export * as Noise from "./Noise.ts"
export * as Observations from "./Observations.ts"
export * as Pace from "./Pace.ts"
export * as People from "./People.ts"
export * as Simulation from "./Simulation.ts"
export * as Stream from "./Stream.ts"
export * as World from "./World.ts"
