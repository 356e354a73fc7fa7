import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  port: number;
}

/** Starts `node <script>` with `env` and waits until `readyUrl` answers 2xx. */
export async function startProcess(name: string, args: string[], env: Record<string, string>, port: number, readyPath = "/ready", command = process.execPath): Promise<ServiceProcess> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${readyPath}`);
      if (response.status < 500) return { name, child, port };
    } catch {
      // not yet listening
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`${name} not ready on :${port}: ${stderr}`);
}

export async function stopProcess(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    service.child.once("exit", () => resolve());
    service.child.kill("SIGTERM");
    setTimeout(() => service.child.kill("SIGKILL"), 5_000).unref();
  });
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** Samples the RSS of `pids` every 25 ms until stopped; returns the peak of each. */
export function sampleRss(pids: number[]): () => number[] {
  const peaks = pids.map((pid) => rssOf(pid));
  const timer = setInterval(() => {
    pids.forEach((pid, i) => {
      try {
        peaks[i] = Math.max(peaks[i]!, rssOf(pid));
      } catch {
        // process gone
      }
    });
  }, 25);
  return () => {
    clearInterval(timer);
    return peaks;
  };
}
