import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { createConnection } from "mysql2/promise";
import { gatewayEntities } from "../gateway/gateway.js";
import { demoUser } from "../gateway/auth/demo-users.js";
import { attachmentsEntities } from "../subgraphs/attachments/attachments-subgraph.js";
import { casesEntities } from "../subgraphs/cases/cases.entities.js";
import { ensureReferenceData } from "../subgraphs/cases/demo/reference-data.js";
import { createDataSource } from "../subgraphs/kit/database.js";
import { IDENTITY_HEADER, signIdentity } from "../subgraphs/kit/identity.js";
import { generateIdentityKeys } from "../subgraphs/kit/identity-keys.js";
import { SCOPES } from "../subgraphs/kit/principal.js";
import { identityAudience, SERVICES, subgraphUrl, topologyEnv } from "../subgraphs/kit/topology.js";
import { threatsEntities } from "../subgraphs/threat-analysis/threats-subgraph.js";
import { benchPolling, benchResumableUpload } from "./bench/clients.js";
import { type BenchDatabases, insertCases } from "./bench/data.js";
import { type LoadResult, medianOf, runLoad } from "./bench/load.js";
import { benchMixed } from "./bench/mixed.js";
import { rssOf, sampleRss, type ServiceProcess, startProcess, stopProcess } from "./bench/processes.js";
import { CASES_QUERY, dashboardQuery } from "./bench/queries.js";
import { benchSubscriptions } from "./bench/subscriptions.js";
import { benchSearch, searchRows } from "./bench/search.js";
import { benchTracing } from "./bench/tracing.js";
import { benchWebhooks, webhookBenchDatabase } from "./bench/webhooks.js";
import { startIdentityProvider } from "./bench/workload.js";
import { type SubgraphName, startLocalGraph } from "./local-graph.js";
import { composeSupergraph } from "./supergraph.js";

const quick = process.argv.includes("--quick");
/** Only section 7 (tracing on vs off), printed; docs/BENCHMARKS.md is left as it is. */
const tracingOnly = process.argv.includes("--tracing-only");
/** `-- --clients`: sections 8 and 9 alone (polling with ETags, resumable uploads), written as their own block of docs/BENCHMARKS.md. */
const clientsOnly = process.argv.includes("--clients");
/** `-- --subscriptions`: sections 10 and 11 alone (1,000 WebSocket subscribers: event latency, memory per subscription), printed; docs/BENCHMARKS.md is left as it is. */
const subscriptionsOnly = process.argv.includes("--subscriptions");
/** `-- --webhooks`: section 12 alone (webhook deliveries per second), printed; docs/BENCHMARKS.md is left as it is. */
const webhooksOnly = process.argv.includes("--webhooks");
/** `-- --mixed`: section 6 alone (the mixed workload, the dashboard, cold starts, growth), written as its own block of docs/BENCHMARKS.md. */
const mixedOnly = process.argv.includes("--mixed");
/**
 * BENCH_BASELINE_DIST: the compiled `dist` of another build (an older commit built in a scratch copy); section 6
 * then runs it side by side with this one, on its own ports and the same databases.
 */
const BASELINE_DIST = process.env.BENCH_BASELINE_DIST || undefined;
/** `-- --gateway`: sections 1 and 2 alone (gateway against direct, the dashboard), printed; docs/BENCHMARKS.md is left as it is. */
const gatewayOnly = process.argv.includes("--gateway");
/** `-- --search`: section 13 alone (search latency at scale), written as its own block of docs/BENCHMARKS.md. */
const searchOnly = process.argv.includes("--search");
/** Section 13: cases and updates per case of the search figures. */
const SEARCH_CASES = quick ? 10_000 : 100_000;
const SEARCH_UPDATES_PER_CASE = 10;
const RUNS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 10;
const BASE_CASES = 1_000;
const GROWTH_CASES = quick ? 10_000 : 100_000;
const UPLOAD_MB = quick ? 50 : 250;
const MYSQL_URL = process.env.BENCH_MYSQL_URL || "mariadb://root@127.0.0.1:3306";
/** This run's databases (several runs may share one server: each has its own, dropped at the end). */
const DATABASE_PREFIX = `casegraph_bench_${process.pid}`;
const DATABASE_NAMES = ["cases", "attachments", "threats", "gateway"];
/** Section 6's growth figure: a second set of our services on databases of their own, holding BASE_CASES cases. */
const GROWTH_DATABASE_NAMES = DATABASE_NAMES.map((name) => `growth_${name}`);
/** BENCH_PORT_OFFSET moves every port below (a second checkout benchmarking on the same machine takes e.g. 100). */
const OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 0);
const PORTS = { gateway: 4100, cases: 4101, attachments: 4102, "threat-analysis": 4103, plainGateway: 4104, subscriptionsGateway: 4105, subscriptionsMetrics: 4106, bareProxy: 4107, hive: 4110 };
for (const name of Object.keys(PORTS) as (keyof typeof PORTS)[]) PORTS[name] += OFFSET;
/** The services of section 7 with tracing on, every trace sampled (those sampling one in ten take the next ten ports). */
const TRACED_PORTS = { gateway: 4120 + OFFSET, cases: 4121 + OFFSET, attachments: 4122 + OFFSET, "threat-analysis": 4123 + OFFSET };
// A fresh identity key pair per run; the Hive Gateway config reads the private key from the same env, as it plays the gateway.
const IDENTITY_KEYS = generateIdentityKeys();
// Production refuses a shared JWT secret: bearer tokens come from a local identity provider's JWKS (started in main).
const SECRETS = { ...IDENTITY_KEYS.env, FILE_LINK_SECRET: "bench-file-link-secret-0123456789abcdef" };
const ACME = { kind: "user" as const, id: "u-acme-customer", name: "Aiko Tanaka", email: "customer@acme.example", role: "customer" as const, organizationIds: ["acme"], scopes: [...SCOPES] };

const rows: string[][] = [];
const notes: string[] = [];
function log(line: string): void {
  console.log(`[bench] ${line}`);
}
function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
function loadRow(what: string, result: LoadResult): string[] {
  return [what, `${fmt(result.requestsPerSecond)} req/s`, `p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms`, result.errors + result.non2xx ? `${result.errors + result.non2xx} errors` : ""];
}

async function mysqlAvailable(): Promise<string | null> {
  try {
    const connection = await createConnection({ uri: MYSQL_URL.replace(/^mariadb:/, "mysql:"), connectTimeout: 3_000 });
    const [[{ version }]] = (await connection.query("SELECT VERSION() AS version")) as unknown as [[{ version: string }]];
    for (const name of [...DATABASE_NAMES, ...GROWTH_DATABASE_NAMES]) {
      await connection.query(`DROP DATABASE IF EXISTS ${DATABASE_PREFIX}_${name}`);
      await connection.query(`CREATE DATABASE ${DATABASE_PREFIX}_${name}`);
    }
    await connection.end();
    return version;
  } catch (error) {
    notes.push(`MySQL unreachable at ${MYSQL_URL} (${String(error)}): ran on SQLite; the growth figure needs MySQL and was skipped.`);
    return null;
  }
}

async function dropDatabases(): Promise<void> {
  const connection = await createConnection({ uri: MYSQL_URL.replace(/^mariadb:/, "mysql:"), connectTimeout: 3_000 });
  for (const name of [...DATABASE_NAMES, ...GROWTH_DATABASE_NAMES]) await connection.query(`DROP DATABASE IF EXISTS ${DATABASE_PREFIX}_${name}`);
  await connection.end();
}

async function main(): Promise<void> {
  if (webhooksOnly) return printWebhookFigures();
  const dataDir = mkdtempSync(join(tmpdir(), "casegraph-bench-"));
  if (searchOnly) {
    try {
      await searchSection(dataDir);
      writeSearchBlock();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    return;
  }
  const mysqlVersion = await mysqlAvailable();
  const dbUrl = (name: string) => (mysqlVersion ? { [`${name.toUpperCase()}_DATABASE_URL`]: `${MYSQL_URL}/${DATABASE_PREFIX}_${name}` } : {});
  const identityProvider = await startIdentityProvider();
  const env: Record<string, string> = {
    ...SECRETS,
    ...identityProvider.env,
    // As in production: no development defaults, no demo data, graphql-js without its development checks.
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATA_DIR: dataDir,
    ...topologyEnv(PORTS),
    // The benchmark is one client sending as fast as it can: no rate limit in the way.
    RATE_LIMIT_USER_PER_MINUTE: "100000000",
    // The reservation relay would add its own statements to the per-dashboard SQL counts.
    RESERVATION_RELAY_INTERVAL_SECONDS: "0",
    // Every gateway started here serves /metrics on a free port (the default 9464 would collide).
    METRICS_PORT: "0",
    ...dbUrl("cases"),
    ...dbUrl("attachments"),
    ...dbUrl("threats"),
    ...dbUrl("gateway"),
  };
  const processes: ServiceProcess[] = [];
  const stopAll = async () => {
    for (const service of processes.reverse()) await stopProcess(service);
    await identityProvider.close();
  };
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    log(`starting the services (${mysqlVersion ? `MySQL ${mysqlVersion}` : "SQLite"})`);
    for (const [name, { main }] of Object.entries(SERVICES) as [keyof typeof SERVICES, { main: string }][]) {
      processes.push(await startProcess(name, [join(__dirname, "..", main)], env, PORTS[name]));
    }
    const databases: BenchDatabases = {
      cases: createDataSource({ url: env.CASES_DATABASE_URL, sqlitePath: join(dataDir, "cases.sqlite"), entities: casesEntities, migrations: [] }),
      attachments: createDataSource({ url: env.ATTACHMENTS_DATABASE_URL, sqlitePath: join(dataDir, "attachments.sqlite"), entities: attachmentsEntities, migrations: [] }),
      threats: createDataSource({ url: env.THREATS_DATABASE_URL, sqlitePath: join(dataDir, "threats.sqlite"), entities: threatsEntities, migrations: [] }),
    };
    const gatewayDatabase = createDataSource({ url: env.GATEWAY_DATABASE_URL, sqlitePath: join(dataDir, "gateway.sqlite"), entities: gatewayEntities, migrations: [] });
    const all = [databases.cases, databases.attachments, databases.threats, gatewayDatabase];
    for (const db of all) {
      Object.assign(db.options, { synchronize: false, migrationsRun: false });
      await db.initialize();
    }
    // Production starts without the demo organizations: the benchmark's cases belong to them.
    await ensureReferenceData(databases.cases);
    log(`inserting ${BASE_CASES} cases`);
    await insertCases(databases, 0, BASE_CASES, () => undefined);

    const token = await identityProvider.sign(demoUser("customer@acme.example")!);
    const bearer = { authorization: `Bearer ${token}` };
    const gatewayUrl = `http://127.0.0.1:${PORTS.gateway}/graphql`;
    const casesUrl = subgraphUrl("cases", PORTS.cases);
    const body = (query: string) => JSON.stringify({ query });
    const check = async (url: string, query: string, headers: Record<string, string>) => {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: body(query) });
      const json = (await response.json()) as { errors?: unknown[] };
      if (!response.ok || json.errors) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json).slice(0, 400)}`);
    };

    const tracing = () =>
      benchTracing({ env, gatewayUrl, pids: processes.filter((p) => p.name in SERVICES).map((p) => p.child.pid!), ports: TRACED_PORTS, dist: join(__dirname, ".."), headers: bearer, runs: RUNS, seconds: SECONDS, log });
    if (tracingOnly) {
      log(`7. tracing on vs off only: ${RUNS} runs of ${SECONDS}s per figure after a warm-up (docs/BENCHMARKS.md is not rewritten)`);
      await check(gatewayUrl, dashboardQuery(20), bearer);
      const table = ["| measure | result | detail | note |", "|---|---|---|---|", ...(await tracing()).map((row) => `| ${row.join(" | ")} |`)].join("\n");
      console.log(`\n${table}`);
      for (const db of all) await db.destroy();
      return;
    }

    // 10-11. Live subscriptions: a gateway of their own, 1,000 WebSocket subscribers.
    const subscriptions = () =>
      benchSubscriptions({
        env,
        dist: join(__dirname, ".."),
        port: PORTS.subscriptionsGateway,
        metricsPort: PORTS.subscriptionsMetrics,
        subscribers: 1_000,
        principals: 10,
        mutations: quick ? 10 : 30,
        sign: (claims) => identityProvider.sign(claims),
        log,
      });
    if (subscriptionsOnly) {
      log("10/11 subscriptions: 1,000 WebSocket subscribers on one gateway");
      const table = ["| measure | result | detail | note |", "|---|---|---|---|", ...(await subscriptions()).map((row) => `| ${row.join(" | ")} |`)].join("\n");
      console.log(`\n${table}`);
      for (const db of all) await db.destroy();
      return;
    }

    // A second gateway that sends every subgraph call, for the cost of the gateway itself.
    const plainEnv = { ...env, GATEWAY_PORT: String(PORTS.plainGateway), SUBGRAPH_DEDUPLICATION: "false" };
    processes.push(await startProcess("gateway-without-deduplication", [join(__dirname, "..", SERVICES.gateway.main)], plainEnv, PORTS.plainGateway));
    const plainUrl = `http://127.0.0.1:${PORTS.plainGateway}/graphql`;
    const load = (url: string, query: string, headers: Record<string, string> | (() => Promise<Record<string, string>>), watchPids: number[] = []) =>
      medianOf(RUNS, async () => runLoad(url, body(query), typeof headers === "function" ? await headers() : headers, SECONDS, 10, watchPids));

    if (clientsOnly) {
      log(`8/9 dashboard polling with and without ETag; 9/9 resumable upload of ${UPLOAD_MB} MB against multipart`);
      rows.push(...(await benchPolling(gatewayUrl, bearer, 20)), ...(await benchResumableUpload(gatewayUrl, bearer, dataDir, UPLOAD_MB, RUNS)));
      for (const db of all) await db.destroy();
      writeClientsBlock();
      return;
    }

    // Hive Gateway, the peer, reads the subgraph URLs from the supergraph: composed with the benchmark's ports.
    const hive = { bin: join(__dirname, "../../node_modules/.bin/hive-gateway"), config: join(__dirname, "bench/hive-gateway.config.js"), supergraphPath: join(dataDir, "supergraph.graphql") };
    const { supergraphSdl } = await composeSupergraph({
      cases: subgraphUrl("cases", PORTS.cases),
      attachments: subgraphUrl("attachments", PORTS.attachments),
      "threat-analysis": subgraphUrl("threat-analysis", PORTS["threat-analysis"]),
    });
    writeFileSync(hive.supergraphPath, supergraphSdl);
    const mixed = () =>
      benchMixed({
        env,
        databases,
        gatewayDatabase,
        identityProvider,
        dataDir,
        ours: {
          gateway: processes.find((p) => p.name === "gateway")!,
          plainGateway: processes.find((p) => p.name === "gateway-without-deduplication")!,
          subgraphs: processes.filter((p) => p.name !== "gateway" && p.name in SERVICES),
        },
        baselineDist: BASELINE_DIST,
        // The same databases' names with growth_: our services at the base size, measured in the same rounds.
        growthEnv: mysqlVersion ? { ...env, ...Object.fromEntries(DATABASE_NAMES.map((name) => [`${name.toUpperCase()}_DATABASE_URL`, `${MYSQL_URL}/${DATABASE_PREFIX}_growth_${name}`])) } : undefined,
        hive,
        started: processes,
        dist: join(__dirname, ".."),
        profileSeconds: SECONDS,
        baseCases: BASE_CASES,
        growthCases: GROWTH_CASES,
        runs: RUNS,
        seconds: SECONDS,
        connections: 10,
        log,
      });
    if (mixedOnly) {
      log(`6. mixed workload only${BASELINE_DIST ? `, side by side with ${BASELINE_DIST}` : ""}`);
      const section = await mixed();
      for (const db of all) await db.destroy();
      writeMixedBlock(section);
      return;
    }

    // 1. Gateway cost.
    log(`1/9 gateway vs direct: ${RUNS} runs of ${SECONDS}s after a warm-up`);
    await check(gatewayUrl, CASES_QUERY, bearer);
    await check(plainUrl, CASES_QUERY, bearer);
    // CPU per request (/proc) of the gateway sending every call and of the cases subgraph: they share the cores.
    const pidOf = (name: string) => processes.find((p) => p.name === name)!.child.pid!;
    const viaPlain = await load(plainUrl, CASES_QUERY, bearer, [pidOf("gateway-without-deduplication"), pidOf("cases")]);
    const viaGateway = await load(gatewayUrl, CASES_QUERY, bearer);
    // Identity tokens live 60 s: sign a fresh one for each run.
    const identity = async () => ({ [IDENTITY_HEADER]: signIdentity(ACME, identityAudience("cases"), IDENTITY_KEYS.privateKey) });
    const direct = await load(casesUrl, CASES_QUERY, identity, [pidOf("cases")]);
    // The floor: one more Node hop that only forwards bytes (scripts/bench/bare-proxy.ts), on the same cores.
    const bareProxy = await startProcess("bare-proxy", [join(__dirname, "bench/bare-proxy.js"), casesUrl, String(PORTS.bareProxy)], {}, PORTS.bareProxy, "/");
    const viaBareProxy = await load(`http://127.0.0.1:${PORTS.bareProxy}/graphql`, CASES_QUERY, identity, [bareProxy.child.pid!, pidOf("cases")]);
    await stopProcess(bareProxy);
    const [plainGatewayCpu, plainCasesCpu] = viaPlain.cpuMsPerRequest!;
    rows.push(
      loadRow("1. cases(first: 20), straight to the cases subgraph", direct),
      loadRow("1. the same through our gateway, every call sent", viaPlain),
      [
        "1. CPU per request, every call sent (median of the runs, /proc)",
        `gateway ${fmt(plainGatewayCpu!, 2)} ms, cases subgraph ${fmt(plainCasesCpu!, 2)} ms`,
        `cases subgraph straight: ${fmt(direct.cpuMsPerRequest![0]!, 2)} ms`,
        "",
      ],
      loadRow("1. the same through our gateway, identical calls in flight shared (default)", viaGateway),
      loadRow("1. the same through a bare Node proxy that forwards the bytes (the floor of one more Node hop)", viaBareProxy),
      ["1. CPU per request through the bare proxy (/proc)", `proxy ${fmt(viaBareProxy.cpuMsPerRequest![0]!, 2)} ms, cases subgraph ${fmt(viaBareProxy.cpuMsPerRequest![1]!, 2)} ms`, "", ""],
      [
        "1. gateway / direct throughput",
        `${fmt(viaPlain.requestsPerSecond / direct.requestsPerSecond, 2)} every call sent; ${fmt(viaGateway.requestsPerSecond / direct.requestsPerSecond, 2)} shared`,
        `bare proxy / direct ${fmt(viaBareProxy.requestsPerSecond / direct.requestsPerSecond, 2)}`,
        "target ≥ 0.9 every call sent",
      ],
    );

    // 2. Dashboard.
    log("2/9 dashboard query");
    await check(gatewayUrl, dashboardQuery(20), bearer);
    const dashboardPlain = await load(plainUrl, dashboardQuery(20), bearer);
    const dashboard = await load(gatewayUrl, dashboardQuery(20), bearer);
    rows.push(loadRow("2. dashboard (20 cases, 3 subgraphs), our gateway, every call sent", dashboardPlain), loadRow("2. dashboard, our gateway, shared (default)", dashboard));
    if (gatewayOnly) {
      const table = ["| measure | result | detail | note |", "|---|---|---|---|", ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
      console.log(
        `\n${table}\nload average ${loadavg()
          .map((n) => n.toFixed(1))
          .join(", ")}`,
      );
      for (const db of all) await db.destroy();
      return;
    }

    // 3. Peer gateway, with and without its (default) sharing of identical calls.
    log("3/9 Hive Gateway on the same supergraph and subgraphs");
    try {
      const hiveUrl = `http://127.0.0.1:${PORTS.hive}/graphql`;
      for (const [label, deduplication, ours] of [
        ["every call sent", "false", [viaPlain, dashboardPlain]],
        ["shared (default)", "true", [viaGateway, dashboard]],
      ] as const) {
        const hiveGateway = await startProcess(
          "hive-gateway",
          ["supergraph", hive.supergraphPath, "-c", hive.config, "-p", String(PORTS.hive), "-h", "127.0.0.1"],
          { ...env, HIVE_DEDUPLICATION: deduplication },
          PORTS.hive,
          "/healthcheck",
          hive.bin,
        );
        await check(hiveUrl, CASES_QUERY, bearer);
        await check(hiveUrl, dashboardQuery(20), bearer);
        const hiveCases = await load(hiveUrl, CASES_QUERY, bearer);
        const hiveDashboard = await load(hiveUrl, dashboardQuery(20), bearer);
        await stopProcess(hiveGateway);
        rows.push(loadRow(`3. cases(first: 20) through Hive Gateway, ${label}`, hiveCases), loadRow(`3. dashboard through Hive Gateway, ${label}`, hiveDashboard));
        rows.push([
          `3. ours / Hive, ${label}: cases | dashboard`,
          `${fmt(ours[0].requestsPerSecond / hiveCases.requestsPerSecond, 2)} | ${fmt(ours[1].requestsPerSecond / hiveDashboard.requestsPerSecond, 2)}`,
          "target ≥ 1.0",
          "",
        ]);
      }
    } catch (error) {
      rows.push(["3. Hive Gateway", "not measured", "", String(error).slice(0, 200)]);
    }

    // 4. SQL statements per request, counted in-process on the same databases.
    log("4/9 SQL statements per dashboard request");
    const counts: Record<SubgraphName, number> = { cases: 0, attachments: 0, "threat-analysis": 0 };
    // The dashboard at first: 100 costs more than the public limit allows; the count is what is measured here.
    const local = await startLocalGraph({ ...env, QUERY_MAX_COST: "1000000" }, { onQuery: (subgraph, sql) => /^\s*select/i.test(sql) && counts[subgraph]++ });
    for (const first of [10, 100]) {
      await check(local.gatewayUrl, dashboardQuery(first), bearer);
      for (const key of Object.keys(counts) as SubgraphName[]) counts[key] = 0;
      await check(local.gatewayUrl, dashboardQuery(first), bearer);
      rows.push([`4. SQL statements, dashboard at first: ${first}`, `cases ${counts.cases}, attachments ${counts.attachments}, threat-analysis ${counts["threat-analysis"]}`, "target: same at 10 and 100", ""]);
    }
    await local.stop();

    // 5. Upload.
    log(`5/9 upload of one ${UPLOAD_MB} MB file`);
    await benchUpload(gatewayUrl, bearer, dataDir, processes);

    // 8-9. Clients in the field: a dashboard re-polled with ETags, and a resumable (tus) upload against multipart.
    log("8/9 dashboard polling with and without ETag; 9/9 resumable upload");
    rows.push(...(await benchPolling(gatewayUrl, bearer, 20)), ...(await benchResumableUpload(gatewayUrl, bearer, dataDir, UPLOAD_MB, RUNS)));

    // 6. The mixed workload, the dashboard against the peers, cold starts, growth.
    log(`6/9 mixed workload at ${fmt(BASE_CASES)} then ${fmt(GROWTH_CASES)} cases${BASELINE_DIST ? `, side by side with ${BASELINE_DIST}` : ""}`);
    const mixedSection = await mixed();
    // 7. Tracing.
    log(`7/9 tracing on vs off: the four services again with OTEL_EXPORTER_OTLP_ENDPOINT set`);
    rows.push(...(await tracing()));
    // 10-11. Subscriptions.
    log("10/11 subscriptions: 1,000 WebSocket subscribers on one gateway");
    rows.push(...(await subscriptions()));
    // 12. Webhooks.
    log("12. webhook deliveries per second to local receivers");
    rows.push(...(await benchWebhooks({ dist: join(__dirname, ".."), databaseUrl: mysqlVersion ? await webhookBenchDatabase(MYSQL_URL) : undefined, events: quick ? 500 : 2_000, log })));
    // 13. Search at scale (its own databases).
    await searchSection(dataDir);

    for (const db of all) await db.destroy();

    const table = ["| measure | result | detail | note |", "|---|---|---|---|", ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
    const report = `# Benchmarks

Measured by \`npm run bench${quick ? " -- --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30, 1)} GiB memory, Node ${process.version}, ${mysqlVersion ? `MySQL server ${mysqlVersion}` : "SQLite"}.
Each load figure is the median of ${RUNS} run(s) of ${SECONDS} s with 10 connections (autocannon in its own process), after one warm-up run; ${fmt(BASE_CASES)} demo cases unless said otherwise. Services run as separate processes, as in production.

${table}
${notes.length ? `\nNotes:\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
${mixedBlock(mixedSection)}`;
    console.log(`\n${table}\n${notes.map((n) => `- ${n}`).join("\n")}`);
    mkdirSync(join(__dirname, "../../docs"), { recursive: true });
    writeFileSync(join(__dirname, "../../docs/BENCHMARKS.md"), report);
    log("wrote docs/BENCHMARKS.md");
  } finally {
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
    if (mysqlVersion) await dropDatabases();
  }
}

const MIXED_START = "<!-- mixed: npm run bench -- --mixed -->";
const MIXED_END = "<!-- /mixed -->";

function mixedBlock(section: string): string {
  return `${MIXED_START}\n## 6. Mixed workload, the dashboard against the peers, cold start\n\nMeasured by \`npm run bench${mixedOnly ? " -- --mixed" : ""}${quick ? " --quick" : ""}\` on ${new Date().toISOString()}: ${cpus().length} cores, Node ${process.version}, load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(", ")} (other work shares the machine: compare the ratios, measured side by side, more than the absolute figures).\n\n${section}\n${MIXED_END}\n`;
}

/** `--mixed`: section 6 replaces its own block of docs/BENCHMARKS.md (before the clients block); the rest stays as the last full run wrote it. */
function writeMixedBlock(section: string): void {
  const path = join(__dirname, "../../docs/BENCHMARKS.md");
  let report: string;
  try {
    report = readFileSync(path, "utf8");
  } catch {
    report = "# Benchmarks\n";
  }
  const block = mixedBlock(section);
  const at = report.indexOf(MIXED_START);
  const clients = report.indexOf("<!-- clients:");
  if (at >= 0) report = `${report.slice(0, at)}${block}${report.slice(report.indexOf(MIXED_END, at) + MIXED_END.length + 1)}`;
  else if (clients >= 0) report = `${report.slice(0, clients)}${block}\n${report.slice(clients)}`;
  else report = `${report.trimEnd()}\n\n${block}`;
  writeFileSync(path, report);
  console.log(`\n${section}`);
  log("wrote the mixed-workload block of docs/BENCHMARKS.md");
}

/** `--clients`: the rows of sections 8 and 9 replace their own block at the end of docs/BENCHMARKS.md; the rest stays as the last full run wrote it. */
function writeClientsBlock(): void {
  const path = join(__dirname, "../../docs/BENCHMARKS.md");
  const start = "<!-- clients: npm run bench -- --clients -->";
  const table = ["| measure | result | detail | note |", "|---|---|---|---|", ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
  const block = `${start}\n## Clients in the field (sections 8 and 9 alone)\n\nMeasured by \`npm run bench -- --clients${quick ? " --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, Node ${process.version}, the services as separate processes, 1,000 demo cases.\nSection 8 counts every byte of the answers (status line, headers, body) of 20 identical GETs; section 9 sends one file by multipart and by tus (one PATCH), both with curl, alternating, ${RUNS} round(s), then once with tus-js-client.\n\n${table}\n`;
  let report: string;
  try {
    report = readFileSync(path, "utf8");
  } catch {
    report = "# Benchmarks\n";
  }
  const at = report.indexOf(start);
  // A block after this one (the search block) stays.
  const next = at < 0 ? -1 : report.indexOf("<!-- ", at + start.length);
  writeFileSync(path, `${(at < 0 ? report : report.slice(0, at)).trimEnd()}\n\n${block}${next < 0 ? "" : `\n${report.slice(next).trimEnd()}\n`}`);
  console.log(`\n${table}`);
  log("wrote the clients block of docs/BENCHMARKS.md");
}

/** One large file through the gateway's multipart upload, against a plain copy of the same file. */
async function benchUpload(gatewayUrl: string, bearer: Record<string, string>, dataDir: string, processes: ServiceProcess[]): Promise<void> {
  const supergraph = readFileSync(join(__dirname, "../../schema/supergraph.graphql"), "utf8");
  if (!supergraph.includes("uploadAttachments")) {
    rows.push(["5. upload", "not measured", "", "uploadAttachments is not in the supergraph yet"]);
    return;
  }
  const file = join(dataDir, "upload.bin");
  const out = createWriteStream(file);
  for (let written = 0; written < UPLOAD_MB; written++) out.write(randomBytes(1024 * 1024));
  await new Promise((resolve) => out.end(resolve));
  const size = statSync(file).size;

  const copyStarted = process.hrtime.bigint();
  await pipeline(createReadStream(file), createWriteStream(join(dataDir, "copy.bin")));
  const copySeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
  rmSync(join(dataDir, "copy.bin"));

  const created = await fetch(gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer },
    body: JSON.stringify({
      query:
        'mutation { createCase(input: { title: "Bench upload", description: "250 MB", inquiryType: PRODUCT, problemCategory: "MALFUNCTION", productProfileId: "acme-endpoint", severity: LOW, contactName: "Bench" }) { case { id } } }',
    }),
  });
  const caseId = ((await created.json()) as { data: { createCase: { case: { id: string } } } }).data.createCase.case.id;
  const operations = JSON.stringify({ query: "mutation($input: UploadAttachmentsInput!) { uploadAttachments(input: $input) { attachments { id size } } }", variables: { input: { caseId, files: [null] } } });
  const pids = ["gateway", "attachments"].map((name) => processes.find((p) => p.name === name)!.child.pid!);
  const baseline = pids.map(rssOf);
  const stop = sampleRss(pids);
  const started = process.hrtime.bigint();
  // curl, in its own process, is the client: it streams the file as any HTTP client would.
  const headers = Object.entries(bearer).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  // Asynchronous, so that the RSS sampler keeps running while curl uploads.
  const answer = await new Promise<string>((resolve) => {
    const curl = spawn("curl", ["-s", ...headers, "-H", "apollo-require-preflight: true", "-F", `operations=${operations}`, "-F", 'map={"0":["variables.input.files.0"]}', "-F", `0=@${file}`, gatewayUrl]);
    let out = "";
    curl.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    curl.on("error", (error) => resolve(JSON.stringify({ error: `curl: ${error.message}` })));
    curl.on("close", () => resolve(out));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let result: { data?: { uploadAttachments?: unknown }; error?: string };
  try {
    result = JSON.parse(answer) as typeof result;
  } catch {
    result = { error: answer.slice(0, 200) };
  }
  const peaks = stop();
  if (!result.data?.uploadAttachments) {
    rows.push(["5. upload", "failed", "", JSON.stringify(result).slice(0, 200)]);
    return;
  }
  const mb = size / 2 ** 20;
  rows.push([`5. upload of ${fmt(mb)} MB through the gateway`, `${fmt(seconds, 2)} s, ${fmt(mb / seconds)} MB/s`, `disk copy ${fmt(mb / copySeconds)} MB/s; ratio ${fmt(copySeconds / seconds, 2)} (target ≥ 0.5)`, ""]);
  rows.push(["5. RSS growth during the upload", `gateway +${fmt((peaks[0]! - baseline[0]!) / 2 ** 20)} MB, attachments +${fmt((peaks[1]! - baseline[1]!) / 2 ** 20)} MB`, "target ≤ 64 MB each", ""]);
}

/** `-- --webhooks`: section 12 alone, on MySQL when reachable (else SQLite), printed as a table. */
async function printWebhookFigures(): Promise<void> {
  const databaseUrl = await webhookBenchDatabase(MYSQL_URL);
  log(`12. webhook deliveries per second to local receivers (${databaseUrl ? "MySQL" : "SQLite"})`);
  const figures = await benchWebhooks({ dist: join(__dirname, ".."), databaseUrl, events: quick ? 500 : 2_000, log });
  console.log(["", "| measure | result | detail | note |", "|---|---|---|---|", ...figures.map((row) => `| ${row.join(" | ")} |`)].join("\n"));
}

/**
 * BENCH_SEARCH_DIR: keep section 13's databases between runs (the SQLite file in that directory, the MySQL database
 * casegraph_bench_search_kept) and measure them again without loading: a bulk load of 100,000 cases takes minutes.
 * Remove the directory and drop the database to start afresh.
 */
const SEARCH_DIR = process.env.BENCH_SEARCH_DIR || undefined;
/** Section 13's MySQL database: dropped at the end of a run, unless kept (BENCH_SEARCH_DIR, under another name that no other run drops). */
const SEARCH_DATABASE = SEARCH_DIR ? "casegraph_bench_search_kept" : "casegraph_bench_search";
/** `-- --search --sqlite-only` / `--mysql-only`: section 13 on one database. */
const searchSqlite = !process.argv.includes("--mysql-only");
const searchMysql = !process.argv.includes("--sqlite-only");

/** Section 13: search latency at SEARCH_CASES cases on the embedded default, then on MySQL/MariaDB when reachable (its own database, casegraph_bench_search). */
async function searchSection(dataDir: string): Promise<void> {
  const updates = SEARCH_CASES * SEARCH_UPDATES_PER_CASE;
  const reuse = SEARCH_DIR !== undefined;
  const options = { dataDir: SEARCH_DIR ?? dataDir, cases: SEARCH_CASES, updatesPerCase: SEARCH_UPDATES_PER_CASE, iterations: quick ? 50 : 100, reuse, log };
  log(`13. search latency at ${fmt(SEARCH_CASES)} cases and ${fmt(updates)} updates${reuse ? ` (databases kept: ${SEARCH_DIR})` : ""}`);
  if (searchSqlite) rows.push(...searchRows(await benchSearch(options), SEARCH_CASES, updates));
  if (!searchMysql) return;
  try {
    const admin = await createConnection({ uri: MYSQL_URL.replace(/^mariadb:/, "mysql:"), connectTimeout: 3_000 });
    if (!reuse) await admin.query(`DROP DATABASE IF EXISTS ${SEARCH_DATABASE}`);
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${SEARCH_DATABASE}`);
    try {
      rows.push(...searchRows(await benchSearch({ ...options, mysqlUrl: `${MYSQL_URL.replace(/\/$/, "")}/${SEARCH_DATABASE}` }), SEARCH_CASES, updates));
    } finally {
      if (!reuse) await admin.query(`DROP DATABASE IF EXISTS ${SEARCH_DATABASE}`);
      await admin.end();
    }
  } catch (error) {
    notes.push(`Search on MySQL skipped or failed at ${MYSQL_URL}: ${String(error).slice(0, 300)}`);
  }
}

/** `--search`: the rows of section 13 replace their own block at the end of docs/BENCHMARKS.md; the rest stays. */
function writeSearchBlock(): void {
  const path = join(__dirname, "../../docs/BENCHMARKS.md");
  const start = "<!-- search: npm run bench -- --search -->";
  const table = ["| measure | result | detail | note |", "|---|---|---|---|", ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
  const block = `${start}\n## Search at scale (section 13 alone)\n\nMeasured by \`npm run bench -- --search${quick ? " --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, Node ${process.version}. Cases and updates bulk-loaded into a fresh cases database (or one kept by an earlier run: BENCH_SEARCH_DIR), their search documents made by the service's indexer, then \`searchCases\` (what \`cases(filter: { search })\` runs in the cases subgraph: visibility, match, ranking, a page of 20 by RELEVANCE and its snippets) timed in process, one query at a time, as acme's customer (who sees every case of the set); totalCount is timed apart. CPU is this process's (SQLite runs in it; on MySQL most of the work is the server's).\n\n${table}\n${notes.length ? `\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}`;
  let report: string;
  try {
    report = readFileSync(path, "utf8");
  } catch {
    report = "# Benchmarks\n";
  }
  const at = report.indexOf(start);
  const end = at < 0 ? -1 : report.indexOf("<!-- ", at + start.length);
  const before = (at < 0 ? report : report.slice(0, at)).trimEnd();
  const after = end < 0 ? "" : `\n\n${report.slice(end).trimEnd()}`;
  writeFileSync(path, `${before}\n\n${block}${after}\n`);
  console.log(`\n${table}`);
  log("wrote the search block of docs/BENCHMARKS.md");
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message.slice(0, 2000) : String(error)}`);
  process.exit(1);
});
