import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveryAgents, postPinned } from "./webhook.http.js";

const NAME = "hooks.partner.example";

/** A self-signed certificate for NAME (openssl, as on any development machine). */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "webhook-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=${NAME}`,
        "-addext",
        `subjectAltName=DNS:${NAME}`,
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

describe("a delivery's HTTP request", () => {
  const seen: { host?: string; servername?: string | false | null; body: string }[] = [];
  let tlsServer: Server;
  let silent: Server;
  let tlsPort: number;
  let silentPort: number;
  let cert: string;

  beforeAll(async () => {
    const pair = selfSigned();
    cert = pair.cert;
    tlsServer = createHttpsServer(pair, (req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername, body });
        res.writeHead(204).end();
      });
    });
    tlsPort = await listen(tlsServer);
    // Accepts the connection and never answers.
    silent = createHttpServer(() => undefined);
    silentPort = await listen(silent);
  });
  afterAll(() => {
    tlsServer?.close();
    silent?.closeAllConnections();
    silent?.close();
  });

  it("connects to the checked address, with the URL's name for Host, SNI and the certificate check (no resolution of its own)", async () => {
    // hooks.partner.example resolves nowhere: the request reaches the server only through the pinned address.
    const target = { url: new URL(`https://${NAME}:${tlsPort}/in`), address: "127.0.0.1", family: 4 as const };
    const result = await postPinned(target, { "webhook-id": "msg_1" }, '{"ok":true}', { timeoutMs: 5_000, ca: cert });
    expect(result).toMatchObject({ status: 204 });
    expect(seen).toEqual([{ host: `${NAME}:${tlsPort}`, servername: NAME, body: '{"ok":true}' }]);
  });

  it("refuses a certificate that is not the URL's name's, even at the checked address", async () => {
    const target = { url: new URL(`https://other.partner.example:${tlsPort}/in`), address: "127.0.0.1", family: 4 as const };
    const result = await postPinned(target, {}, "{}", { timeoutMs: 5_000, ca: cert });
    expect(result.status).toBeNull();
    expect(result).toMatchObject({ error: expect.stringContaining("ERR_TLS_CERT_ALTNAME_INVALID") });
  });

  it("reuses a kept-alive connection only for a delivery pinned to the same address", async () => {
    const connections: { local: string; port: number }[] = [];
    const server = createHttpServer((req, res) => {
      connections.push({ local: req.socket.localAddress!, port: req.socket.remotePort! });
      req.resume();
      req.on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    const agents = deliveryAgents(4);
    try {
      const url = new URL(`http://${NAME}:${(server.address() as AddressInfo).port}/in`);
      const to = (address: string) => postPinned({ url, address, family: 4 }, {}, "{}", { timeoutMs: 5_000, agents });
      expect(await to("127.0.0.1")).toMatchObject({ status: 204 });
      expect(await to("127.0.0.1")).toMatchObject({ status: 204 });
      expect(await to("127.0.0.2")).toMatchObject({ status: 204 });
      expect(connections.map((c) => c.local.replace(/^::ffff:/, ""))).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.2"]);
      expect(connections[1]!.port).toBe(connections[0]!.port);
      expect(connections[2]!.port).not.toBe(connections[0]!.port);
    } finally {
      agents.destroy();
      server.closeAllConnections();
      server.close();
    }
  });

  it("gives up when no answer comes within the timeout", async () => {
    const target = { url: new URL(`http://127.0.0.1:${silentPort}/in`), address: "127.0.0.1", family: 4 as const };
    const result = await postPinned(target, {}, "{}", { timeoutMs: 300 });
    expect(result).toMatchObject({ status: null, error: "no answer within 0.3 s" });
  });
});
