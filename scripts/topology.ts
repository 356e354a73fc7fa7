import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoApiKeyOnce } from "../gateway/access/demo-api-key.js";
import { signDevToken } from "../gateway/auth/bearer-token.js";
import { demoUser } from "../gateway/auth/demo-users.js";
import { gatewayConfig } from "../gateway/config.js";
import { DEV_SECRET } from "../subgraphs/kit/env.js";
import { measureThroughput } from "./topology/measure.js";
import { startTopology, type Topology } from "./topology/topology.js";

/**
 * `npm run topology`: the production topology on this machine as separate processes (two gateways,
 * two replicas of each subgraph, HAProxy in front of each service, a MariaDB primary with a replica,
 * Redis, s3rver), until Ctrl-C. Everything lives in a temporary folder, removed when it stops
 * (TOPOLOGY_DIR keeps it somewhere else, and keeps it). SMTP_URL and LOG_LEVEL pass through.
 * `--measure <seconds>` (and `--concurrency <n>`, 16) measures throughput through HAProxy and each
 * process's CPU, prints it, and stops.
 */
const argument = (name: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : undefined;
};
const measureSeconds = argument("--measure");
const keepDir = process.env.TOPOLOGY_DIR;
const dir = keepDir ?? mkdtempSync(join(tmpdir(), "casegraph-topology-"));
let topology: Topology | undefined;
let stopping = false;

const log = (line: string) => console.log(`[topology] ${line}`);

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log("stopping everything it started");
    await topology?.stop();
    if (!keepDir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    log("stopped");
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const jwtSecret = process.env.JWT_SECRET || DEV_SECRET;
  const passThrough = Object.fromEntries(["JWT_SECRET", "SMTP_URL", "LOG_LEVEL", "MAIL_FROM", "OTEL_EXPORTER_OTLP_ENDPOINT"].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  topology = await startTopology({
    buildDir: join(__dirname, ".."),
    dir,
    env: { LOG_LEVEL: "warn", ...passThrough },
    log,
    onUnexpectedExit: (name, code, signal, output) => {
      // While it starts, a process that dies fails startTopology, which stops what it started.
      if (stopping || !topology) return;
      console.error(`[topology] ${name} exited (${signal ?? code}); its last output:\n${output}`);
      void stop(1);
    },
  });
  if (measureSeconds) {
    const names = ["haproxy", "mariadb-primary", "mariadb-replica", "redis", ...(["gateway", "cases", "attachments", "threat-analysis"] as const).flatMap((kind) => topology!.replicaNames(kind))];
    const concurrency = argument("--concurrency") ?? 16;
    log(`measuring: ${concurrency} clients for ${measureSeconds} s (70% case lists, 20% case reads, 10% updates)`);
    const result = await measureThroughput({ gatewayUrl: topology.gatewayUrl, jwtSecret, supervisor: topology.supervisor, names, seconds: measureSeconds, concurrency });
    console.log(`\n${result.requests} requests in ${result.seconds.toFixed(1)} s: ${result.perSecond.toFixed(1)} requests/s, ${result.errors} errors`);
    console.log("CPU per second of load (1.00 = one core busy):");
    for (const { name, coresBusy } of result.cpu) console.log(`  ${name.padEnd(20)}${coresBusy.toFixed(2)}`);
    return stop(0);
  }
  const key = await createDemoApiKeyOnce(gatewayConfig(topology.envOf("gateway-1")));
  const token = await signDevToken(demoUser("customer@acme.example")!, jwtSecret);
  console.log(`
casegraph topology is up: ${topology.gatewayUrl} (HAProxy; gateways ${topology.replicaNames("gateway").join(", ")})
MariaDB primary ${topology.primary.url}, replica ${topology.replica.url}; Redis ${topology.redisUrl}; S3 ${topology.s3.endpoint}
HAProxy runtime API: echo "show stat" | socat - ${join(dir, "haproxy.sock")}

A dev token for customer@acme.example:
${token}
${key ? `A partner API key for initech (all scopes):\n${key}\n` : ""}
curl -s ${topology.gatewayUrl} -H 'content-type: application/json' -H "authorization: Bearer ${token}" -d '{"query":"{ cases(first: 5) { totalCount } }"}'

Ctrl-C stops everything.`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(0));
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stop(1);
});
