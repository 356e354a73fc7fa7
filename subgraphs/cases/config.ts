import type { KeyObject } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import { ConfigError, devDefaultPolicy, readEnvironment, readInt, readOptional, readReplicaUrls, readString, readUrl } from "../kit/env.js";
import { readIdentityPublicKey } from "../kit/identity-keys.js";
import { readResponseTargets, type ResponseTargets } from "../kit/response-targets.js";
import { type OutboxThresholds, readOutboxThresholds } from "../kit/telemetry/outbox-monitor.js";
import { DEFAULT_HOST, SUBGRAPHS, subgraphUrl } from "../kit/topology.js";

/** Everything the cases subgraph reads from the environment, validated once at start-up. */
export interface CasesConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  /** MySQL URL; when absent, the embedded SQLite file `sqlitePath` is used. */
  databaseUrl?: string;
  /** Read replicas of the MySQL database (CASES_DATABASE_REPLICA_URLS): queries read there (kit/read-routing.ts). */
  databaseReplicaUrls: string[];
  sqlitePath: string;
  /** The gateway's public key (IDENTITY_PUBLIC_KEY): verifies forwarded identities, cannot sign one. */
  identityPublicKey: KeyObject;
  /** Rule 13: days in SOLUTION_PROVIDED without customer activity before a case closes itself. */
  autoCloseDays: number;
  autoCloseIntervalSeconds: number;
  /** Days the case feed keeps its events (CASE_FEED_RETENTION_DAYS, at least 7): how far back `after:` can resume. */
  feedRetentionDays: number;
  /** Hours for support's next response by severity (RESPONSE_TARGET_<SEVERITY>_HOURS): `Case.dueAt`, `Case.overdue`. */
  responseTargets: ResponseTargets;
  /** Attachments subgraph, asked to reserve, confirm and release staged files. */
  attachmentsUrl?: string;
  logLevel: string;
  mail: MailConfig;
  reservations: ReservationConfig;
  /** When `/ready` reports an outbox (mail, file reservations) as degraded (OUTBOX_DEGRADED_*). */
  outboxThresholds: OutboxThresholds;
  webhooks: WebhookConfig;
}

/** Partner webhooks (see webhook/): how deliveries are retried, signed and where they may go. */
export interface WebhookConfig {
  /** Seconds between dispatcher passes (WEBHOOK_DISPATCH_INTERVAL_SECONDS, default 5; 0: not on a timer, tests drive the passes). */
  dispatchIntervalSeconds: number;
  /** How long one delivery is retried before it is FAILED (WEBHOOK_RETRY_HOURS, default 24, at most 168: the case feed keeps events at least 7 days). */
  retryHours: number;
  /** First retry delay after a failure; doubles with every consecutive failure of the endpoint, capped at one hour (WEBHOOK_RETRY_BASE_SECONDS, default 30). */
  retryBaseSeconds: number;
  /** Consecutive failed attempts after which an endpoint is disabled and its contact told (WEBHOOK_DISABLE_AFTER_FAILURES, default 15). */
  disableAfterFailures: number;
  /** How long a rotated-out secret keeps signing next to the new one (WEBHOOK_SECRET_OVERLAP_HOURS, default 24). */
  secretOverlapHours: number;
  /** Time for one delivery: connect, send, answer (WEBHOOK_TIMEOUT_SECONDS, default 10). */
  timeoutSeconds: number;
  /** How long a dispatcher pass owns the deliveries it claimed (WEBHOOK_LEASE_SECONDS, default 120). */
  leaseSeconds: number;
  /** Deliveries sent at once by one pass (WEBHOOK_CONCURRENCY, default 8; one case's events to one endpoint go one after another, in order). */
  concurrency: number;
  /**
   * Addresses an endpoint may resolve to although they are loopback or private (WEBHOOK_ALLOWED_ADDRESSES, comma-separated
   * IPs, e.g. 127.0.0.1 for a local receiver; plain http is then allowed to them). Refused when NODE_ENV counts as production.
   */
  allowedAddresses: string[];
}

/** How reservations of files joining a case end when their request could not finish them (see attachment-reservation/). */
export interface ReservationConfig {
  /**
   * A reservation still PENDING this long after it was written belongs to a request that died, and its
   * files are given back (RESERVATION_PENDING_TIMEOUT_SECONDS). Keep it well above the longest a
   * createCase or addCaseUpdate can take (subgraph timeout plus lock waits).
   */
  pendingTimeoutSeconds: number;
  /** How long a relay pass owns the commands it claimed, and how long a request's own try has before the relay steps in (RESERVATION_LEASE_SECONDS). */
  leaseSeconds: number;
}

/** How case e-mails leave the outbox (see notification/notification.dispatcher.ts). */
export interface MailConfig {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://...:465`; nodemailer reads TLS and auth from it. Absent: `.eml` files in `directory`. */
  smtpUrl?: string;
  /** Sender of every case e-mail (header From and envelope MAIL FROM). */
  from: string;
  /** Where `.eml` files go when no SMTP_URL is set. */
  directory: string;
  /** Origin of the web portal; mails link to `<portalUrl>/cases/<caseNumber>`. */
  portalUrl: string;
  dispatchIntervalSeconds: number;
  /** Tries of one message (temporary failures) before it is marked FAILED. */
  maxAttempts: number;
  /** First retry delay; doubles with every further try, capped at one hour. */
  retryBaseSeconds: number;
  /** How long a dispatcher owns the rows it claimed; after that another may take them over. */
  leaseSeconds: number;
}

export function casesConfig(env: Record<string, string | undefined> = process.env): CasesConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  const host = readString(env, SUBGRAPHS.cases.hostVariable, DEFAULT_HOST);
  return {
    environment,
    host,
    port: readInt(env, SUBGRAPHS.cases.portVariable, SUBGRAPHS.cases.port, { max: 65535 }),
    databaseUrl: readOptional(env, "CASES_DATABASE_URL"),
    databaseReplicaUrls: readReplicaUrls(env, "CASES_DATABASE_REPLICA_URLS", "CASES_DATABASE_URL"),
    sqlitePath: join(dataDir, "cases.sqlite"),
    identityPublicKey: readIdentityPublicKey(env, "IDENTITY_PUBLIC_KEY", devDefaultPolicy(env, { [SUBGRAPHS.cases.hostVariable]: host })),
    autoCloseDays: readInt(env, "AUTO_CLOSE_DAYS", 14, { min: 1, max: 365 }),
    autoCloseIntervalSeconds: readInt(env, "AUTO_CLOSE_INTERVAL_SECONDS", 3600, { min: 1 }),
    feedRetentionDays: readInt(env, "CASE_FEED_RETENTION_DAYS", 7, { min: 7, max: 3650 }),
    responseTargets: readResponseTargets(env),
    attachmentsUrl: readUrl(env, SUBGRAPHS.attachments.urlVariable, subgraphUrl("attachments")),
    logLevel: readString(env, "LOG_LEVEL", "info"),
    mail: {
      smtpUrl: readOptional(env, "SMTP_URL") && readUrl(env, "SMTP_URL"),
      from: readMailFrom(env),
      directory: readString(env, "MAIL_DIR", join(dataDir, "mail")),
      portalUrl: readUrl(env, "PORTAL_URL", "http://localhost:3000"),
      dispatchIntervalSeconds: readInt(env, "MAIL_DISPATCH_INTERVAL_SECONDS", 10, { min: 1 }),
      maxAttempts: readInt(env, "MAIL_MAX_ATTEMPTS", 8, { min: 1, max: 100 }),
      retryBaseSeconds: readInt(env, "MAIL_RETRY_BASE_SECONDS", 60, { min: 1 }),
      leaseSeconds: readInt(env, "MAIL_LEASE_SECONDS", 300, { min: 30 }),
    },
    reservations: {
      pendingTimeoutSeconds: readInt(env, "RESERVATION_PENDING_TIMEOUT_SECONDS", 300, { min: 60, max: 86_400 }),
      leaseSeconds: readInt(env, "RESERVATION_LEASE_SECONDS", 60, { min: 5, max: 3600 }),
    },
    outboxThresholds: readOutboxThresholds(env),
    webhooks: readWebhookConfig(env, environment),
  };
}

/** WEBHOOK_*: see WebhookConfig. The loopback/private allowance is for tests and local trials, never production. */
export function readWebhookConfig(env: Record<string, string | undefined>, environment = readEnvironment(env)): WebhookConfig {
  const allowedAddresses = (readOptional(env, "WEBHOOK_ALLOWED_ADDRESSES") ?? "")
    .split(",")
    .map((address) => address.trim())
    .filter(Boolean);
  for (const address of allowedAddresses) {
    if (isIP(address) === 0) throw new ConfigError(`WEBHOOK_ALLOWED_ADDRESSES must list IP addresses, got "${address}"`);
  }
  if (allowedAddresses.length > 0 && environment === "production") {
    throw new ConfigError(`WEBHOOK_ALLOWED_ADDRESSES lets webhooks reach loopback or private addresses, which production refuses (NODE_ENV=${env.NODE_ENV})`);
  }
  return {
    dispatchIntervalSeconds: readInt(env, "WEBHOOK_DISPATCH_INTERVAL_SECONDS", 5, { min: 0, max: 3600 }),
    retryHours: readInt(env, "WEBHOOK_RETRY_HOURS", 24, { min: 1, max: 168 }),
    retryBaseSeconds: readInt(env, "WEBHOOK_RETRY_BASE_SECONDS", 30, { min: 1, max: 3600 }),
    disableAfterFailures: readInt(env, "WEBHOOK_DISABLE_AFTER_FAILURES", 15, { min: 1, max: 1000 }),
    secretOverlapHours: readInt(env, "WEBHOOK_SECRET_OVERLAP_HOURS", 24, { min: 0, max: 720 }),
    timeoutSeconds: readInt(env, "WEBHOOK_TIMEOUT_SECONDS", 10, { min: 1, max: 60 }),
    leaseSeconds: readInt(env, "WEBHOOK_LEASE_SECONDS", 120, { min: 30, max: 3600 }),
    concurrency: readInt(env, "WEBHOOK_CONCURRENCY", 8, { min: 1, max: 64 }),
    allowedAddresses,
  };
}

/** `Name <address>` or a bare address: it is both the From header and the SMTP envelope sender. */
function readMailFrom(env: Record<string, string | undefined>): string {
  const value = readString(env, "MAIL_FROM", "Support Portal <no-reply@support.example>");
  if (!/(^|<)[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>?$/.test(value.trim())) throw new ConfigError(`MAIL_FROM must be an e-mail address or "Name <address>", got "${value}"`);
  return value.trim();
}
