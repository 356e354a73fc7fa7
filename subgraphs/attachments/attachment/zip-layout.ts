/*
 * The end of a ZIP archive, read by byte ranges before any parser sees it: the end-of-central-directory
 * record (EOCD), and for ZIP64 its locator and the ZIP64 EOCD record. They say how many entries the
 * archive has and how large its central directory is, which is all a hostile archive needs to make a
 * parser build a million objects. Layout (APPNOTE 4.3.14-4.3.16):
 *
 *   ... [central directory] [ZIP64 EOCD record] [ZIP64 EOCD locator] [EOCD] [comment]
 */

/** Why an archive is refused before or during inspection: stable, for programs (`extensions.reason`). */
export type ArchiveRefusalReason = "too_many_entries" | "central_directory_too_large" | "malformed_archive" | "unsafe_entry_name" | "inspection_failed" | "inspection_timeout";

export interface ArchiveRefusal {
  reason: ArchiveRefusalReason;
  /** For people: what is wrong with the archive, without the file name. */
  detail: string;
}

/** The most an archive may declare before it is refused unread. */
export interface ArchiveLimits {
  maxEntries: number;
  maxCentralDirectoryBytes: number;
}

export type ZipLayout =
  /** An archive whose end records are consistent and within the limits. */
  | { kind: "zip"; entries: number; centralDirectoryOffset: number; centralDirectorySize: number }
  /** No end-of-central-directory record at all: not a ZIP archive. */
  | { kind: "not_zip" }
  | ({ kind: "refused" } & ArchiveRefusal);

/** Reads `length` bytes at `start` (fewer only at the end of the object). */
export type RangeRead = (start: number, length: number) => Promise<Uint8Array>;

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const EOCD_LENGTH = 22;
const ZIP64_LOCATOR_LENGTH = 20;
const ZIP64_EOCD_LENGTH = 56;
/** A central directory header without name, extra field or comment. */
const MIN_CENTRAL_HEADER_LENGTH = 46;
const MAX_COMMENT_LENGTH = 0xffff;
const U16_SATURATED = 0xffff;
const U32_SATURATED = 0xffffffff;

function malformed(detail: string): ZipLayout {
  return { kind: "refused", reason: "malformed_archive", detail };
}

/** A little-endian view of bytes read from the archive. */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function uint64(data: DataView, offset: number): bigint {
  return data.getBigUint64(offset, true);
}

/** The last EOCD whose comment ends exactly at the end of the file: the one every ZIP reader takes. */
async function findEndRecord(read: RangeRead, size: number): Promise<{ offset: number; record: DataView } | "truncated" | null> {
  const tailLength = Math.min(size, EOCD_LENGTH + MAX_COMMENT_LENGTH);
  const tailStart = size - tailLength;
  const tail = await read(tailStart, tailLength);
  if (tail.length !== tailLength) return "truncated";
  const data = view(tail);
  let sawSignature = false;
  // From the last four bytes on, so that a record cut short by the end of the file is seen, and refused.
  for (let index = tail.length - 4; index >= 0; index--) {
    if (data.getUint32(index, true) !== EOCD_SIGNATURE) continue;
    if (index + EOCD_LENGTH <= tail.length && index + EOCD_LENGTH + data.getUint16(index + 20, true) === tail.length) {
      return { offset: tailStart + index, record: view(tail.subarray(index, index + EOCD_LENGTH)) };
    }
    sawSignature = true;
  }
  return sawSignature ? "truncated" : null;
}

interface EndValues {
  disk: number;
  directoryDisk: number;
  entriesOnDisk: bigint;
  entries: bigint;
  directorySize: bigint;
  directoryOffset: bigint;
  /** Where the central directory must end: the ZIP64 EOCD record, or the EOCD. */
  directoryEnd: number;
}

/** The ZIP64 EOCD record the locator before the EOCD points at, checked against the EOCD's own (32-bit) values. */
async function readZip64(read: RangeRead, endOffset: number, classic: EndValues, required: boolean): Promise<EndValues | ZipLayout> {
  const locatorOffset = endOffset - ZIP64_LOCATOR_LENGTH;
  const locatorBytes = locatorOffset >= 0 ? await read(locatorOffset, ZIP64_LOCATOR_LENGTH) : new Uint8Array(0);
  const locator = locatorBytes.length === ZIP64_LOCATOR_LENGTH ? view(locatorBytes) : null;
  if (!locator || locator.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) {
    return required ? malformed("its end record needs a ZIP64 end record, but the ZIP64 locator is missing") : classic;
  }
  if (locator.getUint32(4, true) !== 0 || locator.getUint32(16, true) !== 1) return malformed("it spans several disks");
  const recordOffset = uint64(locator, 8);
  if (recordOffset + BigInt(ZIP64_EOCD_LENGTH) > BigInt(locatorOffset)) return malformed("its ZIP64 end record lies beyond its locator or is truncated");
  const offset = Number(recordOffset);
  const recordBytes = await read(offset, ZIP64_EOCD_LENGTH);
  const record = view(recordBytes);
  if (recordBytes.length !== ZIP64_EOCD_LENGTH || record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
    return malformed("its ZIP64 locator does not point at a ZIP64 end record");
  }
  // The record's size field counts what follows the first 12 bytes; it must end where the locator starts.
  if (BigInt(offset) + 12n + uint64(record, 4) !== BigInt(locatorOffset)) return malformed("its ZIP64 end record does not end at its locator");
  const zip64: EndValues = {
    disk: record.getUint32(16, true),
    directoryDisk: record.getUint32(20, true),
    entriesOnDisk: uint64(record, 24),
    entries: uint64(record, 32),
    directorySize: uint64(record, 40),
    directoryOffset: uint64(record, 48),
    directoryEnd: offset,
  };
  const disagrees =
    (classic.disk !== U16_SATURATED && classic.disk !== zip64.disk) ||
    (classic.directoryDisk !== U16_SATURATED && classic.directoryDisk !== zip64.directoryDisk) ||
    (classic.entriesOnDisk !== BigInt(U16_SATURATED) && classic.entriesOnDisk !== zip64.entriesOnDisk) ||
    (classic.entries !== BigInt(U16_SATURATED) && classic.entries !== zip64.entries) ||
    (classic.directorySize !== BigInt(U32_SATURATED) && classic.directorySize !== zip64.directorySize) ||
    (classic.directoryOffset !== BigInt(U32_SATURATED) && classic.directoryOffset !== zip64.directoryOffset);
  return disagrees ? malformed("its ZIP64 end record disagrees with its end record") : zip64;
}

/**
 * Reads and checks the end records of a `size`-byte object: at most three small reads from its end,
 * plus four bytes at the start of the central directory. Refuses an archive that declares more
 * entries or a larger central directory than `limits` allow, and one whose records contradict each
 * other or the file (a central directory past the end of the file, overlapping the end records, or
 * not where they say). It parses no entry.
 */
export async function readZipLayout(read: RangeRead, size: number, limits: ArchiveLimits): Promise<ZipLayout> {
  if (size < EOCD_LENGTH) return { kind: "not_zip" };
  const end = await findEndRecord(read, size);
  if (end === null) return { kind: "not_zip" };
  if (end === "truncated") return malformed("its end-of-central-directory record is truncated or followed by other bytes");
  const { record } = end;
  const classic: EndValues = {
    disk: record.getUint16(4, true),
    directoryDisk: record.getUint16(6, true),
    entriesOnDisk: BigInt(record.getUint16(8, true)),
    entries: BigInt(record.getUint16(10, true)),
    directorySize: BigInt(record.getUint32(12, true)),
    directoryOffset: BigInt(record.getUint32(16, true)),
    directoryEnd: end.offset,
  };
  const needsZip64 =
    classic.disk === U16_SATURATED ||
    classic.directoryDisk === U16_SATURATED ||
    classic.entriesOnDisk === BigInt(U16_SATURATED) ||
    classic.entries === BigInt(U16_SATURATED) ||
    classic.directorySize === BigInt(U32_SATURATED) ||
    classic.directoryOffset === BigInt(U32_SATURATED);
  // Some writers add ZIP64 records to every archive: when a locator is there, it is read and must agree.
  const values = await readZip64(read, end.offset, classic, needsZip64);
  if ("kind" in values) return values;

  if (values.entries > BigInt(limits.maxEntries)) {
    return { kind: "refused", reason: "too_many_entries", detail: `it declares ${values.entries} entries, more than the ${limits.maxEntries} allowed` };
  }
  if (values.directorySize > BigInt(limits.maxCentralDirectoryBytes)) {
    return {
      kind: "refused",
      reason: "central_directory_too_large",
      detail: `its central directory is ${values.directorySize} bytes, more than the ${limits.maxCentralDirectoryBytes} allowed`,
    };
  }
  if (values.disk !== 0 || values.directoryDisk !== 0) return malformed("it spans several disks");
  if (values.entriesOnDisk !== values.entries) return malformed("its end record counts its entries in two different ways");
  // Within the limits checked above, every remaining value fits a Number exactly.
  const entries = Number(values.entries);
  const directorySize = Number(values.directorySize);
  const directoryOffset = values.directoryOffset;
  if (directoryOffset + values.directorySize > BigInt(size)) return malformed("its central directory extends beyond the end of the file");
  if (directoryOffset + values.directorySize > BigInt(values.directoryEnd)) return malformed("its central directory overlaps its end records");
  if (directoryOffset + values.directorySize < BigInt(values.directoryEnd)) return malformed("other bytes lie between its central directory and its end records");
  if (entries * MIN_CENTRAL_HEADER_LENGTH > directorySize) return malformed("it declares more entries than its central directory can hold");
  const centralDirectoryOffset = Number(directoryOffset);
  if (entries > 0) {
    const first = await read(centralDirectoryOffset, 4);
    if (first.length !== 4 || view(first).getUint32(0, true) !== CENTRAL_HEADER_SIGNATURE) return malformed("its central directory does not start where its end record says");
  }
  return { kind: "zip", entries, centralDirectoryOffset, centralDirectorySize: directorySize };
}
