import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "./blob-store.js";
import { LocalBlobStore } from "./local-blob-store.js";
import { S3BlobStore } from "./s3-blob-store.js";

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function chunked(data: Buffer, size = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
    })(),
  );
}

/** An S3-compatible server on localhost (s3rver), spoken to over real HTTP by the AWS SDK. */
async function startS3(): Promise<{ store: S3BlobStore; list: () => string[]; stop: () => Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), "casegraph-s3-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: "casegraph", configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  const store = S3BlobStore.fromConfig({ bucket: "casegraph", region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  const list = () =>
    readdirSync(join(directory, "casegraph"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith("._S3rver_object"));
  return {
    store,
    list,
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

const stores: [string, () => Promise<{ store: BlobStore; list: () => string[]; stop: () => Promise<void> }>][] = [
  [
    "local disk",
    async () => {
      const root = mkdtempSync(join(tmpdir(), "casegraph-blobs-"));
      const list = () => [...readdirSync(join(root, "tmp")).map((f) => `tmp/${f}`), ...readdirSync(join(root, "objects"))];
      return { store: new LocalBlobStore(root), list, stop: async () => rmSync(root, { recursive: true, force: true }) };
    },
  ],
  ["S3-compatible server", startS3],
];

describe.each(stores)("blob store on %s", (_name, start) => {
  let store: BlobStore;
  let list: () => string[];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ store, list, stop } = await start());
  });
  afterAll(() => stop?.());

  it("makes a temporary object final on commit, reads it whole and by range, and deletes it", async () => {
    const data = Buffer.from("0123456789".repeat(1000));
    const temp = await store.putTemp(chunked(data, 999));
    expect(temp.startsWith("tmp/")).toBe(true);
    expect(list()).toHaveLength(1);
    await store.commit(temp, "file-1");
    expect(list()).toHaveLength(1);
    expect(await store.stat(temp)).toBeNull();
    expect(await store.stat("file-1")).toEqual({ size: data.length });
    expect((await bytesOf(await store.read("file-1"))).equals(data)).toBe(true);
    expect((await bytesOf(await store.read("file-1", { start: 10, end: 19 }))).toString()).toBe("0123456789");
    await store.delete("file-1");
    await store.delete("file-1");
    expect(await store.stat("file-1")).toBeNull();
    expect(list()).toEqual([]);
  });

  it("stores a file larger than one multipart part intact", async () => {
    const data = Buffer.alloc(19 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
    const temp = await store.putTemp(chunked(data, 256 * 1024));
    await store.commit(temp, "big");
    expect(await store.stat("big")).toEqual({ size: data.length });
    expect((await bytesOf(await store.read("big"))).equals(data)).toBe(true);
    await store.delete("big");
  });

  it("leaves nothing behind when the source fails halfway", async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(9 * 1024 * 1024, 1);
        throw new Error("client went away");
      })(),
    );
    await expect(store.putTemp(failing)).rejects.toThrow("client went away");
    expect(list()).toEqual([]);
  });

  it("refuses keys that could escape the store", async () => {
    await expect(store.read("../etc/passwd")).rejects.toThrow(/invalid blob key/);
    await expect(store.delete("objects/../../x")).rejects.toThrow(/invalid blob key/);
  });

  it("sweeps temporary objects written before the cutoff, and keeps younger ones and final objects", async () => {
    const orphan = await store.putTemp(chunked(Buffer.from("left behind by a killed upload")));
    const committed = await store.putTemp(chunked(Buffer.from("a staged file")));
    await store.commit(committed, "final-1");
    const anHourAgo = new Date(Date.now() - 3_600_000);
    expect(await store.sweepTemp(anHourAgo)).toMatchObject({ objects: 0 });
    expect(await store.stat(orphan)).not.toBeNull();

    const swept = await store.sweepTemp(new Date(Date.now() + 60_000));
    expect(swept.objects).toBe(1);
    // s3rver does not implement ListMultipartUploads: the store says it could not look (see the fake-client test below).
    expect(swept.multipartUploads).toBe(store instanceof S3BlobStore ? null : 0);
    expect(await store.stat(orphan)).toBeNull();
    expect(await store.stat("final-1")).toEqual({ size: 13 });
    expect(list()).toHaveLength(1);
    await store.delete("final-1");
  });
});

describe("S3 blob store sweep of multipart uploads", () => {
  it("aborts the multipart uploads under tmp/ started before the cutoff, page by page, and nothing else", async () => {
    const cutoff = new Date("2026-11-25T12:00:00Z");
    const old = new Date("2026-11-25T10:00:00Z");
    const young = new Date("2026-11-25T12:30:00Z");
    const pages = [
      {
        Uploads: [
          { Key: "tmp/a", UploadId: "1", Initiated: old },
          { Key: "tmp/b", UploadId: "2", Initiated: young },
        ],
        IsTruncated: true,
        NextKeyMarker: "tmp/b",
        NextUploadIdMarker: "2",
      },
      {
        Uploads: [
          { Key: "tmp/c", UploadId: "3", Initiated: old },
          { Key: "tmp/../escape", UploadId: "4", Initiated: old },
        ],
        IsTruncated: false,
      },
    ];
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command instanceof ListObjectsV2Command) return { Contents: [], IsTruncated: false };
        if (command instanceof ListMultipartUploadsCommand) return command.input.KeyMarker === "tmp/b" ? pages[1] : pages[0];
        if (command instanceof AbortMultipartUploadCommand) return {};
        throw new Error(`unexpected ${command.constructor.name}`);
      },
    };
    const store = new S3BlobStore(client as unknown as S3Client, "casegraph");
    expect(await store.sweepTemp(cutoff)).toEqual({ objects: 0, multipartUploads: 2 });
    expect(sent.filter((c) => c.name === "ListMultipartUploadsCommand").map((c) => [c.input.Prefix, c.input.KeyMarker, c.input.UploadIdMarker])).toEqual([
      ["tmp/", undefined, undefined],
      ["tmp/", "tmp/b", "2"],
    ]);
    expect(sent.filter((c) => c.name === "AbortMultipartUploadCommand").map((c) => [c.input.Key, c.input.UploadId])).toEqual([
      ["tmp/a", "1"],
      ["tmp/c", "3"],
    ]);
  });
});
