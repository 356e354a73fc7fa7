import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { signDevToken } from "../gateway/auth/bearer-token.js";
import { demoUser } from "../gateway/auth/demo-users.js";
import { createDemoApiKeyOnce } from "../gateway/access/demo-api-key.js";
import { gatewayConfig } from "../gateway/config.js";
import { DEV_SECRET } from "../subgraphs/kit/env.js";
import { DEFAULT_PUBLIC_URL, GATEWAY, SERVICES } from "../subgraphs/kit/topology.js";
import { demoClient, loadDemoData } from "./demo-data.js";
import { spreadDemoStoryInServices } from "./demo-timeline.js";

/** `npm start`: the four services as separate processes on the embedded default, demo data on first start. */

const children: ChildProcess[] = [];

function prefixLines(name: string, stream: NodeJS.ReadableStream, write: (line: string) => void): void {
  let buffer = "";
  stream.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) if (line) write(`[${name}] ${line}`);
  });
}

async function waitUntilReady(name: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} was not ready on port ${port} within 60 s`);
}

function stopAll(code: number): void {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
}

async function main(): Promise<void> {
  const dist = join(__dirname, "..");
  for (const [name, { main, port }] of Object.entries(SERVICES)) {
    const service = { name, main, port };
    process.stdout.write(`starting ${service.name} on :${service.port} ... `);
    const child = spawn(process.execPath, [join(dist, service.main)], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    prefixLines(service.name, child.stdout, (line) => (process.env.VERBOSE ? console.log(line) : undefined));
    prefixLines(service.name, child.stderr, (line) => console.error(line));
    child.on("exit", (code, signal) => {
      if (!shuttingDown) {
        console.error(`${service.name} stopped (${signal ?? code}); stopping the others`);
        stopAll(1);
      }
    });
    await waitUntilReady(service.name, service.port, child);
    console.log("ready");
  }
  const jwtSecret = process.env.JWT_SECRET || DEV_SECRET;
  const created = await loadDemoData(demoClient(`http://127.0.0.1:${GATEWAY.port}/graphql`, jwtSecret), (line) => console.log(line));
  if (created) {
    // The story happened over the past day and a half, so that some response targets have run out.
    await spreadDemoStoryInServices(process.env);
    console.log(`loaded ${created} demo cases`);
  }
  const demoApiKey = await createDemoApiKeyOnce(gatewayConfig());
  if (demoApiKey) {
    console.log(
      `\nA partner API key for initech (all scopes), shown only now (npm run apikey -- list --partner initech):\n${demoApiKey}\ncurl -s ${DEFAULT_PUBLIC_URL}/graphql -H 'content-type: application/json' -H "x-api-key: ${demoApiKey}" -d '{"query":"{ cases(first: 5) { totalCount } }"}'`,
    );
  }
  const token = await signDevToken(demoUser("customer@acme.example")!, jwtSecret);
  console.log(`
casegraph is up: ${DEFAULT_PUBLIC_URL}/graphql  (GraphQL IDE: ${DEFAULT_PUBLIC_URL}/)

A dev token for customer@acme.example (12 h; more with npm run token -- --user <email>):
${token}

Try:
curl -s ${DEFAULT_PUBLIC_URL}/graphql -H 'content-type: application/json' \\
  -H "authorization: Bearer ${token}" \\
  -d '{"query":"{ cases(first: 5) { totalCount edges { node { caseNumber title status subStatus } } } }"}'

Ctrl-C stops everything.`);
}

let shuttingDown = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    shuttingDown = true;
    stopAll(0);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  shuttingDown = true;
  stopAll(1);
});
