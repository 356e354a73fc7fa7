import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from "@zip.js/zip.js";
import { afterAll, describe, expect, it } from "vitest";
import type { BlobStore } from "../blob-store/blob-store.js";
import { LocalBlobStore } from "../blob-store/local-blob-store.js";
import { isVirusEncryptedZip } from "./encrypted-zip.js";

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
    expect(await check(await zipOf([{ name: "logs/", directory: true }, { name: "logs/a.log", password: "virus" }, { name: "logs/b.log", password: "virus" }]))).toBe(true);
  });

  it("refuses another password, unencrypted or partly encrypted archives, empty archives and non-ZIPs", async () => {
    expect(await check(await zipOf([{ name: "a.exe", password: "infected" }]))).toBe(false);
    expect(await check(await zipOf([{ name: "a.exe" }]))).toBe(false);
    expect(await check(await zipOf([{ name: "a.exe", password: "virus" }, { name: "b.exe" }]))).toBe(false);
    expect(await check(await zipOf([{ name: "a.exe", password: "virus" }, { name: "b.exe", password: "other" }]))).toBe(false);
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
