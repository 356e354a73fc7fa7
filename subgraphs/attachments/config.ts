import { join } from "node:path";
import { readEnvironment, readInt, readOptional, readSecret, readString, readUrl } from "../kit/env.js";

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
  logLevel: string;
}

export function attachmentsConfig(env: Record<string, string | undefined> = process.env): AttachmentsConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
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
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
