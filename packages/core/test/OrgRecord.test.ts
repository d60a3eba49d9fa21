import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Event from "../src/Event.ts"
import * as OrgRecord from "../src/OrgRecord.ts"
import * as Policy from "../src/Policy.ts"
import * as Scan from "../src/Scan.ts"
import { instant } from "./eventArbitraries.ts"
import * as F from "./fixtures.ts"

const RUNS = { numRuns: 300 }

describe("OrgRecord.merge", () => {
  const records = fc
    .array(fc.tuple(fc.constantFrom("OrgRegistered", "OrgActivityRecorded", "GuidanceRecorded", "BranchReported"), instant, fc.constantFrom("org-a", "__proto__", "toString")), { maxLength: 8 })
    .map((items) =>
      items.reduce((record, [type, occurredAt, other], i) => {
        const fields =
          type === "OrgRegistered"
            ? { name: "x", kind: "floating-branch", region: "440300" }
            : type === "OrgActivityRecorded"
              ? { activity: Event.OrgActivity.literals[i % Event.OrgActivity.literals.length] }
              : type === "GuidanceRecorded"
                ? { orgId: other, targetOrgId: "org-x", channel: "visit" }
                : { homeOrgId: other }
        const fragment = OrgRecord.fromEvent(F.decode({ eventId: `r-${i}`, type, occurredAt, orgId: "org-x", ...fields })) as OrgRecord.OrgRecord
        return OrgRecord.merge(record, fragment)
      }, OrgRecord.empty("org-x"))
    )
  it("is commutative, associative and idempotent, with ids like __proto__ kept as data", () => {
    fc.assert(
      fc.property(records, records, records, (a, b, c) => {
        assert.deepStrictEqual(OrgRecord.merge(a, b), OrgRecord.merge(b, a))
        assert.deepStrictEqual(OrgRecord.merge(OrgRecord.merge(a, b), c), OrgRecord.merge(a, OrgRecord.merge(b, c)))
        assert.deepStrictEqual(OrgRecord.merge(a, a), a)
        assert.strictEqual(Object.getPrototypeOf(OrgRecord.merge(a, b).guidedBy), Object.prototype)
      }),
      RUNS
    )
  })
})

describe("OrgRecord in the scan", () => {
  it("keeps the first registration, the latest of each activity, guidance by guide and report by home organisation", () => {
    const at = (day: string) => `${day}T09:00:00+08:00`
    const events = [
      F.decode({ eventId: "o-2", type: "OrgRegistered", orgId: "fb", name: "renamed", kind: "floating-branch", region: "440300", occurredAt: at("2025-06-01") }),
      F.decode({ eventId: "o-1", type: "OrgRegistered", orgId: "fb", name: "fb", kind: "floating-branch", region: "440300", occurredAt: at("2025-01-01") }),
      F.decode({ eventId: "a-2", type: "OrgActivityRecorded", orgId: "fb", activity: "theme-day", occurredAt: at("2026-02-01") }),
      F.decode({ eventId: "a-1", type: "OrgActivityRecorded", orgId: "fb", activity: "theme-day", occurredAt: at("2026-03-01") }),
      F.decode({ eventId: "g-1", type: "GuidanceRecorded", orgId: "c-home", targetOrgId: "fb", channel: "visit", occurredAt: at("2026-01-10") }),
      F.decode({ eventId: "r-1", type: "BranchReported", orgId: "fb", homeOrgId: "b-home", occurredAt: at("2025-12-01") })
    ]
    const record = Scan.run(events, { asOf: Date.parse(at("2026-06-30")), policy: Policy.defaults }).records.get("fb")
    assert.deepStrictEqual(record, {
      orgId: "fb",
      registeredAt: Date.parse(at("2025-01-01")),
      activities: { "theme-day": Date.parse(at("2026-03-01")) },
      guidedBy: { "c-home": Date.parse(at("2026-01-10")) },
      reportedTo: { "b-home": Date.parse(at("2025-12-01")) }
    })
    assert.strictEqual(OrgRecord.lastActivityAt(record as OrgRecord.OrgRecord), Date.parse(at("2026-03-01")))
  })
})
