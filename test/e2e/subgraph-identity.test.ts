import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER, signIdentity } from "../../subgraphs/kit/identity.js";
import { DEV_IDENTITY_PRIVATE_KEY } from "../../subgraphs/kit/identity-keys.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { identityAudience, SUBGRAPH_NAMES as SUBGRAPHS } from "../../subgraphs/kit/topology.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity, TEST_IDENTITY_KEYS } from "../support/identity-keys.js";

const createDevKey = () => createPrivateKey(DEV_IDENTITY_PRIVATE_KEY);
const engineer: Principal = { kind: "user", id: "u-engineer", name: "Kenji Sato", role: "engineer", organizationIds: null, scopes: ["cases:read"] };

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

  it.each(SUBGRAPHS)("%s answers 401 to a token signed with another key", async (name) => {
    const forged = signIdentity(engineer, identityAudience(name), generateKeyPairSync("ed25519").privateKey);
    expect((await postGraphQL(graph.urls[name], query, { [IDENTITY_HEADER]: forged })).status).toBe(401);
  });

  it.each(SUBGRAPHS)("%s answers 401 to a token signed with the development key when it was given a key of its own", async (name) => {
    const dev = await new SignJWT({ principal: engineer }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).setIssuer("casegraph-gateway").setAudience([name]).setExpirationTime("1m").sign(createDevKey());
    expect((await postGraphQL(graph.urls[name], query, { [IDENTITY_HEADER]: dev })).status).toBe(401);
  });

  it.each(SUBGRAPHS)("%s answers 401 to an expired token", async (name) => {
    const expired = signIdentity(engineer, identityAudience(name), TEST_IDENTITY_KEYS.privateKey, Date.now() - 120_000);
    expect((await postGraphQL(graph.urls[name], query, { [IDENTITY_HEADER]: expired })).status).toBe(401);
  });

  it.each(SUBGRAPHS)("%s answers 401 to an HS256 token 'signed' with the gateway's public key (alg confusion)", async (name) => {
    const confused = await new SignJWT({ principal: engineer })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("casegraph-gateway")
      .setAudience([name])
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode(TEST_IDENTITY_KEYS.publicKey.export({ type: "spki", format: "pem" }) as string));
    expect((await postGraphQL(graph.urls[name], query, { [IDENTITY_HEADER]: confused })).status).toBe(401);
  });

  it("answers 401 to a token whose audience does not name the subgraph", async () => {
    // The attachments subgraph calls cases, never threat-analysis: its tokens do not open threat-analysis.
    const forAttachments = signTestIdentity(engineer, "attachments");
    expect((await postGraphQL(graph.urls["threat-analysis"], query, { [IDENTITY_HEADER]: forAttachments })).status).toBe(401);
    const forCasesAlone = signIdentity(engineer, ["cases"], TEST_IDENTITY_KEYS.privateKey);
    expect((await postGraphQL(graph.urls.attachments, query, { [IDENTITY_HEADER]: forCasesAlone })).status).toBe(401);
  });

  it("serves a request with a valid token", async () => {
    const token = signTestIdentity(engineer, "cases");
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
