import type { KeyObject } from "node:crypto";
import { type OutboxThresholds, readOutboxThresholds } from "../kit/telemetry/outbox-monitor.js";
import { join } from "node:path";
import { devDefaultPolicy, readEnvironment, readInt, readOptional, readReplicaUrls, readString, readUrl } from "../kit/env.js";
import { readIdentityPublicKey } from "../kit/identity-keys.js";
import { readResponseTargets, type ResponseTargets } from "../kit/response-targets.js";
import { DEFAULT_HOST, SUBGRAPHS, subgraphUrl } from "../kit/topology.js";

/** Everything the threat-analysis subgraph reads from the environment, validated once at start-up. */
export interface ThreatsConfig {
  environment: "development" | "production" | "test";
  host: string;
  port: number;
  databaseUrl?: string;
  /** Read replicas of the MySQL database (THREATS_DATABASE_REPLICA_URLS): queries read there (kit/read-routing.ts). */
  databaseReplicaUrls: string[];
  sqlitePath: string;
  /** The gateway's public key (IDENTITY_PUBLIC_KEY): verifies forwarded identities, cannot sign one. */
  identityPublicKey: KeyObject;
  /** The cases subgraph, asked about a case's organization, category and status. */
  casesUrl: string;
  /** The attachments subgraph, asked about submitted files. */
  attachmentsUrl: string;
  /** Hours for support's response to an analysis request, by the case's severity (RESPONSE_TARGET_<SEVERITY>_HOURS). */
  responseTargets: ResponseTargets;
  /** When `/ready` reports the case-activity outbox as degraded (OUTBOX_DEGRADED_*). */
  outboxThresholds: OutboxThresholds;
  logLevel: string;
}

export function threatsConfig(env: Record<string, string | undefined> = process.env): ThreatsConfig {
  const environment = readEnvironment(env);
  const dataDir = readString(env, "DATA_DIR", "data");
  const topology = SUBGRAPHS["threat-analysis"];
  const host = readString(env, topology.hostVariable, DEFAULT_HOST);
  return {
    environment,
    host,
    port: readInt(env, topology.portVariable, topology.port, { max: 65535 }),
    databaseUrl: readOptional(env, "THREATS_DATABASE_URL"),
    databaseReplicaUrls: readReplicaUrls(env, "THREATS_DATABASE_REPLICA_URLS", "THREATS_DATABASE_URL"),
    sqlitePath: join(dataDir, "threats.sqlite"),
    identityPublicKey: readIdentityPublicKey(env, "IDENTITY_PUBLIC_KEY", devDefaultPolicy(env, { [topology.hostVariable]: host })),
    casesUrl: readUrl(env, SUBGRAPHS.cases.urlVariable, subgraphUrl("cases")),
    attachmentsUrl: readUrl(env, SUBGRAPHS.attachments.urlVariable, subgraphUrl("attachments")),
    responseTargets: readResponseTargets(env),
    outboxThresholds: readOutboxThresholds(env),
    logLevel: readString(env, "LOG_LEVEL", "info"),
  };
}
