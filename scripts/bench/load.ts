import { spawn } from "node:child_process";

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * Runs autocannon in its own process (so the load generator does not share an event loop with
 * anything it measures) and returns throughput and latency percentiles.
 */
export function runLoad(url: string, body: string, headers: Record<string, string>, seconds: number, connections = 10): Promise<LoadResult> {
  const bin = require.resolve("autocannon/autocannon.js");
  const args = [bin, "-j", "-d", String(seconds), "-c", String(connections), "-m", "POST", "-b", body, "-H", "content-type=application/json"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) => {
      try {
        const result = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
        resolve({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx });
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
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}
