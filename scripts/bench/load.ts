import { spawn } from "node:child_process";
import { cpuMsOf } from "./processes.js";

export interface LoadResult {
  requestsPerSecond: number;
  /** Requests answered in the run. */
  requests: number;
  /** CPU milliseconds (user + system, /proc) per request of the processes `runLoad` was asked to watch, in their order. */
  cpuMsPerRequest?: number[];
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * Runs autocannon in its own process (so the load generator does not share an event loop with
 * anything it measures) and returns throughput and latency percentiles.
 */
export function runLoad(url: string, body: string, headers: Record<string, string>, seconds: number, connections = 10, watchPids: number[] = []): Promise<LoadResult> {
  const bin = require.resolve("autocannon/autocannon.js");
  const args = [bin, "-j", "-d", String(seconds), "-c", String(connections), "-m", "POST", "-b", body, "-H", "content-type=application/json"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`);
  args.push(url);
  const cpuBefore = watchPids.map(cpuMsOf);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) => {
      try {
        const result = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
        const requests = result.requests.total;
        const cpuMsPerRequest = watchPids.length ? watchPids.map((pid, i) => (cpuMsOf(pid) - cpuBefore[i]!) / Math.max(1, requests)) : undefined;
        resolve({ requestsPerSecond: result.requests.average, requests, cpuMsPerRequest, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx });
      } catch (error) {
        reject(new Error(`autocannon failed (${code}): ${String(error)} ${out.slice(0, 500)}`));
      }
    });
  });
}

/** Median of several runs of `measure` after one warm-up run. */
export async function medianOf(runs: number, measure: () => Promise<LoadResult>): Promise<LoadResult> {
  await measure();
  const results: LoadResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await measure());
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const watched = results[0]!.cpuMsPerRequest?.length ?? 0;
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    cpuMsPerRequest: watched ? Array.from({ length: watched }, (_, i) => median(results.map((r) => r.cpuMsPerRequest![i]!))) : undefined,
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}
