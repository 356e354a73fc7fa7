import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SERVICES, type ServiceName, topologyEnv } from "../../subgraphs/kit/topology.js";
import { type LoadResult, runLoad } from "./load.js";
import { type ServiceProcess, startProcess, stopProcess } from "./processes.js";
import { CASES_QUERY, dashboardQuery } from "./queries.js";

/** A stand-in for an OpenTelemetry collector: accepts OTLP/HTTP exports and counts them, without decoding (a collector runs elsewhere). */
async function startCountingReceiver(): Promise<{ endpoint: string; exports: () => number; bytes: () => number; close: () => Promise<void> }> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => {
      exports++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    bytes: () => bytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc; clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The run of median throughput (its latencies with it), errors summed over all runs. */
function median(results: LoadResult[]): LoadResult {
  const middle = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)]!;
  return { ...middle, errors: results.reduce((sum, r) => sum + r.errors, 0), non2xx: results.reduce((sum, r) => sum + r.non2xx, 0) };
}

export interface TracingBenchOptions {
  /** The environment of the running services (databases, secrets, limits); tracing is off in it. */
  env: Record<string, string>;
  /** `/graphql` of the running gateway, tracing off. */
  gatewayUrl: string;
  /** The processes of the running services (gateway and subgraphs), tracing off: their CPU time per request is compared. */
  pids: number[];
  /** Ports of the first set of services with tracing on; each further set takes the next ten. */
  ports: Record<ServiceName, number>;
  /** The compiled tree (dist/). */
  dist: string;
  headers: Record<string, string>;
  runs: number;
  seconds: number;
  log: (line: string) => void;
}

/** The sets of services started with tracing on: every trace sampled, and one in ten (the setting for a busy production). */
const TRACED: { label: string; env: Record<string, string> }[] = [
  { label: "every trace sampled", env: {} },
  { label: "10 % of traces sampled (OTEL_TRACES_SAMPLER=parentbased_traceidratio, ARG 0.1)", env: { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" } },
];

interface Side {
  label: string;
  url: string;
  pids: number[];
  runs: LoadResult[];
  cpuSeconds: number;
}

/**
 * Throughput with tracing on against tracing off, side by side: the same four services started again with
 * OTEL_EXPORTER_OTLP_ENDPOINT set (spans exported over OTLP/HTTP to a local receiver), once with every trace
 * sampled and once with one in ten, on the same databases, loaded in turn with the same queries. CPU time per
 * request of the four processes is reported too: on a machine that does other work it is steadier than throughput.
 */
export async function benchTracing(options: TracingBenchOptions): Promise<string[][]> {
  const receiver = await startCountingReceiver();
  const started: ServiceProcess[] = [];
  const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const row = (what: string, result: LoadResult) => [
    what,
    `${fmt(result.requestsPerSecond)} req/s`,
    `p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms`,
    result.errors + result.non2xx ? `${result.errors + result.non2xx} errors` : "",
  ];
  try {
    const sets: { label: string; url: string; pids: number[] }[] = [];
    for (const [index, traced] of TRACED.entries()) {
      const ports = Object.fromEntries(Object.entries(options.ports).map(([name, port]) => [name, port + 10 * index])) as Record<ServiceName, number>;
      const env = { ...options.env, ...topologyEnv(ports), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, METRICS_PORT: "0", ...traced.env };
      const processes: ServiceProcess[] = [];
      for (const [name, { main }] of Object.entries(SERVICES) as [ServiceName, { main: string }][]) {
        processes.push(await startProcess(`${name} (tracing on, ${traced.label})`, [join(options.dist, main)], env, ports[name]));
      }
      started.push(...processes);
      sets.push({ label: traced.label, url: `http://127.0.0.1:${ports.gateway}/graphql`, pids: processes.map((p) => p.child.pid!) });
    }
    const rows: string[][] = [];
    for (const [label, query] of [
      ["cases(first: 20)", CASES_QUERY],
      ["dashboard", dashboardQuery(20)],
    ] as const) {
      const body = JSON.stringify({ query });
      const sides: Side[] = [{ label: "tracing off (no OTLP endpoint: no SDK loaded)", url: options.gatewayUrl, pids: options.pids }, ...sets.map((set) => ({ ...set, label: `tracing on, ${set.label}` }))].map(
        (side) => ({ ...side, runs: [], cpuSeconds: 0 }),
      );
      const load = (url: string) => runLoad(url, body, options.headers, options.seconds);
      options.log(`  ${label}: a warm-up each, then ${options.runs} rounds of tracing off and on, in turn`);
      for (const side of sides) await load(side.url);
      const exported = { exports: receiver.exports(), bytes: receiver.bytes() };
      // In turn, so that a change in the machine's load falls on every side.
      for (let round = 0; round < options.runs; round++) {
        for (const side of sides) {
          const cpuBefore = side.pids.map(cpuSecondsOf);
          side.runs.push(await load(side.url));
          side.cpuSeconds += side.pids.reduce((sum, pid, i) => sum + cpuSecondsOf(pid) - cpuBefore[i]!, 0);
        }
      }
      const cpuMs = (side: Side) => (1000 * side.cpuSeconds) / side.runs.reduce((sum, r) => sum + r.requestsPerSecond * options.seconds, 0);
      const [off, ...on] = sides;
      const offMedian = median(off!.runs);
      rows.push(row(`7. ${label}, ${off!.label}`, offMedian), [`7. ${label}, ${off!.label}: CPU per request (four processes)`, `${fmt(cpuMs(off!), 2)} ms`, "", ""]);
      for (const side of on) {
        const result = median(side.runs);
        rows.push(row(`7. ${label}, ${side.label}`, result), [
          `7. ${label}, ${side.label}: on / off`,
          `throughput ${fmt(result.requestsPerSecond / offMedian.requestsPerSecond, 2)}`,
          `CPU per request ${fmt(cpuMs(side), 2)} ms (${fmt(cpuMs(side) / cpuMs(off!), 2)} × off)`,
          "target ≥ 0.9",
        ]);
      }
      rows.push([`7. ${label}: spans exported while measured`, `${fmt(receiver.exports() - exported.exports)} exports`, `${fmt((receiver.bytes() - exported.bytes) / 2 ** 20, 1)} MB`, ""]);
    }
    return rows;
  } finally {
    for (const service of started.reverse()) await stopProcess(service);
    await receiver.close();
  }
}
