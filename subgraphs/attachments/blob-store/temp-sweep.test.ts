import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../kit/logger.js";
import type { BlobStore, TempSweep } from "./blob-store.js";
import { LocalBlobStore } from "./local-blob-store.js";
import { scheduleTempSweep, sweepTemporaryBlobs } from "./temp-sweep.js";

const logger = createLogger("attachments", "silent");
const root = mkdtempSync(join(tmpdir(), "casegraph-sweep-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

describe("sweepTemporaryBlobs", () => {
  it("deletes temporary blobs only once they are older than the configured age, by the service's clock", async () => {
    const blobs = new LocalBlobStore(root);
    const key = await blobs.putTemp(Readable.from([Buffer.from("left by a killed upload")]));
    const now = Date.now();
    const options = { blobs, maxAgeSeconds: 3600, logger };
    expect(await sweepTemporaryBlobs({ ...options, clock: () => new Date(now + 59 * 60_000) })).toEqual({ objects: 0, multipartUploads: 0 });
    expect(await blobs.stat(key)).not.toBeNull();
    expect(await sweepTemporaryBlobs({ ...options, clock: () => new Date(now + 61 * 60_000) })).toEqual({ objects: 1, multipartUploads: 0 });
    expect(await blobs.stat(key)).toBeNull();
  });
});

describe("scheduleTempSweep", () => {
  it("sweeps on every interval until stopped, one sweep at a time", async () => {
    vi.useFakeTimers();
    const cutoffs: Date[] = [];
    let finish: (() => void) | undefined;
    const blobs = {
      sweepTemp: (before: Date) => {
        cutoffs.push(before);
        return new Promise<TempSweep>((resolve) => (finish = () => resolve({ objects: 0, multipartUploads: 0 })));
      },
    } as unknown as BlobStore;
    const clock = () => new Date(Date.UTC(2026, 10, 25, 12));
    const stop = scheduleTempSweep({ blobs, maxAgeSeconds: 3600, clock, logger }, 60);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cutoffs).toEqual([new Date(Date.UTC(2026, 10, 25, 11))]);
    // Still running at the next tick: not started twice.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cutoffs).toHaveLength(1);
    finish!();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cutoffs).toHaveLength(2);
    finish!();
    stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(cutoffs).toHaveLength(2);
  });
});
