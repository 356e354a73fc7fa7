import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphQLError } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { IDENTITY_HEADER, verifyIdentity } from "../subgraphs/kit/identity.js";
import { IDEMPOTENCY_KEY_HEADER } from "../subgraphs/kit/idempotency-protocol.js";
import { generateIdentityKeys } from "../subgraphs/kit/identity-keys.js";
import { createLogger } from "../subgraphs/kit/logger.js";
import { READ_PRIMARY_HEADER } from "../subgraphs/kit/read-routing.js";
import { SCOPES } from "../subgraphs/kit/principal.js";
import { identityAudience } from "../subgraphs/kit/topology.js";
import { cacheHint, IdentityForwardingDataSource } from "./identity-forwarding.js";

const keys = generateIdentityKeys();
const principal = { kind: "user" as const, id: "u-1", name: "Aiko", role: "customer" as const, organizationIds: ["acme"], scopes: [...SCOPES] };

describe("the gateway's call to a subgraph (IdentityForwardingDataSource.process)", () => {
  let server: Server;
  let url: string;
  let answer: { status: number; headers: Record<string, string>; body: string };
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function call(query: string, options: { idempotencyKey?: string; readPrimary?: boolean } = {}) {
    const source = new IdentityForwardingDataSource("cases", url, keys.privateKey, { timeoutMs: 5_000, deduplicate: false }, createLogger("gateway", "silent"));
    const restrict = vi.fn();
    const context = { principal, requestId: "req-1", identityTokens: new Map<string, string>(), readPrimary: options.readPrimary ?? false, idempotencyKey: options.idempotencyKey };
    const response = source.process({
      kind: "incoming operation",
      request: { query, variables: { n: 1 }, operationName: "Op" },
      incomingRequestContext: { overallCachePolicy: { restrict } },
      context,
    } as never);
    return { response, restrict };
  }

  it("sends the operation as JSON with the caller's identity and the request id, and answers the subgraph's JSON", async () => {
    answer = { status: 200, headers: { "content-type": "application/json" }, body: '{"data":{"ok":true}}' };
    const { response } = call("query Op($n: Int) { ok(n: $n) }");
    const result = (await response) as { data?: unknown; http?: { status: number } };
    expect(result.data).toEqual({ ok: true });
    expect(result.http?.status).toBe(200);
    const { headers, body } = received.at(-1)!;
    expect(body).toBe(JSON.stringify({ query: "query Op($n: Int) { ok(n: $n) }", variables: { n: 1 }, operationName: "Op" }));
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["x-request-id"]).toBe("req-1");
    expect(verifyIdentity(headers[IDENTITY_HEADER] as string, identityAudience("cases")[0]!, keys.publicKey)).toMatchObject({ id: "u-1" });
    expect(headers[IDEMPOTENCY_KEY_HEADER]).toBeUndefined();
  });

  it("adds the idempotency key to a mutation only, and the primary-read header when asked", async () => {
    answer = { status: 200, headers: { "content-type": "application/json" }, body: '{"data":{"ok":true}}' };
    await call("mutation Op { ok }", { idempotencyKey: "key-1" }).response;
    expect(received.at(-1)!.headers[IDEMPOTENCY_KEY_HEADER]).toBe("key-1");
    await call("query Op { ok }", { idempotencyKey: "key-1" }).response;
    expect(received.at(-1)!.headers[IDEMPOTENCY_KEY_HEADER]).toBeUndefined();
    await call("query Op { ok }", { readPrimary: true }).response;
    expect(received.at(-1)!.headers[READ_PRIMARY_HEADER]).toBe("1");
  });

  it("restricts the answer's cache policy by the subgraph's Cache-Control, and to uncacheable without one", async () => {
    answer = { status: 200, headers: { "content-type": "application/json", "cache-control": "max-age=30, private" }, body: '{"data":{"ok":true}}' };
    const cached = call("query Op { ok }");
    await cached.response;
    expect(cached.restrict).toHaveBeenCalledWith({ maxAge: 30, scope: "PRIVATE" });
    answer = { status: 200, headers: { "content-type": "application/json" }, body: '{"data":{"ok":true}}' };
    const uncached = call("query Op { ok }");
    await uncached.response;
    expect(uncached.restrict).toHaveBeenCalledWith({ maxAge: 0 });
  });

  it("turns an error status or an answer that is not JSON into SERVICE_UNAVAILABLE naming the service", async () => {
    for (const failing of [
      { status: 502, headers: { "content-type": "text/plain" }, body: "bad gateway" },
      { status: 200, headers: { "content-type": "text/plain" }, body: "not json" },
    ]) {
      answer = failing;
      const error = (await call("query Op { ok }").response.catch((e: unknown) => e)) as GraphQLError;
      expect(error.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", serviceName: "cases" });
      expect(error.message).not.toContain(url);
    }
  });
});

describe("cacheHint", () => {
  it("reads max-age and the scope as Apollo's RemoteGraphQLDataSource does", () => {
    expect(cacheHint("max-age=30, private")).toEqual({ maxAge: 30, scope: "PRIVATE" });
    expect(cacheHint(' public , max-age = "5" ')).toEqual({ maxAge: 5, scope: "PUBLIC" });
    expect(cacheHint("max-age=abc")).toEqual({ maxAge: 0 });
    expect(cacheHint("no-store")).toEqual({ maxAge: 0 });
    expect(cacheHint(null)).toEqual({ maxAge: 0 });
  });
});
