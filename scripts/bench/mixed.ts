import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DataSource } from "typeorm";
import { gatewayEntities } from "../../gateway/gateway.js";
import { attachmentsEntities } from "../../subgraphs/attachments/attachments-subgraph.js";
import { casesEntities } from "../../subgraphs/cases/cases.entities.js";
import { createDataSource } from "../../subgraphs/kit/database.js";
import { threatsEntities } from "../../subgraphs/threat-analysis/threats-subgraph.js";
import type { ServiceName } from "../../subgraphs/kit/topology.js";
import { SERVICES, topologyEnv } from "../../subgraphs/kit/topology.js";
import type { BenchDatabases } from "./data.js";
import type { Kind, LoadPlan, MixedResult } from "./mixed-load.js";
import { cpuMsOf, findListeningPid, rssOf, sampleRss, type ServiceProcess, startProcess, stopProcess } from "./processes.js";
import { type Layer, LAYERS, readProfile } from "./profile.js";
import { type BenchIdentityProvider, insertReferenceData, insertWorkloadCases, ORGANIZATIONS, partnerOrganizations, workloadClaims } from "./workload.js";

/** A gateway under test, with the processes whose CPU counts for it (the gateway first, then the subgraphs it calls). */
export interface Target {
  label: string;
  url: string;
  processes: { name: string; pid: number }[];
  /** Cases in this target's databases, when not the run's (the growth target holds the base size). */
  cases?: number;
}

export interface MixedBenchOptions {
  /** The environment every service of this run gets (NODE_ENV=production, secrets, databases, JWKS). */
  env: Record<string, string>;
  databases: BenchDatabases;
  gatewayDatabase: DataSource;
  identityProvider: BenchIdentityProvider;
  dataDir: string;
  /** This build's services (already running): gateway (shared calls), gateway sending every call, three subgraphs. */
  ours: { gateway: ServiceProcess; plainGateway: ServiceProcess; subgraphs: ServiceProcess[] };
  /**
   * The environment of a second set of this build's services on databases of their own (MySQL only), which
   * get `baseCases` cases: the growth figure compares them with ours at `growthCases`, in the same rounds.
   */
  growthEnv?: Record<string, string>;
  /** Another build's `dist` (BENCH_BASELINE_DIST), started side by side on its own ports and the same databases. */
  baselineDist?: string;
  /** Hive Gateway: its binary, its config, the supergraph with this run's subgraph URLs. */
  hive: { bin: string; config: string; supergraphPath: string };
  started: ServiceProcess[];
  /** This build's `dist`: the profiled set of services is started from it. */
  dist: string;
  /** Seconds of dashboard load on a set of services started with `--cpu-prof` (0: no profile). */
  profileSeconds: number;
  baseCases: number;
  growthCases: number;
  runs: number;
  seconds: number;
  connections: number;
  log: (line: string) => void;
}

const MIX: Record<Kind, number> = { dashboard: 0.5, detail: 0.2, list: 0.15, mutation: 0.15 };
/** BENCH_PORT_OFFSET moves these ports too, as it moves those of scripts/bench.ts (two checkouts benchmarking on one machine). */
const OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 0);
const ports = <T extends Record<string, number>>(base: T): T => Object.fromEntries(Object.entries(base).map(([name, port]) => [name, port + OFFSET])) as T;
/** Section 6's latency at a given load: the mixed workload offered at these shares of ours' closed-loop throughput. */
const OPEN_LOOP_SHARES = [0.5, 0.75];
/** The open loop's cap on connections (requests beyond it wait for one, and their wait counts in their latency). */
const OPEN_LOOP_CONNECTIONS = 64;
const BASELINE_PORTS: Record<ServiceName, number> = ports({ gateway: 4140, cases: 4141, attachments: 4142, "threat-analysis": 4143 });
const BASELINE_PLAIN_PORT = 4144 + OFFSET;
const HIVE_PORTS = ports({ shared: 4110, plain: 4111, rustShared: 4112, rustPlain: 4113 });
const PROFILED_PORTS: Record<ServiceName, number> = ports({ gateway: 4150, cases: 4151, attachments: 4152, "threat-analysis": 4153 });
const GROWTH_PORTS: Record<ServiceName, number> = ports({ gateway: 4160, cases: 4161, attachments: 4162, "threat-analysis": 4163 });

interface Measured {
  result: MixedResult;
  /** CPU milliseconds per request of each process of the target, then of the database server. */
  cpuMs: Record<string, number>;
  /** Peak RSS in MB of each process of the target while measured. */
  rssMb: Record<string, number>;
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Section 6: the mixed workload (50 % dashboard, 20 % case detail, 15 % filtered lists, 15 % mutations)
 * from 200 principals over 20 organizations, against our gateway, the baseline build, Hive Gateway and
 * Hive Gateway with the Rust query planner, in turn, on the same subgraphs and databases. Also the dashboard
 * alone (every call sent and shared), cold starts and RSS, and the growth of p50 from 1,000 to 100,000 cases.
 * Returns the markdown of the section.
 */
export async function benchMixed(options: MixedBenchOptions): Promise<string> {
  const { log, env } = options;
  const dbPid = databasePort(env) === null ? null : findListeningPid(databasePort(env)!);
  await insertReferenceData(options.databases.cases, options.gatewayDatabase);

  const claims = workloadClaims();
  const organizationIndex = (id: string) => Number(id.slice(-2));
  const principals = await Promise.all(
    claims.map(async (c) => ({
      authorization: `Bearer ${await options.identityProvider.sign(c)}`,
      organizations: c.role === "engineer" ? null : c.role === "customer" ? [organizationIndex(c.org!)] : partnerOrganizations(Number(c.partner!.split("-").pop())).map(organizationIndex),
    })),
  );
  const partnerEnv = { BENCH_PARTNER_ORGANIZATIONS: JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, p) => [`bench-partner-${p}`, partnerOrganizations(p)]))) };

  const subgraphProcesses = (set: ServiceProcess[]) => set.map((p) => ({ name: p.name.replace(/ \(.*\)$/, ""), pid: p.child.pid! }));
  const ourSubgraphs = subgraphProcesses(options.ours.subgraphs);
  const targets: { shared: Target; plain: Target }[] = [
    {
      shared: { label: "ours", url: urlOf(options.ours.gateway.port), processes: [{ name: "gateway", pid: options.ours.gateway.child.pid! }, ...ourSubgraphs] },
      plain: { label: "ours", url: urlOf(options.ours.plainGateway.port), processes: [{ name: "gateway", pid: options.ours.plainGateway.child.pid! }, ...ourSubgraphs] },
    },
  ];
  const coldStarts: string[][] = [["this build", ...[options.ours.gateway, ...options.ours.subgraphs].map((p) => `${p.name} ${fmt(p.readyMs)} ms, ${fmt(rssOf(p.child.pid!) / 2 ** 20)} MB`)]];

  if (options.baselineDist) {
    log(`  starting the baseline build from ${options.baselineDist}`);
    const baselineEnv = { ...env, ...topologyEnv(BASELINE_PORTS) };
    const set: ServiceProcess[] = [];
    for (const [name, { main }] of Object.entries(SERVICES) as [ServiceName, { main: string }][]) {
      set.push(await startProcess(`${name}`, [join(options.baselineDist, main)], baselineEnv, BASELINE_PORTS[name], "/ready", process.execPath, join(options.baselineDist, "..")));
    }
    const plain = await startProcess(
      "gateway",
      [join(options.baselineDist, SERVICES.gateway.main)],
      { ...baselineEnv, GATEWAY_PORT: String(BASELINE_PLAIN_PORT), SUBGRAPH_DEDUPLICATION: "false" },
      BASELINE_PLAIN_PORT,
      "/ready",
      process.execPath,
      join(options.baselineDist, ".."),
    );
    options.started.push(...set, plain);
    const gateway = set.find((p) => p.name === "gateway")!;
    const subgraphs = set.filter((p) => p !== gateway);
    coldStarts.push(["baseline build", ...[gateway, ...subgraphs].map((p) => `${p.name} ${fmt(p.readyMs)} ms, ${fmt(rssOf(p.child.pid!) / 2 ** 20)} MB`)]);
    targets.push({
      shared: { label: "baseline", url: urlOf(gateway.port), processes: [{ name: "gateway", pid: gateway.child.pid! }, ...subgraphProcesses(subgraphs)] },
      plain: { label: "baseline", url: urlOf(plain.port), processes: [{ name: "gateway", pid: plain.child.pid! }, ...subgraphProcesses(subgraphs)] },
    });
  }

  for (const [label, rust] of [
    ["Hive Gateway", false],
    ["Hive Gateway, Rust planner", true],
  ] as const) {
    const pair = {} as { shared: Target; plain: Target };
    for (const mode of ["shared", "plain"] as const) {
      const port = HIVE_PORTS[rust ? (mode === "shared" ? "rustShared" : "rustPlain") : mode];
      const hive = await startProcess(
        label,
        ["supergraph", options.hive.supergraphPath, "-c", options.hive.config, "-p", String(port), "-h", "127.0.0.1"],
        { ...env, ...partnerEnv, HIVE_DEDUPLICATION: String(mode === "shared"), HIVE_ROUTER_RUNTIME: String(rust) },
        port,
        "/healthcheck",
        options.hive.bin,
      );
      options.started.push(hive);
      if (mode === "shared") coldStarts.push([label, `gateway ${fmt(hive.readyMs)} ms, ${fmt(rssOf(hive.child.pid!) / 2 ** 20)} MB`]);
      pair[mode] = { label, url: urlOf(port), processes: [{ name: "gateway", pid: hive.child.pid! }, ...ourSubgraphs] };
    }
    targets.push(pair);
  }

  // The growth target: this build again, on databases holding the base size only, measured in the rounds of the
  // mixed workload next to ours at full size (measured minutes apart, the two sizes would compare the machine's load).
  let growthTarget: Target | undefined;
  if (options.growthEnv) {
    log(`  starting this build again on databases of ${fmt(options.baseCases)} cases, for the growth figure`);
    const growthEnv = { ...options.growthEnv, ...topologyEnv(GROWTH_PORTS) };
    const set: ServiceProcess[] = [];
    for (const [name, { main }] of Object.entries(SERVICES) as [ServiceName, { main: string }][]) set.push(await startProcess(name, [join(options.dist, main)], growthEnv, GROWTH_PORTS[name]));
    options.started.push(...set);
    const sources = {
      cases: createDataSource({ url: growthEnv.CASES_DATABASE_URL, sqlitePath: "", entities: casesEntities, migrations: [] }),
      attachments: createDataSource({ url: growthEnv.ATTACHMENTS_DATABASE_URL, sqlitePath: "", entities: attachmentsEntities, migrations: [] }),
      threats: createDataSource({ url: growthEnv.THREATS_DATABASE_URL, sqlitePath: "", entities: threatsEntities, migrations: [] }),
    };
    const gatewaySource = createDataSource({ url: growthEnv.GATEWAY_DATABASE_URL, sqlitePath: "", entities: gatewayEntities, migrations: [] });
    const all = [sources.cases, sources.attachments, sources.threats, gatewaySource];
    for (const db of all) {
      Object.assign(db.options, { synchronize: false, migrationsRun: false });
      await db.initialize();
    }
    await insertReferenceData(sources.cases, gatewaySource);
    await insertWorkloadCases(sources, 0, options.baseCases, () => undefined);
    for (const db of all) await db.destroy();
    const gateway = set.find((p) => p.name === "gateway")!;
    growthTarget = {
      label: `ours, ${fmt(options.baseCases)} cases`,
      url: urlOf(gateway.port),
      processes: [gateway, ...set.filter((p) => p !== gateway)].map((p) => ({ name: p.name, pid: p.child.pid! })),
      cases: options.baseCases,
    };
  }

  let planNumber = 0;
  const measure = async (target: Target, mix: Partial<Record<Kind, number>>, cases: number, seconds = options.seconds, rate?: number): Promise<Measured> => {
    const plan: LoadPlan = { url: target.url, seconds, connections: rate ? OPEN_LOOP_CONNECTIONS : options.connections, cases: target.cases ?? cases, principals, mix, rate };
    const planPath = join(options.dataDir, `plan-${planNumber++}.json`);
    writeFileSync(planPath, JSON.stringify(plan));
    const pids = target.processes.map((p) => p.pid);
    const cpuBefore = [...pids, ...(dbPid ? [dbPid] : [])].map(cpuMsOf);
    const stopRss = sampleRss(pids);
    const result = await runGenerator(planPath);
    const peaks = stopRss();
    const cpuAfter = [...pids, ...(dbPid ? [dbPid] : [])].map(cpuMsOf);
    const cpuMs: Record<string, number> = {};
    const names = [...target.processes.map((p) => p.name), ...(dbPid ? ["MariaDB"] : [])];
    names.forEach((name, i) => (cpuMs[name] = (cpuAfter[i]! - cpuBefore[i]!) / Math.max(1, result.requests)));
    const rssMb: Record<string, number> = {};
    target.processes.forEach((p, i) => (rssMb[p.name] = peaks[i]! / 2 ** 20));
    return { result, cpuMs, rssMb };
  };

  /**
   * Each target in turn, round after round (a change in the machine's load falls on every target); the run of
   * median throughput is kept. `extra` targets are measured in the same rounds and returned after the others.
   */
  const inTurn = async (what: string, pick: (t: { shared: Target; plain: Target }) => Target, mix: Partial<Record<Kind, number>>, cases: number, extra: Target[] = []) => {
    log(`  ${what}: a warm-up each, then ${options.runs} round(s) of ${options.seconds} s, targets in turn`);
    const picked = [...targets.map(pick), ...extra];
    for (const t of picked) await measure(t, mix, cases, Math.min(5, options.seconds));
    const runs = picked.map(() => [] as Measured[]);
    for (let round = 0; round < options.runs; round++) {
      for (const [i, t] of picked.entries()) runs[i]!.push(await measure(t, mix, cases));
    }
    return picked.map((t, i) => {
      const sorted = [...runs[i]!].sort((a, b) => a.result.requestsPerSecond - b.result.requestsPerSecond);
      const middle = sorted[Math.floor(sorted.length / 2)]!;
      // CPU per request: median over the runs, per process.
      const cpuMs = Object.fromEntries(Object.keys(middle.cpuMs).map((name) => [name, median(runs[i]!.map((m) => m.cpuMs[name]!))]));
      const rssMb = Object.fromEntries(Object.keys(middle.rssMb).map((name) => [name, Math.max(...runs[i]!.map((m) => m.rssMb[name]!))]));
      return { label: t.label, ...middle, cpuMs, rssMb, errors: runs[i]!.reduce((sum, m) => sum + m.result.errors, 0), firstErrors: runs[i]!.flatMap((m) => m.result.firstErrors).slice(0, 3) };
    });
  };

  log(`  inserting ${fmt(options.growthCases)} workload cases in ${ORGANIZATIONS} organizations`);
  const started = Date.now();
  await insertWorkloadCases(options.databases, 0, options.growthCases, (done) => {
    if (done % 20_000 === 0) log(`  inserted ${fmt(done)} / ${fmt(options.growthCases)} cases (${Math.round((Date.now() - started) / 1000)} s)`);
  });
  const analyze = async (db: DataSource) => {
    if (db.options.type === "mysql" || db.options.type === "mariadb")
      for (const table of ["cases", "case_updates", "case_events", "attachments", "file_analyses"]) await db.query(`ANALYZE TABLE ${table}`).catch(() => undefined);
  };
  for (const db of [options.databases.cases, options.databases.attachments, options.databases.threats]) await analyze(db);

  const mixedAndGrowth = await inTurn(
    `mixed workload at ${fmt(options.growthCases)} cases${growthTarget ? ` (and at ${fmt(options.baseCases)}, for the growth)` : ""}`,
    (t) => t.shared,
    MIX,
    options.growthCases,
    growthTarget ? [growthTarget] : [],
  );
  const mixed = mixedAndGrowth.slice(0, targets.length);
  const small = mixedAndGrowth[targets.length];
  const dashboardPlain = await inTurn("dashboard only, every call sent", (t) => t.plain, { dashboard: 1 }, options.growthCases);
  const dashboardShared = await inTurn("dashboard only, identical calls in flight shared", (t) => t.shared, { dashboard: 1 }, options.growthCases);
  const large = mixed[0]!.result;

  // Latency at a given load: the mixed workload offered at fixed rates (open loop), fractions of the throughput
  // ours just measured, to every target in turn; the closed loop above measures latency at saturation only.
  const rates = OPEN_LOOP_SHARES.map((share) => Math.max(1, Math.round(share * large.requestsPerSecond)));
  log(`  mixed workload offered at ${rates.join(" and ")} req/s (open loop), ${options.seconds} s each, targets in turn`);
  const openLoop: { rate: number; label: string; result: MixedResult }[] = [];
  for (const rate of rates) for (const t of targets.map((pair) => pair.shared)) openLoop.push({ rate, label: t.label, result: (await measure(t, MIX, options.growthCases, options.seconds, rate)).result });

  const processNames = ["gateway", "cases", "attachments", "threat-analysis", ...(dbPid ? ["MariaDB"] : [])];
  const header = `| workload | gateway | req/s | p50 ms | p99 ms | errors | CPU ms per request: ${processNames.join(" / ")} | CPU ms per request, sum | ratio to ours (req/s) | peak RSS MB: ${processNames.slice(0, 4).join(" / ")} |`;
  const lines = [header, `|${"---|".repeat(10)}`];
  for (const [what, results] of [
    ["mixed (50 % dashboard, 20 % detail, 15 % lists, 15 % mutations), shared", mixed],
    ["dashboard, every call sent", dashboardPlain],
    ["dashboard, shared", dashboardShared],
  ] as const) {
    const ours = results[0]!.result.requestsPerSecond;
    for (const r of results) {
      const cpu = processNames.map((name) => (r.cpuMs[name] === undefined ? "–" : fmt(r.cpuMs[name], 2)));
      const sum = Object.values(r.cpuMs).reduce((a, b) => a + b, 0);
      lines.push(
        `| ${what} | ${r.label} | ${fmt(r.result.requestsPerSecond)} | ${fmt(r.result.p50, 1)} | ${fmt(r.result.p99, 1)} | ${r.errors}${r.firstErrors.length ? ` (${r.firstErrors[0]!.replace(/\|/g, "/").slice(0, 120)})` : ""} | ${cpu.join(" / ")} | ${fmt(sum, 2)} | ${fmt(ours / r.result.requestsPerSecond, 2)} | ${processNames
          .slice(0, 4)
          .map((name) => (r.rssMb[name] === undefined ? "–" : fmt(r.rssMb[name])))
          .join(" / ")} |`,
      );
    }
  }
  const byKind = (result: MixedResult) =>
    Object.entries(result.byKind)
      .map(([kind, k]) => `${kind} ${k.requests} req, p50 ${fmt(k.p50, 1)} / p99 ${fmt(k.p99, 1)} ms${k.errors ? `, ${k.errors} errors` : ""}`)
      .join("; ");
  const cpuSum = (m: { cpuMs: Record<string, number> }) => Object.values(m.cpuMs).reduce((a, b) => a + b, 0);
  const growth = small
    ? `Growth, mixed workload through our gateway, the two sizes on two sets of our services measured in the same rounds: p50 ${fmt(small.result.p50, 1)} ms at ${fmt(options.baseCases)} cases, ${fmt(large.p50, 1)} ms at ${fmt(options.growthCases)}: ratio ${fmt(large.p50 / Math.max(small.result.p50, 0.1), 2)} (target ≤ 1.5); CPU per request, all processes${dbPid ? " and MariaDB" : ""}, ${fmt(cpuSum(small), 2)} against ${fmt(cpuSum(mixed[0]!), 2)} ms (ratio ${fmt(cpuSum(mixed[0]!) / Math.max(cpuSum(small), 0.01), 2)}).`
    : "Growth: not measured (it needs MySQL: a second set of databases holds the base size).";
  const growthByKind = small
    ? `Growth per kind, p50 at ${fmt(options.baseCases)} → ${fmt(options.growthCases)} cases (ratio): ${Object.entries(large.byKind)
        .map(([kind, k]) => {
          const base = small.result.byKind[kind];
          return base ? `${kind} ${fmt(base.p50, 1)} → ${fmt(k.p50, 1)} ms (${fmt(k.p50 / Math.max(base.p50, 0.1), 2)})` : `${kind} – → ${fmt(k.p50, 1)} ms`;
        })
        .join("; ")}.`
    : "";
  const profile = options.profileSeconds > 0 ? await profileDashboard(options, (target, seconds) => measure(target, { dashboard: 1 }, options.growthCases, seconds)) : [];
  const startLines = ["| build | time from spawn to ready, and RSS when ready |", "|---|---|", ...coldStarts.map(([who, ...what]) => `| ${who} | ${what.join("; ")} |`)];
  return [
    `${options.connections} connections, closed loop, load generator in its own process; 200 principals (160 customers of 20 organizations, 30 partner staff managing 4 organizations each, 10 engineers), one drawn at random per request. ${fmt(options.growthCases)} cases (about 5 updates each, files on half, threat results on a fifth). Targets measured in turn, ${options.runs} round(s) of ${options.seconds} s after a warm-up each; the run of median throughput is shown, CPU per request is the median over the runs (from /proc, user + system${dbPid ? "; MariaDB's includes whatever else used the database server meanwhile" : ""}). Hive Gateway runs on our subgraphs, with the same supergraph.`,
    "",
    ...lines,
    "",
    `Per kind, ours, mixed: ${byKind(mixed[0]!.result)}.`,
    "",
    `Latency at a given load: the same mixed workload offered at fixed rates (open loop: requests start evenly spaced whether or not earlier ones were answered, up to ${OPEN_LOOP_CONNECTIONS} connections; each latency counts from the moment its request was due), ${rates.map((rate, i) => `${fmt(rate)} req/s (${fmt(OPEN_LOOP_SHARES[i]! * 100)} % of ours' throughput above)`).join(" and ")}, one run of ${options.seconds} s per target and rate. A target that cannot keep up answers fewer per second than offered, and its latencies grow with the queue.`,
    "",
    "| offered req/s | gateway | answered req/s | p50 ms | p99 ms | errors |",
    "|---|---|---|---|---|---|",
    ...openLoop.map(({ rate, label, result }) => `| ${fmt(rate)} | ${label} | ${fmt(result.requestsPerSecond)} | ${fmt(result.p50, 1)} | ${fmt(result.p99, 1)} | ${result.errors} |`),
    "",
    growth,
    ...(growthByKind ? ["", growthByKind] : []),
    "",
    "Cold start (spawn to first answer of /ready, or /healthcheck for Hive) and RSS when ready, databases already migrated:",
    "",
    ...startLines,
    ...profile,
  ].join("\n");
}

/**
 * Where the dashboard's CPU goes, layer by layer: the four services started again with `--cpu-prof`
 * (the gateway sending every call), a warm-up, then `profileSeconds` of dashboard load; only the samples
 * taken during the load count. Returns the markdown lines.
 */
async function profileDashboard(options: MixedBenchOptions, measure: (target: Target, seconds: number) => Promise<Measured>): Promise<string[]> {
  options.log(`  profile: the dashboard for ${options.profileSeconds} s on services started with --cpu-prof`);
  const env = { ...options.env, ...topologyEnv(PROFILED_PORTS), SUBGRAPH_DEDUPLICATION: "false" };
  const set: ServiceProcess[] = [];
  const dirs: string[] = [];
  try {
    for (const [name, { main }] of Object.entries(SERVICES) as [ServiceName, { main: string }][]) {
      const dir = join(options.dataDir, "profiles", name);
      mkdirSync(dir, { recursive: true });
      dirs.push(dir);
      set.push(await startProcess(name, ["--cpu-prof", `--cpu-prof-dir=${dir}`, join(options.dist, main)], env, PROFILED_PORTS[name]));
    }
    const target: Target = { label: "profiled", url: urlOf(PROFILED_PORTS.gateway), processes: set.map((p) => ({ name: p.name, pid: p.child.pid! })) };
    await measure(target, Math.min(5, options.profileSeconds));
    const from = Number(process.hrtime.bigint() / 1000n);
    const { result, cpuMs } = await measure(target, options.profileSeconds);
    const to = Number(process.hrtime.bigint() / 1000n);
    await Promise.all(set.map((service) => stopProcess(service, 60_000)));
    const layers = dirs.map((dir) => readProfile(dir, { from, to }));
    const names = set.map((p) => p.name);
    // The profiler's samples count wall time while a process waits for a core too: its shares are what it
    // tells, and the milliseconds are those shares of the CPU time /proc measured for the same process.
    const lines = [
      "",
      `Where the dashboard's CPU goes (every call sent; ${fmt(result.requests)} dashboards in ${options.profileSeconds} s, ${fmt(result.requestsPerSecond)} req/s under the profiler): share of each layer in each process's samples (\`node --cpu-prof\`, self time of each function by its package; V8 builtins count for their caller), and that share of the process's CPU ms per request measured from /proc.`,
      "",
      `| layer | ${names.join(" | ")} | all four, ms per request |`,
      `|${"---|".repeat(names.length + 2)}`,
    ];
    const totals = layers.map((l) => (l ? Object.values(l).reduce((a, b) => a + b, 0) : 0));
    const msOf = (layer: Layer, i: number) => (layers[i] && totals[i]! > 0 ? (layers[i][layer] / totals[i]!) * (cpuMs[names[i]!] ?? 0) : 0);
    for (const layer of LAYERS) {
      const sum = names.reduce((total, _, i) => total + msOf(layer, i), 0);
      if (sum < 0.005) continue;
      lines.push(`| ${layer} | ${names.map((_, i) => `${fmt((100 * (layers[i]?.[layer] ?? 0)) / Math.max(totals[i]!, 1e-9))} % (${fmt(msOf(layer, i), 2)} ms)`).join(" | ")} | ${fmt(sum, 2)} |`);
    }
    lines.push(
      `| CPU from /proc, ms per request | ${names.map((n) => fmt(cpuMs[n] ?? 0, 2)).join(" | ")} | ${fmt(
        names.reduce((sum, n) => sum + (cpuMs[n] ?? 0), 0),
        2,
      )} |`,
    );
    return lines;
  } finally {
    for (const service of set) await stopProcess(service);
  }
}

/** The port of the MySQL/MariaDB server the services use, when it is on this machine. */
function databasePort(env: Record<string, string>): number | null {
  const url = env.CASES_DATABASE_URL;
  if (!url) return null;
  const { hostname, port } = new URL(url);
  return ["127.0.0.1", "localhost", "::1"].includes(hostname) ? Number(port || 3306) : null;
}

const urlOf = (port: number) => `http://127.0.0.1:${port}/graphql`;

function runGenerator(planPath: string): Promise<MixedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, "mixed-load.js"), planPath], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
    child.on("exit", (code) => {
      try {
        resolve(JSON.parse(out) as MixedResult);
      } catch {
        reject(new Error(`load generator failed (${code}): ${err}`));
      }
    });
  });
}
