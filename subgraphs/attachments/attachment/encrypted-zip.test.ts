import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { crc32 } from "node:zlib";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { afterAll, describe, expect, it } from "vitest";
import { deflated, endRecordOffset, overlappingEntries, zipArchive } from "../../../test/support/hostile-zips.js";
import type { BlobStore } from "../blob-store/blob-store.js";
import { LocalBlobStore } from "../blob-store/local-blob-store.js";
import { DEFAULT_ARCHIVE_LIMITS, ENTRY_NAMES_KEPT, EncryptedZipInspector, isVirusEncryptedZip } from "./encrypted-zip.js";
import { inspectInWorker } from "./zip-worker.js";

const root = mkdtempSync(join(tmpdir(), "casegraph-zip-"));
const store = new LocalBlobStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Entry = { name: string; data?: Uint8Array; password?: string; zipCrypto?: boolean; directory?: boolean };

async function zipOf(entries: Entry[]): Promise<Buffer> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false });
  for (const entry of entries) {
    await writer.add(entry.name, entry.directory ? undefined : new Uint8ArrayReader(entry.data ?? new TextEncoder().encode(`content of ${entry.name}`)), {
      password: entry.password,
      zipCrypto: entry.zipCrypto,
      directory: entry.directory,
    });
  }
  return Buffer.from(await writer.close());
}

async function check(bytes: Buffer): Promise<boolean> {
  const key = await store.putTemp(Readable.from([bytes]));
  try {
    return await isVirusEncryptedZip(store, key, bytes.length);
  } finally {
    await store.delete(key);
  }
}

describe("isVirusEncryptedZip", () => {
  it("accepts archives encrypted with virus, AES or ZipCrypto, with folders", async () => {
    expect(await check(await zipOf([{ name: "a.exe", password: "virus" }]))).toBe(true);
    expect(await check(await zipOf([{ name: "a.exe", password: "virus", zipCrypto: true }]))).toBe(true);
    expect(
      await check(
        await zipOf([
          { name: "logs/", directory: true },
          { name: "logs/a.log", password: "virus" },
          { name: "logs/b.log", password: "virus" },
        ]),
      ),
    ).toBe(true);
  });

  it("refuses another password, unencrypted or partly encrypted archives, empty archives and non-ZIPs", async () => {
    expect(await check(await zipOf([{ name: "a.exe", password: "infected" }]))).toBe(false);
    expect(await check(await zipOf([{ name: "a.exe" }]))).toBe(false);
    expect(await check(await zipOf([{ name: "a.exe", password: "virus" }, { name: "b.exe" }]))).toBe(false);
    expect(
      await check(
        await zipOf([
          { name: "a.exe", password: "virus" },
          { name: "b.exe", password: "other" },
        ]),
      ),
    ).toBe(false);
    expect(await check(await zipOf([]))).toBe(false);
    expect(await check(Buffer.from("MZ this is not a zip at all, just an executable".repeat(20)))).toBe(false);
    expect(await check(Buffer.alloc(0))).toBe(false);
  });

  it("decides from the central directory and entry headers, reading a fraction of the archive", async () => {
    const archive = await zipOf([{ name: "memory.dmp", data: randomBytes(16 * 1024 * 1024), password: "virus" }]);
    const key = await store.putTemp(Readable.from([archive]));
    let bytesRead = 0;
    const counting: BlobStore = {
      ...store,
      stat: (k) => store.stat(k),
      read: async (k, range) => {
        const stream = await store.read(k, range);
        stream.on("data", (chunk: Buffer) => (bytesRead += chunk.length));
        return stream;
      },
    } as BlobStore;
    expect(await isVirusEncryptedZip(counting, key, archive.length)).toBe(true);
    expect(bytesRead).toBeLessThan(2 * 1024 * 1024);
    await store.delete(key);
  });
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** Traditional PKWARE encryption ("ZipCrypto", APPNOTE 6.1): 12-byte header whose last byte checks the password against the CRC. */
function zipCrypto(password: string, data: Buffer, crc: number): Buffer {
  const keys = [0x12345678, 0x23456789, 0x34567890];
  const update = (byte: number) => {
    keys[0] = (CRC_TABLE[(keys[0]! ^ byte) & 0xff]! ^ (keys[0]! >>> 8)) >>> 0;
    keys[1] = (Math.imul(keys[1]! + (keys[0] & 0xff), 134775813) + 1) >>> 0;
    keys[2] = (CRC_TABLE[(keys[2]! ^ (keys[1] >>> 24)) & 0xff]! ^ (keys[2]! >>> 8)) >>> 0;
  };
  for (const byte of Buffer.from(password)) update(byte);
  const plain = Buffer.concat([randomBytes(11), Buffer.from([crc >>> 24]), data]);
  return Buffer.from(
    plain.map((byte) => {
      const temp = (keys[2]! | 2) & 0xffff;
      const cipher = byte ^ ((Math.imul(temp, temp ^ 1) >>> 8) & 0xff);
      update(byte);
      return cipher;
    }),
  );
}

/**
 * A valid ZIP of `count` one-byte stored files, encrypted with `password` (ZipCrypto) when given,
 * written byte by byte: zip.js takes seconds for 10,000 encrypted entries.
 */
function manyEntries(count: number, options: { zip64?: boolean; password?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(i.toString(36));
    const content = Buffer.from([i & 0xff]);
    const crc = crc32(content);
    const data = options.password ? zipCrypto(options.password, content, crc) : content;
    const flags = options.password ? 1 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  if (!options.zip64) {
    end.writeUInt16LE(count, 8);
    end.writeUInt16LE(count, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, directory, end]);
  }
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(directory.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([...locals, directory, record, locator, end]);
}

async function inspect(bytes: Buffer, inspector: EncryptedZipInspector) {
  const key = await store.putTemp(Readable.from([bytes]));
  try {
    return await inspector.inspect(store, key, bytes.length);
  } finally {
    await store.delete(key);
  }
}

/** A worker program that would fail loudly if it ever ran. */
const NEVER_RUN = `throw new Error("this archive should have been refused before any parsing")`;

describe("EncryptedZipInspector", () => {
  it("refuses a ZIP64 archive of 1,000,000 entries from its end records, starting no worker", async () => {
    const inspector = new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS, NEVER_RUN);
    const archive = manyEntries(12_000, { zip64: true });
    // The same end records, claiming a million entries.
    archive.writeBigUInt64LE(1_000_000n, archive.length - 22 - 20 - 56 + 24);
    archive.writeBigUInt64LE(1_000_000n, archive.length - 22 - 20 - 56 + 32);
    expect(await inspect(archive, inspector)).toEqual({ kind: "refused", reason: "too_many_entries", detail: "it declares 1000000 entries, more than the 10000 allowed" });
    expect(await inspect(manyEntries(12_000, { zip64: true }), inspector)).toMatchObject({ kind: "refused", reason: "too_many_entries" });
  });

  it("refuses a central directory over the limit and inconsistent end records before any parsing", async () => {
    const inspector = new EncryptedZipInspector({ ...DEFAULT_ARCHIVE_LIMITS, maxCentralDirectoryBytes: 64 * 1024 }, NEVER_RUN);
    expect(await inspect(manyEntries(3000), inspector)).toMatchObject({ kind: "refused", reason: "central_directory_too_large" });
    const truncated = manyEntries(10);
    expect(await inspect(truncated.subarray(0, truncated.length - 3), inspector)).toMatchObject({ kind: "refused", reason: "malformed_archive" });
  });

  it("parses an archive at the entry limit in the worker and answers for it", async () => {
    const inspector = new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS);
    expect(await inspect(manyEntries(10_000, { password: "virus" }), inspector)).toEqual({ kind: "encrypted", entryNames: null });
    expect(await inspect(manyEntries(10_000, { password: "virus", zip64: true }), inspector)).toEqual({ kind: "encrypted", entryNames: null });
    expect(await inspect(manyEntries(10_000, { password: "infected" }), inspector)).toEqual({ kind: "not_encrypted" });
    expect(inspector.activeWorkers).toBe(0);
  });

  it("refuses an archive encrypted with virus whose entry name is unsafe to extract (../, absolute, drive letter, NUL) as unsafe_entry_name, not as unencrypted", async () => {
    const inspector = new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS);
    const names = ["../../etc/cron.d/evil", "/etc/passwd", "C:\\Windows\\evil.dll", "a\u0000b.exe", "docs/../../escape.txt"];
    for (const name of names) {
      const archive = zipArchive([deflated("fine.exe", Buffer.from("MZ")), deflated(name, Buffer.from("MZ"))], { password: "virus" });
      expect([name, await inspect(archive, inspector)]).toEqual([name, { kind: "refused", reason: "unsafe_entry_name", detail: expect.stringContaining("unsafe to extract") }]);
    }
    // The same names inside their folder are fine.
    expect(await inspect(zipArchive([deflated("docs/escape.txt", Buffer.from("MZ"))], { password: "virus" }), inspector)).toEqual({ kind: "encrypted", entryNames: ["docs/escape.txt"] });
  });

  it("reports the file entry names of an encrypted archive (cleaned for display, folders left out), and none for more than it keeps", async () => {
    const inspector = new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS);
    const mails = await zipOf([
      { name: "mail/", directory: true },
      { name: "mail/Invoice 2026-0113.eml", password: "virus" },
      { name: "mail/invoice\u202Efdp.eml", password: "virus" },
      { name: "attk/ATTK_Log.txt", password: "virus" },
    ]);
    expect(await inspect(mails, inspector)).toEqual({ kind: "encrypted", entryNames: ["mail/Invoice 2026-0113.eml", "mail/invoicefdp.eml", "attk/ATTK_Log.txt"] });
    expect(await inspect(manyEntries(ENTRY_NAMES_KEPT, { password: "virus" }), inspector)).toMatchObject({ kind: "encrypted", entryNames: expect.arrayContaining(["0", "1"]) });
    expect(await inspect(manyEntries(ENTRY_NAMES_KEPT + 1, { password: "virus" }), inspector)).toEqual({ kind: "encrypted", entryNames: null });
  });

  it("refuses overlapping entries and a central record whose name runs past the directory's end as malformed_archive, and keeps a wrong password not_encrypted", async () => {
    const inspector = new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS);
    for (const into of [false, true]) {
      expect(await inspect(overlappingEntries(20, { password: "virus", kernelBytes: 1 << 16, into }), inspector)).toEqual({
        kind: "refused",
        reason: "malformed_archive",
        detail: "its entries overlap or are not where its central directory says",
      });
    }
    const good = zipArchive([deflated("sample.exe", Buffer.alloc(64, 7)), deflated("notes.txt", Buffer.from("notes"))], { password: "virus" });
    const pastTheEnd = Buffer.from(good);
    pastTheEnd.writeUInt16LE(0xffff, good.readUInt32LE(endRecordOffset(good) + 16) + 28);
    expect(await inspect(pastTheEnd, inspector)).toEqual({ kind: "refused", reason: "malformed_archive", detail: "an entry's record runs past the end of its central directory" });
    expect(await inspect(good, inspector)).toEqual({ kind: "encrypted", entryNames: ["sample.exe", "notes.txt"] });
    // ZipCrypto's check byte matches a wrong password once in 256 entries: three entries (all of which are checked) make a false pass 1 in 16 million.
    const wrongPassword = zipArchive([deflated("a.exe", Buffer.alloc(64, 7)), deflated("b.exe", Buffer.alloc(64, 8)), deflated("c.exe", Buffer.alloc(64, 9))], { password: "infected" });
    expect(await inspect(wrongPassword, inspector)).toEqual({ kind: "not_encrypted" });
  });

  it("refuses the file when the worker runs out of time, and terminates the worker", async () => {
    const inspector = new EncryptedZipInspector({ ...DEFAULT_ARCHIVE_LIMITS, timeoutMs: 300 }, "for (;;) {}");
    expect(await inspect(await zipOf([{ name: "a.exe", password: "virus" }]), inspector)).toEqual({
      kind: "refused",
      reason: "inspection_timeout",
      detail: "inspecting it took longer than 300 ms",
    });
    expect(inspector.activeWorkers).toBe(0);
  });

  it("refuses the file when the worker crashes or runs out of memory, and the process carries on", async () => {
    const archive = await zipOf([{ name: "a.exe", password: "virus" }]);
    const crashing = new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS, `throw new Error("parser bug")`);
    expect(await inspect(archive, crashing)).toEqual({ kind: "refused", reason: "inspection_failed", detail: "its inspection failed" });
    const greedy = new EncryptedZipInspector({ ...DEFAULT_ARCHIVE_LIMITS, memoryMb: 16 }, `const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length));`);
    expect(await inspect(archive, greedy)).toEqual({ kind: "refused", reason: "inspection_failed", detail: "inspecting it needed more memory than allowed" });
    expect(await isVirusEncryptedZip(store, await store.putTemp(Readable.from([archive])), archive.length)).toBe(true);
  });

  it("refuses the file when the worker asks for more bytes than the archive's central directory explains", async () => {
    const archive = await zipOf([{ name: "a.exe", password: "virus" }]);
    const reading = `const { parentPort } = require("node:worker_threads"); parentPort.postMessage({ type: "read", id: 0, start: 0, length: 64 * 1024 * 1024 });`;
    expect(await inspect(archive, new EncryptedZipInspector(DEFAULT_ARCHIVE_LIMITS, reading))).toMatchObject({ kind: "refused", reason: "inspection_failed" });
  });

  it("runs no more inspection workers at once than configured; the others wait their turn", async () => {
    const archive = await zipOf([{ name: "a.exe", password: "virus" }]);
    const key = await store.putTemp(Readable.from([archive]));
    // Each worker asks for the archive's first byte, then answers once it has it.
    const asking = `const { parentPort } = require("node:worker_threads");
      parentPort.on("message", () => parentPort.postMessage({ type: "result", encrypted: true }));
      parentPort.postMessage({ type: "read", id: 0, start: 0, length: 1 });`;
    const inspector = new EncryptedZipInspector({ ...DEFAULT_ARCHIVE_LIMITS, concurrency: 2 }, asking);
    const seenActive: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstRead!: () => void;
    const firstReadsArrived = new Promise<void>((resolve) => (firstRead = resolve));
    const gated: BlobStore = {
      ...store,
      read: async (k, range) => {
        if (range?.start === 0 && range.end === 0) {
          seenActive.push(inspector.activeWorkers);
          if (seenActive.length === 2) firstRead();
          await released;
        }
        return store.read(k, range);
      },
    } as BlobStore;
    const inspections = Array.from({ length: 5 }, () => inspector.inspect(gated, key, archive.length));
    await firstReadsArrived;
    expect(inspector.activeWorkers).toBe(2);
    release();
    expect((await Promise.all(inspections)).map((verdict) => verdict.kind)).toEqual(Array(5).fill("encrypted"));
    expect(seenActive).toHaveLength(5);
    expect(Math.max(...seenActive)).toBe(2);
    expect(inspector.activeWorkers).toBe(0);
    await store.delete(key);
  });
});

describe("inspectInWorker", () => {
  it("passes the blob store's read errors on instead of calling the archive unencrypted", async () => {
    const failing = () => Promise.reject(new Error("bucket unreachable"));
    await expect(
      inspectInWorker({
        size: 1000,
        centralDirectory: { offset: 0, size: 46, entries: 1 },
        read: failing,
        password: "virus",
        entriesToVerify: 1,
        limits: { timeoutMs: 5000, memoryMb: 32, maxReadBytes: 1 << 20, maxTotalReadBytes: 1 << 22 },
      }),
    ).rejects.toThrow("bucket unreachable");
  });
});
