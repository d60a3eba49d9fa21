/**
 * relink core: party-member events, identity values, contact policy, projection, status, matching
 * and the embedded scan. Pure; no I/O. Import a module as a namespace:
 * `import { Status } from "@relink/core"`.
 *
 * @module @relink/core
 */
export * as Backtest from "./Backtest.ts"
export * as BranchHealth from "./BranchHealth.ts"
export * as BranchReport from "./BranchReport.ts"
export * as DataQuality from "./DataQuality.ts"
export * as EarlyWarning from "./EarlyWarning.ts"
export * as Event from "./Event.ts"
export * as IdNumber from "./IdNumber.ts"
export * as Labels from "./Labels.ts"
export * as Instant from "./Instant.ts"
export * as Matching from "./Matching.ts"
export * as MatchRule from "./MatchRule.ts"
export * as OrgRecord from "./OrgRecord.ts"
export * as OrgTree from "./OrgTree.ts"
export * as Output from "./Output.ts"
export * as PersonName from "./PersonName.ts"
export * as Phone from "./Phone.ts"
export * as Policy from "./Policy.ts"
export * as Projection from "./Projection.ts"
export * as Proposal from "./Proposal.ts"
export * as RegionCode from "./RegionCode.ts"
export * as Report from "./Report.ts"
export * as Review from "./Review.ts"
export * as Rhythm from "./Rhythm.ts"
export * as Roster from "./Roster.ts"
export * as Scan from "./Scan.ts"
export * as Screening from "./Screening.ts"
export * as SheetCell from "./SheetCell.ts"
export * as SheetHeader from "./SheetHeader.ts"
export * as Status from "./Status.ts"
export * as Steps from "./Steps.ts"
export * as Timeline from "./Timeline.ts"
export * as Training from "./Training.ts"
