import { join } from "node:path";
import { readEnvironment, readInt, readOptional, readSecret, readString } from "../kit/env.js";

/** Everything the cases subgraph reads from the environment, validated once at start-up. */
export interface CasesConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  /** MySQL URL; when absent, the embedded SQLite file `sqlitePath` is used. */
  databaseUrl?: string;
  sqlitePath: string;
  /** Shared with the gateway: verifies the forwarded identity. */
  identitySecret: string;
  /** Rule 13: days in SOLUTION_PROVIDED without customer activity before a case closes itself. */
  autoCloseDays: number;
  autoCloseIntervalSeconds: number;
  /** Attachments subgraph, asked to check and attach staged files. */
  attachmentsUrl?: string;
  logLevel: string;
}

export function casesConfig(env: Record<string, string | undefined> = process.env): CasesConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  return {
    environment,
    host: readString(env, "CASES_HOST", "127.0.0.1"),
    port: readInt(env, "CASES_PORT", 4001, { max: 65535 }),
    databaseUrl: readOptional(env, "CASES_DATABASE_URL"),
    sqlitePath: join(dataDir, "cases.sqlite"),
    identitySecret: readSecret(env, "IDENTITY_SECRET", environment),
    autoCloseDays: readInt(env, "AUTO_CLOSE_DAYS", 14, { min: 1, max: 365 }),
    autoCloseIntervalSeconds: readInt(env, "AUTO_CLOSE_INTERVAL_SECONDS", 3600, { min: 1 }),
    attachmentsUrl: readOptional(env, "ATTACHMENTS_URL"),
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
