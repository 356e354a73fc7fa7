import type { Logger } from "../../kit/logger.js";
import type { BlobStore, TempSweep } from "./blob-store.js";

export interface TempSweepOptions {
  blobs: BlobStore;
  /** Temporary objects untouched for longer than this are orphans: no upload takes anywhere near as long. */
  maxAgeSeconds: number;
  clock: () => Date;
  logger: Logger;
}

/**
 * Deletes the temporary blobs (and S3 multipart uploads) older than `maxAgeSeconds`: the bytes of
 * uploads whose process was killed mid-upload, which no request will ever clean. An upload in
 * flight keeps its temporary object younger than that, on every replica sharing the store.
 */
export async function sweepTemporaryBlobs({ blobs, maxAgeSeconds, clock, logger }: TempSweepOptions): Promise<TempSweep> {
  const swept = await blobs.sweepTemp(new Date(clock().getTime() - maxAgeSeconds * 1000));
  if (swept.objects || swept.multipartUploads) logger.info(swept, "swept temporary blobs left by interrupted uploads");
  if (swept.multipartUploads === null) logger.warn("the blob store cannot list multipart uploads: unfinished ones are not swept");
  return swept;
}

/** Sweeps every `intervalSeconds` until the returned function is called (a sweep still running is not started twice). */
export function scheduleTempSweep(options: TempSweepOptions, intervalSeconds: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepTemporaryBlobs(options)
      .catch((error: unknown) => options.logger.error({ err: error }, "sweeping temporary blobs failed"))
      .finally(() => {
        running = false;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
