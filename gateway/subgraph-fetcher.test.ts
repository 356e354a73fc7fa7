import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubgraphFetcher } from "./subgraph-fetcher.js";

/**
 * A kept-alive connection that the other side closes just as the gateway reuses it (a proxy's idle
 * timeout, a replica killed): "other side closed", before any answer. Found by the topology soak
 * (test/faults/topology-soak.test.ts) as errors after a fault was over.
 */
describe("the gateway's subgraph fetcher on a kept-alive connection the other side closed", () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  let drops = 0;

  beforeAll(async () => {
    // Answers the first request of each connection and drops the connection at the second, unanswered.
    server = createServer((req, res) => {
      const socket = req.socket as Socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        requests.push(body);
        if (socket.served! > 1) {
          drops++;
          return void socket.destroy();
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ data: { ok: true } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = (fetcher: ReturnType<typeof createSubgraphFetcher>, query: string) =>
    (fetcher as unknown as (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{ status: number; json(): Promise<unknown> }>)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });

  /** Calls until one went out on a reused connection that was dropped (the pool reuses an idle connection, once it is back). */
  async function untilDropped(fetcher: ReturnType<typeof createSubgraphFetcher>, query: string) {
    const outcomes: ("answered" | "failed")[] = [];
    const dropsBefore = drops;
    for (let i = 0; i < 20 && drops === dropsBefore; i++) {
      outcomes.push(
        await call(fetcher, query).then(
          async (response) => (((await response.json()) as { data?: { ok?: boolean } }).data?.ok === true ? "answered" : "failed"),
          () => "failed",
        ),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { outcomes, dropped: drops - dropsBefore };
  }

  it("sends a query again on a fresh connection, once, and answers it", async () => {
    requests.length = 0;
    const { outcomes, dropped } = await untilDropped(createSubgraphFetcher(5_000, false), "query { ok }");
    expect(dropped).toBe(1);
    expect(outcomes.every((outcome) => outcome === "answered")).toBe(true);
    // Every call reached the server once, and the dropped one a second time.
    expect(requests).toHaveLength(outcomes.length + 1);
  });

  it("does not send a mutation again: it may have run", async () => {
    requests.length = 0;
    const { outcomes, dropped } = await untilDropped(createSubgraphFetcher(5_000, false), "mutation { ok }");
    expect(dropped).toBe(1);
    expect(outcomes.at(-1)).toBe("failed");
    expect(requests).toHaveLength(outcomes.length);
  });
});

describe("the gateway's subgraph fetcher's answers", () => {
  let server: Server;
  let url: string;
  const received: { method?: string; url?: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        // Status, repeated headers and a body in several chunks (é is two bytes, split across them).
        res.writeHead(503, [
          ["Content-Type", "application/json"],
          ["X-Answer", "one"],
          ["X-Answer", "two"],
          ["Cache-Control", "max-age=30, private"],
        ]);
        const bytes = Buffer.from(JSON.stringify({ data: { text: "café".repeat(5_000) } }));
        res.write(bytes.subarray(0, 4));
        setTimeout(() => res.end(bytes.subarray(4)), 10);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql?x=1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("hands Apollo the status, the headers by any case (repeated ones joined), and the whole body", async () => {
    const fetcher = createSubgraphFetcher(5_000, false) as unknown as (
      url: string,
      init: { method: string; headers: Record<string, string>; body: string },
    ) => Promise<{ ok: boolean; status: number; url: string; headers: { get(name: string): string | null; has(name: string): boolean } & Iterable<[string, string]>; text(): Promise<string>; json(): Promise<unknown> }>;
    const response = await fetcher(url, { method: "POST", headers: { "content-type": "application/json", "x-request-id": "r-1" }, body: '{"query":"query { text }"}' });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(503);
    expect(response.url).toBe(url);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("X-ANSWER")).toBe("one, two");
    expect(response.headers.has("Cache-Control")).toBe(true);
    expect(response.headers.get("x-missing")).toBeNull();
    const names = [...response.headers].map(([name]) => name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("x-answer");
    expect(await response.json()).toEqual({ data: { text: "café".repeat(5_000) } });
    expect(received.at(-1)).toMatchObject({ method: "POST", url: "/graphql?x=1", body: '{"query":"query { text }"}', headers: { "content-type": "application/json", "x-request-id": "r-1" } });
  });
});
