import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExtraGateway, startGatewayOver } from "../support/extra-gateway.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider.js";

const INTROSPECTION = "{ __schema { queryType { name } } }";
const MISSPELLED = "{ cases(first: 1) { totlCount } }";

// Request handling is the same whatever the database: one is enough here.
describe("what the gateway accepts over HTTP", () => {
  let graph: TestGraph;
  let token: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite", env: { JSON_BODY_LIMIT: "4kb" } });
    token = await graph.tokenFor("customer@acme.example");
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(() => graph?.stop());

  it("answers a JSON body over the configured limit with 413 as a GraphQL error, not an error page", async () => {
    const response = await fetch(graph.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify({ query: "{ cases { totalCount } }", variables: { padding: "x".repeat(5_000) } }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toEqual({ code: "BAD_REQUEST", limit: 4_096 });
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules/);
  });

  it("answers malformed JSON with 400 BAD_REQUEST and no stack", async () => {
    const response = await fetch(graph.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|SyntaxError/);
  });

  it("blocks requests a browser could send cross-site without a preflight (CSRF prevention)", async () => {
    const simplePost = await fetch(graph.gatewayUrl, { method: "POST", headers: { "content-type": "text/plain", ...auth }, body: JSON.stringify({ query: "{ cases { totalCount } }" }) });
    expect(simplePost.status).toBe(400);
    expect(await simplePost.text()).toContain("Cross-Site Request Forgery");

    const url = `${graph.gatewayUrl}?query=${encodeURIComponent("{ cases { totalCount } }")}`;
    const simpleGet = await fetch(url, { headers: auth });
    expect(simpleGet.status).toBe(400);
    const preflighted = await fetch(url, { headers: { ...auth, "apollo-require-preflight": "true" } });
    expect(preflighted.status).toBe(200);
  });

  it("refuses batched operations", async () => {
    const response = await fetch(graph.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify([{ query: "{ cases { totalCount } }" }, { query: "{ cases { totalCount } }" }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });

  it("registers no automatic persisted query: only operations published with npm run operations run by hash", async () => {
    // The SHA-256 of "{ __typename }": sending it with its text runs the text, and registers nothing.
    const hashOnly = { extensions: { persistedQuery: { version: 1, sha256Hash: "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b" } } };
    expect((await postGraphQL(graph.gatewayUrl, hashOnly, auth)).errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    const withQuery = await postGraphQL(graph.gatewayUrl, { query: "{ __typename }", ...hashOnly }, auth);
    expect(withQuery.errors).toBeUndefined();
    expect((await postGraphQL(graph.gatewayUrl, hashOnly, auth)).errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    // A hash that is not the text's is refused, so no text runs under another's hash.
    const mismatch = await postGraphQL(graph.gatewayUrl, { query: "{ cases(first: 1) { totalCount } }", ...hashOnly }, auth);
    expect(mismatch.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("shows introspection and field suggestions outside production", async () => {
    expect((await graph.request({ query: INTROSPECTION, token })).data?.__schema.queryType.name).toBe("Query");
    expect((await graph.request({ query: MISSPELLED, token })).errors?.[0]?.message).toContain('Did you mean "totalCount"?');
  });

  describe("in production", () => {
    let production: ExtraGateway;
    let withExplorer: ExtraGateway;
    // Production takes bearer tokens from an identity provider only.
    let idp: TestIdentityProvider;
    let auth: Record<string, string>;

    beforeAll(async () => {
      idp = await startIdentityProvider();
      auth = { authorization: `Bearer ${await idp.tokenFor("customer@acme.example")}` };
      production = await startGatewayOver(graph, { NODE_ENV: "production", ...idp.env });
      withExplorer = await startGatewayOver(graph, { NODE_ENV: "production", EXPLORER: "true", ...idp.env });
    });
    afterAll(async () => {
      await production?.stop();
      await withExplorer?.stop();
      await idp?.stop();
    });

    it("refuses introspection unless EXPLORER=true", async () => {
      const refused = await postGraphQL(production.url, { query: INTROSPECTION }, auth);
      expect(refused.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(refused.data).toBeUndefined();
      const allowed = await postGraphQL<any>(withExplorer.url, { query: INTROSPECTION }, auth);
      expect(allowed.data?.__schema.queryType.name).toBe("Query");
    });

    it("hides field, argument and enum value suggestions", async () => {
      const field = await postGraphQL(production.url, { query: MISSPELLED }, auth);
      expect(field.errors?.[0]?.message).toBe('Cannot query field "totlCount" on type "CaseConnection".');
      const argument = await postGraphQL(production.url, { query: "{ cases(frist: 1) { totalCount } }" }, auth);
      expect(argument.errors?.[0]?.message).not.toContain("Did you mean");
      const enumValue = await postGraphQL(production.url, { query: "query($s: [Severity!]) { cases(filter: { severity: $s }) { totalCount } }", variables: { s: ["HIG"] } }, auth);
      expect(enumValue.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(enumValue.errors?.[0]?.message).not.toContain("Did you mean");
    });
  });
});
