/**
 * `relink import --template KIND`: a blank workbook a department fills in and imports. Its first
 * sheet, named as departments name the table (花名册, 流动党员登记表…), has a header row of each
 * field the kind reads, written as the first of the field's known headers (`SheetHeader.variants`),
 * so that the import maps every column without a mapping file. Required columns are marked by a
 * bold red header and a note, never by changing the header's text. Identifier columns are
 * formatted as text (Excel would make an ID number a number and lose its last digits), date columns
 * as dates; words come from drop-down lists, dates and amounts are checked as they are typed. A
 * second sheet, 说明, says what each column takes, in Chinese.
 */
import type ExcelJS from "exceljs"
import { Effect } from "effect"
import { SheetHeader } from "@relink/core"
import * as Layout from "./Layout.ts"

/** What the template's sheet is called: the table's name as departments know it. */
export const sheetNames: Readonly<Record<SheetHeader.Kind, string>> = {
  roster: "花名册",
  floating: "流动党员登记表",
  dues: "党费收缴明细",
  attendance: "组织生活签到表",
  orgs: "党组织"
}

/** The sheet explaining each column. */
export const guideSheet = "说明"

/** The rows a validation covers below the header: every row a worksheet has. */
const LAST_ROW = 1_048_576

type Format = "text" | "date" | "month" | "amount" | "region"

interface Guide {
  /** What to fill in, in Chinese. */
  readonly fill: string
  /** The spellings accepted. */
  readonly accepted: string
  readonly width: number
  readonly format?: Format
  /** The words the column takes, as a drop-down list. */
  readonly words?: ReadonlyArray<string>
}

const DATES = "2023-05-01、2023.5.1、2023/05/01、2023年5月1日，或 Excel 日期"
const PLACE = "以省份开头（四川省成都市武侯区），或以 6 位行政区划代码开头（510107 武侯区）"

/** Each field's column: what it takes and how it is checked. */
const guides: Readonly<Record<SheetHeader.Field, Guide>> = {
  memberId: { fill: "全国党员管理信息系统中的党员编号；没有可不填，由公民身份号码生成", accepted: "文本", width: 16, format: "text" },
  name: { fill: "党员姓名，与居民身份证一致", accepted: "文本；姓名中的空格不计", width: 10 },
  idNumber: { fill: "18 位公民身份号码，末位可为 X", accepted: "文本；不要输入为数字（Excel 只保留 15 位有效数字，后几位会丢失）", width: 22, format: "text" },
  gender: { fill: "性别", accepted: "男、女", width: 8, words: ["男", "女"] },
  birthDate: { fill: "出生日期", accepted: DATES, width: 12, format: "date" },
  joinedAt: { fill: "入党时间（支部大会通过接收为预备党员的日期）", accepted: DATES, width: 12, format: "date" },
  fullAt: { fill: "转正时间；预备党员不填", accepted: DATES, width: 12, format: "date" },
  category: { fill: "人员类别；不填按正式党员", accepted: "正式党员、预备党员", width: 12, words: ["正式党员", "预备党员"] },
  branch: { fill: "所在党支部的全称，与“党组织”表中的组织名称一致", accepted: "文本", width: 24 },
  phone: { fill: "本人手机号码", accepted: "11 位手机号码，文本", width: 14, format: "text" },
  hukou: { fill: "户籍所在地", accepted: PLACE, width: 24 },
  outflowAt: { fill: "外出时间；未外出不填，已返回的清空", accepted: `${DATES}；只知道月份的写 2023年5月`, width: 12, format: "date" },
  destination: { fill: "外出地点（流入地）", accepted: PLACE, width: 24 },
  outflowReason: { fill: "外出原因", accepted: "务工、经商、就学、随迁、其他", width: 10, words: ["务工", "经商", "就学", "随迁", "其他"] },
  duesMonth: { fill: "所缴党费的月份", accepted: "2023-05、2023.05、2023年5月，或该月的任一日期", width: 12, format: "month" },
  paidAt: { fill: "缴纳党费的日期（空白则记为缴费月份的第一天）", accepted: DATES, width: 12, format: "date" },
  amount: { fill: "缴纳金额，单位：元", accepted: "数字，最多两位小数（12.50）", width: 10, format: "amount" },
  activity: { fill: "会议类型", accepted: "支委会、党员大会、党小组会、党课、主题党日、组织生活会、民主评议党员", width: 14, words: ["支委会", "党员大会", "党小组会", "党课", "主题党日", "组织生活会", "民主评议党员"] },
  meetingDate: { fill: "会议日期", accepted: DATES, width: 12, format: "date" },
  attendees: { fill: "参会党员的姓名，多人以顿号（、）或逗号分隔", accepted: "文本", width: 40 },
  orgId: { fill: "党组织编号；没有可不填", accepted: "文本", width: 16, format: "text" },
  orgName: { fill: "党组织全称", accepted: "文本", width: 30 },
  parentOrg: { fill: "上级党组织的全称", accepted: "文本", width: 30 },
  orgKind: { fill: "组织类别", accepted: "党委、党总支、党支部、流动党支部", width: 14, words: ["党委", "党总支", "党支部", "流动党支部"] },
  region: { fill: "党组织所在地的行政区划代码", accepted: "6 位数字（510107），文本", width: 14, format: "region" }
}

const NUMBER_FORMATS: Readonly<Record<Format, string>> = { text: "@", date: "yyyy-mm-dd", month: "yyyy-mm", amount: "0.00", region: "@" }

/** How a column's cells are checked as they are typed; blank is always allowed. */
const validationOf = (header: string, guide: Guide): ExcelJS.DataValidation | undefined => {
  const message = { showInputMessage: true, promptTitle: header, prompt: guide.accepted, showErrorMessage: true, errorStyle: "stop", errorTitle: header, error: `请填写：${guide.accepted}` } as const
  if (guide.words !== undefined) return { type: "list", allowBlank: true, formulae: [`"${guide.words.join(",")}"`], ...message }
  switch (guide.format) {
    case "date":
    case "month":
      // Text such as 2023.5.1 is no date to Excel: the check warns and lets it stand (the import reads it).
      return { type: "date", operator: "between", allowBlank: true, formulae: [new Date(Date.UTC(1900, 0, 1)), new Date(Date.UTC(2099, 11, 31))], ...message, errorStyle: "warning" }
    case "amount":
      return { type: "decimal", operator: "greaterThanOrEqual", allowBlank: true, formulae: [0], ...message }
    case "region":
      return { type: "textLength", operator: "equal", allowBlank: true, formulae: [6], ...message }
    default:
      return undefined
  }
}

const RED = "FFB71C1C"

/** Printed as a form to fill by hand too: A4 landscape, a page wide. */
const PAGE = { orientation: "landscape", paperSize: Layout.PAPER.size, margins: Layout.MARGINS, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } as const

/** exceljs keeps a worksheet's validations by range (its typings know only a cell's): one range covers a column. */
interface Validations {
  readonly add: (range: string, validation: ExcelJS.DataValidation) => unknown
}

const isValidations = (u: unknown): u is Validations => typeof u === "object" && u !== null && "add" in u && typeof u.add === "function"

const validationsOf = (sheet: ExcelJS.Worksheet): Validations => {
  const validations: unknown = Reflect.get(sheet, "dataValidations")
  if (!isValidations(validations)) throw new Error("exceljs's worksheet keeps no data validations by range")
  return validations
}

/** The template for `kind`, as the bytes of an XLSX workbook. */
export const workbook = (kind: SheetHeader.Kind): Effect.Effect<Buffer> =>
  Effect.promise(async () => {
    const { default: Excel } = await import("exceljs")
    const book = new Excel.Workbook()
    book.creator = "relink"
    const { read, required } = SheetHeader.kindFields[kind]
    const columns = read.map((field) => ({ field, header: SheetHeader.variants[field][0] ?? field, guide: guides[field], required: required.includes(field) }))

    const sheet = book.addWorksheet(sheetNames[kind], {
      views: [{ state: "frozen", xSplit: 0, ySplit: 1, topLeftCell: "A2", activeCell: "A2" }],
      pageSetup: { ...PAGE, printTitlesRow: "1:1" }
    })
    sheet.columns = columns.map(({ guide }) => ({
      width: guide.width,
      style: { font: Layout.FONT, ...(guide.format !== undefined && { numFmt: NUMBER_FORMATS[guide.format] }) }
    }))
    const validations = validationsOf(sheet)
    const header = sheet.getRow(1)
    header.height = 22
    columns.forEach(({ header: text, guide, required: isRequired }, i) => {
      const cell = header.getCell(i + 1)
      cell.value = text
      cell.numFmt = "@"
      cell.font = { ...Layout.FONT, bold: isRequired, ...(isRequired && { color: { argb: RED } }) }
      cell.alignment = { vertical: "middle", horizontal: "center" }
      cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFF2F2F2" } }
      cell.border = { bottom: { style: "thin" } }
      cell.note = `${isRequired ? "必填。" : ""}${guide.fill}。格式：${guide.accepted}`
      const validation = validationOf(text, guide)
      const letters = SheetHeader.columnLetters(i)
      if (validation !== undefined) validations.add(`${letters}2:${letters}${LAST_ROW}`, validation)
    })

    const guide = book.addWorksheet(guideSheet, { pageSetup: PAGE })
    guide.columns = [
      { header: "列", width: 6 },
      { header: "表头", width: 16 },
      { header: "必填", width: 6 },
      { header: "填写说明", width: 48 },
      { header: "可接受的格式", width: 56 }
    ].map((c) => ({ ...c, style: { font: Layout.FONT, alignment: { vertical: "top", wrapText: true } } }))
    guide.getRow(1).font = { ...Layout.FONT, bold: true }
    guide.views = [{ state: "frozen", xSplit: 0, ySplit: 1, topLeftCell: "A2", activeCell: "A2" }]
    columns.forEach(({ header: text, guide: g, required: isRequired }, i) => guide.addRow([SheetHeader.columnLetters(i), text, isRequired ? "是" : null, g.fill, g.accepted]))
    guide.addRow([])
    for (const line of [
      `在“${sheetNames[kind]}”表的表头下逐行填写，一人（一条记录）一行；红色粗体的表头为必填列。`,
      "请勿修改表头文字。表头上方可以保留标题行，可以增加其他列（不导入），列的顺序可以调整。",
      "隐藏的行和列照常导入；合并的单元格按其左上角单元格的值导入；合计、小计行不导入。",
      "公民身份号码、联系电话、党员编号、行政区划代码的列已设为文本格式，请勿改为数字格式。",
      `导入：relink import --kind ${kind} --from 文件.xlsx`
    ]) {
      const row = guide.addRow([line])
      guide.mergeCells(row.number, 1, row.number, 5)
      row.alignment = { vertical: "top", wrapText: true }
      row.height = Layout.rowHeight(Layout.lines(line, 6 + 16 + 6 + 48 + 56))
    }
    return Buffer.from(await book.xlsx.writeBuffer())
  })
