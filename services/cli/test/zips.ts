/** Zip archives built byte by byte, for tests of what a reader refuses: entries whose directory says what it likes. */
import { crc32, deflateRawSync } from "node:zlib"

export interface Entry {
  readonly name: string
  readonly content: Buffer
  /** The size the directory declares inflated (default: the content's). */
  readonly declared?: number
}

/** A zip archive of deflated entries, each declaring its `declared` size. */
export const zipOf = (entries: ReadonlyArray<Entry>): Buffer => {
  const locals: Array<Buffer> = []
  const centrals: Array<Buffer> = []
  let offset = 0
  for (const { name, content, declared = content.length } of entries) {
    const data = deflateRawSync(content)
    const nameBytes = Buffer.from(name)
    const header = (signature: number, size: number): Buffer => {
      const b = Buffer.alloc(size)
      b.writeUInt32LE(signature, 0)
      return b
    }
    const local = header(0x04034b50, 30)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(crc32(content), 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(declared, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = header(0x02014b50, 46)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(crc32(content), 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(declared, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, data)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

