/**
 * Every threshold of the contact rules, with its default and the article each rule rests on
 * (docs/rules.md). A deployment may override any field (decode a partial object with `Policy.decode`);
 * months are calendar months in China Standard Time.
 */
import { Effect, Schema } from "effect"
import * as EarlyWarning from "./EarlyWarning.ts"
import * as Shipped from "./internal/ShippedWarning.ts"

const positive = (what: string) =>
  Schema.Number.check(Schema.makeFilter<number>((n) => (Number.isInteger(n) && n >= 1) || `${what} must be a whole number ≥ 1`))

const field = (what: string, fallback: number) =>
  positive(what).pipe(Schema.withDecodingDefaultKey(Effect.succeed(fallback)))

export const Policy = Schema.Struct({
  /**
   * 流动党员: away from the own branch for ≥ 6 consecutive months without transferring the
   * relationship. Source: 中办《关于进一步加强和改进流动党员管理工作的意见》(2024).
   */
  floatingAfterMonths: field("floatingAfterMonths", 6),
  /**
   * Away ≥ 6 months at a relatively fixed place (地点相对固定): the relationship should be
   * transferred. Source: 《中国共产党党员教育管理工作条例》(2019) art. 25.
   */
  transferRequiredAfterMonths: field("transferRequiredAfterMonths", 6),
  /** Validity of a transfer letter (介绍信) when the event names none. Source: 组通字〔2006〕45号. */
  transferValidDays: field("transferValidDays", 30),
  /** A transfer letter is never valid for longer than this. Source: 组通字〔2006〕45号. */
  transferMaxValidDays: field("transferMaxValidDays", 90),
  /** No contact for this long: 联系预警. Quarterly contact is common local practice. */
  contactWarningMonths: field("contactWarningMonths", 3),
  /** No contact for this long: 失联. Source: 《党员教育管理工作条例》 art. 24. */
  lostAfterMonths: field("lostAfterMonths", 6),
  /**
   * 停止党籍 may be decided for a lost member only after 多方查找 failed: at least this many failed
   * search attempts since the last contact… Source: 条例 art. 24; the counts are local policy.
   */
  suspensionMinFailedSearches: field("suspensionMinFailedSearches", 3),
  /** …over at least this many distinct search channels. Local policy under 条例 art. 24. */
  suspensionMinSearchChannels: field("suspensionMinSearchChannels", 2),
  /** 停止党籍 for this long and still unreachable: 除名 (按自行脱党). Source: 条例 art. 24. */
  removalAfterSuspensionMonths: field("removalAfterSuspensionMonths", 24),
  /**
   * This many consecutive months without 组织生活, or without 党费, without good reason: 自行脱党
   * review. Source: 《中国共产党章程》 art. 9. Counted per channel.
   */
  article9Months: field("article9Months", 6),
  /** A floating member should 报到 at the 流入地 within this grace. Source: 2024 意见; local policy. */
  inflowRegistrationGraceDays: field("inflowRegistrationGraceDays", 30),
  /** A lost member whose last contact is this old escalates to the parent organisation (local policy). */
  escalationAfterMonths: field("escalationAfterMonths", 12),
  /**
   * Floating party organisations (`BranchHealth`): the longest a 支部委员会会议 may wait. Source:
   * 《中国共产党支部工作条例（试行）》第十二条 (一般每月召开1次).
   */
  committeeMeetingMonths: field("committeeMeetingMonths", 1),
  /** …a 党员大会. Source: 支部工作条例 第十一条 (一般每季度召开1次). */
  membersMeetingMonths: field("membersMeetingMonths", 3),
  /** …a 党小组会. Source: 支部工作条例 第十三条 (一般每月召开1次). */
  groupMeetingMonths: field("groupMeetingMonths", 1),
  /** …a 主题党日. Common practice (每月相对固定1天). */
  themeDayMonths: field("themeDayMonths", 1),
  /** …a 组织生活会. Common practice (每年至少1次). */
  lifeMeetingMonths: field("lifeMeetingMonths", 12),
  /** …a 民主评议党员. Common practice (每年1次). */
  democraticReviewMonths: field("democraticReviewMonths", 12),
  /** No activity of any kind for this long: the organisation is 失管. Local practice (通报批评). */
  branchDormantMonths: field("branchDormantMonths", 3),
  /**
   * No guidance (联系指导) from the 流出地 committee for this long. No document gives a frequency;
   * local practice is quarterly.
   */
  guidanceMonths: field("guidanceMonths", 3),
  /**
   * No report (通报) to a member's home organisation for this long. The 2024 意见 asks for it and
   * gives no frequency; relink's default follows the yearly 民主评议.
   */
  branchReportMonths: field("branchReportMonths", 12),
  /**
   * 联系节律预警: the early-warning model (`EarlyWarning`), fitted on a deployment's history by
   * `relink train`. The default is fitted on the simulation (docs/early-warning.md). It never changes
   * a status.
   */
  earlyWarning: EarlyWarning.Model.pipe(Schema.withDecodingDefaultKey(Effect.succeed(Shipped.model)))
})
export type Policy = typeof Policy.Type

/** The defaults (docs/rules.md). */
export const defaults: Policy = Schema.decodeUnknownSync(Policy)({})

/** The policy with the early-warning model of a rule file, when it has one (`relink train` writes it there). */
export const withModel = (policy: Policy, model: EarlyWarning.Model | undefined): Policy =>
  model === undefined || model === policy.earlyWarning ? policy : { ...policy, earlyWarning: model }

/** Decodes a deployment's overrides; absent fields take the defaults. */
export const decode = Schema.decodeUnknownResult(Policy)

/** The rules a status, flag or reason can rest on, with their sources (shown in reports as 依据). */
export const rules = {
  "lost-contact": { zh: "失去联系满6个月", en: "no contact for 6 months", source: "《党员教育管理工作条例》第二十四条" },
  "contact-warning": { zh: "3个月未联系", en: "no contact for 3 months", source: "地方工作惯例（每季度至少联系一次）" },
  "transfer-overdue": { zh: "组织关系介绍信已过有效期仍未报到", en: "transfer letter expired before the member reported", source: "组通字〔2006〕45号" },
  "transfer-open": { zh: "组织关系转接中，转出党组织继续负责", en: "transfer open; the sending organisation stays responsible", source: "《党员教育管理工作条例》第二十五条" },
  "floating-unregistered": { zh: "外出后逾期未到流入地党组织报到", en: "away without registering at the destination organisation", source: "中办《关于进一步加强和改进流动党员管理工作的意见》(2024)" },
  "floating-registered": { zh: "外出流动，已在流入地党组织报到", en: "away and registered at the destination organisation", source: "《党员教育管理工作条例》第三十二至三十四条" },
  "floating-member": { zh: "外出连续6个月以上未转组织关系，属流动党员", en: "away ≥ 6 months without transferring: a floating member", source: "中办《关于进一步加强和改进流动党员管理工作的意见》(2024)" },
  "transfer-required": { zh: "在相对固定地点外出满6个月，应转移组织关系", en: "away ≥ 6 months at a fixed place: the relationship should be transferred", source: "《党员教育管理工作条例》第二十五条" },
  "suspension-eligible": { zh: "失联满6个月且多方查找未果，可按规定停止党籍", en: "lost ≥ 6 months and searches failed: suspension may be decided", source: "《党员教育管理工作条例》第二十四条" },
  "cancel-probation-eligible": { zh: "预备党员失联，可取消预备党员资格", en: "lost probationary member: probation may be cancelled", source: "处置惯例" },
  "suspended": { zh: "已停止党籍", en: "membership suspended", source: "《党员教育管理工作条例》第二十四条" },
  "removal-due": { zh: "停止党籍满2年仍无法取得联系，可按自行脱党予以除名", en: "suspended 2 years and still unreachable: removal is due", source: "《党员教育管理工作条例》第二十四条" },
  "removed": { zh: "已除名", en: "removed", source: "《党员教育管理工作条例》第二十四条" },
  "ended": { zh: "党员身份已终止（去世、出党或取消预备党员资格）", en: "membership ended (deceased, left, or probation cancelled)", source: "《中国共产党章程》" },
  "article9-review": { zh: "连续6个月未参加组织生活或未交纳党费", en: "6 months without organisational life or without dues", source: "《中国共产党章程》第九条" },
  "escalated": { zh: "失联满12个月，上级党组织督促查找", en: "lost for 12 months: escalated to the parent organisation", source: "地方工作惯例" },
  "assisting": { zh: "流入地党组织协助管理", en: "the destination organisation assists", source: "《党员教育管理工作条例》第三十四条" },
  "early-warning": { zh: "超出本人联系节律未联系，提前预警", en: "silent far longer than the member's own contact rhythm", source: "联系节律预警（本系统，不改变状态）" },
  "data-quality": { zh: "登记信息有误，需核对更正", en: "the registration has errors to correct", source: "登记信息核查（GB 11643-1999《公民身份号码》等）" }
} as const satisfies Record<string, { readonly zh: string; readonly en: string; readonly source: string }>

export type RuleId = keyof typeof rules
export const RuleId = Schema.declare((u: unknown): u is RuleId => typeof u === "string" && Object.hasOwn(rules, u), {
  expected: "a rule id of Policy.rules"
})
