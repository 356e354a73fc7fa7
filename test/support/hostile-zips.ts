import { randomBytes } from "node:crypto";
import { crc32, deflateRawSync } from "node:zlib";

/**
 * ZIP archives as an attacker writes them, byte by byte: many entries, bombs, overlapping entries,
 * broken directories, hostile names. Written with Buffer operations (a ZIP library would refuse most of
 * them, and would build a million entries one object at a time). Format: PKWARE APPNOTE 6.3.
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
/** 1980-01-01 00:00 in MS-DOS format. */
const DOS_DATE = 0x0021;

/** One entry as it is written: `data` are the stored bytes (deflated when `method` is 8), before encryption. */
export interface ZipEntry {
  /** A string is written as UTF-8 (and flagged so); a Buffer as raw bytes, e.g. not UTF-8 at all. */
  name: string | Buffer;
  data: Buffer;
  method: 0 | 8;
  /** CRC-32 and size of the content once inflated (what the headers claim). */
  crc: number;
  uncompressedSize: number;
}

export interface ArchiveOptions {
  /** Encrypts every entry with traditional PKWARE encryption (ZipCrypto), as `zip -e -P` does. */
  password?: string;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
/** One byte into a raw CRC-32 state (no pre- or post-inversion), as ZipCrypto's key schedule uses it. */
const crcUpdate = (crc: number, byte: number) => (CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)) >>> 0;

/** ZipCrypto (APPNOTE 6.1): a 12-byte header whose last byte is the CRC's high byte, then the data, both encrypted. */
function zipCrypto(password: string, crc: number, data: Buffer): Buffer {
  let k0 = 0x12345678;
  let k1 = 0x23456789;
  let k2 = 0x34567890;
  const update = (byte: number) => {
    k0 = crcUpdate(k0, byte);
    k1 = (Math.imul((k1 + (k0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    k2 = crcUpdate(k2, k1 >>> 24);
  };
  for (const byte of Buffer.from(password)) update(byte);
  const header = randomBytes(12);
  header[11] = crc >>> 24;
  const plain = Buffer.concat([header, data]);
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const temp = (k2 | 2) & 0xffff;
    out[i] = plain[i]! ^ ((Math.imul(temp, temp ^ 1) >>> 8) & 0xff);
    update(plain[i]!);
  }
  return out;
}

const nameBytes = (name: string | Buffer) => (typeof name === "string" ? Buffer.from(name, "utf8") : name);

/** An entry's local header and central record, for `stored` bytes (already encrypted when `encrypted`). */
function headers(entry: ZipEntry, stored: Buffer, encrypted: boolean, localHeaderOffset: number): { local: Buffer; central: Buffer } {
  const name = nameBytes(entry.name);
  const flags = (encrypted ? FLAG_ENCRYPTED : 0) | (typeof entry.name === "string" ? FLAG_UTF8 : 0);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(LOCAL_HEADER, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(entry.method, 8);
  local.writeUInt16LE(DOS_DATE, 12);
  local.writeUInt32LE(entry.crc >>> 0, 14);
  local.writeUInt32LE(stored.length, 18);
  local.writeUInt32LE(entry.uncompressedSize, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(CENTRAL_HEADER, 0);
  central.writeUInt16LE(0x031e, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(entry.method, 10);
  central.writeUInt16LE(DOS_DATE, 14);
  central.writeUInt32LE(entry.crc >>> 0, 16);
  central.writeUInt32LE(stored.length, 20);
  central.writeUInt32LE(entry.uncompressedSize, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(localHeaderOffset, 42);
  return { local: Buffer.concat([local, name]), central: Buffer.concat([central, name]) };
}

/** A ZIP archive of these entries (with a ZIP64 end record when it has more than 65,535). */
export function zipArchive(entries: ZipEntry[], options: ArchiveOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const stored = options.password ? zipCrypto(options.password, entry.crc, entry.data) : entry.data;
    const written = headers(entry, stored, Boolean(options.password), offset);
    parts.push(written.local, stored);
    central.push(written.central);
    offset += written.local.length + stored.length;
  }
  const directory = Buffer.concat(central);
  return Buffer.concat([...parts, directory, endRecords(entries.length, directory.length, offset)]);
}

/** The end-of-central-directory record, preceded by the ZIP64 record and locator when the count needs them. */
function endRecords(count: number, directorySize: number, directoryOffset: number): Buffer {
  const zip64 = count > 0xffff || directorySize > 0xfffffffe || directoryOffset > 0xfffffffe;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(zip64 ? 0xffff : count, 8);
  end.writeUInt16LE(zip64 ? 0xffff : count, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : directorySize, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : directoryOffset, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(ZIP64_END, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(directorySize), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}

/** An entry holding `content`, deflated. */
export function deflated(name: string | Buffer, content: Buffer): ZipEntry {
  return { name, data: deflateRawSync(content, { level: 9 }), method: 8, crc: crc32(content), uncompressedSize: content.length };
}

const zeroStreams = new Map<number, ZipEntry>();

/** An entry of `size` zero bytes, deflated about 1,000 to 1 (made once per size). */
export function zeros(name: string, size: number): ZipEntry {
  let entry = zeroStreams.get(size);
  if (!entry) zeroStreams.set(size, (entry = deflated("", Buffer.alloc(size))));
  return { ...entry, name };
}

/**
 * An archive of `count` empty entries whose end record is ZIP64 (the many-entries attack). With
 * `localHeaders`, each entry has its own local header (about 92 bytes an entry); without, every
 * central record points at one shared local header, so a million entries fit in about 47 MB.
 */
export function manyEmptyEntries(count: number, { localHeaders }: { localHeaders: boolean }): Buffer {
  const NAME = 8;
  const localSize = 30 + NAME;
  const centralSize = 46 + (localHeaders ? NAME : 1);
  const locals = localHeaders ? count : 1;
  const directoryOffset = locals * localSize;
  const directorySize = count * centralSize;
  const out = Buffer.alloc(directoryOffset + directorySize);
  const local = Buffer.alloc(localSize);
  local.writeUInt32LE(LOCAL_HEADER, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(DOS_DATE, 12);
  local.writeUInt16LE(NAME, 26);
  const record = Buffer.alloc(centralSize);
  record.writeUInt32LE(CENTRAL_HEADER, 0);
  record.writeUInt16LE(0x031e, 4);
  record.writeUInt16LE(20, 6);
  record.writeUInt16LE(DOS_DATE, 14);
  record.writeUInt16LE(localHeaders ? NAME : 1, 28);
  record.write("e", 46, "latin1");
  if (!localHeaders) {
    local.write("e".padEnd(NAME, "_"), 30, "latin1");
    local.copy(out, 0);
    // A million identical records pointing at offset 0: one native fill.
    out.fill(record, directoryOffset);
  } else {
    for (let i = 0; i < count; i++) {
      const name = i.toString(36).padStart(NAME, "0");
      local.write(name, 30, "latin1");
      local.copy(out, i * localSize);
      record.write(name, 46, "latin1");
      record.writeUInt32LE(i * localSize, 42);
      record.copy(out, directoryOffset + i * centralSize);
    }
  }
  return Buffer.concat([out, endRecords(count, directorySize, directoryOffset)]);
}

/**
 * 42.zip in spirit: `levels` of archives, each holding `width` deflated copies of the one below; at
 * the bottom `width` entries of `zeroBytes` zeros. The outer archive is encrypted with `password`.
 */
export function nestedBomb({ levels, width, zeroBytes, password }: { levels: number; width: number; zeroBytes: number; password?: string }): Buffer {
  let archive = zipArchive(Array.from({ length: width }, (_, i) => zeros(`zeros-${i}.bin`, zeroBytes)));
  for (let level = 1; level < levels; level++) {
    const inner = deflated("", archive);
    archive = zipArchive(
      Array.from({ length: width }, (_, i) => ({ ...inner, name: `level-${level}-${i}.zip` })),
      level === levels - 1 ? { password } : {},
    );
  }
  return archive;
}

/**
 * Overlapping entries ("a better zip bomb"): one deflated kernel of `kernelBytes` zeros written once,
 * and `count` central records that all claim it: each points at the first local header, or (`into`)
 * a few bytes inside it, so that local headers lie within one another.
 */
export function overlappingEntries(count: number, { password, kernelBytes, into = false }: { password?: string; kernelBytes: number; into?: boolean }): Buffer {
  const kernel = zeros("kernel.bin", kernelBytes);
  const stored = password ? zipCrypto(password, kernel.crc, kernel.data) : kernel.data;
  const first = headers(kernel, stored, Boolean(password), 0);
  // Same name as the shared local header, so that only the overlap is wrong (and, `into`, the headers it lands on).
  const records = Array.from({ length: count }, (_, i) => headers(kernel, stored, Boolean(password), into ? (i * 7) % first.local.length : 0).central);
  const directory = Buffer.concat(records);
  const directoryOffset = first.local.length + stored.length;
  return Buffer.concat([first.local, stored, directory, endRecords(count, directory.length, directoryOffset)]);
}

/** The offset of the end-of-central-directory record (searched from the end, as readers do). */
export function endRecordOffset(zip: Buffer): number {
  return zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
}
