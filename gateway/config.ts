import { join } from "node:path";
import { ConfigError, readBoolean, readEnvironment, readInt, readOptional, readSecret, readString, readUrl } from "../subgraphs/kit/env.js";

/** Everything the gateway reads from the environment, validated once at start-up. */
export interface GatewayConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  /** Public origin clients use (download links point here). */
  publicUrl: string;
  /** HS256 secret of bearer tokens (development and tests; `npm run token` signs with it). */
  jwtSecret?: string;
  /** JWKS of a real identity provider (RS256/ES256); used instead of `jwtSecret` when set. */
  jwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  /** Signs the identity forwarded to subgraphs; shared with them. */
  identitySecret: string;
  subgraphUrls: Record<string, string>;
  supergraphPath: string;
  /** The gateway's own database (partners, API keys); SQLite under data/ when absent. */
  databaseUrl?: string;
  sqlitePath: string;
  /** GraphQL IDE at `/` and introspection; on in development, off in production unless enabled. */
  explorer: boolean;
  subgraphTimeoutMs: number;
  logLevel: string;
}

export function gatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  const jwksUrl = readOptional(env, "JWKS_URL");
  const jwtSecret = jwksUrl ? readOptional(env, "JWT_SECRET") : readSecret(env, "JWT_SECRET", environment);
  if (jwksUrl) readUrl(env, "JWKS_URL");
  if (environment === "production" && !jwksUrl && !readOptional(env, "JWT_SECRET")) throw new ConfigError("JWKS_URL or JWT_SECRET is required in production");
  return {
    environment,
    host: readString(env, "GATEWAY_HOST", "127.0.0.1"),
    port: readInt(env, "GATEWAY_PORT", 4000, { max: 65535 }),
    publicUrl: readUrl(env, "PUBLIC_URL", "http://localhost:4000"),
    jwtSecret,
    jwksUrl,
    jwtIssuer: readOptional(env, "JWT_ISSUER"),
    jwtAudience: readOptional(env, "JWT_AUDIENCE"),
    identitySecret: readSecret(env, "IDENTITY_SECRET", environment),
    subgraphUrls: {
      cases: readUrl(env, "CASES_URL", "http://127.0.0.1:4001/graphql"),
      attachments: readUrl(env, "ATTACHMENTS_URL", "http://127.0.0.1:4002/graphql"),
      "threat-analysis": readUrl(env, "THREATS_URL", "http://127.0.0.1:4003/graphql"),
    },
    supergraphPath: readString(env, "SUPERGRAPH_PATH", join("schema", "supergraph.graphql")),
    databaseUrl: readOptional(env, "GATEWAY_DATABASE_URL"),
    sqlitePath: join(dataDir, "gateway.sqlite"),
    explorer: readBoolean(env, "EXPLORER", environment !== "production"),
    subgraphTimeoutMs: readInt(env, "SUBGRAPH_TIMEOUT_MS", 10_000, { min: 100 }),
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
