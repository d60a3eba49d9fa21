/**
 * Header layouts of the spreadsheets departments keep, as a reader gives their rows (cells by
 * column, from A), each with the mapping the import must choose: its header row and the field of
 * each column (letters without a field are not read).
 */
import type * as SheetHeader from "../src/SheetHeader.ts"

export interface Layout {
  readonly name: string
  readonly kind: SheetHeader.Kind
  readonly rows: ReadonlyArray<ReadonlyArray<SheetHeader.Cell>>
  readonly headerRow: number
  readonly fields: Readonly<Record<string, SheetHeader.Field>>
}

export const layouts: ReadonlyArray<Layout> = [
  {
    name: "花名册 with a title row, a 填报单位 row and a 序号 column",
    kind: "roster",
    rows: [
      ["城关镇党委党员花名册"],
      ["填报单位：城关镇党委", undefined, undefined, undefined, undefined, undefined, undefined, "填报日期：2026年11月30日"],
      ["序号", "姓名", "性别", "民族", "出生日期", "公民身份号码", "入党时间", "转正时间", "人员类别", "所在党支部", "联系电话", "户籍所在地", "备注"],
      [1, "张伟", "男", "汉族", 31118, "510107198503120415", "2008.07.01", "2009.07.01", "正式党员", "城关社区党支部", 13812345678, "四川省成都市武侯区", undefined]
    ],
    headerRow: 3,
    fields: {
      B: "name",
      C: "gender",
      E: "birthDate",
      F: "idNumber",
      G: "joinedAt",
      H: "fullAt",
      I: "category",
      J: "branch",
      K: "phone",
      L: "hukou"
    }
  },
  {
    name: "花名册 with 公民身份号码, 出生年月, 所在党组织, 手机号码 and floating columns",
    kind: "roster",
    rows: [
      ["姓名", "公民身份号码", "出生年月", "人员类别", "所在党组织", "手机号码", "外出时间", "外出地点", "外出原因"],
      ["李娜", "510107199007151620", "1990.07", "预备党员", "城关社区党支部", "139 0000 1234", "2025年3月", "广东省深圳市南山区", "务工"]
    ],
    headerRow: 1,
    fields: { A: "name", B: "idNumber", C: "birthDate", D: "category", E: "branch", F: "phone", G: "outflowAt", H: "destination", I: "outflowReason" }
  },
  {
    name: "export of the national system, with its pinyin-initial column names",
    kind: "roster",
    rows: [
      ["RYBH", "XM", "XB", "SFZH", "CSRQ", "RDSJ", "ZZSJ", "RYLB", "SZDZB", "LXDH", "HJSZD"],
      ["P0001", "王芳", "女", "440305197809205134", "1978-09-20", "2001-06-30", "2002-06-30", "正式党员", "城关社区党支部", "13700001111", "440305"]
    ],
    headerRow: 1,
    fields: { A: "memberId", B: "name", C: "gender", D: "idNumber", E: "birthDate", F: "joinedAt", G: "fullAt", H: "category", I: "branch", J: "phone", K: "hukou" }
  },
  {
    name: "export with English headers",
    kind: "roster",
    rows: [
      ["Member ID", "Name", "ID Number", "Gender", "Date of Birth", "Mobile", "Branch", "Category"],
      ["P0002", "Zhao Lei", "520102199511032241", "M", "1995-11-03", "13600002222", "城关社区党支部", "full"]
    ],
    headerRow: 1,
    fields: { A: "memberId", B: "name", C: "idNumber", D: "gender", E: "birthDate", F: "phone", G: "branch", H: "category" }
  },
  {
    name: "CSV with full-width spaces, an asterisk for required columns and a bracketed note",
    kind: "roster",
    rows: [
      ["　姓　名　", "*身份证号码 ", "性 别", "出生日期（格式：2023-05-01）", "＊联系电话", "所在支部", "入党日期"],
      ["陈  静", "５１０１２２１９６８１２２４０３７８", "女", "1968/12/24", "１３５００００３３３３", "城关社区党支部", "1990年7月1日"]
    ],
    headerRow: 1,
    fields: { A: "name", B: "idNumber", C: "gender", D: "birthDate", E: "phone", F: "branch", G: "joinedAt" }
  },
  {
    name: "流动党员登记表 with two title rows and 流入地",
    kind: "floating",
    rows: [
      ["城关镇流动党员登记表"],
      ["（2026年11月）"],
      ["序号", "姓名", "身份证号", "联系电话", "外出时间", "流入地", "外出原因", "所在党支部"],
      [1, "李娜", "510107199007151620", "13900001234", "2025-03-01", "广东省深圳市", "务工", "城关社区党支部"]
    ],
    headerRow: 3,
    fields: { B: "name", C: "idNumber", D: "phone", E: "outflowAt", F: "destination", G: "outflowReason", H: "branch" }
  },
  {
    name: "党费收缴明细 with a title row and a totals row",
    kind: "dues",
    rows: [
      ["2026年城关社区党支部党费收缴明细"],
      ["序号", "姓名", "缴费月份", "金额", "备注"],
      [1, "张伟", "2026-10", 12.5, undefined],
      ["合计", undefined, undefined, 12.5, undefined]
    ],
    headerRow: 2,
    fields: { B: "name", C: "duesMonth", D: "amount" }
  },
  {
    name: "组织生活签到表, one row per meeting",
    kind: "attendance",
    rows: [
      ["会议类型", "会议日期", "参会人员", "所在党支部"],
      ["主题党日", "2026年11月5日", "张伟、李娜、王芳", "城关社区党支部"]
    ],
    headerRow: 1,
    fields: { A: "activity", B: "meetingDate", C: "attendees", D: "branch" }
  },
  {
    name: "组织生活签到表, one row per person",
    kind: "attendance",
    rows: [
      ["城关社区党支部主题党日签到表"],
      ["序号", "姓名", "所在党支部", "会议类型", "会议日期", "签名"],
      [1, "张伟", "城关社区党支部", "主题党日", "2026-11-05", undefined]
    ],
    headerRow: 2,
    fields: { B: "name", C: "branch", D: "activity", E: "meetingDate" }
  },
  {
    name: "党费收缴明细 with 党员编号 and 缴费日期",
    kind: "dues",
    rows: [
      ["党员编号", "姓名", "所在党支部", "缴费月份", "缴费日期", "实缴金额"],
      ["P0001", "张伟", "城关社区党支部", "2026年10月", "2026.10.12", "¥12.50"]
    ],
    headerRow: 1,
    fields: { A: "memberId", B: "name", C: "branch", D: "duesMonth", E: "paidAt", F: "amount" }
  },
  {
    name: "党组织 sheet",
    kind: "orgs",
    rows: [
      ["组织名称", "上级党组织", "组织类别", "行政区划代码"],
      ["城关镇党委", undefined, "党委", "510104"]
    ],
    headerRow: 1,
    fields: { A: "orgName", B: "parentOrg", C: "orgKind", D: "region" }
  }
]
