import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { type GraphQLResponse, postGraphQL, startGraph, type TestGraph } from "../support/graph.js";

const QUERY = "{ cases(first: 1) { totalCount } }";

function budgetOf(response: GraphQLResponse) {
  const header = (name: string) => response.headers.get(name);
  return { limit: header("x-ratelimit-limit"), remaining: header("x-ratelimit-remaining"), reset: Number(header("x-ratelimit-reset")) };
}

function expectRateLimited(response: GraphQLResponse) {
  expect(response.status).toBe(429);
  expect(response.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
}

/** A key prefix of its own, so that runs sharing the machine's Redis never share a budget. */
const uniquePrefix = () => `casegraph-test:${randomBytes(6).toString("hex")}`;

describe.each([
  ["in memory", {}],
  ["in Redis", { REDIS_URL: "redis://127.0.0.1:6379" }],
])("rate limits per principal, counted %s", (_store, storeEnv: Record<string, string>) => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await startGraph({
      database: "sqlite",
      env: { ...storeEnv, RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_USER_PER_MINUTE: "3", RATE_LIMIT_API_KEY_PER_MINUTE: "2", RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "100" },
    });
  });
  afterAll(() => graph?.stop());

  it("counts a user's requests down in the headers, then answers 429 RATE_LIMITED with Retry-After", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const response = await graph.request({ query: QUERY, token });
      expect(response.status).toBe(200);
      seen.push(budgetOf(response));
    }
    expect(seen.map((budget) => [budget.limit, budget.remaining])).toEqual([["3", "2"], ["3", "1"], ["3", "0"]]);
    const nowSeconds = Date.now() / 1000;
    expect(seen[0]!.reset).toBeGreaterThan(nowSeconds - 1);
    expect(seen[0]!.reset).toBeLessThanOrEqual(Math.ceil(nowSeconds) + 60);

    const refused = await graph.request({ query: QUERY, token });
    expectRateLimited(refused);
    expect(refused.data).toBeUndefined();
  });

  it("gives every user a budget of their own", async () => {
    const globex = await graph.tokenFor("customer@globex.example");
    const response = await graph.request({ query: QUERY, token: globex });
    expect(response.status).toBe(200);
    expect(budgetOf(response)).toMatchObject({ limit: "3", remaining: "2" });
  });

  it("limits a partner API key by its own per-key budget", async () => {
    const keys = new ApiKeyService(graph.gateway.dataSource, { logger: graph.gateway.logger, rotationGraceSeconds: 60 });
    const { key } = await keys.create({ partnerId: "initech", scopes: ["cases:read"] });
    const headers = { "x-api-key": key };
    const first = await graph.request({ query: QUERY, headers });
    expect(first.errors).toBeUndefined();
    expect(budgetOf(first)).toMatchObject({ limit: "2", remaining: "1" });
    await graph.request({ query: QUERY, headers });
    expectRateLimited(await graph.request({ query: QUERY, headers }));
  });
});

describe.each([
  ["in memory", {}],
  ["in Redis", { REDIS_URL: "redis://127.0.0.1:6379" }],
])("requests without valid credentials, counted per IP %s", (_store, storeEnv: Record<string, string>) => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite", env: { ...storeEnv, RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "2" } });
  });
  afterAll(() => graph?.stop());

  it("counts 401s against the IP and then refuses even valid credentials from it with 429", async () => {
    const guesses = [];
    for (let i = 0; i < 2; i++) {
      const response = await graph.request({ query: QUERY, token: `not-a-token-${i}` });
      expect(response.status).toBe(401);
      guesses.push(budgetOf(response).remaining);
    }
    expect(guesses).toEqual(["1", "0"]);
    expectRateLimited(await graph.request({ query: QUERY, token: "not-a-token-3" }));
    expectRateLimited(await graph.request({ query: QUERY, token: await graph.tokenFor("customer@acme.example") }));
  });
});

describe("two gateway replicas sharing Redis", () => {
  let graph: TestGraph;
  let replica: ExtraGateway;

  beforeAll(async () => {
    const shared = { REDIS_URL: "redis://127.0.0.1:6379", RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_USER_PER_MINUTE: "4" };
    graph = await startGraph({ database: "sqlite", env: shared });
    replica = await startGatewayOver(graph, shared);
  });
  afterAll(async () => {
    await replica?.stop();
    await graph?.stop();
  });

  it("enforces one budget across both replicas", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const headers = { authorization: `Bearer ${token}` };
    const remaining = [];
    for (const url of [graph.gatewayUrl, replica.url, graph.gatewayUrl, replica.url]) {
      const response = await postGraphQL<Record<string, unknown>>(url, { query: QUERY }, headers);
      expect(response.status).toBe(200);
      remaining.push(budgetOf(response).remaining);
    }
    expect(remaining).toEqual(["3", "2", "1", "0"]);
    expectRateLimited(await postGraphQL(replica.url, { query: QUERY }, headers));
    expectRateLimited(await postGraphQL(graph.gatewayUrl, { query: QUERY }, headers));
  });
});
