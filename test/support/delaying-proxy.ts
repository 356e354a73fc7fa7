import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface DelayingProxy {
  /** URL to put in place of the real subgraph's (`THREATS_URL`). */
  url: string;
  /** Requests the proxy received, and how many of them it has answered so far. */
  received: number;
  answered: number;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A slow subgraph: forwards every request to `target` and holds the answer back for `delayMs`. Closing it
 * drops whatever it still holds, so tests never wait for the delay.
 */
export async function startDelayingProxy(target: string, delayMs: number): Promise<DelayingProxy> {
  const timers = new Set<NodeJS.Timeout>();
  const proxy: Omit<DelayingProxy, "url"> & { url?: string } = { received: 0, answered: 0, close: async () => {} };
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const upstream = await fetch(target, {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name))) as Record<string, string>,
      body: req.method === "GET" ? undefined : await bodyOf(req),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    const timer = setTimeout(() => {
      timers.delete(timer);
      proxy.answered++;
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(body);
    }, delayMs);
    timers.add(timer);
  };
  const server = createServer((req, res) => {
    proxy.received++;
    // An unreachable subgraph is a 502, as from any proxy, rather than an unhandled rejection in the test process.
    forward(req, res).catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy as DelayingProxy;
}
