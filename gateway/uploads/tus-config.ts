import { join } from "node:path";
import { ConfigError, readInt, readOptional, readString, readUrl } from "../../subgraphs/kit/env.js";

/** Resumable uploads (tus 1.0 at `/uploads/tus`): where unfinished uploads live, and how much one caller may hold. */
export interface ResumableUploadsConfig {
  /** `local` (files under `dir`, one gateway replica or a shared volume) or `s3` (a bucket, several replicas). */
  store: "local" | "s3";
  dir: string;
  s3?: { bucket: string; region: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string };
  /** Largest file (MAX_FILE_BYTES, the attachments subgraph's setting: give both services the same value). */
  maxFileBytes: number;
  /** Unfinished uploads one caller (user or API key) may hold at once. */
  maxUploadsPerPrincipal: number;
  /** Declared bytes of one caller's unfinished uploads together. */
  maxBytesPerPrincipal: number;
  /** An upload not finished this long after its creation is abandoned: refused (410), then swept with its bytes. */
  expirySeconds: number;
  /** How often the sweep runs (0: never; tests run it themselves). */
  sweepIntervalSeconds: number;
  /** The slowest a PATCH may send (UPLOAD_MIN_BYTES_PER_SECOND over UPLOAD_RATE_WINDOW_SECONDS, as multipart uploads); its bytes so far are kept. */
  minBytesPerSecond: number;
  rateWindowSeconds: number;
}

type Env = Record<string, string | undefined>;

export function readResumableUploads(env: Env): ResumableUploadsConfig {
  const store = readString(env, "RESUMABLE_UPLOAD_STORE", "local");
  if (store !== "local" && store !== "s3") throw new ConfigError(`RESUMABLE_UPLOAD_STORE must be local or s3, got "${store}"`);
  const maxFileBytes = readInt(env, "MAX_FILE_BYTES", 262_144_000, { min: 1 });
  return {
    store,
    dir: readString(env, "RESUMABLE_UPLOAD_DIR", join(readString(env, "DATA_DIR", "data"), "resumable-uploads")),
    s3:
      store === "s3"
        ? {
            bucket: readString(env, "RESUMABLE_UPLOAD_S3_BUCKET"),
            region: readString(env, "S3_REGION", "us-east-1"),
            endpoint: readOptional(env, "S3_ENDPOINT") && readUrl(env, "S3_ENDPOINT"),
            accessKeyId: readOptional(env, "S3_ACCESS_KEY_ID"),
            secretAccessKey: readOptional(env, "S3_SECRET_ACCESS_KEY"),
          }
        : undefined,
    maxFileBytes,
    maxUploadsPerPrincipal: readInt(env, "RESUMABLE_UPLOADS_PER_PRINCIPAL", 10, { min: 1 }),
    maxBytesPerPrincipal: readInt(env, "RESUMABLE_UPLOAD_BYTES_PER_PRINCIPAL", Math.max(1_073_741_824, maxFileBytes), { min: 1 }),
    expirySeconds: readInt(env, "RESUMABLE_UPLOAD_EXPIRY_SECONDS", 86_400, { min: 60 }),
    sweepIntervalSeconds: readInt(env, "RESUMABLE_UPLOAD_SWEEP_INTERVAL_SECONDS", 900, { min: 0 }),
    minBytesPerSecond: readInt(env, "UPLOAD_MIN_BYTES_PER_SECOND", 1024),
    rateWindowSeconds: readInt(env, "UPLOAD_RATE_WINDOW_SECONDS", 30, { min: 1 }),
  };
}
