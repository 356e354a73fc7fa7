import { join } from "node:path";
import { readEnvironment, readInt, readOptional, readSecret, readString, readUrl } from "../kit/env.js";

/** Everything the threat-analysis subgraph reads from the environment, validated once at start-up. */
export interface ThreatsConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  databaseUrl?: string;
  sqlitePath: string;
  identitySecret: string;
  /** The cases subgraph, asked about a case's organization, category and status. */
  casesUrl: string;
  /** The attachments subgraph, asked about submitted files. */
  attachmentsUrl: string;
  logLevel: string;
}

export function threatsConfig(env: Record<string, string | undefined> = process.env): ThreatsConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  return {
    environment,
    host: readString(env, "THREATS_HOST", "127.0.0.1"),
    port: readInt(env, "THREATS_PORT", 4003, { max: 65535 }),
    databaseUrl: readOptional(env, "THREATS_DATABASE_URL"),
    sqlitePath: join(dataDir, "threats.sqlite"),
    identitySecret: readSecret(env, "IDENTITY_SECRET", environment),
    casesUrl: readUrl(env, "CASES_URL", "http://127.0.0.1:4001/graphql"),
    attachmentsUrl: readUrl(env, "ATTACHMENTS_URL", "http://127.0.0.1:4002/graphql"),
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
