import type { KeyObject } from "node:crypto";
import { join } from "node:path";
import { ConfigError, devDefaultPolicy, readEnvironment, readInt, readOptional, readReplicaUrls, readSecret, readString, readUrl } from "../kit/env.js";
import { DEFAULT_FILE_LINK_TTL_SECONDS, DEV_FILE_LINK_SECRET } from "../kit/file-links.js";
import { type ArchiveInspectionLimits, DEFAULT_ARCHIVE_LIMITS } from "./attachment/encrypted-zip.js";
import { readIdentityPublicKey } from "../kit/identity-keys.js";
import { DEFAULT_HOST, DEFAULT_PUBLIC_URL, SUBGRAPHS, subgraphUrl } from "../kit/topology.js";

/** Everything the attachments subgraph reads from the environment, validated once at start-up. */
export interface AttachmentsConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  databaseUrl?: string;
  /** Read replicas of the MySQL database (ATTACHMENTS_DATABASE_REPLICA_URLS): queries read there (kit/read-routing.ts). */
  databaseReplicaUrls: string[];
  sqlitePath: string;
  /** Local blob store folder (default `data/blobs`). */
  blobDir: string;
  /** The gateway's public key (IDENTITY_PUBLIC_KEY): verifies forwarded identities, cannot sign one. */
  identityPublicKey: KeyObject;
  /** Signs download links (FILE_LINK_SECRET, shared with the gateway, which checks them); it signs nothing else. */
  fileLinkSecret: string;
  /** The cases subgraph, asked about a case's organization, type and status. */
  casesUrl: string;
  /** Public origin of the gateway: download links point there. */
  publicUrl: string;
  /** Lifetime of a signed download link (FILE_LINK_TTL_SECONDS, 300): the link alone downloads the file until then. */
  fileLinkTtlSeconds: number;
  maxFilesPerUpload: number;
  maxFileBytes: number;
  /** Staged files not attached within this many hours are deleted with their bytes. */
  stagedTtlHours: number;
  /** How often the expiry of staged files runs. */
  stagedExpiryIntervalSeconds: number;
  /** Bounds of the ZIP check of threat-case files: entries, central directory, time and memory of its worker, workers at once. */
  archiveInspection: ArchiveInspectionLimits;
  /** Bytes of STAGED files one organization may hold at once; an upload over it is QUOTA_EXCEEDED. */
  stagedQuotaBytesPerOrganization: number;
  /** Uploads one user or API key may have in flight at once in this process; one more is TOO_MANY_UPLOADS. */
  maxConcurrentUploadsPerPrincipal: number;
  /** Temporary blobs (uploads in flight) older than this are left over from a crash and swept. */
  tempBlobMaxAgeSeconds: number;
  /** How often the sweep of temporary blobs runs (it also runs at start). */
  tempSweepIntervalSeconds: number;
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

/** FILE_LINK_TTL_SECONDS; the earlier DOWNLOAD_LINK_SECONDS is refused by name, so that a deployment setting it notices. */
function readFileLinkTtl(env: Record<string, string | undefined>): number {
  if (env.DOWNLOAD_LINK_SECONDS !== undefined) throw new ConfigError("DOWNLOAD_LINK_SECONDS was renamed FILE_LINK_TTL_SECONDS (download links now work without credentials; keep them short)");
  return readInt(env, "FILE_LINK_TTL_SECONDS", DEFAULT_FILE_LINK_TTL_SECONDS, { min: 10, max: 3600 });
}

export function attachmentsConfig(env: Record<string, string | undefined> = process.env): AttachmentsConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  const blobStore = readString(env, "BLOB_STORE", "local");
  if (blobStore !== "local" && blobStore !== "s3") throw new ConfigError(`BLOB_STORE must be local or s3, got "${blobStore}"`);
  const host = readString(env, SUBGRAPHS.attachments.hostVariable, DEFAULT_HOST);
  const devDefaults = devDefaultPolicy(env, { [SUBGRAPHS.attachments.hostVariable]: host });
  return {
    environment,
    host,
    port: readInt(env, SUBGRAPHS.attachments.portVariable, SUBGRAPHS.attachments.port, { max: 65535 }),
    databaseUrl: readOptional(env, "ATTACHMENTS_DATABASE_URL"),
    databaseReplicaUrls: readReplicaUrls(env, "ATTACHMENTS_DATABASE_REPLICA_URLS", "ATTACHMENTS_DATABASE_URL"),
    sqlitePath: join(dataDir, "attachments.sqlite"),
    blobDir: readString(env, "BLOB_DIR", join(dataDir, "blobs")),
    identityPublicKey: readIdentityPublicKey(env, "IDENTITY_PUBLIC_KEY", devDefaults),
    fileLinkSecret: readSecret(env, "FILE_LINK_SECRET", devDefaults, DEV_FILE_LINK_SECRET),
    casesUrl: readUrl(env, SUBGRAPHS.cases.urlVariable, subgraphUrl("cases")),
    publicUrl: readUrl(env, "PUBLIC_URL", DEFAULT_PUBLIC_URL),
    fileLinkTtlSeconds: readFileLinkTtl(env),
    maxFilesPerUpload: readInt(env, "MAX_FILES_PER_UPLOAD", 3, { min: 1, max: 100 }),
    maxFileBytes: readInt(env, "MAX_FILE_BYTES", 250 * 1024 * 1024, { min: 1 }),
    stagedTtlHours: readInt(env, "STAGED_TTL_HOURS", 24, { min: 1 }),
    stagedExpiryIntervalSeconds: readInt(env, "STAGED_EXPIRY_INTERVAL_SECONDS", 900, { min: 1 }),
    archiveInspection: {
      maxEntries: readInt(env, "ARCHIVE_MAX_ENTRIES", DEFAULT_ARCHIVE_LIMITS.maxEntries, { min: 1, max: 1_000_000 }),
      maxCentralDirectoryBytes: readInt(env, "ARCHIVE_MAX_CENTRAL_DIRECTORY_BYTES", DEFAULT_ARCHIVE_LIMITS.maxCentralDirectoryBytes, { min: 1024, max: 256 * 1024 * 1024 }),
      timeoutMs: readInt(env, "ARCHIVE_INSPECTION_TIMEOUT_MS", DEFAULT_ARCHIVE_LIMITS.timeoutMs, { min: 100 }),
      memoryMb: readInt(env, "ARCHIVE_INSPECTION_MEMORY_MB", DEFAULT_ARCHIVE_LIMITS.memoryMb, { min: 16, max: 4096 }),
      concurrency: readInt(env, "ARCHIVE_INSPECTION_CONCURRENCY", DEFAULT_ARCHIVE_LIMITS.concurrency, { min: 1, max: 64 }),
    },
    stagedQuotaBytesPerOrganization: readInt(env, "STAGED_QUOTA_BYTES_PER_ORGANIZATION", 5 * 1024 * 1024 * 1024, { min: 1 }),
    maxConcurrentUploadsPerPrincipal: readInt(env, "MAX_CONCURRENT_UPLOADS_PER_PRINCIPAL", 3, { min: 1, max: 1000 }),
    tempBlobMaxAgeSeconds: readInt(env, "TEMP_BLOB_MAX_AGE_SECONDS", 3600, { min: 1 }),
    tempSweepIntervalSeconds: readInt(env, "TEMP_SWEEP_INTERVAL_SECONDS", 900, { min: 1 }),
    blobStore,
    s3: blobStore === "s3" ? readS3(env) : undefined,
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
