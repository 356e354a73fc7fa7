import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { expect } from "vitest";
import type { Database } from "./databases.js";
import { CREATE_CASE, productCase, threatCase } from "./fixtures.js";
import { PROCESS_NAMES, type ProcessGraph, type ProcessName, type StoredAttachment, startProcessGraph, type WindowUsage } from "./process-graph.js";
import { encryptedZip, eventually, postMultipart } from "./uploads.js";

/**
 * How much a process's resident memory may grow while an attack runs, over what it was when the attack
 * began. Measured per attack: over a whole suite a Node process's RSS also ratchets up by tens of MB
 * that are not the attack's (V8 collects lazily while memory is plentiful, malloc keeps arenas of
 * finished worker threads), which the report shows next to the per-attack figures.
 */
export const RSS_ALLOWANCE_BYTES = 64 * 1024 * 1024;

const REPORT_DIR = join("test-results", "hostile");
const MB = 1024 * 1024;

/** What the well-behaved client asks while an attack runs: every subgraph answers a part. */
const GOOD_QUERY = `query Good($product: ID!, $threat: ID!) {
  product: case(id: $product) { caseNumber attachments(first: 1) { totalCount } }
  threat: case(id: $threat) { caseNumber threatAnalysis { files { id } } }
}`;

/** Per process: its resident memory at the start of the suite, its peak during the attacks, the CPU time they cost it. */
interface ProcessFigures {
  baselineRssBytes: number;
  peakRssBytes: number;
  /** The most one attack raised the process's RSS over what it was when that attack began (what RSS_ALLOWANCE_BYTES bounds). */
  largestAttackGrowthBytes: number;
  cpuSeconds: number;
}

/** One run of the suite on one database, as test-results/hostile/<database>.json keeps it. */
interface SuiteRun {
  database: string;
  at: string;
  startMs: number;
  processes: Record<ProcessName, ProcessFigures>;
  cases: CaseFigures[];
}

interface CaseFigures {
  name: string;
  attackMs: number;
  goodRequests: number;
  goodMaxLatencyMs: number;
  processes: Record<ProcessName, WindowUsage>;
}

/** What an attack left behind, not counting what the well-behaved client stored meanwhile. */
export interface Leftovers {
  rows: StoredAttachment[];
  objects: string[];
  temporaries: string[];
}

export interface AttackOutcome<T> {
  result: T;
  /** Wall-clock time of the attack (reported, never asserted). */
  attackMs: number;
  /** Rows and blob files the attack added (the client's own uploads excluded), once temporaries are gone. */
  leftovers: Leftovers;
}

export interface HostileSuite {
  graph: ProcessGraph;
  /** The attacker: a signed-in acme customer, with an open product case and an open threat case. */
  attacker: { token: string; productCaseId: string; threatCaseId: string };
  /**
   * Runs `attack` while a well-behaved globex client queries and uploads in a loop, then checks what every
   * hostile input must leave intact: each process alive, its RSS within RSS_ALLOWANCE_BYTES of what it was
   * when the attack began, every `/ready` 200, a query over all subgraphs answered, and every request of
   * the client answered.
   */
  underAttack<T>(name: string, attack: () => Promise<T>): Promise<AttackOutcome<T>>;
  /** Writes the figures under test-results/hostile/<database>.json, refreshes test-results/hostile-suite.md, prints the tables. */
  report(): void;
  stop(): Promise<void>;
}

async function createCase(graph: ProcessGraph, token: string, input: Record<string, unknown>): Promise<string> {
  const created = await graph.request({ query: CREATE_CASE, variables: { input }, token });
  if (created.errors) throw new Error(`createCase failed: ${JSON.stringify(created.errors)}`);
  return created.data!.createCase.case.id;
}

/**
 * A client that does ordinary work in a loop until stopped: a query that reaches every subgraph, then
 * an upload (a log to its product case, or an archive encrypted with "virus" to its threat case).
 */
async function wellBehavedClient(graph: ProcessGraph) {
  const token = await graph.tokenFor("customer@globex.example");
  const globex = { productProfileId: "globex-server", contactName: "Hank Scorpio" };
  const productCaseId = await createCase(graph, token, { ...productCase, ...globex });
  const threatCaseId = await createCase(graph, token, { ...threatCase, ...globex });
  const archive = await encryptedZip("virus");
  const storedIds = new Set<string>();
  let round = 0;

  const once = async (): Promise<string | null> => {
    const answer = await graph.request({ query: GOOD_QUERY, variables: { product: productCaseId, threat: threatCaseId }, token });
    if (answer.status !== 200 || answer.errors || !answer.data?.threat?.threatAnalysis) return `query: ${answer.status} ${JSON.stringify(answer.errors)}`;
    const toThreat = round++ % 2 === 1;
    const uploaded = await postMultipart(graph.gatewayUrl, {
      token,
      input: { caseId: toThreat ? threatCaseId : productCaseId },
      files: [toThreat ? { name: "sample.zip", data: archive } : { name: "agent.log", type: "text/plain", data: Buffer.from(`agent log line ${round}\n`.repeat(200)) }],
    });
    for (const attachment of uploaded.data?.uploadAttachments?.attachments ?? []) storedIds.add(attachment.id);
    if (uploaded.status !== 200 || uploaded.errors) return `upload: ${uploaded.status} ${JSON.stringify(uploaded.errors)}`;
    return null;
  };

  return {
    storedIds,
    once,
    /** Starts the loop; `stop()` lets the round in flight finish and returns what happened. */
    start() {
      let stopping = false;
      let requests = 0;
      let maxLatencyMs = 0;
      const failures: string[] = [];
      const loop = (async () => {
        do {
          const started = performance.now();
          try {
            const failure = await once();
            if (failure) failures.push(failure);
          } catch (error) {
            failures.push(String(error));
          }
          requests++;
          maxLatencyMs = Math.max(maxLatencyMs, performance.now() - started);
        } while (!stopping);
      })();
      return {
        async stop() {
          stopping = true;
          await loop;
          return { requests, maxLatencyMs, failures };
        },
      };
    },
  };
}

const mb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / MB).toFixed(1) : "died");

/**
 * Starts the graph as four processes on `database` and prepares an attacker and a well-behaved client.
 * Rate limits are raised so that budgets (tested elsewhere)
 * never decide an answer here.
 */
export async function startHostileSuite(database: Database, env: Record<string, string> = {}): Promise<HostileSuite> {
  const starting = performance.now();
  const graph = await startProcessGraph({
    database,
    env: { RATE_LIMIT_USER_PER_MINUTE: "100000", RATE_LIMIT_API_KEY_PER_MINUTE: "100000", RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "100000", ...env },
  });
  try {
    const token = await graph.tokenFor("customer@acme.example");
    const attacker = { token, productCaseId: await createCase(graph, token, productCase), threatCaseId: await createCase(graph, token, threatCase) };
    const client = await wellBehavedClient(graph);
    // Warm up (code paths compiled, pools opened, caches filled) before the baseline is taken.
    for (let i = 0; i < 10; i++) {
      const failure = await client.once();
      if (failure) throw new Error(`the well-behaved client fails before any attack: ${failure}`);
    }
    const baseline = graph.usage();
    const startMs = performance.now() - starting;
    const cases: CaseFigures[] = [];

    return {
      graph,
      attacker,
      async underAttack(name, attack) {
        const before = { rows: new Set((await graph.attachmentRows()).map((row) => row.id)), objects: new Set(graph.blobFiles().objects) };
        const window = graph.beginWindow();
        const running = client.start();
        const started = performance.now();
        const attempt = await attack().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        const attackMs = performance.now() - started;
        const good = await running.stop();
        const usage = window.end();
        cases.push({ name, attackMs, goodRequests: good.requests, goodMaxLatencyMs: good.maxLatencyMs, processes: usage });
        if ("error" in attempt) throw attempt.error;
        const result = attempt.value;

        expect(graph.exited(), `${name}: a process died`).toEqual([]);
        expect(good.failures, `${name}: the well-behaved client's requests`).toEqual([]);
        for (const process of PROCESS_NAMES) {
          const { startRssBytes, peakRssBytes } = usage[process];
          expect(peakRssBytes - startRssBytes, `${name}: ${process} RSS grew from ${mb(startRssBytes)} MB to ${mb(peakRssBytes)} MB`).toBeLessThanOrEqual(RSS_ALLOWANCE_BYTES);
        }
        expect(await graph.readiness(), `${name}: /ready`).toEqual(Object.fromEntries(PROCESS_NAMES.map((process) => [process, 200])));
        expect(await client.once(), `${name}: a query and an upload after the attack`).toBeNull();

        // Uploads that were cut off clean their temporaries up asynchronously.
        await eventually(() => graph.blobFiles().temporaries.length === 0, 10_000).catch(() => undefined);
        const mine = (id: string) => before.rows.has(id) || before.objects.has(id) || client.storedIds.has(id);
        const leftovers: Leftovers = {
          rows: (await graph.attachmentRows()).filter((row) => !mine(row.id)),
          objects: graph.blobFiles().objects.filter((object) => !mine(object)),
          temporaries: graph.blobFiles().temporaries,
        };
        return { result, attackMs, leftovers };
      },
      report() {
        const end = graph.usage();
        const processes = Object.fromEntries(
          PROCESS_NAMES.map((process) => [
            process,
            {
              baselineRssBytes: baseline[process].rssBytes,
              peakRssBytes: Math.max(baseline[process].rssBytes, ...cases.map((c) => c.processes[process].peakRssBytes).filter(Number.isFinite)),
              largestAttackGrowthBytes: Math.max(0, ...cases.map((c) => c.processes[process].peakRssBytes - c.processes[process].startRssBytes).filter(Number.isFinite)),
              cpuSeconds: end[process].cpuSeconds - baseline[process].cpuSeconds,
            } satisfies ProcessFigures,
          ]),
        ) as Record<ProcessName, ProcessFigures>;
        mkdirSync(REPORT_DIR, { recursive: true });
        writeFileSync(join(REPORT_DIR, `${database}.json`), JSON.stringify({ database, at: new Date().toISOString(), startMs, processes, cases } satisfies SuiteRun, null, 2));
        writeSummary();
        console.log(`hostile input on ${database}: ${cases.length} attacks (graph started and warmed up in ${(startMs / 1000).toFixed(1)} s)\n${processTable(processes)}\n\n${caseTable(cases)}`);
      },
      stop: () => graph.stop(),
    };
  } catch (error) {
    await graph.stop();
    throw error;
  }
}

function processTable(processes: Record<ProcessName, ProcessFigures>): string {
  const rows = PROCESS_NAMES.map((name) => {
    const p = processes[name];
    return `| ${name} | ${mb(p.baselineRssBytes)} | ${mb(p.peakRssBytes)} | +${mb(p.peakRssBytes - p.baselineRssBytes)} | +${mb(p.largestAttackGrowthBytes)} | ${p.cpuSeconds.toFixed(2)} |`;
  });
  return ["| process | RSS before the attacks (MB) | peak RSS (MB) | growth over the suite (MB) | largest growth in one attack (MB) | CPU time during the attacks (s) |", "|---|---:|---:|---:|---:|---:|", ...rows].join(
    "\n",
  );
}

function caseTable(cases: CaseFigures[]): string {
  const rows = cases.map(
    (c) =>
      `| ${c.name} | ${c.attackMs.toFixed(0)} | ${PROCESS_NAMES.map((p) => `${mb(c.processes[p].startRssBytes)} → ${mb(c.processes[p].peakRssBytes)} / ${c.processes[p].cpuSeconds.toFixed(2)}`).join(" | ")} | ${c.goodRequests} / ${c.goodMaxLatencyMs.toFixed(0)} |`,
  );
  return [`| attack | ms | ${PROCESS_NAMES.map((p) => `${p} MB before → peak / CPU s`).join(" | ")} | good client rounds / slowest ms |`, `|---|---:|${PROCESS_NAMES.map(() => "---:").join("|")}|---:|`, ...rows].join(
    "\n",
  );
}

/** test-results/hostile-suite.md: the last run on each database. */
function writeSummary(): void {
  const runs = readdirSync(REPORT_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(REPORT_DIR, name), "utf8")) as SuiteRun);
  const lines = ["# Hostile-input suite: memory and CPU time per process", ""];
  for (const run of runs) {
    lines.push(`## ${run.database} (${run.at}; graph started and warmed up in ${(run.startMs / 1000).toFixed(1)} s)`, "", processTable(run.processes), "", caseTable(run.cases), "");
  }
  writeFileSync(join("test-results", "hostile-suite.md"), lines.join("\n"));
}
