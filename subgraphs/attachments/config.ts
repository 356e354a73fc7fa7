import { join } from "node:path";
import { ConfigError, readEnvironment, readInt, readOptional, readSecret, readString, readUrl } from "../kit/env.js";

/** Everything the attachments subgraph reads from the environment, validated once at start-up. */
export interface AttachmentsConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  databaseUrl?: string;
  sqlitePath: string;
  /** Local blob store folder (default `data/blobs`). */
  blobDir: string;
  identitySecret: string;
  /** The cases subgraph, asked about a case's organization, type and status. */
  casesUrl: string;
  /** Public origin of the gateway: download links point there. */
  publicUrl: string;
  /** Lifetime of a signed download link. */
  downloadLinkSeconds: number;
  maxFilesPerUpload: number;
  maxFileBytes: number;
  /** Staged files not attached within this many hours are deleted with their bytes. */
  stagedTtlHours: number;
  /** How often the expiry of staged files runs. */
  stagedExpiryIntervalSeconds: number;
  /** `local` (files under blobDir, the default) or `s3` (an S3-compatible bucket, for several replicas). */
  blobStore: "local" | "s3";
  s3?: S3Config;
  logLevel: string;
}

/** An S3-compatible bucket (AWS S3, MinIO, ...). */
export interface S3Config {
  bucket: string;
  region: string;
  /** Endpoint of a non-AWS server (MinIO); path-style addressing is used with it. */
  endpoint?: string;
  /** Static credentials; when absent the AWS SDK's default chain is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

function readS3(env: Record<string, string | undefined>): S3Config {
  const accessKeyId = readOptional(env, "S3_ACCESS_KEY_ID");
  const secretAccessKey = readOptional(env, "S3_SECRET_ACCESS_KEY");
  if (!accessKeyId !== !secretAccessKey) throw new ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together");
  const endpoint = readOptional(env, "S3_ENDPOINT");
  if (endpoint) readUrl(env, "S3_ENDPOINT");
  return { bucket: readString(env, "S3_BUCKET"), region: readString(env, "S3_REGION", "us-east-1"), endpoint, accessKeyId, secretAccessKey };
}

export function attachmentsConfig(env: Record<string, string | undefined> = process.env): AttachmentsConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  const blobStore = readString(env, "BLOB_STORE", "local");
  if (blobStore !== "local" && blobStore !== "s3") throw new ConfigError(`BLOB_STORE must be local or s3, got "${blobStore}"`);
  return {
    environment,
    host: readString(env, "ATTACHMENTS_HOST", "127.0.0.1"),
    port: readInt(env, "ATTACHMENTS_PORT", 4002, { max: 65535 }),
    databaseUrl: readOptional(env, "ATTACHMENTS_DATABASE_URL"),
    sqlitePath: join(dataDir, "attachments.sqlite"),
    blobDir: readString(env, "BLOB_DIR", join(dataDir, "blobs")),
    identitySecret: readSecret(env, "IDENTITY_SECRET", environment),
    casesUrl: readUrl(env, "CASES_URL", "http://127.0.0.1:4001/graphql"),
    publicUrl: readUrl(env, "PUBLIC_URL", "http://localhost:4000"),
    downloadLinkSeconds: readInt(env, "DOWNLOAD_LINK_SECONDS", 900, { min: 10 }),
    maxFilesPerUpload: readInt(env, "MAX_FILES_PER_UPLOAD", 3, { min: 1, max: 100 }),
    maxFileBytes: readInt(env, "MAX_FILE_BYTES", 250 * 1024 * 1024, { min: 1 }),
    stagedTtlHours: readInt(env, "STAGED_TTL_HOURS", 24, { min: 1 }),
    stagedExpiryIntervalSeconds: readInt(env, "STAGED_EXPIRY_INTERVAL_SECONDS", 900, { min: 1 }),
    blobStore,
    s3: blobStore === "s3" ? readS3(env) : undefined,
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
