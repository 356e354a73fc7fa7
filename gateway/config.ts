import type { KeyObject } from "node:crypto";
import { join } from "node:path";
import { type OperationPolicyConfig, readOperationPolicy } from "./operations/operation-policy.js";
import { type ResumableUploadsConfig, readResumableUploads } from "./uploads/tus-config.js";
import { readSubscriptions, type SubscriptionsConfig } from "./subscriptions/subscriptions-config.js";
import type { QueryLimits } from "./protection/query-limits.js";
import type { RateLimitConfig } from "./protection/rate-limits.js";
import { parseTrustProxy, type TrustProxy } from "./protection/trust-proxy.js";
import { ConfigError, type DevDefaultPolicy, devDefaultPolicy, type Environment, readBoolean, readEnvironment, readInt, readOptional, readSecret, readString, readUrl } from "../subgraphs/kit/env.js";
import { DEV_FILE_LINK_SECRET } from "../subgraphs/kit/file-links.js";
import { readIdentityPrivateKey } from "../subgraphs/kit/identity-keys.js";
import { DEFAULT_HOST, DEFAULT_PUBLIC_URL, GATEWAY, SUBGRAPH_NAMES, SUBGRAPHS, subgraphUrl } from "../subgraphs/kit/topology.js";

/** Everything the gateway reads from the environment, validated once at start-up. */
export interface GatewayConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  /** Public origin clients use (download links point here). */
  publicUrl: string;
  /** HS256 secret of bearer tokens: development and tests only (`npm run token` signs with it); refused in production. */
  jwtSecret?: string;
  /** JWKS of a real identity provider (RS256/ES256); used instead of `jwtSecret` when set; required in production. */
  jwksUrl?: string;
  /** Required `iss` of bearer tokens (required in production). */
  jwtIssuer?: string;
  /** Required `aud` of bearer tokens (required in production). */
  jwtAudience?: string;
  /** Ed25519 private key (IDENTITY_PRIVATE_KEY) signing the identity forwarded to subgraphs; only the gateway holds it. */
  identityPrivateKey: KeyObject;
  /** Checks download links (FILE_LINK_SECRET, shared with the attachments subgraph, which signs them). */
  fileLinkSecret: string;
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
  /** Refused before execution with QUERY_TOO_COMPLEX: text length, depth, aliases, directives, tokens, cost (QUERY_MAX_*). */
  queryLimits: QueryLimits;
  /** Requests per minute per API key, user, and IP without valid credentials; in Redis when REDIS_URL is set. */
  rateLimits: RateLimitConfig;
  /**
   * Which proxies in front of the gateway to believe about the client's address (TRUST_PROXY: a hop
   * count, or the proxies' addresses/subnets; never `true`). Behind a load balancer set it, or every
   * client shares the load balancer's address and so one unauthenticated budget.
   */
  trustProxy: TrustProxy;
  /** Largest JSON request body in bytes (JSON_BODY_LIMIT, e.g. "1mb"); larger ones get 413. Uploads have their own limits. */
  jsonBodyLimit: number;
  /**
   * The slowest an upload may arrive: fewer than `uploadMinBytesPerSecond` over any `uploadRateWindowSeconds`
   * (UPLOAD_MIN_BYTES_PER_SECOND, UPLOAD_RATE_WINDOW_SECONDS) ends it with 408, so that a client trickling
   * bytes cannot hold a connection, a subgraph request and a temporary file open. 0 turns the check off.
   */
  uploadMinBytesPerSecond: number;
  uploadRateWindowSeconds: number;
  /** Append log lines (including the audit log) to this file instead of stdout. */
  logFile?: string;
  /**
   * How long a rotated partner API key keeps working after `npm run apikey -- rotate` (default 24 h,
   * time to roll the new key out to every integration), then it stops.
   */
  apiKeyRotationGraceSeconds: number;
  /**
   * How often the reservation relay (gateway/relay/) delivers the confirm/release commands of files
   * joining cases whose request could not (RESERVATION_RELAY_INTERVAL_SECONDS, default 5; 0 turns it
   * off, for tests that run passes themselves). Keep it on in every deployment: without it, files of
   * an interrupted request stay held.
   */
  reservationRelayIntervalSeconds: number;
  /**
   * How often the case-activity relay (gateway/relay/case-activity-relay.ts) carries threat activity
   * from the threat-analysis subgraph's outbox to the cases subgraph (CASE_ACTIVITY_RELAY_INTERVAL_SECONDS,
   * default 5; 0 turns it off, for tests that run passes themselves). Keep it on: it delivers what the
   * pass after a mutation could not (the cases subgraph was down or slow).
   */
  caseActivityRelayIntervalSeconds: number;
  /**
   * After a mutation that reached the threat-analysis subgraph, the gateway runs a case-activity relay
   * pass and waits for it at most this long before answering (CASE_ACTIVITY_DELIVERY_WAIT_MS, default
   * 2000; 0 turns it off), so the client reads the case's history right after its mutation.
   */
  caseActivityDeliveryWaitMs: number;
  /**
   * Where Prometheus scrapes `GET /metrics` (main.ts): a listener of its own, never the public port.
   * METRICS_HOST defaults to loopback; METRICS_PORT to 9464 (0 picks a free port).
   */
  metricsHost: string;
  metricsPort: number;
  /** Who runs persisted operations only (PERSISTED_ONLY_CLIENTS; API keys carry their own flag). See gateway/operations/. */
  operationPolicy: OperationPolicyConfig;
  /**
   * After a mutation or an upload, the caller's queries read from the subgraphs' primary databases for
   * this long (READ_YOUR_WRITES_SECONDS, default 10; 0 turns it off), shared through Redis when
   * REDIS_URL is set. Matters only where subgraphs read from replicas (*_DATABASE_REPLICA_URLS).
   */
  readYourWritesSeconds: number;
  /** Resumable uploads at /uploads/tus: store, per-caller limits, expiry of abandoned uploads (RESUMABLE_UPLOAD_*). See gateway/uploads/tus-uploads.ts. */
  resumableUploads: ResumableUploadsConfig;
  /** Live subscriptions (graphql-ws at /graphql, graphql-sse at /graphql/stream): feed polling, per-caller limits, credential checks. See gateway/subscriptions/. */
  subscriptions: SubscriptionsConfig;
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size such as `1048576`, `512kb` or `1mb`, in bytes. */
function readByteSize(env: Record<string, string | undefined>, name: string, fallback: string): number {
  const raw = readString(env, name, fallback);
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) throw new ConfigError(`${name} must be a size such as 1mb, 512kb or 1048576, got "${raw}"`);
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? "").toLowerCase()]!;
}

type Env = Record<string, string | undefined>;

/**
 * Bearer tokens. In production they come from an identity provider: JWKS_URL, JWT_ISSUER and
 * JWT_AUDIENCE are required, and JWT_SECRET is refused (a shared HS256 secret is a development
 * convenience; kept in production, it would be one more key that mints any user).
 */
function readBearerTokens(env: Env, environment: Environment, devDefaults: DevDefaultPolicy): Pick<GatewayConfig, "jwtSecret" | "jwksUrl" | "jwtIssuer" | "jwtAudience"> {
  if (environment === "production") {
    if (readOptional(env, "JWT_SECRET"))
      throw new ConfigError(`JWT_SECRET is for development only (NODE_ENV=${env.NODE_ENV} counts as production): unset it, and set JWKS_URL, JWT_ISSUER and JWT_AUDIENCE of your identity provider`);
    for (const name of ["JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"]) {
      if (!readOptional(env, name)) throw new ConfigError(`${name} is required in production (NODE_ENV=${env.NODE_ENV}): bearer tokens come from an identity provider (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE)`);
    }
  }
  const jwksUrl = readOptional(env, "JWKS_URL") && readUrl(env, "JWKS_URL");
  return {
    jwtSecret: jwksUrl ? readOptional(env, "JWT_SECRET") : readSecret(env, "JWT_SECRET", devDefaults),
    jwksUrl,
    jwtIssuer: readOptional(env, "JWT_ISSUER"),
    jwtAudience: readOptional(env, "JWT_AUDIENCE"),
  };
}

export function gatewayConfig(env: Env = process.env): GatewayConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  const host = readString(env, GATEWAY.hostVariable, DEFAULT_HOST);
  const devDefaults = devDefaultPolicy(env, { [GATEWAY.hostVariable]: host });
  return {
    environment,
    host,
    port: readInt(env, GATEWAY.portVariable, GATEWAY.port, { max: 65535 }),
    publicUrl: readUrl(env, "PUBLIC_URL", DEFAULT_PUBLIC_URL),
    ...readBearerTokens(env, environment, devDefaults),
    identityPrivateKey: readIdentityPrivateKey(env, "IDENTITY_PRIVATE_KEY", devDefaults),
    fileLinkSecret: readSecret(env, "FILE_LINK_SECRET", devDefaults, DEV_FILE_LINK_SECRET),
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, readUrl(env, SUBGRAPHS[name].urlVariable, subgraphUrl(name))])),
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
      maxLength: readInt(env, "QUERY_MAX_LENGTH", 100_000, { min: 100 }),
      maxCost: readInt(env, "QUERY_MAX_COST", 1_000, { min: 1 }),
    },
    readYourWritesSeconds: readInt(env, "READ_YOUR_WRITES_SECONDS", 10, { max: 3600 }),
    rateLimits: {
      apiKeyPerMinute: readInt(env, "RATE_LIMIT_API_KEY_PER_MINUTE", 600, { min: 1 }),
      userPerMinute: readInt(env, "RATE_LIMIT_USER_PER_MINUTE", 300, { min: 1 }),
      unauthenticatedPerMinute: readInt(env, "RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE", 30, { min: 1 }),
      redisUrl: readOptional(env, "REDIS_URL") && readUrl(env, "REDIS_URL"),
      keyPrefix: readString(env, "RATE_LIMIT_KEY_PREFIX", "casegraph:rate"),
    },
    jsonBodyLimit: readByteSize(env, "JSON_BODY_LIMIT", "1mb"),
    uploadMinBytesPerSecond: readInt(env, "UPLOAD_MIN_BYTES_PER_SECOND", 1024),
    uploadRateWindowSeconds: readInt(env, "UPLOAD_RATE_WINDOW_SECONDS", 30, { min: 1 }),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logFile: readOptional(env, "LOG_FILE"),
    apiKeyRotationGraceSeconds: readInt(env, "API_KEY_ROTATION_GRACE_SECONDS", 86_400, { max: 30 * 86_400 }),
    reservationRelayIntervalSeconds: readInt(env, "RESERVATION_RELAY_INTERVAL_SECONDS", 5, { min: 0, max: 3600 }),
    caseActivityRelayIntervalSeconds: readInt(env, "CASE_ACTIVITY_RELAY_INTERVAL_SECONDS", 5, { min: 0, max: 3600 }),
    caseActivityDeliveryWaitMs: readInt(env, "CASE_ACTIVITY_DELIVERY_WAIT_MS", 2_000, { min: 0, max: 30_000 }),
    metricsHost: readString(env, "METRICS_HOST", DEFAULT_HOST),
    metricsPort: readInt(env, "METRICS_PORT", 9464, { max: 65535 }),
    operationPolicy: readOperationPolicy(env),
    resumableUploads: readResumableUploads(env),
    subscriptions: readSubscriptions(env),
  };
}
