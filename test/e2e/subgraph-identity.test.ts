import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { postGraphQL, startGraph, TEST_IDENTITY_SECRET, type TestGraph } from "../support/graph.js";

const engineer: Principal = { kind: "user", id: "u-engineer", name: "Kenji Sato", role: "engineer", organizationIds: null, scopes: ["cases:read"] };
const SUBGRAPHS = ["cases", "attachments", "threat-analysis"] as const;

describe("a subgraph reached directly grants nothing", () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
  });
  afterAll(() => graph?.stop());

  const query = { query: "{ _service { sdl } }" };

  it.each(SUBGRAPHS)("%s answers 401 without an identity token", async (name) => {
    const response = await postGraphQL(graph.urls[name], query);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it.each(SUBGRAPHS)("%s answers 401 to a token signed with another secret", async (name) => {
    const forged = await signIdentity(engineer, name, "not-the-secret-but-long-enough-to-sign");
    expect((await postGraphQL(graph.urls[name], query, { [IDENTITY_HEADER]: forged })).status).toBe(401);
  });

  it.each(SUBGRAPHS)("%s answers 401 to an expired token", async (name) => {
    const expired = await new SignJWT({ principal: engineer as unknown as Record<string, unknown> })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("casegraph-gateway")
      .setAudience(name)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .sign(new TextEncoder().encode(TEST_IDENTITY_SECRET));
    expect((await postGraphQL(graph.urls[name], query, { [IDENTITY_HEADER]: expired })).status).toBe(401);
  });

  it("answers 401 to a token meant for another subgraph", async () => {
    const forAttachments = await signIdentity(engineer, "attachments", TEST_IDENTITY_SECRET);
    expect((await postGraphQL(graph.urls.cases, query, { [IDENTITY_HEADER]: forAttachments })).status).toBe(401);
  });

  it("serves a request with a valid token", async () => {
    const token = await signIdentity(engineer, "cases", TEST_IDENTITY_SECRET);
    const response = await postGraphQL<{ _service: { sdl: string } }>(graph.urls.cases, query, { [IDENTITY_HEADER]: token });
    expect(response.status).toBe(200);
    expect(response.data?._service.sdl).toContain("type Case");
  });

  it("reports health and readiness without a token", async () => {
    for (const name of SUBGRAPHS) {
      const base = graph.urls[name].replace(/\/graphql$/, "");
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect(await (await fetch(`${base}/ready`)).json()).toMatchObject({ status: "ready" });
    }
  });
});
