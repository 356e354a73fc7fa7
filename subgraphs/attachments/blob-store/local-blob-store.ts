import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BlobStore, type ByteRange, checkKey, TEMP_PREFIX, type TempSweep } from "./blob-store.js";

/** Blobs as files under one folder: `tmp/` for uploads in flight, `objects/` for final files. */
export class LocalBlobStore implements BlobStore {
  private readonly tempDir: string;
  private readonly objectDir: string;

  constructor(root: string) {
    this.tempDir = join(root, "tmp");
    this.objectDir = join(root, "objects");
    mkdirSync(this.tempDir, { recursive: true });
    mkdirSync(this.objectDir, { recursive: true });
  }

  private pathOf(key: string): string {
    checkKey(key);
    return key.startsWith(TEMP_PREFIX) ? join(this.tempDir, key.slice(TEMP_PREFIX.length)) : join(this.objectDir, key);
  }

  async putTemp(source: Readable): Promise<string> {
    const key = `${TEMP_PREFIX}${randomUUID()}`;
    try {
      await pipeline(source, createWriteStream(this.pathOf(key), { flags: "wx", highWaterMark: 1 << 20 }));
      return key;
    } catch (error) {
      await this.delete(key);
      throw error;
    }
  }

  async commit(tempKey: string, key: string): Promise<void> {
    // Same file system: rename is atomic, a reader never sees half a file under its final name.
    await rename(this.pathOf(tempKey), this.pathOf(key));
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    await stat(path);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      return { size: (await stat(this.pathOf(key))).size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** A file still being written has a fresh modification time: only files nobody wrote since `before` go. */
  async sweepTemp(before: Date): Promise<TempSweep> {
    let objects = 0;
    for (const name of await readdir(this.tempDir)) {
      const path = join(this.tempDir, name);
      try {
        if ((await stat(path)).mtimeMs >= before.getTime()) continue;
        await unlink(path);
        objects++;
      } catch (error) {
        // Committed or deleted by its upload meanwhile.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    return { objects, multipartUploads: 0 };
  }
}
