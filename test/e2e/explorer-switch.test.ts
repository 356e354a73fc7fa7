import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClientSchema, getIntrospectionQuery, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfig } from "../../gateway/config.js";
import { savedOperations } from "../../gateway/explorer/explorer-operations.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { CREATE_CASE, threatCase } from "../support/fixtures.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { TEST_KEY_ENV } from "../support/identity-keys.js";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider.js";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/** The page's own assets: every <script src> and <link href>, which must all be paths on the gateway. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
}

describe("the explorer in development (on by default)", () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
  });
  afterAll(() => graph?.stop());

  it("serves the IDE at / with every asset from the gateway itself", async () => {
    const page = await fetch(`${graph.origin}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const html = await page.text();
    const assets = assetUrls(html).filter((url) => !url.startsWith("data:"));
    expect(assets).toEqual(["/explorer/graphiql.min.css", "/explorer/react.production.min.js", "/explorer/react-dom.production.min.js", "/explorer/graphiql.min.js", "/explorer/explorer.js"]);
    for (const asset of assets) {
      const response = await fetch(new URL(asset, graph.origin));
      expect(response.status, asset).toBe(200);
      expect(response.headers.get("content-type"), asset).toMatch(asset.endsWith(".css") ? /^text\/css/ : /^(text|application)\/javascript/);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(1000);
    }
    expect((await fetch(`${graph.origin}/explorer/package.json`)).status).toBe(404);
  });

  it("shows the IDE to a browser at /graphql but keeps credentials required for GraphQL requests", async () => {
    const browserGet = await fetch(graph.gatewayUrl, { headers: { accept: BROWSER_ACCEPT } });
    expect(browserGet.status).toBe(200);
    expect(await browserGet.text()).toContain("/explorer/graphiql.min.js");

    const clientGet = await fetch(`${graph.gatewayUrl}?query=${encodeURIComponent("{ __typename }")}`, { headers: { accept: "*/*" } });
    expect(clientGet.status).toBe(401);
    const post = await postGraphQL(graph.gatewayUrl, { query: "{ __typename }" }, { accept: BROWSER_ACCEPT });
    expect(post.status).toBe(401);
    expect(post.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("answers introspection to an authenticated caller, and every saved operation of the IDE is valid against the graph", async () => {
    const introspection = await graph.request({ query: getIntrospectionQuery(), token: await graph.tokenFor("customer@acme.example") });
    expect(introspection.errors).toBeUndefined();
    const schema = buildClientSchema(introspection.data as any);
    for (const operation of savedOperations(2026)) {
      expect(
        validate(schema, parse(operation.query)).map((error) => error.message),
        operation.query.split("\n").find((line) => !line.startsWith("#")),
      ).toEqual([]);
      expect(() => JSON.parse(operation.variables)).not.toThrow();
    }
  });

  it("runs the saved queries of the IDE within the gateway's query limits", async () => {
    const token = await graph.tokenFor("customer@acme.example");
    const created = await graph.request({ query: CREATE_CASE, variables: { input: threatCase }, token });
    const caseNumber = created.data!.createCase.case.caseNumber;
    const [listMyCases, caseWithEverything] = savedOperations(2026);
    const listed = await graph.request({ query: listMyCases!.query, variables: JSON.parse(listMyCases!.variables), token });
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.cases.edges.map((edge: any) => edge.node.caseNumber)).toContain(caseNumber);
    const one = await graph.request({ query: caseWithEverything!.query, variables: { ...JSON.parse(caseWithEverything!.variables), caseNumber }, token });
    expect(one.errors).toBeUndefined();
    expect(one.data!.caseByNumber).toMatchObject({ caseNumber, threatAnalysis: { files: [], urls: [], emails: [], attk: [] } });
  });
});

describe("the explorer with production config", () => {
  let dataDir: string;
  let idp: TestIdentityProvider;
  const gateways: Gateway[] = [];

  async function productionGateway(env: Record<string, string> = {}): Promise<string> {
    const gateway = await createGateway(gatewayConfig({ NODE_ENV: "production", LOG_LEVEL: "silent", DATA_DIR: mkdtempSync(join(dataDir, "gateway-")), ...TEST_KEY_ENV, ...idp.env, ...env }));
    gateways.push(gateway);
    return gateway.listen(0);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "casegraph-explorer-"));
    idp = await startIdentityProvider();
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await idp?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("turns the IDE and introspection off unless EXPLORER enables them", async () => {
    const url = await productionGateway();
    const origin = new URL(url).origin;
    expect((await fetch(`${origin}/`, { headers: { accept: BROWSER_ACCEPT } })).status).toBe(404);
    expect((await fetch(`${origin}/explorer/graphiql.min.js`)).status).toBe(404);
    expect((await fetch(url, { headers: { accept: BROWSER_ACCEPT } })).status).toBe(401);

    const token = await idp.tokenFor("customer@acme.example");
    const introspection = await postGraphQL(url, { query: "{ __schema { queryType { name } } }" }, { authorization: `Bearer ${token}` });
    expect(introspection.data).toBeUndefined();
    expect(introspection.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it("serves the IDE and introspection in production when EXPLORER=true", async () => {
    const url = await productionGateway({ EXPLORER: "true" });
    expect((await fetch(`${new URL(url).origin}/`)).status).toBe(200);
    const token = await idp.tokenFor("customer@acme.example");
    const introspection = await postGraphQL<any>(url, { query: "{ __schema { queryType { name } } }" }, { authorization: `Bearer ${token}` });
    expect(introspection.data?.__schema.queryType.name).toBe("Query");
  });
});
