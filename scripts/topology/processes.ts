import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** A free TCP port on loopback (the kernel picks it; closed again before it is used). */
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true, or fails after `timeoutMs` with `what` and the last error. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    await sleep(everyMs);
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s${last ? `: ${last.message}` : ""}`);
}

export interface ProcessSpec {
  /** Unique name, e.g. `cases-1`, `mariadb-primary`. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Resolves when the process serves (polled after it was spawned). */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Signal that stops it cleanly (SIGTERM). */
  stopSignal?: NodeJS.Signals;
}

interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  /** The end of what it wrote to stderr and stdout: explains a process that died. */
  output: string;
  expectedExit: boolean;
}

/**
 * Every process of the topology: spawned, waited for, killed, restarted and stopped by name. `stopAll`
 * stops what is still running, in the reverse order of starting; an unexpected exit is reported to
 * `onUnexpectedExit` (the runner stops everything; the soak test counts it against the run).
 */
export class Supervisor {
  private readonly running = new Map<string, Running>();
  private readonly order: string[] = [];

  constructor(
    private readonly log: (line: string) => void,
    private readonly onUnexpectedExit: (name: string, code: number | null, signal: string | null, output: string) => void = () => undefined,
    /** When given, every process's output is also appended to `<logDir>/<name>.log` (restarts included). */
    private readonly logDir?: string,
  ) {}

  async start(spec: ProcessSpec): Promise<void> {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    const entry: Running = { spec, child, output: "", expectedExit: false };
    const logFile = this.logDir && join(this.logDir, `${spec.name}.log`);
    const keep = (chunk: Buffer) => {
      entry.output = (entry.output + chunk.toString()).slice(-8_192);
      if (logFile) appendFileSync(logFile, chunk);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (error) => keep(Buffer.from(String(error))));
    child.once("exit", (code, signal) => {
      if (!entry.expectedExit) this.onUnexpectedExit(spec.name, code, signal, entry.output);
    });
    this.running.set(spec.name, entry);
    if (!this.order.includes(spec.name)) this.order.push(spec.name);
    try {
      await waitFor(
        `${spec.name} did not become ready`,
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}):\n${entry.output}`);
          return spec.ready();
        },
        spec.readyTimeoutMs ?? 60_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${spec.name} output ---\n${entry.output}`, { cause: error });
    }
    this.log(`${spec.name} up (pid ${child.pid})`);
  }

  pid(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  /** The processes that exited without being told to. */
  unexpectedExits(): string[] {
    return [...this.running.values()].filter((entry) => !entry.expectedExit && (entry.child.exitCode !== null || entry.child.signalCode !== null)).map((entry) => entry.spec.name);
  }

  /** Sends `signal` and waits for the exit (SIGKILL after 15 s). */
  async stop(name: string, signal: NodeJS.Signals = this.running.get(name)?.spec.stopSignal ?? "SIGTERM"): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) return;
    entry.expectedExit = true;
    const { child } = entry;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.once("exit", () => {
        clearTimeout(killer);
        done();
      });
      child.kill(signal);
    });
  }

  /** SIGKILL: the process gets no chance to finish anything. */
  kill(name: string): Promise<void> {
    return this.stop(name, "SIGKILL");
  }

  /** Starts a stopped or killed process again with its first spec. */
  async restart(name: string): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) throw new Error(`no process named ${name}`);
    await this.stop(name);
    await this.start(entry.spec);
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.order].reverse()) {
      await this.stop(name).catch(() => undefined);
    }
  }
}
