import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig } from "../../gateway/config.js";
import { attachmentsConfig } from "../../subgraphs/attachments/config.js";
import { casesConfig } from "../../subgraphs/cases/config.js";
import { DEV_SECRET } from "../../subgraphs/kit/env.js";
import { signIdentity } from "../../subgraphs/kit/identity.js";
import { threatsConfig } from "../../subgraphs/threat-analysis/config.js";
import { PRINCIPALS } from "../support/principals.js";
import { startGraph, TEST_IDENTITY_SECRET, type TestGraph } from "../support/graph.js";

const CONFIGS = { cases: casesConfig, attachments: attachmentsConfig, "threat-analysis": threatsConfig, gateway: gatewayConfig };

describe("identity secret in production configuration", () => {
  const production = { NODE_ENV: "production", JWT_SECRET: "a-production-jwt-secret-of-32-chars-or-more" };

  it.each(Object.entries(CONFIGS))("%s refuses to start without IDENTITY_SECRET", (_name, config) => {
    expect(() => config(production)).toThrow(/IDENTITY_SECRET is required in production/);
  });

  it.each(Object.entries(CONFIGS))("%s refuses a short IDENTITY_SECRET", (_name, config) => {
    expect(() => config({ ...production, IDENTITY_SECRET: "short" })).toThrow(/IDENTITY_SECRET must be at least 32 characters/);
  });

  it.each(Object.entries(CONFIGS))("%s starts in production with a real secret, and in development on the dev secret", (_name, config) => {
    expect(config({ ...production, IDENTITY_SECRET: TEST_IDENTITY_SECRET }).identitySecret).toBe(TEST_IDENTITY_SECRET);
    expect(config({}).identitySecret).toBe(DEV_SECRET);
  });
});

describe("subgraphs over HTTP", () => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
  });
  afterAll(() => graph?.stop());

  it.each(["cases", "attachments", "threat-analysis"] as const)("%s sends no CORS headers to a browser origin", async (name) => {
    const identity = await signIdentity(PRINCIPALS.acme, name, TEST_IDENTITY_SECRET);
    const origin = { origin: "https://evil.example" };
    const preflight = await fetch(graph.urls[name], { method: "OPTIONS", headers: { ...origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(graph.urls[name], {
      method: "POST",
      headers: { ...origin, "content-type": "application/json", "x-casegraph-identity": identity },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
    expect(post.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("answers a malformed body at a subgraph as JSON without a stack", async () => {
    const identity = await signIdentity(PRINCIPALS.acme, "cases", TEST_IDENTITY_SECRET);
    const response = await fetch(graph.urls.cases, { method: "POST", headers: { "content-type": "application/json", "x-casegraph-identity": identity }, body: "{" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0].extensions.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules/);
  });
});
