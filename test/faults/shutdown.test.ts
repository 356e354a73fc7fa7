import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { type ClientRequest, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { SUBGRAPH_NAMES, SUBGRAPHS } from "../../subgraphs/kit/topology.js";
import { signTestIdentity, TEST_FILE_LINK_SECRET, TEST_IDENTITY_KEYS } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { freePort } from "../support/process-graph.js";
import { serviceBuild, waitForOutput } from "../support/service-build.js";

/**
 * Resolves once a TCP connection to `port` is refused. Until the service closes its listener, a connection
 * is accepted (or accepted and dropped as the service closes idle connections): close it and try again.
 */
async function connectionRefused(port: number): Promise<void> {
  for (;;) {
    const socket = connect(port, "127.0.0.1");
    const outcome = await new Promise<string | undefined>((resolve) => {
      socket.once("connect", () => resolve("accepted"));
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    socket.destroy();
    if (outcome === "ECONNREFUSED") return;
    if (outcome !== "accepted" && outcome !== "ECONNRESET") throw new Error(`connecting failed otherwise: ${outcome}`);
  }
}

/** The answer to `req`: status and body. */
function answerOf(req: ClientRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
  });
}

/** Graceful shutdown, on a real process built with tsc as production runs it. */
describe("graceful shutdown on SIGTERM", () => {
  let buildDir: string;
  let dataDir: string;
  beforeAll(async () => {
    buildDir = await serviceBuild();
    dataDir = mkdtempSync(join(tmpdir(), "casegraph-shutdown-"));
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each(SUBGRAPH_NAMES)("%s finishes the in-flight request, refuses new connections, then exits 0", async (subgraph) => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [join(buildDir, SUBGRAPHS[subgraph].main)], {
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
      // stdout carries the service's "listening on" and "stopping" lines.
      stdio: ["ignore", "pipe", "ignore"],
    });
    const exited = once(child, "exit").then(([code]) => code as number | null);
    await waitForOutput(child, /listening on/);

    // A request in flight: the service has read its headers (it answers `Expect: 100-continue` once it
    // has) and waits for the rest of its body when it is told to stop.
    const body = JSON.stringify({ query: "{ _service { sdl } }" });
    const token = signTestIdentity(PRINCIPALS.acme, subgraph);
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/graphql",
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue", [IDENTITY_HEADER]: token },
    });
    const answer = answerOf(req);
    req.flushHeaders();
    await once(req, "continue");
    req.write(body.slice(0, 10));

    child.kill("SIGTERM");
    await waitForOutput(child, /stopping \(SIGTERM\)/);
    await connectionRefused(port);
    req.end(body.slice(10));

    const { status, text } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(text).data._service.sdl).toContain("@key");
    expect(await exited).toBe(0);
  });
});
