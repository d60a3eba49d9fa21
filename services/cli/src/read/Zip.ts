/**
 * A zip archive measured before anything inflates it whole: exceljs (through JSZip) inflates every
 * entry of a workbook into memory, so a zip bomb — or an archive whose directory understates what
 * its entries inflate to — must be refused first. Each entry is inflated here with its output
 * bounded by the size the directory declares, and the declared sizes together by the limit.
 */
import { inflateRawSync } from "node:zlib"
import { Result } from "effect"

const LOCAL = 0x04034b50
const CENTRAL = 0x02014b50
const END = 0x06054b50

/** Whether the bytes start as a zip archive does (an XLSX is one). */
export const isZip = (bytes: Uint8Array): boolean => bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0) === LOCAL

export interface Measured {
  readonly entries: number
  /** The bytes the entries inflate to, together. */
  readonly inflated: number
  /** The entries' names, in the directory's order. */
  readonly names: ReadonlyArray<string>
}

/** Why an archive is refused: past the limit (`tooLarge`), or not a zip archive this reader takes. */
export interface Refused {
  readonly tooLarge: boolean
  readonly reason: string
}

const refused = (reason: string, tooLarge = false): Result.Result<Measured, Refused> => Result.fail({ tooLarge, reason })

/**
 * The archive's entries and what they inflate to, verified by inflating each within its declared
 * size; at most `limit` bytes in all. `inspect` sees each entry's inflated content as it is
 * measured (what is in an archive is read once), and may refuse the archive by giving a reason.
 */
export const measure = (zip: Buffer, limit: number, inspect?: (name: string, content: Buffer) => Refused | undefined): Result.Result<Measured, Refused> => {
  // The end record is the last 22 bytes, or before a comment of up to 65,535 bytes.
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]), Math.max(0, zip.length - 22))
  if (end < 0 || end < zip.length - 22 - 0xffff || zip.readUInt32LE(end) !== END) return refused("no zip directory (a truncated or damaged file)")
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  if (count === 0xffff || at === 0xffffffff) return refused("a ZIP64 archive, which no workbook of this size needs", true)
  let inflated = 0
  const names: Array<string> = []
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) return refused(`a damaged zip directory (entry ${i + 1})`)
    const method = zip.readUInt16LE(at + 10)
    const compressed = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString("utf8", at + 46, Math.min(zip.length, at + 46 + nameLength))
    names.push(name)
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
    inflated += size
    if (inflated > limit) return refused(`its entries inflate to more than ${limit} bytes`, true)
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) return refused(`a damaged zip entry (${i + 1})`)
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    if (start + compressed > zip.length) return refused(`a truncated zip entry (${i + 1})`)
    const data = zip.subarray(start, start + compressed)
    if (method === 0) {
      if (compressed !== size) return refused(`a stored zip entry (${i + 1}) whose sizes disagree`)
      const refusal = inspect?.(name, data)
      if (refusal !== undefined) return Result.fail(refusal)
      continue
    }
    if (method !== 8) return refused(`a zip entry (${i + 1}) compressed with method ${method}, not deflate`)
    let content: Buffer
    try {
      // One byte past the declared size is enough to know the directory understates it.
      content = inflateRawSync(data, { maxOutputLength: size + 1 })
    } catch (cause) {
      return cause instanceof RangeError
        ? refused(`a zip entry (${i + 1}) inflates to more than the ${size} bytes its directory declares`, true)
        : refused(`a zip entry (${i + 1}) that does not inflate`)
    }
    if (content.length !== size) return refused(`a zip entry (${i + 1}) inflates to ${content.length} bytes, not the ${size} its directory declares`, content.length > size)
    const refusal = inspect?.(name, content)
    if (refusal !== undefined) return Result.fail(refusal)
  }
  return Result.succeed({ entries: count, inflated, names })
}
