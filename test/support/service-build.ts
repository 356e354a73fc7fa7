import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

declare module "vitest" {
  interface ProvidedContext {
    /** A folder of this test run (test/support/global-setup.ts), removed when the run ends. */
    serviceBuildRoot: string;
  }
}

/** The repository root. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));

let build: Promise<string> | undefined;

/**
 * The services compiled by tsc, as production runs them: the folder that holds the compiled tree (start
 * `join(dir, SUBGRAPHS[name].main)`). Compiled once per test worker into a folder of that worker, so a
 * concurrent `npm run build` (which writes dist/) or another worker never swaps files under a running
 * process; the run's global teardown removes it.
 */
export function serviceBuild(): Promise<string> {
  build ??= compile(join(inject("serviceBuildRoot"), `worker-${process.env.VITEST_POOL_ID ?? process.pid}`));
  return build;
}

function compile(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  return new Promise((done, fail) => {
    const tsc = spawn(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", REPO, "--outDir", dir], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    tsc.stdout.on("data", (chunk) => (output += chunk));
    tsc.stderr.on("data", (chunk) => (output += chunk));
    // Exit status 2 is "type errors, files emitted anyway": `npm test` type-checks separately, so run what was built.
    tsc.on("exit", (code) => (code === 0 || code === 2 ? done(dir) : fail(new Error(`tsc failed (${code}):\n${output}`))));
  });
}

/**
 * Resolves with the child's standard output so far once a line of it matches `pattern` (a service prints
 * `<name> listening on <url>` when it is ready, `<name> stopping (SIGTERM)` when told to stop); rejects if
 * the child exits first. The child must have been spawned with its stdout piped.
 */
export async function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = "";
  const matched = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        child.stdout!.off("data", onData);
        resolve(output);
      }
    };
    child.stdout!.on("data", onData);
  });
  const exited = once(child, "exit").then(([code, signal]) => {
    throw new Error(`the process exited (${code ?? signal}) before printing ${pattern}; its output:\n${output}`);
  });
  return Promise.race([matched, exited]);
}
