/**
 * relink core: party-member events, identity values, contact policy, projection, status and the
 * embedded scan. Pure; no I/O. Import a module as a namespace: `import { Status } from "@relink/core"`.
 */
export * as Event from "./Event.ts"
export * as OrgTree from "./OrgTree.ts"
export * as Policy from "./Policy.ts"
export * as Projection from "./Projection.ts"
export * as Scan from "./Scan.ts"
export * as Status from "./Status.ts"
