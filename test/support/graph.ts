import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { demoUser } from "../../gateway/auth/demo-users.js";
import type { Gateway } from "../../gateway/gateway.js";
import { type SubgraphName, startLocalGraph } from "../../scripts/local-graph.js";
import type { AttachmentsSubgraph } from "../../subgraphs/attachments/attachments-subgraph.js";
import type { ReservationFaults } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.coordinator.js";
import type { Clock } from "../../subgraphs/cases/case/case.service.js";
import type { CasesSubgraph } from "../../subgraphs/cases/cases-subgraph.js";
import type { ThreatsSubgraph } from "../../subgraphs/threat-analysis/threats-subgraph.js";
import { createMysqlDatabases, type Database } from "./databases.js";
import { TEST_KEY_ENV } from "./identity-keys.js";

export const TEST_JWT_SECRET = "test-jwt-secret-of-at-least-32-characters";

export interface GraphOptions {
  database: Database;
  clock?: Clock;
  /** Extra environment for every service (limits, URLs). */
  env?: Record<string, string>;
  /** Last word on the services' environment (for example, routing one database through a proxy). */
  rewriteEnv?: (env: Record<string, string>) => Record<string, string>;
  /** Receives every SQL statement, tagged with the database it ran on. */
  onQuery?: (subgraph: SubgraphName, sql: string) => void;
  /** The cases subgraph's fault hook between the steps of attaching files (crash tests). */
  casesFaults?: ReservationFaults;
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface TestGraph {
  gatewayUrl: string;
  /** The DATA_DIR every service of this graph uses (SQLite files, blobs, mail). */
  dataDir: string;
  origin: string;
  urls: { cases: string; attachments: string; "threat-analysis": string };
  cases: CasesSubgraph;
  attachments: AttachmentsSubgraph;
  threats: ThreatsSubgraph;
  gateway: Gateway;
  /** A bearer token of a demo user (`customer@acme.example`, `engineer@support.example`, ...). */
  tokenFor(email: string): Promise<string>;
  /** POSTs an operation to the gateway as a client would. */
  request<T = Record<string, any>>(operation: { query: string; variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** The databases of one graph (each service has its own). */
export const GRAPH_DATABASES = ["cases", "attachments", "threats", "gateway"] as const;

/**
 * The environment every service of a test graph gets, whether it runs in this process (`startGraph`) or as
 * a child process (`startProcessGraph`): test mode, quiet logs, the test secrets, and MySQL databases when given.
 */
export function testGraphEnv(dataDir: string, mysqlUrls?: Record<(typeof GRAPH_DATABASES)[number], string>): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATA_DIR: dataDir,
    ...TEST_KEY_ENV,
    JWT_SECRET: TEST_JWT_SECRET,
    // Tests run the gateway's reservation relay themselves (gateway.relay.runOnce()), never on a timer.
    RESERVATION_RELAY_INTERVAL_SECONDS: "0",
    // Likewise the case-activity relay's interval; the pass after each threat mutation still runs.
    CASE_ACTIVITY_RELAY_INTERVAL_SECONDS: "0",
    // Likewise the webhook dispatcher: tests run its passes (a WebhookDispatcher of their own, on their clock).
    WEBHOOK_DISPATCH_INTERVAL_SECONDS: "0",
    // The gateway process's /metrics listener on a free port: graphs running side by side never collide on 9464.
    METRICS_PORT: "0",
    ...(mysqlUrls
      ? {
          CASES_DATABASE_URL: mysqlUrls.cases,
          ATTACHMENTS_DATABASE_URL: mysqlUrls.attachments,
          THREATS_DATABASE_URL: mysqlUrls.threats,
          GATEWAY_DATABASE_URL: mysqlUrls.gateway,
        }
      : {}),
  };
}

/** Posts a GraphQL operation over HTTP. */
export async function postGraphQL<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  let parsed: { data?: T; errors?: GraphQLResponse["errors"] };
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { errors: [{ message: text }] };
  }
  return { status: response.status, headers: response.headers, data: parsed.data ?? undefined, errors: parsed.errors };
}

/** A bearer token of a demo user (`customer@acme.example`, `engineer@support.example`, ...), signed with the test secret. */
export async function demoToken(email: string): Promise<string> {
  const claims = demoUser(email);
  if (!claims) throw new Error(`no demo user ${email}`);
  return signDevToken(claims, TEST_JWT_SECRET);
}

/** POSTs an operation to a gateway as a client would, with the bearer token when given. */
export function requestAs<T = Record<string, any>>(
  gatewayUrl: string,
  { query, variables, token, headers = {} }: { query: string; variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> },
): Promise<GraphQLResponse<T>> {
  return postGraphQL<T>(gatewayUrl, { query, variables }, { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers });
}

/**
 * Starts the whole graph in this process on free ports, on fresh databases (SQLite files in a temp
 * folder, or new MySQL databases), with real HTTP between every part.
 */
export async function startGraph(options: GraphOptions): Promise<TestGraph> {
  const dataDir = mkdtempSync(join(tmpdir(), "casegraph-test-"));
  const mysql = options.database === "mysql" ? await createMysqlDatabases(GRAPH_DATABASES) : undefined;
  const baseEnv: Record<string, string> = { ...testGraphEnv(dataDir, mysql?.urls), ...options.env };
  const env = options.rewriteEnv ? options.rewriteEnv(baseEnv) : baseEnv;
  const graph = await startLocalGraph(env, { clock: options.clock, onQuery: options.onQuery, casesFaults: options.casesFaults });
  const { gatewayUrl, urls, cases, attachments, threats, gateway } = graph;
  const origin = new URL(gatewayUrl).origin;

  return {
    gatewayUrl,
    dataDir,
    origin,
    urls,
    cases,
    attachments,
    threats,
    gateway,
    tokenFor: demoToken,
    request: <T>(operation: Parameters<typeof requestAs>[1]) => requestAs<T>(gatewayUrl, operation),
    async stop() {
      await graph.stop();
      await mysql?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
