import type { KeyObject } from "node:crypto";
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
  /** Hours for support's next response by severity (RESPONSE_TARGET_<SEVERITY>_HOURS): `Case.dueAt`, `Case.overdue`. */
  responseTargets: ResponseTargets;
  /** Attachments subgraph, asked to reserve, confirm and release staged files. */
  attachmentsUrl?: string;
  logLevel: string;
  mail: MailConfig;
  reservations: ReservationConfig;
  /** When `/ready` reports an outbox (mail, file reservations) as degraded (OUTBOX_DEGRADED_*). */
  outboxThresholds: OutboxThresholds;
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
  };
}

/** `Name <address>` or a bare address: it is both the From header and the SMTP envelope sender. */
function readMailFrom(env: Record<string, string | undefined>): string {
  const value = readString(env, "MAIL_FROM", "Support Portal <no-reply@support.example>");
  if (!/(^|<)[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>?$/.test(value.trim())) throw new ConfigError(`MAIL_FROM must be an e-mail address or "Name <address>", got "${value}"`);
  return value.trim();
}
