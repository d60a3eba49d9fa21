/**
 * The header of a spreadsheet a department keeps (党员花名册, 流动党员登记表, 党费收缴明细,
 * 组织生活签到表, the national system's exports): which row it is, and which field each column
 * holds. Headers are compared as written after {@link normalize} — full-width forms, stray spaces,
 * a required-field asterisk and a bracketed note (`出生日期（格式：2023-05-01）`) are no part of
 * them — against each field's known variants, Chinese, English and the national system's pinyin
 * initials. The mapping chosen is data, to print; a mapping file overrides it (docs/import.md).
 */
import { Data, Result, Schema } from "effect"
import * as Issues from "./internal/Issues.ts"

/** What a column may hold, by the name the import reads it by. */
export const fields = [
  "memberId",
  "name",
  "idNumber",
  "gender",
  "birthDate",
  "joinedAt",
  "fullAt",
  "category",
  "branch",
  "phone",
  "hukou",
  "outflowAt",
  "destination",
  "outflowReason",
  "duesMonth",
  "amount",
  "paidAt",
  "activity",
  "meetingDate",
  "attendees",
  "orgId",
  "orgName",
  "parentOrg",
  "orgKind",
  "region"
] as const
export type Field = (typeof fields)[number]

/** The spreadsheets `relink import --kind` reads. */
export const kinds = ["roster", "floating", "dues", "attendance", "orgs"] as const
export type Kind = (typeof kinds)[number]

/**
 * Each field's headers as departments write them; the first is the one a template writes. Order
 * within a field does not matter: a header is one field's variant or none.
 */
export const variants: Readonly<Record<Field, ReadonlyArray<string>>> = {
  memberId: ["党员编号", "人员编号", "党员ID", "member id", "memberId", "RYBH"],
  name: ["姓名", "党员姓名", "名字", "name", "XM"],
  idNumber: ["公民身份号码", "身份证号码", "身份证号", "身份证", "证件号码", "居民身份证号码", "ID number", "ID No", "idNumber", "SFZH", "GMSFHM"],
  gender: ["性别", "gender", "sex", "XB"],
  birthDate: ["出生日期", "出生年月", "出生年月日", "birth date", "date of birth", "DOB", "birthDate", "CSRQ"],
  joinedAt: ["入党时间", "入党日期", "入党年月", "joined", "joinedAt", "RDSJ", "RDRQ"],
  fullAt: ["转正时间", "转正日期", "ZZSJ", "ZZRQ"],
  category: ["人员类别", "党员类别", "党籍状态", "类别", "category", "RYLB"],
  branch: ["所在党支部", "所在党组织", "所在支部", "所属党支部", "所属党组织", "支部名称", "组织关系所在党支部", "branch", "SZDZB", "SZDZZ"],
  phone: ["联系电话", "手机号码", "手机号", "手机", "联系方式", "电话", "phone", "mobile", "LXDH", "SJHM"],
  hukou: ["户籍所在地", "户籍地", "户口所在地", "户籍", "hukou", "HJSZD"],
  outflowAt: ["外出时间", "外出日期", "流出时间", "WCSJ"],
  destination: ["外出地点", "流入地", "外出去向", "流向", "流入地点", "destination", "WCDD", "LRD"],
  outflowReason: ["外出原因", "流出原因", "WCYY"],
  duesMonth: ["缴费月份", "缴纳月份", "所属月份", "党费月份", "JFYF"],
  amount: ["金额", "缴纳金额", "实缴金额", "党费金额", "缴费金额", "amount", "JE"],
  paidAt: ["缴费日期", "缴纳日期", "缴费时间", "交纳日期", "JFRQ"],
  activity: ["会议类型", "活动类型", "组织生活类型", "HYLX"],
  meetingDate: ["会议日期", "会议时间", "活动日期", "活动时间", "HYRQ"],
  attendees: ["参会人员", "参加人员", "出席人员", "到会人员", "CHRY"],
  orgId: ["组织编号", "党组织编号", "组织代码", "orgId"],
  orgName: ["组织名称", "党组织名称", "党组织全称", "orgName"],
  parentOrg: ["上级党组织", "上级组织", "上级党组织名称", "parent"],
  orgKind: ["组织类别", "党组织类别", "组织类型"],
  region: ["行政区划代码", "所在地区代码", "区划代码", "region"]
}

/**
 * The fields each kind reads; of these, `required` must have a column (a mapping file may give it
 * one), and so must one field of each `oneOf` group (a sign-in sheet lists 参会人员 in a cell, or a
 * row per person by 姓名).
 */
export const kindFields: Readonly<
  Record<Kind, { readonly required: ReadonlyArray<Field>; readonly oneOf?: ReadonlyArray<ReadonlyArray<Field>>; readonly read: ReadonlyArray<Field> }>
> = {
  roster: {
    required: ["name", "idNumber"],
    read: ["memberId", "name", "idNumber", "gender", "birthDate", "joinedAt", "fullAt", "category", "branch", "phone", "hukou", "outflowAt", "destination", "outflowReason"]
  },
  floating: {
    required: ["name", "idNumber", "outflowAt", "destination"],
    read: ["memberId", "name", "idNumber", "gender", "birthDate", "branch", "phone", "outflowAt", "destination", "outflowReason"]
  },
  dues: { required: ["name", "duesMonth", "amount"], read: ["memberId", "name", "idNumber", "branch", "duesMonth", "amount", "paidAt"] },
  attendance: {
    required: ["activity", "meetingDate"],
    oneOf: [["attendees", "name", "idNumber", "memberId"]],
    read: ["branch", "activity", "meetingDate", "attendees", "memberId", "name", "idNumber"]
  },
  orgs: { required: ["orgName"], read: ["orgId", "orgName", "parentOrg", "orgKind", "region"] }
}

/**
 * A header as compared: NFKC (full-width letters, digits, brackets and the ideographic space
 * become ASCII), a bracketed note and a required-field asterisk removed, every space, `_`, `-`,
 * `.` and trailing colon removed, letters in lower case.
 */
export const normalize = (header: string): string =>
  header
    .normalize("NFKC")
    .replace(/\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕/gu, "")
    .replace(/[\s_\-.*:：※]+/gu, "")
    .toLowerCase()

const fieldByHeader: ReadonlyMap<string, Field> = new Map(fields.flatMap((field) => variants[field].map((v) => [normalize(v), field] as const)))

/** The field a header names, or undefined when it names none (序号, 备注, a blank). */
export const fieldOf = (header: string): Field | undefined => fieldByHeader.get(normalize(header))

/** A column's letters as a spreadsheet shows them, from its index (0 → A, 26 → AA). */
export const columnLetters = (index: number): string => {
  let letters = ""
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters
  return letters
}

/** A cell as the import sees it; the reader gives text, numbers (also Excel's date serials) and booleans. */
export type Cell = string | number | boolean | undefined

/** One column of the header row, and the field it holds (undefined: not read). */
export interface Column {
  /** Its index from 0 (A). */
  readonly index: number
  readonly header: string
  readonly field: Field | undefined
  /** How the field was chosen: by a known variant, by the mapping file, or not at all (`ignored`: a second column for a field, or a field this kind does not read). */
  readonly by: "variant" | "mapping" | "ignored" | "unknown"
}

/** The mapping chosen: the header's row, each column's field, and what the kind requires but no column holds. */
export interface Mapping {
  readonly kind: Kind
  /** The header's row, from 1 as the spreadsheet numbers it. */
  readonly row: number
  readonly columns: ReadonlyArray<Column>
  /** The kind's required fields no column holds (of a `oneOf` group none holds, its first): the sheet cannot be imported until a mapping file names them. */
  readonly missing: ReadonlyArray<Field>
}

/** The rows searched for the header: title rows (单位, 制表日期) sit above it, seldom more than a few. */
export const headerWithin = 10

const textOf = (cell: Cell): string => (cell === undefined ? "" : String(cell))

/** How many distinct fields of the kind a row's cells name: a header names several, a title row or a data row hardly any. */
const score = (cells: ReadonlyArray<Cell>, kind: Kind): number => {
  const read = kindFields[kind].read
  return new Set(cells.map((c) => fieldOf(textOf(c))).filter((f): f is Field => f !== undefined && read.includes(f))).size
}

/** The mapping file: `{"headerRow": 3, "columns": {"身份证号(18位)": "idNumber", "备注": null}}`; a header is matched as {@link normalize}d. */
export const MappingFile = Schema.Struct({
  headerRow: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  columns: Schema.Record(Schema.String, Schema.NullOr(Schema.Literals(fields)))
})
export type MappingFile = typeof MappingFile.Type

/** A mapping file that does not decode, or names a header the sheet does not have. */
export class InvalidMappingFile extends Data.TaggedError("InvalidMappingFile")<{ readonly reason: string }> {}

const decodeMappingFile = Schema.decodeUnknownResult(MappingFile)

/** The mapping file in a parsed JSON value. */
export const parseMappingFile = (json: unknown): Result.Result<MappingFile, InvalidMappingFile> => {
  const decoded = decodeMappingFile(json)
  return Result.isSuccess(decoded)
    ? Result.succeed(decoded.success)
    : Result.fail(new InvalidMappingFile({ reason: `not a mapping file: ${Issues.describe(decoded.failure)}` }))
}

/** No row of the first {@link headerWithin} names two of the kind's fields. */
export class NoHeaderRow extends Data.TaggedError("NoHeaderRow")<{ readonly reason: string }> {}

/** The header row: given by the mapping file, else the first of the highest-scoring rows, which must name at least two fields. */
const headerRowOf = (rows: ReadonlyArray<ReadonlyArray<Cell>>, kind: Kind, given: number | undefined): Result.Result<number, NoHeaderRow> => {
  if (given !== undefined) {
    return given <= rows.length ? Result.succeed(given) : Result.fail(new NoHeaderRow({ reason: `the mapping file's headerRow ${given} is past the sheet's last row (${rows.length})` }))
  }
  let best = 0
  let bestScore = 1
  rows.slice(0, headerWithin).forEach((cells, i) => {
    const s = score(cells, kind)
    if (s > bestScore) {
      best = i + 1
      bestScore = s
    }
  })
  return best === 0
    ? Result.fail(new NoHeaderRow({ reason: `none of the first ${headerWithin} rows names two of the ${kind} sheet's columns (${kindFields[kind].required.map((f) => variants[f][0]).join(", ")})` }))
    : Result.succeed(best)
}

/**
 * The mapping for a sheet's rows: the header row found by scoring (or the mapping file's), each
 * column's field by its header (the mapping file's choice first), the leftmost column winning a
 * field two columns name. Fails when no header row is found or the mapping file names a header
 * the row does not have; a required field without a column is `missing`, not a failure, so the
 * mapping can be printed whole.
 */
export const map = (rows: ReadonlyArray<ReadonlyArray<Cell>>, kind: Kind, file?: MappingFile): Result.Result<Mapping, NoHeaderRow | InvalidMappingFile> => {
  const row = headerRowOf(rows, kind, file?.headerRow)
  if (Result.isFailure(row)) return Result.fail(row.failure)
  const headers = (rows[row.success - 1] ?? []).map(textOf)
  const chosen = new Map<string, Field | null>()
  for (const [header, field] of Object.entries(file?.columns ?? {})) chosen.set(normalize(header), field)
  const unmatched = [...chosen.keys()].filter((h) => !headers.some((header) => normalize(header) === h))
  if (unmatched.length > 0) {
    return Result.fail(new InvalidMappingFile({ reason: `the header row (row ${row.success}) has no column ${unmatched.map((h) => JSON.stringify(h)).join(", ")}` }))
  }
  const read = kindFields[kind].read
  const taken = new Set<Field>()
  const columns = headers.map((header, index): Column => {
    const key = normalize(header)
    const byFile = chosen.get(key)
    const field = chosen.has(key) ? (byFile ?? undefined) : fieldOf(header)
    const by = chosen.has(key) ? "mapping" : field === undefined ? "unknown" : "variant"
    if (field === undefined || taken.has(field) || (by === "variant" && !read.includes(field))) {
      return { index, header, field: undefined, by: field === undefined ? by : "ignored" }
    }
    taken.add(field)
    return { index, header, field, by }
  })
  const missing = [
    ...kindFields[kind].required.filter((f) => !taken.has(f)),
    ...(kindFields[kind].oneOf ?? []).filter((group) => !group.some((f) => taken.has(f))).flatMap((group) => group.slice(0, 1))
  ]
  return Result.succeed({ kind, row: row.success, columns, missing })
}

/** The column index of each field the mapping reads. */
export const indexes = (mapping: Mapping): Partial<Record<Field, number>> => {
  const out: Partial<Record<Field, number>> = {}
  for (const column of mapping.columns) if (column.field !== undefined) out[column.field] = column.index
  return out
}

/** A missing field and the fields that may stand in for it (its `oneOf` group). */
const alternatives = (kind: Kind, field: Field): ReadonlyArray<Field> => kindFields[kind].oneOf?.find((group) => group[0] === field) ?? [field]

/** The mapping as lines to print: `C 公民身份号码 → idNumber`, `A 序号 (not read)`, then what is missing. */
export const describe = (mapping: Mapping): ReadonlyArray<string> => [
  `header row ${mapping.row}`,
  ...mapping.columns
    .filter((c) => c.header.trim() !== "")
    .map((c) => `${columnLetters(c.index)} ${c.header.trim()} → ${c.field ?? (c.by === "ignored" ? "(ignored: read from another column, or not read for this kind)" : "(not read)")}${c.by === "mapping" ? " (mapping file)" : ""}`),
  ...(mapping.missing.length === 0 ? [] : [`missing: ${mapping.missing.map((f) => alternatives(mapping.kind, f).map((a) => `${a} (${variants[a][0]})`).join(" or ")).join(", ")}`])
]
