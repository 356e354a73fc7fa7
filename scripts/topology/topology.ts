import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { generateIdentityKeys } from "../../subgraphs/kit/identity-keys.js";
import { SUBGRAPH_NAMES, SUBGRAPHS, type SubgraphName } from "../../subgraphs/kit/topology.js";
import { type Backend, haproxyCommand, startHaproxy } from "./haproxy.js";
import { followPrimary, installMariadb, type MariadbServer, startMariadb } from "./mariadb.js";
import { freePort, type ProcessSpec, Supervisor, waitFor } from "./processes.js";

/** The production topology on one machine: every component its own process (see README, "The topology on one machine"). */
export interface TopologyOptions {
  /** The compiled tree (`dist/`, or a test's own build): `<buildDir>/gateway/main.js`, ... */
  buildDir: string;
  /** Working folder: data directories, HAProxy's configuration and socket, `<process>.log` of each process. The caller owns it. */
  dir: string;
  /** Replicas per service (2). */
  replicas?: number;
  /** Extra environment of every service (SMTP_URL, JWT_SECRET, LOG_LEVEL, limits); wins over the defaults. */
  env?: Record<string, string>;
  /** Progress lines. */
  log?: (line: string) => void;
  /** A process exited without being told to. */
  onUnexpectedExit?: (name: string, code: number | null, signal: string | null, output: string) => void;
}

export type ServiceKind = "gateway" | SubgraphName;
export const SERVICE_KINDS: readonly ServiceKind[] = [...SUBGRAPH_NAMES, "gateway"];

/** The databases of the graph on the primary (docker/mysql-init.sql), by the service that owns each. */
export const DATABASES: Record<ServiceKind, string> = { cases: "casegraph_cases", attachments: "casegraph_attachments", "threat-analysis": "casegraph_threats", gateway: "casegraph_gateway" };
const DATABASE_VARIABLE: Record<ServiceKind, string> = { cases: "CASES_DATABASE_URL", attachments: "ATTACHMENTS_DATABASE_URL", "threat-analysis": "THREATS_DATABASE_URL", gateway: "GATEWAY_DATABASE_URL" };
export const S3_BUCKETS = { files: "casegraph", resumableUploads: "casegraph-uploads" };
const S3_CREDENTIALS = { S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" };

export interface Topology {
  /** The gateway as clients reach it: HAProxy's gateway frontend. */
  gatewayUrl: string;
  /** `<kind>-<n>` of every service replica (HAProxy's server names too). */
  replicaNames(kind: ServiceKind): string[];
  /** HAProxy's frontend port of each service. */
  frontendPorts: Record<ServiceKind, number>;
  /** Each service replica's environment, as docker-compose.yml names the variables. */
  envOf(replica: string): Record<string, string>;
  primary: MariadbServer;
  replica: MariadbServer;
  /** `mariadb://root@127.0.0.1:<port>/<database>` on the primary. */
  databaseUrl(kind: ServiceKind): string;
  redisUrl: string;
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; bucket: string };
  supervisor: Supervisor;
  /** A command to HAProxy's runtime API (`set server gateway/gateway-1 state maint`). */
  haproxy(command: string): Promise<string>;
  /** Stops everything that was started, in reverse order. */
  stop(): Promise<void>;
}

/** Like Promise.all, but settles only when every start has: a failure never leaves a start running past the clean-up. */
async function all<T>(starts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

async function redisAnswers(port: number): Promise<boolean> {
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } finally {
    client.disconnect();
  }
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.ok;
}

/**
 * Starts, in order: MariaDB primary and replica (GTID replication), Redis, s3rver, HAProxy, the
 * subgraph replicas (the first of each before the second: each runs the migrations of its database
 * when it starts), the gateway replicas. Stops what it started when a step fails.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const log = options.log ?? (() => undefined);
  const replicas = options.replicas ?? 2;
  const supervisor = new Supervisor(log, options.onUnexpectedExit, options.dir);
  try {
    mkdirSync(options.dir, { recursive: true });
    const port = async () => freePort();
    const [primaryPort, replicaPort, redisPort, s3Port] = [await port(), await port(), await port(), await port()];
    const frontendPorts = Object.fromEntries(await Promise.all(SERVICE_KINDS.map(async (kind) => [kind, await port()] as const))) as Record<ServiceKind, number>;
    const replicaPorts: Record<string, number> = {};
    for (const kind of SERVICE_KINDS) for (let n = 1; n <= replicas; n++) replicaPorts[`${kind}-${n}`] = await port();
    const replicaNames = (kind: ServiceKind) => Array.from({ length: replicas }, (_, index) => `${kind}-${index + 1}`);

    log("starting MariaDB primary and replica (mariadb-install-db, GTID replication)");
    const primaryOptions = { name: "mariadb-primary", dir: join(options.dir, "mariadb-primary"), port: primaryPort, serverId: 1 };
    const replicaOptions = { name: "mariadb-replica", dir: join(options.dir, "mariadb-replica"), port: replicaPort, serverId: 2, replica: true };
    await installMariadb(primaryOptions);
    await installMariadb(replicaOptions);
    const [primary, replica] = (await all([startMariadb(supervisor, primaryOptions), startMariadb(supervisor, replicaOptions)])) as [MariadbServer, MariadbServer];
    await followPrimary(replica, primary);
    await primary.sql(Object.values(DATABASES).map((name) => `CREATE DATABASE IF NOT EXISTS \`${name}\``));

    log("starting Redis and s3rver");
    const redisDir = join(options.dir, "redis");
    mkdirSync(redisDir, { recursive: true });
    await supervisor.start({
      name: "redis",
      command: "redis-server",
      args: ["--bind", "127.0.0.1", "--port", String(redisPort), "--save", "", "--appendonly", "no", "--dir", redisDir],
      ready: () => redisAnswers(redisPort),
    });
    const s3Dir = join(options.dir, "s3");
    mkdirSync(s3Dir, { recursive: true });
    await supervisor.start({
      name: "s3rver",
      command: process.execPath,
      args: [
        join(process.cwd(), "node_modules", "s3rver", "bin", "s3rver.js"),
        "-d",
        s3Dir,
        "-a",
        "127.0.0.1",
        "-p",
        String(s3Port),
        "--silent",
        "--configure-bucket",
        S3_BUCKETS.files,
        "--configure-bucket",
        S3_BUCKETS.resumableUploads,
      ],
      env: { PATH: process.env.PATH ?? "" },
      ready: async () => {
        const response = await fetch(`http://127.0.0.1:${s3Port}/${S3_BUCKETS.files}`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        return response.status !== 404 && response.status < 500;
      },
    });

    // s3rver's folder store removes a key's folder when its last object goes, and an upload into that folder
    // at the same moment then fails to open its file, an error s3rver does not handle: it exits. A file that
    // is no object (s3rver lists only its own object files) keeps the folder of uploads in flight (`tmp/`).
    mkdirSync(join(s3Dir, S3_BUCKETS.files, "tmp"), { recursive: true });
    writeFileSync(join(s3Dir, S3_BUCKETS.files, "tmp", ".keep"), "");

    log("starting HAProxy in front of every service");
    const backends: Backend[] = SERVICE_KINDS.map((kind) => ({ name: kind, frontendPort: frontendPorts[kind], serverPorts: replicaNames(kind).map((name) => replicaPorts[name]!) }));
    const { statsSocket } = await startHaproxy(supervisor, { dir: options.dir, backends });

    const keys = generateIdentityKeys().env;
    const fileLinkSecret = options.env?.FILE_LINK_SECRET ?? "topology-file-link-secret-of-32-characters+";
    const s3 = { endpoint: `http://127.0.0.1:${s3Port}`, accessKeyId: S3_CREDENTIALS.S3_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.S3_SECRET_ACCESS_KEY, bucket: S3_BUCKETS.files };
    const databaseUrl = (kind: ServiceKind) => `${primary.url}/${DATABASES[kind]}`;
    const frontend = (kind: ServiceKind) => `http://127.0.0.1:${frontendPorts[kind]}`;
    const gatewayUrl = `${frontend("gateway")}/graphql`;
    const shared: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      // Development mode: the demo organizations and products are loaded, and dev tokens (JWT_SECRET) work.
      NODE_ENV: "development",
    };
    // As in docker-compose.yml: each service gets the URLs (HAProxy's frontends) of the subgraphs it calls.
    const urlsOf = (names: readonly SubgraphName[]) => Object.fromEntries(names.map((name) => [SUBGRAPHS[name].urlVariable, `${frontend(name)}/graphql`]));
    const envOf = (name: string): Record<string, string> => {
      const kind = SERVICE_KINDS.find((candidate) => name.startsWith(`${candidate}-`))!;
      const common = { ...shared, DATA_DIR: join(options.dir, name), [DATABASE_VARIABLE[kind]]: databaseUrl(kind) };
      if (kind === "gateway") {
        return {
          ...common,
          ...urlsOf(SUBGRAPH_NAMES),
          GATEWAY_HOST: "127.0.0.1",
          GATEWAY_PORT: String(replicaPorts[name]),
          METRICS_PORT: "0",
          PUBLIC_URL: frontend("gateway"),
          IDENTITY_PRIVATE_KEY: keys.IDENTITY_PRIVATE_KEY,
          FILE_LINK_SECRET: fileLinkSecret,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          RESUMABLE_UPLOAD_STORE: "s3",
          RESUMABLE_UPLOAD_S3_BUCKET: S3_BUCKETS.resumableUploads,
          S3_ENDPOINT: s3.endpoint,
          ...S3_CREDENTIALS,
          // HAProxy adds X-Forwarded-For: one hop to believe.
          TRUST_PROXY: "1",
          ...options.env,
        };
      }
      const topology = SUBGRAPHS[kind];
      const subgraph: Record<string, string> = {
        ...common,
        ...urlsOf(topology.calls),
        IDENTITY_PUBLIC_KEY: keys.IDENTITY_PUBLIC_KEY,
        [topology.hostVariable]: "127.0.0.1",
        [topology.portVariable]: String(replicaPorts[name]),
        [DATABASE_VARIABLE[kind].replace(/_URL$/, "_REPLICA_URLS")]: `${replica.url}/${DATABASES[kind]}`,
      };
      if (kind === "attachments") {
        Object.assign(subgraph, { FILE_LINK_SECRET: fileLinkSecret, PUBLIC_URL: frontend("gateway"), BLOB_STORE: "s3", S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, ...S3_CREDENTIALS });
      }
      return { ...subgraph, ...options.env };
    };
    const serviceSpec = (name: string): ProcessSpec => {
      const kind = SERVICE_KINDS.find((candidate) => name.startsWith(`${candidate}-`))!;
      const main = kind === "gateway" ? "gateway/main.js" : SUBGRAPHS[kind].main;
      return { name, command: process.execPath, args: [join(options.buildDir, main)], env: envOf(name), ready: () => httpOk(`http://127.0.0.1:${replicaPorts[name]}/ready`), readyTimeoutMs: 180_000 };
    };

    // The first replica of each service migrates its database (each service has its own); the others start once it is done.
    for (let n = 0; n < replicas; n++) {
      log(`starting replica ${n + 1} of ${replicas} of every service`);
      await all(SERVICE_KINDS.map((kind) => supervisor.start(serviceSpec(replicaNames(kind)[n]!))));
    }
    // HAProxy checks every second: wait until it sees every replica up.
    await waitFor("HAProxy did not see every replica up", async () => {
      const csv = await haproxyCommand(statsSocket, "show stat");
      return csv
        .split("\n")
        .filter((line) => /,(UP|DOWN|MAINT|no check)[ ,]/.test(line) && !/,(FRONTEND|BACKEND),/.test(line))
        .every((line) => line.includes(",UP,"));
    });
    log(`topology up: ${gatewayUrl}`);

    return {
      gatewayUrl,
      replicaNames,
      frontendPorts,
      envOf,
      primary,
      replica,
      databaseUrl,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      s3,
      supervisor,
      haproxy: (command) => haproxyCommand(statsSocket, command),
      stop: () => supervisor.stopAll(),
    };
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
}
