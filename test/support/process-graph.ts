import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { SERVICES, topologyEnv } from "../../subgraphs/kit/topology.js";
import { createMysqlDatabases, type Database } from "./databases.js";
import { demoToken, GRAPH_DATABASES, type GraphQLResponse, requestAs, testGraphEnv } from "./graph.js";
import { REPO, serviceBuild, waitForOutput } from "./service-build.js";

/** The four services, each its own operating-system process. */
export const PROCESS_NAMES = ["gateway", "cases", "attachments", "threat-analysis"] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

/** Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS_PER_SECOND = 100;

/** One reading of a process: resident memory and CPU time (user + system) so far. */
export interface ProcessUsage {
  rssBytes: number;
  cpuSeconds: number;
}

/** A row of the attachments database, read directly (what the API would not show: every organization, every state). */
export interface StoredAttachment {
  id: string;
  caseId: string | null;
  fileName: string;
  size: number;
}

export interface ProcessGraphOptions {
  database: Database;
  /** Extra environment for every service (limits, timeouts); wins over the test defaults. */
  env?: Record<string, string>;
}

/** The graph as four child processes built by tsc, as production runs it, on free ports. */
export interface ProcessGraph {
  database: Database;
  gatewayUrl: string;
  /** `http://127.0.0.1:<port>` of each service (`/health`, `/ready`). */
  origins: Record<ProcessName, string>;
  pids: Record<ProcessName, number>;
  dataDir: string;
  /** A bearer token of a demo user. */
  tokenFor(email: string): Promise<string>;
  /** POSTs an operation to the gateway as a client would. */
  request<T = Record<string, any>>(operation: { query: string; variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  /** HTTP status of `/ready` of every service (0 when it did not answer). */
  readiness(): Promise<Record<ProcessName, number>>;
  /** Services whose process has exited, with its exit code or signal and the end of its stderr. */
  exited(): { name: ProcessName; code: number | null; signal: string | null; stderr: string }[];
  /** Current memory and CPU time of every service. */
  usage(): Record<ProcessName, ProcessUsage>;
  /** Starts a measuring window: resets each process's peak-RSS mark (`VmHWM`) and notes CPU time. */
  beginWindow(): UsageWindow;
  attachmentRows(): Promise<StoredAttachment[]>;
  /** Files in the blob folder: final objects and temporaries of uploads in flight. */
  blobFiles(): { objects: string[]; temporaries: string[] };
  stop(): Promise<void>;
}

/** What a process used between `beginWindow()` and `end()`: its RSS when the window began, its peak RSS in it, its CPU time in it. */
export interface WindowUsage {
  startRssBytes: number;
  peakRssBytes: number;
  cpuSeconds: number;
}

export interface UsageWindow {
  end(): Record<ProcessName, WindowUsage>;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
      .once("error", fail)
      .listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
  });
}

function readStatusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it. utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function resetPeakRss(pid: number): void {
  // "5" resets VmHWM to the current RSS (Linux 4.0+), so that the next reading is the peak since now.
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** Resolves when the service prints that it listens (its database is set up by then) and answers `/ready`. */
async function waitReady(origin: string, child: ChildProcess, name: string, stderr: () => string): Promise<void> {
  try {
    await waitForOutput(child, /listening on/);
  } catch (error) {
    throw new Error(`${name} exited during start (${child.exitCode ?? child.signalCode}):\n${stderr()}`, { cause: error });
  }
  const ready = await fetch(`${origin}/ready`);
  if (!ready.ok) throw new Error(`${name} listens but is not ready (${ready.status}):\n${stderr()}`);
}

/**
 * Starts gateway, cases, attachments and threat-analysis as separate Node processes (compiled with
 * tsc), on fresh databases (SQLite files in a temp DATA_DIR, or new MySQL databases), with the same
 * environment as `startGraph`. Memory and CPU time are per process, so a test can see which service
 * an input hurts. Linux only (reads /proc).
 */
export async function startProcessGraph(options: ProcessGraphOptions): Promise<ProcessGraph> {
  const built = serviceBuild();
  const dataDir = mkdtempSync(join(tmpdir(), "casegraph-processes-"));
  const mysql = options.database === "mysql" ? await createMysqlDatabases(GRAPH_DATABASES) : undefined;
  const children = new Map<ProcessName, { child: ChildProcess; stderr: string }>();
  const stopChildren = async () => {
    await Promise.all(
      [...children.values()].map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
            child.once("exit", () => {
              clearTimeout(killer);
              done();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
  };
  const cleanUp = async () => {
    await stopChildren();
    await mysql?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const buildDir = await built;
    const ports = Object.fromEntries(await Promise.all(PROCESS_NAMES.map(async (name) => [name, await freePort()] as const))) as Record<ProcessName, number>;
    const origins = Object.fromEntries(PROCESS_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}`])) as Record<ProcessName, string>;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...testGraphEnv(dataDir, mysql?.urls),
      // Every service's port, every subgraph's URL and the gateway's origin, from the one topology.
      ...topologyEnv(ports),
      ...options.env,
    };
    for (const name of PROCESS_NAMES) {
      // stdout carries the "listening on" line that tells the service is up.
      const child = spawn(process.execPath, [join(buildDir, SERVICES[name].main)], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
      const entry = { child, stderr: "" };
      // Keep the end of stderr: it explains a process that died.
      child.stderr.on("data", (chunk: Buffer) => (entry.stderr = (entry.stderr + chunk.toString()).slice(-16_384)));
      children.set(name, entry);
    }
    await Promise.all(PROCESS_NAMES.map((name) => waitReady(origins[name], children.get(name)!.child, name, () => children.get(name)!.stderr)));
    const pids = Object.fromEntries(PROCESS_NAMES.map((name) => [name, children.get(name)!.child.pid!])) as Record<ProcessName, number>;
    const gatewayUrl = `${origins.gateway}/graphql`;
    const blobDir = join(dataDir, "blobs");

    // The attachments database as its own process writes it, read from outside (no entity classes, no schema changes).
    const attachmentsDb = new DataSource(
      mysql ? { type: "mysql", url: mysql.urls.attachments.replace(/^mariadb:/, "mysql:"), poolSize: 1 } : { type: "better-sqlite3", database: join(dataDir, "attachments.sqlite"), readonly: true, timeout: 5_000 },
    );
    await attachmentsDb.initialize();

    return {
      database: options.database,
      gatewayUrl,
      origins,
      pids,
      dataDir,
      tokenFor: demoToken,
      request: <T>(operation: Parameters<typeof requestAs>[1]) => requestAs<T>(gatewayUrl, operation),
      async readiness() {
        const statuses = await Promise.all(
          PROCESS_NAMES.map((name) =>
            fetch(`${origins[name]}/ready`).then(
              (r) => r.status,
              () => 0,
            ),
          ),
        );
        return Object.fromEntries(PROCESS_NAMES.map((name, index) => [name, statuses[index]])) as Record<ProcessName, number>;
      },
      exited() {
        return PROCESS_NAMES.flatMap((name) => {
          const { child, stderr } = children.get(name)!;
          return child.exitCode !== null || child.signalCode !== null ? [{ name, code: child.exitCode, signal: child.signalCode, stderr }] : [];
        });
      },
      usage() {
        return Object.fromEntries(PROCESS_NAMES.map((name) => [name, { rssBytes: readStatusKb(pids[name], "VmRSS"), cpuSeconds: readCpuSeconds(pids[name]) }])) as Record<ProcessName, ProcessUsage>;
      },
      beginWindow() {
        const cpuBefore = Object.fromEntries(PROCESS_NAMES.map((name) => [name, readCpuSeconds(pids[name])]));
        const rssBefore = Object.fromEntries(PROCESS_NAMES.map((name) => [name, readStatusKb(pids[name], "VmRSS")]));
        for (const name of PROCESS_NAMES) resetPeakRss(pids[name]);
        return {
          end: () =>
            Object.fromEntries(
              PROCESS_NAMES.map((name) => {
                const alive = children.get(name)!.child.exitCode === null;
                const startRssBytes = rssBefore[name]!;
                return [
                  name,
                  alive ? { startRssBytes, peakRssBytes: readStatusKb(pids[name], "VmHWM"), cpuSeconds: readCpuSeconds(pids[name]) - cpuBefore[name]! } : { startRssBytes, peakRssBytes: NaN, cpuSeconds: NaN },
                ];
              }),
            ) as Record<ProcessName, WindowUsage>,
        };
      },
      async attachmentRows() {
        const rows: StoredAttachment[] = await attachmentsDb.query("SELECT id, case_id AS caseId, file_name AS fileName, size FROM attachments");
        return rows.map((row) => ({ ...row, size: Number(row.size) }));
      },
      blobFiles() {
        const list = (folder: string) => (existsSync(join(blobDir, folder)) ? readdirSync(join(blobDir, folder)) : []);
        return { objects: list("objects"), temporaries: list("tmp") };
      },
      async stop() {
        await attachmentsDb.destroy();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
