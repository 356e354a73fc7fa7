import type { AttachmentsConfig } from "../config.js";
import type { BlobStore } from "./blob-store.js";
import { LocalBlobStore } from "./local-blob-store.js";
import { S3BlobStore } from "./s3-blob-store.js";

/** The blob store the configuration names: local disk by default, an S3-compatible bucket with BLOB_STORE=s3. */
export function createBlobStore(config: AttachmentsConfig): BlobStore {
  return config.blobStore === "s3" ? S3BlobStore.fromConfig(config.s3!) : new LocalBlobStore(config.blobDir);
}
