import type * as Core from "@relink/core"

export interface Summary {
  readonly events: number
  readonly members: number
  readonly unlinked: number
  readonly statuses: Readonly<Record<string, number>>
  readonly proposals: number
  readonly autoLinks: number
  readonly listRows: number
  readonly maskedIds: boolean
}

export declare const summarise: (core: typeof Core, lines: ReadonlyArray<string>, asOf: string, orgId: string) => Summary
