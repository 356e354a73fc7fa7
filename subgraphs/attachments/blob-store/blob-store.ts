import type { Readable } from "node:stream";

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live. Uploads stream into a temporary object that becomes final (`commit`) only
 * when the whole upload succeeded; a failed or aborted upload deletes its temporary objects.
 */
export interface BlobStore {
  /** Streams `source` into a new temporary object and returns its key. On any error the partial object is removed and the error rethrown. */
  putTemp(source: Readable): Promise<string>;
  /** Makes the temporary object `tempKey` the final object `key`. */
  commit(tempKey: string, key: string): Promise<void>;
  /** Removes an object, temporary or final; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** The object's bytes, or those of `range` only. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Size of an object, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  /**
   * Removes what uploads left behind when their process died: temporary objects last written before
   * `before`, and (S3) multipart uploads started before it and never completed. Final objects are
   * never touched.
   */
  sweepTemp(before: Date): Promise<TempSweep>;
}

/** What one sweep of temporary objects removed. */
export interface TempSweep {
  objects: number;
  /** Multipart uploads aborted; null when the store cannot list them (some S3-compatible servers). */
  multipartUploads: number | null;
}

/** Temporary keys start with this prefix, final keys never do. */
export const TEMP_PREFIX = "tmp/";

const SAFE_KEY = /^(tmp\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** Keys are generated ids; anything else (a path, `..`) is refused before it reaches a file system or bucket. */
export function checkKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.includes("..")) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  return key;
}
