import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRINCIPALS } from "../support/principals.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";

// What a service refuses to start with (keys, secrets, NODE_ENV, listeners): protection-fail-closed.test.ts.

describe("subgraphs over HTTP", () => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
  });
  afterAll(() => graph?.stop());

  it.each(["cases", "attachments", "threat-analysis"] as const)("%s sends no CORS headers to a browser origin", async (name) => {
    const identity = signTestIdentity(PRINCIPALS.acme, name);
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
    const identity = signTestIdentity(PRINCIPALS.acme, "cases");
    const response = await fetch(graph.urls.cases, { method: "POST", headers: { "content-type": "application/json", "x-casegraph-identity": identity }, body: "{" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules/);
  });
});
