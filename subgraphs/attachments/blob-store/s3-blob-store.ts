import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { S3Config } from "../config.js";
import { type BlobStore, type ByteRange, checkKey, TEMP_PREFIX, type TempSweep } from "./blob-store.js";

/** Bytes buffered per multipart part: the most an upload holds in memory (S3's minimum part is 5 MiB). */
const PART_BYTES = 8 * 1024 * 1024;

function isNotImplemented(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotImplemented" || e.Code === "NotImplemented" || e.$metadata?.httpStatusCode === 501;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

/**
 * Blobs in an S3-compatible bucket. A temporary object is written with a multipart upload (parts of
 * 8 MiB, so memory use does not depend on the file size) under `tmp/`, and `commit` copies it to its
 * final key inside the bucket.
 */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  static fromConfig(config: S3Config): S3BlobStore {
    const client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.endpoint !== undefined,
      credentials: config.accessKeyId && config.secretAccessKey ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } : undefined,
      // Plain Content-MD5-free requests that every S3-compatible server accepts (MinIO, Ceph, ...).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new S3BlobStore(client, config.bucket);
  }

  async putTemp(source: Readable): Promise<string> {
    const Key = `${TEMP_PREFIX}${randomUUID()}`;
    const Bucket = this.bucket;
    let uploadId: string | undefined;
    const parts: { ETag?: string; PartNumber: number }[] = [];
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const uploadPart = async () => {
      const Body = Buffer.concat(buffered, bufferedBytes);
      buffered = [];
      bufferedBytes = 0;
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId;
      const PartNumber = parts.length + 1;
      const { ETag } = await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber, Body, ContentLength: Body.length }));
      parts.push({ ETag, PartNumber });
    };
    try {
      for await (const chunk of source) {
        buffered.push(chunk as Buffer);
        bufferedBytes += (chunk as Buffer).length;
        if (bufferedBytes >= PART_BYTES) await uploadPart();
      }
      if (!uploadId) {
        const Body = Buffer.concat(buffered, bufferedBytes);
        await this.client.send(new PutObjectCommand({ Bucket, Key, Body, ContentLength: Body.length }));
      } else {
        if (bufferedBytes > 0) await uploadPart();
        await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      }
      return Key;
    } catch (error) {
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => undefined);
      await this.delete(Key).catch(() => undefined);
      throw error;
    }
  }

  async commit(tempKey: string, key: string): Promise<void> {
    checkKey(tempKey);
    checkKey(key);
    await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${tempKey}` }));
    await this.delete(tempKey);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    checkKey(key);
    const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
    return Body as Readable;
  }

  async stat(key: string): Promise<{ size: number } | null> {
    checkKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: Number(head.ContentLength ?? 0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * Temporary objects are complete files an upload never committed; multipart uploads are those whose
   * process died before completing or aborting them, whose parts a bucket keeps (and bills) forever.
   */
  async sweepTemp(before: Date): Promise<TempSweep> {
    return { objects: await this.sweepTempObjects(before), multipartUploads: await this.abortStaleMultipartUploads(before) };
  }

  private async sweepTempObjects(before: Date): Promise<number> {
    let deleted = 0;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: TEMP_PREFIX, ContinuationToken }));
      for (const object of page.Contents ?? []) {
        // Keys this store never makes are not its to delete.
        if (!object.Key || !object.LastModified || object.LastModified >= before || !isOwnKey(object.Key)) continue;
        await this.delete(object.Key);
        deleted++;
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return deleted;
  }

  private async abortStaleMultipartUploads(before: Date): Promise<number | null> {
    let aborted = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: TEMP_PREFIX, KeyMarker, UploadIdMarker }));
      } catch (error) {
        if (isNotImplemented(error)) return null;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= before || !isOwnKey(upload.Key)) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        aborted++;
      }
      [KeyMarker, UploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (KeyMarker);
    return aborted;
  }
}

function isOwnKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}
