import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { describe, expect, it } from "vitest";
import { readZipLayout, type RangeRead } from "./zip-layout.js";

const LIMITS = { maxEntries: 10_000, maxCentralDirectoryBytes: 4 * 1024 * 1024 };

function reader(bytes: Buffer, log: { start: number; length: number }[] = []): RangeRead {
  return async (start, length) => {
    log.push({ start, length });
    return bytes.subarray(start, start + length);
  };
}

function layoutOf(bytes: Buffer, limits = LIMITS) {
  return readZipLayout(reader(bytes), bytes.length, limits);
}

interface EndFields {
  entries: number;
  directorySize: number;
  directoryOffset: number;
  entriesOnDisk?: number;
  disk?: number;
  directoryDisk?: number;
  commentLength?: number;
}

/** An end-of-central-directory record (22 bytes, comment not included). */
function eocd({ entries, directorySize, directoryOffset, entriesOnDisk = entries, disk = 0, directoryDisk = 0, commentLength = 0 }: EndFields): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  record.writeUInt16LE(disk, 4);
  record.writeUInt16LE(directoryDisk, 6);
  record.writeUInt16LE(entriesOnDisk, 8);
  record.writeUInt16LE(entries, 10);
  record.writeUInt32LE(directorySize, 12);
  record.writeUInt32LE(directoryOffset, 16);
  record.writeUInt16LE(commentLength, 20);
  return record;
}

/** The end-of-central-directory record of a ZIP64 archive: every field saturated, the real values in the ZIP64 record. */
const SATURATED_EOCD = eocd({ entries: 0xffff, directorySize: 0xffffffff, directoryOffset: 0xffffffff });

function zip64Record(fields: { entries: bigint; directorySize: bigint; directoryOffset: bigint; entriesOnDisk?: bigint; recordSize?: bigint; disk?: number }): Buffer {
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(fields.recordSize ?? 44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeUInt32LE(fields.disk ?? 0, 16);
  record.writeUInt32LE(0, 20);
  record.writeBigUInt64LE(fields.entriesOnDisk ?? fields.entries, 24);
  record.writeBigUInt64LE(fields.entries, 32);
  record.writeBigUInt64LE(fields.directorySize, 40);
  record.writeBigUInt64LE(fields.directoryOffset, 48);
  return record;
}

function zip64Locator(recordOffset: bigint, disks = 1): Buffer {
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeUInt32LE(0, 4);
  locator.writeBigUInt64LE(recordOffset, 8);
  locator.writeUInt32LE(disks, 16);
  return locator;
}

/** A central directory header of an empty stored file named `name`. */
function centralHeader(name: string): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(name.length, 28);
  return Buffer.concat([header, Buffer.from(name)]);
}

async function realZip(entries: number, options: { zip64?: boolean } = {}): Promise<Buffer> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false, zip64: options.zip64 });
  for (let i = 0; i < entries; i++) await writer.add(`file-${i}.txt`, new Uint8ArrayReader(new TextEncoder().encode(`entry ${i}`)));
  return Buffer.from(await writer.close());
}

describe("readZipLayout", () => {
  it("reads the entry count and central directory of ordinary and ZIP64 archives", async () => {
    const classic = await realZip(3);
    expect(await layoutOf(classic)).toMatchObject({ kind: "zip", entries: 3 });
    const zip64 = await realZip(2, { zip64: true });
    expect(await layoutOf(zip64)).toMatchObject({ kind: "zip", entries: 2 });
    expect(await layoutOf(await realZip(0))).toMatchObject({ kind: "zip", entries: 0, centralDirectorySize: 0 });
  });

  it("calls a file without an end-of-central-directory record not a ZIP", async () => {
    expect(await layoutOf(Buffer.alloc(0))).toEqual({ kind: "not_zip" });
    expect(await layoutOf(Buffer.from("PK\u0005\u0006"))).toEqual({ kind: "not_zip" });
    expect(await layoutOf(Buffer.from("MZ this is an executable, not an archive".repeat(100)))).toEqual({ kind: "not_zip" });
  });

  it("refuses a ZIP64 archive declaring 1,000,000 entries from its end records alone", async () => {
    const directory = centralHeader("a");
    const record = zip64Record({ entries: 1_000_000n, directorySize: BigInt(directory.length), directoryOffset: 0n });
    const archive = Buffer.concat([directory, record, zip64Locator(BigInt(directory.length)), SATURATED_EOCD]);
    const log: { start: number; length: number }[] = [];
    expect(await readZipLayout(reader(archive, log), archive.length, LIMITS)).toEqual({
      kind: "refused",
      reason: "too_many_entries",
      detail: "it declares 1000000 entries, more than the 10000 allowed",
    });
    expect(log.every((read) => read.length <= 22 + 65_535)).toBe(true);
  });

  it("refuses more entries than the configured maximum in an ordinary archive too", async () => {
    const archive = await realZip(12);
    expect(await layoutOf(archive, { ...LIMITS, maxEntries: 11 })).toMatchObject({ kind: "refused", reason: "too_many_entries" });
    expect(await layoutOf(archive, { ...LIMITS, maxEntries: 12 })).toMatchObject({ kind: "zip", entries: 12 });
  });

  it("refuses a central directory over the configured size, ordinary or ZIP64, before reading it", async () => {
    const classic = Buffer.concat([Buffer.alloc(100), eocd({ entries: 10, directorySize: 100 * 1024 * 1024, directoryOffset: 0 })]);
    expect(await layoutOf(classic)).toEqual({
      kind: "refused",
      reason: "central_directory_too_large",
      detail: `its central directory is ${100 * 1024 * 1024} bytes, more than the ${4 * 1024 * 1024} allowed`,
    });
    const record = zip64Record({ entries: 5n, directorySize: 1n << 40n, directoryOffset: 0n });
    const zip64 = Buffer.concat([record, zip64Locator(0n), SATURATED_EOCD]);
    expect(await layoutOf(zip64)).toMatchObject({ kind: "refused", reason: "central_directory_too_large" });
    expect(await layoutOf(await realZip(20), { ...LIMITS, maxCentralDirectoryBytes: 100 })).toMatchObject({ kind: "refused", reason: "central_directory_too_large" });
  });

  it("refuses a truncated end-of-central-directory record, or bytes after it", async () => {
    const archive = await realZip(2);
    expect(await layoutOf(archive.subarray(0, archive.length - 5))).toMatchObject({ kind: "refused", reason: "malformed_archive", detail: expect.stringMatching(/truncated/) });
    expect(await layoutOf(Buffer.concat([archive, Buffer.from("appended")]))).toMatchObject({ kind: "refused", reason: "malformed_archive" });
    // A comment length pointing past the end of the file.
    const withComment = Buffer.from(archive);
    withComment.writeUInt16LE(500, withComment.length - 2);
    expect(await layoutOf(withComment)).toMatchObject({ kind: "refused", reason: "malformed_archive" });
  });

  it("refuses a central directory beyond the end of the file", async () => {
    const directory = centralHeader("a");
    const archive = Buffer.concat([directory, eocd({ entries: 1, directorySize: directory.length, directoryOffset: 10_000_000 })]);
    expect(await layoutOf(archive)).toMatchObject({ kind: "refused", reason: "malformed_archive", detail: "its central directory extends beyond the end of the file" });
  });

  it("refuses a central directory that overlaps the end records", async () => {
    const directory = centralHeader("a");
    const archive = Buffer.concat([directory, eocd({ entries: 1, directorySize: directory.length + 10, directoryOffset: 0 })]);
    expect(await layoutOf(archive)).toMatchObject({ kind: "refused", reason: "malformed_archive", detail: "its central directory overlaps its end records" });
  });

  it("refuses a central directory that does not sit right before the end records, or does not start with a header", async () => {
    const directory = centralHeader("a");
    const gap = Buffer.concat([directory, Buffer.alloc(10), eocd({ entries: 1, directorySize: directory.length, directoryOffset: 0 })]);
    expect(await layoutOf(gap)).toMatchObject({ kind: "refused", reason: "malformed_archive" });
    const garbage = Buffer.concat([Buffer.alloc(directory.length), eocd({ entries: 1, directorySize: directory.length, directoryOffset: 0 })]);
    expect(await layoutOf(garbage)).toMatchObject({ kind: "refused", reason: "malformed_archive", detail: "its central directory does not start where its end record says" });
  });

  it("refuses more entries than the central directory can hold, split archives and contradicting counts", async () => {
    const directory = centralHeader("a");
    expect(await layoutOf(Buffer.concat([directory, eocd({ entries: 50, directorySize: directory.length, directoryOffset: 0 })]))).toMatchObject({
      kind: "refused",
      reason: "malformed_archive",
      detail: "it declares more entries than its central directory can hold",
    });
    expect(await layoutOf(Buffer.concat([directory, eocd({ entries: 1, directorySize: directory.length, directoryOffset: 0, disk: 2, directoryDisk: 2 })]))).toMatchObject({
      detail: "it spans several disks",
    });
    expect(await layoutOf(Buffer.concat([directory, eocd({ entries: 1, entriesOnDisk: 2, directorySize: directory.length, directoryOffset: 0 })]))).toMatchObject({
      reason: "malformed_archive",
    });
  });

  it("refuses ZIP64 end records that are missing, misplaced, truncated or contradict the end record", async () => {
    const directory = centralHeader("a");
    const size = BigInt(directory.length);
    const good = zip64Record({ entries: 1n, directorySize: size, directoryOffset: 0n });
    expect(await layoutOf(Buffer.concat([directory, good, zip64Locator(size), SATURATED_EOCD]))).toMatchObject({ kind: "zip", entries: 1 });

    expect(await layoutOf(Buffer.concat([directory, SATURATED_EOCD]))).toMatchObject({ reason: "malformed_archive", detail: expect.stringMatching(/locator is missing/) });
    expect(await layoutOf(Buffer.concat([directory, good, zip64Locator(1n << 50n), SATURATED_EOCD]))).toMatchObject({ reason: "malformed_archive" });
    expect(await layoutOf(Buffer.concat([directory, good, zip64Locator(0n), SATURATED_EOCD]))).toMatchObject({ reason: "malformed_archive" });
    expect(await layoutOf(Buffer.concat([directory, good.subarray(0, 40), zip64Locator(size), SATURATED_EOCD]))).toMatchObject({ reason: "malformed_archive" });
    const longer = zip64Record({ entries: 1n, directorySize: size, directoryOffset: 0n, recordSize: 1000n });
    expect(await layoutOf(Buffer.concat([directory, longer, zip64Locator(size), SATURATED_EOCD]))).toMatchObject({ reason: "malformed_archive" });
    const contradicting = eocd({ entries: 7, directorySize: 0xffffffff, directoryOffset: 0xffffffff });
    expect(await layoutOf(Buffer.concat([directory, good, zip64Locator(size), contradicting]))).toMatchObject({
      reason: "malformed_archive",
      detail: "its ZIP64 end record disagrees with its end record",
    });
    expect(await layoutOf(Buffer.concat([directory, good, zip64Locator(size, 3), SATURATED_EOCD]))).toMatchObject({ detail: "it spans several disks" });
  });

  it("reads a few small ranges of a large archive, never the central directory itself", async () => {
    const directory = Buffer.concat(Array.from({ length: 2000 }, (_, i) => centralHeader(`entry-${i}`)));
    const archive = Buffer.concat([directory, eocd({ entries: 2000, directorySize: directory.length, directoryOffset: 0 })]);
    const log: { start: number; length: number }[] = [];
    expect(await readZipLayout(reader(archive, log), archive.length, LIMITS)).toMatchObject({ kind: "zip", entries: 2000 });
    expect(log.reduce((sum, read) => sum + read.length, 0)).toBeLessThanOrEqual(22 + 65_535 + 20 + 4);
  });
});
