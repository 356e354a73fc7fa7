import { join } from "node:path";
import { inspect } from "node:util";
import { performance } from "node:perf_hooks";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import type { TokenClaims } from "../../gateway/auth/demo-users.js";
import { demoUser } from "../../gateway/auth/demo-users.js";
import { GATEWAY } from "../../subgraphs/kit/topology.js";
import { createBenchCase } from "./clients.js";
import { rssOf, startProcess, stopProcess } from "./processes.js";

export interface SubscriptionBenchOptions {
  /** The services' environment (secrets, subgraph URLs, databases). */
  env: Record<string, string>;
  /** The compiled repository (dist/), where gateway/main.js is. */
  dist: string;
  /** A gateway of its own for this section (nothing else loads it), and its /metrics port. */
  port: number;
  metricsPort: number;
  subscribers: number;
  /** Distinct users the subscribers are spread over (a customer of acme each). */
  principals: number;
  /** Mutations whose events are timed. */
  mutations: number;
  /** Signs a bearer token the gateway accepts (the bench's identity provider). */
  sign: (claims: TokenClaims) => Promise<string>;
  log: (line: string) => void;
}

const SUBSCRIPTION = "subscription Bench($caseId: ID!) { caseEvents(caseId: $caseId, types: [UPDATE_ADDED]) { id sequence type actor { name } case { caseNumber subStatus } } }";
const ADD_UPDATE = "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The gateway's heap in use, from its own /metrics (prom-client's Node metrics). */
async function heapUsed(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(text)?.[1] ?? NaN);
}

/**
 * The gateway's RSS (median of `n` samples 250 ms apart) and live heap (the least of the samples: the heap in
 * use grows between collections, and its low points are what stays).
 */
async function memoryOf(pid: number, metricsUrl: string, n = 12): Promise<{ rss: number; heap: number }> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < n; i++) {
    rss.push(rssOf(pid));
    heap.push(await heapUsed(metricsUrl));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { rss: median(rss), heap: Math.min(...heap) };
}

/**
 * Sections 10 and 11: `subscribers` graphql-ws clients (one WebSocket each, in this process) subscribe to one
 * case's events on a gateway of their own, spread over `principals` users; an engineer then adds `mutations`
 * updates one after another, each once every subscriber has the previous one. Section 10 is the time from a
 * mutation's answer (at the client that sent it) to its event at each subscriber; section 11 the gateway's
 * memory per idle subscription (RSS and heap, before the clients connect and once they idle).
 */
export async function benchSubscriptions(options: SubscriptionBenchOptions): Promise<string[][]> {
  const { env, port, metricsPort, subscribers, principals, mutations, log } = options;
  const gateway = await startProcess(
    "gateway-subscriptions",
    // BENCH_CPU_PROF_DIR: the gateway writes a CPU profile there when it stops (open it in Chrome's DevTools).
    [...(process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []), join(options.dist, GATEWAY.main)],
    { ...env, [GATEWAY.portVariable]: String(port), METRICS_PORT: String(metricsPort), SUBSCRIPTIONS_PER_PRINCIPAL: String(subscribers), CASE_FEED_POLL_INTERVAL_MS: "1000" },
    port,
  );
  const clients: Client[] = [];
  try {
    const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const customer = { authorization: `Bearer ${await options.sign(demoUser("customer@acme.example")!)}` };
    const engineer = { authorization: `Bearer ${await options.sign(demoUser("engineer@support.example")!)}` };
    const caseId = await createBenchCase(gatewayUrl, customer, "Subscriptions benchmark");
    const mutate = async (body: string) => {
      const response = await fetch(gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...engineer }, body: JSON.stringify({ query: ADD_UPDATE, variables: { input: { caseId, body } } }) });
      const answer = (await response.json()) as { errors?: unknown };
      if (answer.errors) throw new Error(`addCaseUpdate failed: ${JSON.stringify(answer.errors).slice(0, 300)}`);
      return performance.now();
    };
    // Warm the gateway's paths (plans, connections) before the baseline.
    await mutate("warm-up");
    const tokens = await Promise.all(Array.from({ length: principals }, (_, i) => options.sign({ sub: `bench-customer-${i}`, name: `Bench customer ${i}`, email: "", role: "customer", org: "acme" })));
    const before = await memoryOf(gateway.child.pid!, metricsUrl);

    // arrivals[k][i]: when subscriber i got the k-th event (performance.now()).
    const arrivals: number[][] = [];
    const received = new Array<number>(subscribers).fill(0);
    let waiting: { target: number; count: number; done: () => void } | undefined;
    const arrive = (i: number) => {
      const k = received[i]!++;
      (arrivals[k] ??= []).push(performance.now());
      if (waiting && received[i] === waiting.target && --waiting.count === 0) waiting.done();
    };
    const failures: unknown[] = [];
    log(`  opening ${subscribers} WebSocket subscriptions over ${principals} users`);
    for (let start = 0; start < subscribers; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, subscribers - start) }, async (_, j) => {
          const i = start + j;
          const client = createClient({
            url: gatewayUrl.replace(/^http/, "ws"),
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${tokens[i % principals]}` },
            lazy: false,
            retryAttempts: 0,
            onNonLazyError: (error) => failures.push(error),
          });
          clients.push(client);
          await new Promise<void>((resolve) => {
            const off = client.on("connected", () => {
              off();
              resolve();
            });
          });
          client.subscribe({ query: SUBSCRIPTION, variables: { caseId } }, { next: () => arrive(i), error: (error) => failures.push(error), complete: () => undefined });
        }),
      );
    }
    /** Resolves once every subscriber holds `events` events (or fails after `ms`). */
    const allHave = (events: number, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const count = received.filter((n) => n < events).length;
        if (count === 0) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`${received.filter((n) => n < events).length} subscribers lack event ${events}; ${failures.length} failures, the first: ${inspect(failures[0], { depth: 2 }).slice(0, 600)}`)),
          ms,
        );
        waiting = {
          target: events,
          count,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    // Every subscription live: an update reaches all of them (a subscription still starting when it commits would miss it, so try a few).
    for (let attempt = 1; ; attempt++) {
      await mutate(`ready? ${attempt}`);
      try {
        await allHave(1, 2_000);
        break;
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
    // Idle: the readiness updates are all out (then counting starts from a clean slate).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idle = await memoryOf(gateway.child.pid!, metricsUrl);
    received.fill(0);
    arrivals.length = 0;

    log(`  ${mutations} updates, each timed from its answer to its event at all ${subscribers} subscribers`);
    const latencies: number[] = [];
    let early = 0;
    for (let k = 0; k < mutations; k++) {
      const arrived = allHave(k + 1, 10_000);
      const answered = await mutate(`update ${k}`);
      await arrived;
      for (const at of arrivals[k]!) {
        if (at < answered) early++;
        latencies.push(Math.max(0, at - answered));
      }
    }
    latencies.sort((a, b) => a - b);
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    return [
      [
        `10. mutation answer → its event at ${subscribers.toLocaleString("en-US")} WebSocket subscribers (${principals} users, one gateway)`,
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
        `target p99 ≤ 100 ms; ${mutations} updates, ${latencies.length.toLocaleString("en-US")} deliveries`,
        early ? `${early} arrived before the answer (counted 0)` : "",
      ],
      [
        `11. gateway memory per idle subscription (${subscribers.toLocaleString("en-US")} WebSockets)`,
        `RSS +${kb((idle.rss - before.rss) / subscribers)} KB, heap +${kb((idle.heap - before.heap) / subscribers)} KB`,
        "target ≤ 20 KB; 12 samples over 3 s before the clients connect and once they idle (RSS: median; heap: least)",
        "",
      ],
    ];
  } finally {
    await Promise.all(
      clients.map(async (client) => {
        await client.dispose();
      }),
    );
    await stopProcess(gateway);
  }
}
