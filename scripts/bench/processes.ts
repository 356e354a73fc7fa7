import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  port: number;
  /** Milliseconds from spawn to the first 2xx (or 4xx) answer of its ready path: the cold start. */
  readyMs: number;
}

/** Starts `node <script>` with `env` (in `cwd`) and waits until `readyUrl` answers 2xx. */
export async function startProcess(name: string, args: string[], env: Record<string, string>, port: number, readyPath = "/ready", command = process.execPath, cwd?: string): Promise<ServiceProcess> {
  const started = performance.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"], cwd });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${readyPath}`);
      if (response.status < 500) {
        // A service that dies while measured says why (the figures after it would be meaningless).
        child.once("exit", (code, signal) => code !== 0 && code !== null && console.error(`[bench] ${name} (:${port}) exited with ${code ?? signal}: ${stderr.slice(-1500)}`));
        return { name, child, port, readyMs: performance.now() - started };
      }
    } catch {
      // not yet listening
    }
    // Polled often: the time to ready is one of the figures.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  throw new Error(`${name} not ready on :${port}: ${stderr}`);
}

/** SIGTERM, then SIGKILL after `killAfterMs` (a process writing its `--cpu-prof` profile on exit needs longer on a busy machine). */
export async function stopProcess(service: ServiceProcess, killAfterMs = 5_000): Promise<void> {
  if (service.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    service.child.once("exit", () => resolve());
    service.child.kill("SIGTERM");
    setTimeout(() => service.child.kill("SIGKILL"), killAfterMs).unref();
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

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc; clock ticks of 1/100 s). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The pid of the local process listening on TCP `port` (the MySQL/MariaDB server the benchmark uses), when /proc shows it; else null. */
export function findListeningPid(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local address ends with :PORT, state 0A is LISTEN, field 9 is the socket's inode.
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A") inodes.add(fields[9]!);
      }
    } catch {
      // no IPv6 table
    }
  }
  if (!inodes.size) return null;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const target = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (target && inodes.has(target[1]!)) return Number(entry);
      }
    } catch {
      // gone or not ours to read
    }
  }
  return null;
}
