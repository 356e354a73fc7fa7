import { writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import type { Supervisor } from "./processes.js";

export interface Backend {
  /** Backend name in the configuration (`gateway`, `cases`, ...). */
  name: string;
  /** Port clients (or other services) connect to. */
  frontendPort: number;
  /** Ports of its replicas on loopback, named `<name>-1`, `<name>-2`, ... */
  serverPorts: number[];
}

/**
 * HAProxy (Debian's package) in front of each service's replicas: round robin, a replica whose
 * `/ready` fails leaves the rotation, connection failures are retried on the other replica (a request
 * that never reached a server is safe to send elsewhere). The runtime API listens on a UNIX socket
 * (`admin` level): `set server <backend>/<server> state maint|ready` drops and restores a replica.
 */
export function haproxyConfig(backends: Backend[], statsSocket: string, errorFile?: string): string {
  const lines = [
    "global",
    `  stats socket ${statsSocket} mode 600 level admin`,
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout http-request 30s",
    // An idle keep-alive connection stays open longer than any client of it keeps one idle (the services'
    // pools 30 s, Node's fetch 4 s): a client never reuses a connection HAProxy is closing ("other side closed").
    "  timeout http-keep-alive 65s",
    // A check waits up to 5 s for /ready: on a busy machine a slow answer is not a dead replica (a dead one refuses at once).
    "  timeout check 5s",
    "  retries 3",
    "  option redispatch 1",
    "  option http-server-close",
    // A client that hangs up (a gateway replica killed mid-request) closes its server connection too:
    // the subgraph then commits nothing in its name (subgraphs/kit/transaction.ts).
    "  option abortonclose",
    // No replica could answer (all down, or the one serving died mid-request): the API's own retryable error, not an HTML page.
    ...(errorFile ? [502, 503, 504].map((status) => `  errorfile ${status} ${errorFile}`) : []),
  ];
  for (const backend of backends) {
    lines.push(`frontend ${backend.name}-in`, `  bind 127.0.0.1:${backend.frontendPort}`, `  default_backend ${backend.name}`);
    lines.push(`backend ${backend.name}`, "  balance roundrobin", "  option httpchk GET /ready", "  http-check expect status 200", "  option forwardfor");
    backend.serverPorts.forEach((port, index) => lines.push(`  server ${backend.name}-${index + 1} 127.0.0.1:${port} check inter 1s fall 2 rise 2`));
  }
  return lines.join("\n") + "\n";
}

/** What HAProxy answers when no replica could: a GraphQL error with the contract's retryable code. */
const SERVICE_UNAVAILABLE_BODY = JSON.stringify({ errors: [{ message: "The service is unavailable right now; retry", extensions: { code: "SERVICE_UNAVAILABLE" } }] });
const SERVICE_UNAVAILABLE_RESPONSE = [
  "HTTP/1.0 503 Service Unavailable",
  "Cache-Control: no-cache",
  "Connection: close",
  "Content-Type: application/json",
  "Retry-After: 1",
  `Content-Length: ${Buffer.byteLength(SERVICE_UNAVAILABLE_BODY)}`,
  "",
  SERVICE_UNAVAILABLE_BODY,
].join("\r\n");

/** One command to the runtime API; resolves with its answer. */
export function haproxyCommand(statsSocket: string, command: string): Promise<string> {
  return new Promise((done, fail) => {
    let answer = "";
    const socket = createConnection(statsSocket, () => socket.end(`${command}\n`));
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("end", () => done(answer.trim()));
    socket.on("error", fail);
  });
}

/** `UP`, `DOWN`, `MAINT`, ... of every server, keyed `<backend>/<server>`. */
export async function serverStates(statsSocket: string): Promise<Record<string, string>> {
  const csv = await haproxyCommand(statsSocket, "show stat");
  const states: Record<string, string> = {};
  for (const line of csv.split("\n").slice(1)) {
    const [backend, server, ...rest] = line.split(",");
    if (!backend || !server || server === "FRONTEND" || server === "BACKEND") continue;
    states[`${backend}/${server}`] = rest[15] ?? "";
  }
  return states;
}

export async function startHaproxy(supervisor: Supervisor, options: { dir: string; backends: Backend[]; binary?: string }): Promise<{ statsSocket: string }> {
  const statsSocket = join(options.dir, "haproxy.sock");
  const configPath = join(options.dir, "haproxy.cfg");
  const errorFile = join(options.dir, "service-unavailable.http");
  writeFileSync(errorFile, SERVICE_UNAVAILABLE_RESPONSE);
  writeFileSync(configPath, haproxyConfig(options.backends, statsSocket, errorFile));
  await supervisor.start({
    name: "haproxy",
    command: options.binary ?? "/usr/sbin/haproxy",
    // -W: master-worker, so that SIGUSR1 (soft stop) and SIGTERM reach the workers; -db: stay in the foreground.
    args: ["-W", "-db", "-f", configPath],
    ready: async () => (await haproxyCommand(statsSocket, "show info")).includes("Name: HAProxy"),
  });
  return { statsSocket };
}
