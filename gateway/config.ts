import { join } from "node:path";
import type { QueryLimits } from "./protection/query-limits.js";
import type { RateLimitConfig } from "./protection/rate-limits.js";
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
  /** Identical read-only subgraph calls in flight at once share one upstream request (default on). */
  subgraphDeduplication: boolean;
  logLevel: string;
  /** Refused before execution with QUERY_TOO_COMPLEX: depth, aliases, directives, tokens, cost (QUERY_MAX_*). */
  queryLimits: QueryLimits;
  /** Requests per minute per API key, user, and IP without valid credentials; in Redis when REDIS_URL is set. */
  rateLimits: RateLimitConfig;
  /**
   * Which proxies in front of the gateway to believe about the client's address (Express `trust proxy`:
   * false, true, a hop count, or addresses/subnets). Behind a load balancer set it, or every client shares
   * the load balancer's address and so one unauthenticated budget.
   */
  trustProxy: boolean | number | string;
  /** Largest JSON request body in bytes (JSON_BODY_LIMIT, e.g. "1mb"); larger ones get 413. Uploads have their own limits. */
  jsonBodyLimit: number;
  /** Append log lines (including the audit log) to this file instead of stdout. */
  logFile?: string;
  /**
   * How long a rotated partner API key keeps working after `npm run apikey -- rotate` (default 24 h,
   * time to roll the new key out to every integration), then it stops.
   */
  apiKeyRotationGraceSeconds: number;
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size such as `1048576`, `512kb` or `1mb`, in bytes. */
function readByteSize(env: Record<string, string | undefined>, name: string, fallback: string): number {
  const raw = readString(env, name, fallback);
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) throw new ConfigError(`${name} must be a size such as 1mb, 512kb or 1048576, got "${raw}"`);
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? "").toLowerCase()]!;
}

function readTrustProxy(env: Record<string, string | undefined>): boolean | number | string {
  const raw = readOptional(env, "TRUST_PROXY");
  if (raw === undefined) return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (["true", "false"].includes(raw.toLowerCase())) return readBoolean(env, "TRUST_PROXY", false);
  return raw;
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
    subgraphDeduplication: readBoolean(env, "SUBGRAPH_DEDUPLICATION", true),
    logLevel: readString(env, "LOG_LEVEL", "info"),
    queryLimits: {
      maxDepth: readInt(env, "QUERY_MAX_DEPTH", 10, { min: 1 }),
      maxAliases: readInt(env, "QUERY_MAX_ALIASES", 15),
      maxDirectives: readInt(env, "QUERY_MAX_DIRECTIVES", 50),
      maxTokens: readInt(env, "QUERY_MAX_TOKENS", 1_000, { min: 10 }),
      maxCost: readInt(env, "QUERY_MAX_COST", 1_000, { min: 1 }),
    },
    rateLimits: {
      apiKeyPerMinute: readInt(env, "RATE_LIMIT_API_KEY_PER_MINUTE", 600, { min: 1 }),
      userPerMinute: readInt(env, "RATE_LIMIT_USER_PER_MINUTE", 300, { min: 1 }),
      unauthenticatedPerMinute: readInt(env, "RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE", 30, { min: 1 }),
      redisUrl: readOptional(env, "REDIS_URL") && readUrl(env, "REDIS_URL"),
      keyPrefix: readString(env, "RATE_LIMIT_KEY_PREFIX", "casegraph:rate"),
    },
    jsonBodyLimit: readByteSize(env, "JSON_BODY_LIMIT", "1mb"),
    trustProxy: readTrustProxy(env),
    logFile: readOptional(env, "LOG_FILE"),
    apiKeyRotationGraceSeconds: readInt(env, "API_KEY_ROTATION_GRACE_SECONDS", 86_400, { max: 30 * 86_400 }),
  };
}
