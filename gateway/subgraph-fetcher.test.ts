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
