import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { SUBGRAPH_NAMES, SUBGRAPHS } from "../../subgraphs/kit/topology.js";
import { signTestIdentity, TEST_FILE_LINK_SECRET, TEST_IDENTITY_KEYS } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("service did not become ready");
}

/** Fault tolerance, graceful shutdown, on a real process built with tsc as production runs it. */
describe("graceful shutdown on SIGTERM", () => {
  let dataDir: string;
  beforeAll(() => {
    const build = spawnSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "."], { encoding: "utf8" });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    dataDir = mkdtempSync(join(tmpdir(), "casegraph-shutdown-"));
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each(SUBGRAPH_NAMES)("%s finishes the in-flight request, refuses new connections, then exits 0", async (subgraph) => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [join("dist", SUBGRAPHS[subgraph].main)], {
      env: {
        ...process.env,
        [SUBGRAPHS[subgraph].portVariable]: String(port),
        DATA_DIR: join(dataDir, subgraph),
        // What a subgraph gets in production: the gateway's public key (and, for attachments, the file-link secret).
        IDENTITY_PUBLIC_KEY: TEST_IDENTITY_KEYS.env.IDENTITY_PUBLIC_KEY,
        FILE_LINK_SECRET: TEST_FILE_LINK_SECRET,
        LOG_LEVEL: "silent",
        NODE_ENV: "production",
      },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitReady(port);

    const body = JSON.stringify({ query: "{ _service { sdl } }" });
    const token = signTestIdentity(PRINCIPALS.acme, subgraph);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), [IDENTITY_HEADER]: token } }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      // The request is in flight (half its body sent) when the service is told to stop.
      setTimeout(() => {
        child.kill("SIGTERM");
        setTimeout(() => {
          expect(fetch(`http://127.0.0.1:${port}/health`))
            .rejects.toThrow()
            .then(() => req.end(body.slice(10)), reject);
        }, 300);
      }, 100);
    });

    const { status, text } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(text).data._service.sdl).toContain("@key");
    expect(await exited).toBe(0);
  });
});
