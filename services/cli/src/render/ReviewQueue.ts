/**
 * The review queue (`Review.queue`, 待核实比对清单) as the files a clerk decides in and `relink
 * resolve` reads back (docs/outputs.md#the-review-queue). The workbook is the lists' (Unlinked.ts)
 * written as a form: protected without a password, the clerk's columns unlocked, 结论 a drop-down,
 * and a very hidden sheet saying what the file is. The CSV is the lists' table; the JSON is the
 * queue's own document, every cell a string. The cells are the core's, as it checked them.
 */
import { Effect } from "effect"
import { Instant, type Report, Review } from "@relink/core"
import type { WriteFailed } from "../Errors.ts"
import * as Sink from "../Sink.ts"
import * as Turns from "../Turns.ts"
import * as Json from "./Json.ts"
import type { Context, Form } from "./Unlinked.ts"

/** The queue among the lists: the only list of kind "review" is one `Review.queue` made. */
export const isQueue = (list: Report.List): list is Review.ReviewQueue => list.kind === "review"

/** The name of the very hidden sheet a review workbook is known by. */
export const metaSheet = "relink"

/** The words of 结论's drop-down, in the file's language: each one `Review.decide` reads. */
export const decisionWords: Readonly<Record<Report.Lang, ReadonlyArray<string>>> = {
  zh: ["确认", "否定", "待定"],
  en: ["confirm", "reject", "pending"]
}

const text = {
  zh: {
    title: "结论",
    prompt: "确认：是同一人；否定：不是同一人；待定：还需核实。留空即未核实",
    error: "只能选 确认、否定 或 待定，或留空",
    counts: (listed: number, audited: number, autoLinks: number) =>
      `待核实比对 ${listed} 条` + (audited === 0 ? "" : `；另从 ${autoLinks} 条已自动关联的比对中随机抽查 ${audited} 条`),
    blind: "盲核：不显示吻合概率、逐项比对和类别，以免先入为主；核实结论可用来检验比对规则",
    howTo:
      "填写方法：在各组织工作表的“结论”列选择 确认、否定 或 待定，填写“核实人”“备注”，其余单元格已锁定（工作表保护未设密码，只防误改）。每行的线索编号、党员编号、比对摘要和校验码是该行的凭据：改动任何证据单元格，读回时该行即被拒绝。填好后运行 relink resolve --from 本文件，生成核实结论事件。",
    page: "本页只供查看。核实结论在 XLSX（或 CSV、JSON）清单的“结论”“核实人”“备注”列填写，再由 relink resolve --from 清单文件 读回。"
  },
  en: {
    title: "Decision",
    prompt: "confirm: the same person; reject: not the same person; pending: to check further. Blank: not yet checked",
    error: "Choose confirm, reject or pending, or leave it blank",
    counts: (listed: number, audited: number, autoLinks: number) =>
      `${listed} ${listed === 1 ? "match" : "matches"} to verify` + (audited === 0 ? "" : `; and ${audited} of ${autoLinks} auto-links drawn at random for an audit`),
    blind: "Blind: no probability, field-by-field weights or kind, so as not to anchor the decision; the decisions can then measure the match rule",
    howTo:
      "How to fill it in: on each organisation's sheet choose confirm, reject or pending under Decision and fill in Reviewer and Remark; every other cell is locked (sheet protection without a password: it prevents accidents). Each row's observation id, member id, proposal digest and row check are its key: a row whose evidence was changed is refused when read back. Then run relink resolve --from this file to turn the decisions into events.",
    page: "This page is for reading. Decisions are made in the XLSX (or CSV, JSON) queue, under Decision, Reviewer and Remark, and read back by relink resolve --from the file."
  }
} as const

/** What the queue says of itself, line by line, in the file's language: its counts, and whether it is blind. */
export const about = (queue: Review.ReviewQueue, lang: Report.Lang): ReadonlyArray<string> => {
  const audited = queue.rows.filter((r) => r.queueId === "audit").length
  return [text[lang].counts(queue.rows.length - audited, audited, queue.counts.autoLinks), ...(queue.blind ? [text[lang].blind] : [])]
}

/** Where decisions are made, for the page that only shows the queue. */
export const pageNote = (lang: Report.Lang): string => text[lang].page

/** The workbook as a form: the clerk's columns, 结论's words, how to fill it in, and the metadata `relink resolve` checks. */
export const form = (queue: Review.ReviewQueue, context: Context): Form => {
  const t = text[context.lang]
  return {
    inputs: Review.clerkColumns.map((c) => c.id),
    choices: { column: "decision", words: decisionWords[context.lang], title: t.title, prompt: t.prompt, error: t.error },
    notes: [...about(queue, context.lang), t.howTo],
    meta: {
      sheet: metaSheet,
      rows: [
        ["format", queue.format],
        ["blind", String(queue.blind)],
        ["lang", context.lang],
        ["asOf", Instant.formatCst(queue.asOf)],
        ["rule", queue.basis ?? ""]
      ]
    }
  }
}

/**
 * JSON: `{ format, kind, blind, lang, asOf, basis, …, columns: [ids], rows: [{ id: text }] }`, each
 * row with every column, the clerk's (blank) included, each cell a string as the workbook shows it.
 */
export const writeJson = (queue: Review.ReviewQueue, context: Context, sink: Sink.Sink): Effect.Effect<void, WriteFailed> =>
  Sink.run(sink, async (s) => {
    const head = {
      format: queue.format,
      kind: queue.kind,
      blind: queue.blind,
      lang: context.lang,
      asOf: Instant.formatCst(queue.asOf),
      basis: queue.basis ?? "",
      orgId: queue.orgId ?? null,
      includeSubtree: context.org?.includeSubtree ?? null,
      revealed: context.revealed,
      counts: queue.counts,
      columns: queue.columns.map((c) => c.id)
    }
    s.write(`${Json.stringify(head, 1).slice(0, -2)},\n "rows": [`)
    for (const [i, row] of queue.rows.entries()) {
      s.write(`${i === 0 ? "" : ","}\n  ${Json.stringify(Object.fromEntries(queue.columns.map((c) => [c.id, String(row[c.id] ?? "")])))}`)
      if (Turns.due()) await s.ready()
    }
    s.write("\n ]\n}\n")
    await s.ready()
  })
