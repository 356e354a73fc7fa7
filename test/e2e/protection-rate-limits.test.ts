import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { ConfigError } from "../../subgraphs/kit/env.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { apiKeyHeader } from "../support/api-keys.js";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { type GraphQLResponse, postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { connectRedis, REDIS_AVAILABLE, TEST_REDIS_URL } from "../support/redis.js";

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

const REDIS_URL = TEST_REDIS_URL;

/**
 * The Redis keys under `prefix`: proof that the budget was counted in Redis, not in the in-memory
 * fallback that takes over silently when Redis cannot be reached.
 */
async function redisKeys(prefix: string): Promise<string[]> {
  const redis = await connectRedis();
  try {
    return await redis.keys(`${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

/**
 * Where budgets are counted: in memory always, in Redis when it answers (always under CI=true, see
 * test/support/redis.ts). The Redis-only tests are declared in the Redis variant only, so that no skipped
 * test stands in for one.
 */
const STORES: [string, Record<string, string>][] = [["in memory", {}], ...(REDIS_AVAILABLE ? [["in Redis", { REDIS_URL }] as [string, Record<string, string>]] : [])];

/**
 * The graph of this file. Rate limits are the gateway's alone: each group of tests starts a gateway of
 * its own over these subgraphs, with the limits it tests (and a database of its own for API keys).
 */
let graph: TestGraph;
beforeAll(async () => {
  graph = await startGraph({ database: "sqlite" });
});
afterAll(() => graph?.stop());

/** A gateway over the file's graph with `env`, as a client reaches it, with the key service of its database. */
async function gatewayWith(env: Record<string, string>) {
  const gateway = await startGatewayOver(graph, env);
  return {
    gateway,
    request: ({ query, token, headers = {} }: { query: string; token?: string; headers?: Record<string, string> }) =>
      postGraphQL<Record<string, any>>(gateway.url, { query }, { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }),
    keys: new ApiKeyService(gateway.gateway.dataSource, { logger: createLogger("test", "silent"), rotationGraceSeconds: 60 }),
  };
}

describe.each(STORES)("rate limits per principal, counted %s", (_store, storeEnv) => {
  let limited: Awaited<ReturnType<typeof gatewayWith>>;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    limited = await gatewayWith({ ...storeEnv, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_USER_PER_MINUTE: "3", RATE_LIMIT_API_KEY_PER_MINUTE: "2", RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "100" });
  });
  afterAll(() => limited?.gateway.stop());

  it("counts a user's requests down in the headers, then answers 429 RATE_LIMITED with Retry-After", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const response = await limited.request({ query: QUERY, token });
      expect(response.status).toBe(200);
      seen.push(budgetOf(response));
    }
    expect(seen.map((budget) => [budget.limit, budget.remaining])).toEqual([
      ["3", "2"],
      ["3", "1"],
      ["3", "0"],
    ]);
    const nowSeconds = Date.now() / 1000;
    expect(seen[0]!.reset).toBeGreaterThan(nowSeconds - 1);
    expect(seen[0]!.reset).toBeLessThanOrEqual(Math.ceil(nowSeconds) + 60);

    const refused = await limited.request({ query: QUERY, token });
    expectRateLimited(refused);
    expect(refused.data).toBeUndefined();
  });

  it("gives every user a budget of their own", async () => {
    const globex = await graph.tokenFor("customer@globex.example");
    const response = await limited.request({ query: QUERY, token: globex });
    expect(response.status).toBe(200);
    expect(budgetOf(response)).toMatchObject({ limit: "3", remaining: "2" });
  });

  it("limits a partner API key by its own per-key budget", async () => {
    const { key } = await limited.keys.create({ partnerId: "initech", scopes: ["cases:read"] });
    const headers = { "x-api-key": key };
    const first = await limited.request({ query: QUERY, headers });
    expect(first.errors).toBeUndefined();
    expect(budgetOf(first)).toMatchObject({ limit: "2", remaining: "1" });
    await limited.request({ query: QUERY, headers });
    expectRateLimited(await limited.request({ query: QUERY, headers }));
  });

  if (storeEnv.REDIS_URL) {
    it("keeps the user and key budgets in Redis under the configured prefix", async () => {
      const keys = await redisKeys(prefix);
      expect(keys.some((key) => key.startsWith(`${prefix}:user:`))).toBe(true);
      expect(keys.some((key) => key.startsWith(`${prefix}:apiKey:`))).toBe(true);
    });
  }
});

describe.each(STORES)("requests without valid credentials, counted per IP %s", (_store, storeEnv) => {
  let limited: Awaited<ReturnType<typeof gatewayWith>>;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    limited = await gatewayWith({ ...storeEnv, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "2" });
    // Two failed guesses spend this address's budget of 2.
    const guesses = [];
    for (let i = 0; i < 2; i++) {
      const response = await limited.request({ query: QUERY, token: `not-a-token-${i}` });
      expect(response.status).toBe(401);
      guesses.push(budgetOf(response).remaining);
    }
    expect(guesses).toEqual(["1", "0"]);
  });
  afterAll(() => limited?.gateway.stop());

  it("refuses invalid credentials and requests without any from an address over its budget with 429", async () => {
    expectRateLimited(await limited.request({ query: QUERY, token: "not-a-token-3" }));
    expectRateLimited(await limited.request({ query: QUERY, headers: { "x-api-key": "csk_not-a-key" } }));
    expectRateLimited(await limited.request({ query: QUERY }));
  });

  it("still serves a valid bearer token from an address over its budget, counting it against the user", async () => {
    const response = await limited.request({ query: QUERY, token: await graph.tokenFor("customer@acme.example") });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.cases.totalCount).toBeGreaterThanOrEqual(0);
    // The user's budget (300 by default), not the address's.
    expect(budgetOf(response)).toMatchObject({ limit: "300", remaining: "299" });
  });

  it("still serves a valid partner API key from an address over its budget, counting it against the key", async () => {
    const { key } = await limited.keys.create({ partnerId: "initech", scopes: ["cases:read"] });
    const response = await limited.request({ query: QUERY, headers: apiKeyHeader(key) });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(budgetOf(response)).toMatchObject({ limit: "600", remaining: "599" });
  });

  if (storeEnv.REDIS_URL) {
    it("keeps the address budget in Redis under the configured prefix", async () => {
      expect((await redisKeys(prefix)).some((key) => key.startsWith(`${prefix}:ip:`))).toBe(true);
    });
  }
});

describe("TRUST_PROXY: whose X-Forwarded-For names the client", () => {
  const gateways: ExtraGateway[] = [];

  /** A gateway over `graph` whose address budget is 1, with TRUST_PROXY as given (unset: no proxy trusted). */
  async function gatewayTrusting(trustProxy?: string): Promise<string> {
    const gateway = await startGatewayOver(graph, { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "1", RATE_LIMIT_KEY_PREFIX: uniquePrefix(), ...(trustProxy ? { TRUST_PROXY: trustProxy } : {}) });
    gateways.push(gateway);
    return gateway.url;
  }
  /** A failed authentication as the client behind `forwardedFor`: 401 while its address has budget, then 429. */
  const guess = (url: string, forwardedFor?: string) => postGraphQL<Record<string, unknown>>(url, { query: QUERY }, { authorization: "Bearer not-a-token", ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
  });

  it("ignores X-Forwarded-For when no proxy is trusted: a forged address does not open a fresh budget", async () => {
    const url = await gatewayTrusting();
    expect((await guess(url, "203.0.113.7")).status).toBe(401);
    expectRateLimited(await guess(url, "198.51.100.1"));
    expectRateLimited(await guess(url));
  });

  it("takes the client's address from a trusted proxy's X-Forwarded-For (TRUST_PROXY=loopback)", async () => {
    const url = await gatewayTrusting("loopback");
    expect((await guess(url, "203.0.113.7")).status).toBe(401);
    expectRateLimited(await guess(url, "203.0.113.7"));
    // Another client behind the same proxy has a budget of its own.
    expect((await guess(url, "198.51.100.1")).status).toBe(401);
  });

  it("with a hop count, believes only the entry the trusted proxy appended, not what the client wrote before it", async () => {
    const url = await gatewayTrusting("1");
    // The client forges the left entry; the proxy appends the address it saw (203.0.113.7).
    expect((await guess(url, "192.0.2.1, 203.0.113.7")).status).toBe(401);
    expectRateLimited(await guess(url, "192.0.2.2, 203.0.113.7"));
    expectRateLimited(await guess(url, "203.0.113.7"));
  });

  it("refuses TRUST_PROXY=true at start-up, naming the variable", async () => {
    const starting = startGatewayOver(graph, { TRUST_PROXY: "true" });
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(/TRUST_PROXY.*X-Forwarded-For/);
  });
});

describe.runIf(REDIS_AVAILABLE)("two gateway replicas sharing Redis", () => {
  const replicas: ExtraGateway[] = [];
  const prefix = uniquePrefix();

  beforeAll(async () => {
    const shared = { REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_USER_PER_MINUTE: "4" };
    replicas.push(await startGatewayOver(graph, shared), await startGatewayOver(graph, shared));
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
  });

  it("enforces one budget across both replicas", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const headers = { authorization: `Bearer ${token}` };
    const [first, second] = replicas.map((replica) => replica.url) as [string, string];
    const remaining = [];
    for (const url of [first, second, first, second]) {
      const response = await postGraphQL<Record<string, unknown>>(url, { query: QUERY }, headers);
      expect(response.status).toBe(200);
      remaining.push(budgetOf(response).remaining);
    }
    expect(remaining).toEqual(["3", "2", "1", "0"]);
    expectRateLimited(await postGraphQL(second, { query: QUERY }, headers));
    expectRateLimited(await postGraphQL(first, { query: QUERY }, headers));
    expect((await redisKeys(prefix)).some((key) => key.startsWith(`${prefix}:user:`))).toBe(true);
  });
});
