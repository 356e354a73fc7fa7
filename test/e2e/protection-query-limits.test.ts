import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoClient, loadDemoData } from "../../scripts/demo-data.js";
import { DASHBOARD_QUERY } from "../support/dashboard.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";
import { attachmentRows, UPLOAD, upload } from "../support/uploads.js";

const repeat = (count: number, text: (index: number) => string) => Array.from({ length: count }, (_, index) => text(index)).join(" ");

// Query limits are checked on the query text before anything runs: one database is enough here.
describe("query limits at the gateway (defaults: depth 10, aliases 15, directives 50, tokens 1000, cost 1000)", () => {
  let graph: TestGraph;
  let engineer: string;
  let statements = 0;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite", onQuery: () => statements++ });
    await loadDemoData(demoClient(graph.gatewayUrl, TEST_JWT_SECRET), () => {});
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(() => graph?.stop());

  /** Sends `query` and expects QUERY_TOO_COMPLEX with HTTP 400 and no SQL run for it. */
  async function refused(query: string, variables?: Record<string, unknown>) {
    const before = statements;
    const response = await graph.request({ query, variables, token: engineer });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(statements).toBe(before);
    return response.errors![0]!;
  }

  it("refuses a query deeper than 10 levels with its depth", async () => {
    const error = await refused('{ __type(name: "Case") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }');
    expect(error.extensions).toMatchObject({ depth: 12, limit: 10 });
  });

  it("refuses more than 15 aliases with their count", async () => {
    const error = await refused(`{ ${repeat(16, (i) => `c${i}: cases(first: 1) { totalCount }`)} }`);
    expect(error.extensions).toMatchObject({ aliases: 16, limit: 15 });
  });

  it("refuses a wide query of more than 1000 tokens before parsing it", async () => {
    const error = await refused(`{ cases(first: 1) { ${repeat(1_000, () => "totalCount")} } }`);
    expect(error.extensions).toMatchObject({ tokens: 1_001, limit: 1_000 });
  });

  it("refuses a query text over 100,000 characters before lexing it, even as one comment", async () => {
    const error = await refused(`{ cases(first: 1) { totalCount } }\n#${"x".repeat(100_000)}`);
    expect(error.extensions).toMatchObject({ length: 100_036, limit: 100_000 });
  });

  it("applies the same text limits to the operations of a multipart upload, before parsing them", async () => {
    const before = (await attachmentRows(graph)).length;
    const wide = UPLOAD.replace("attachments { id", `attachments { ${"id ".repeat(1_000)}id`);
    const caseId = (await graph.request({ query: "{ cases(first: 1) { edges { node { id } } } }", token: engineer })).data!.cases.edges[0].node.id;
    const response = await upload(graph, { token: engineer, input: { caseId }, files: [{ name: "a.log", data: Buffer.from("log") }], query: wide });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", tokens: 1_001, limit: 1_000 });
    expect((await attachmentRows(graph)).length).toBe(before);
  });

  it("refuses more than 50 directives", async () => {
    const error = await refused(`{ cases(first: 1) { ${repeat(51, () => "totalCount @include(if: true)")} } }`);
    expect(error.extensions).toMatchObject({ directives: 51, limit: 50 });
  });

  it("refuses a query costing more than 1000 points, with the computed cost", async () => {
    const error = await refused("{ cases(first: 100) { edges { node { updates(first: 100) { edges { node { id body } } } } } } }");
    expect(error.extensions).toMatchObject({ cost: 100 * 101, limit: 1_000 });
  });

  it("prices first from the variables: the same query passes with a small page and fails with a large one", async () => {
    const query = "query($n: Int) { cases(first: $n) { edges { node { id updates(first: 20) { edges { node { id } } } } } } }";
    const error = await refused(query, { n: 100 });
    expect(error.extensions).toMatchObject({ cost: 100 * 21, limit: 1_000 });
    const small = await graph.request({ query, variables: { n: 20 }, token: engineer });
    expect(small.errors).toBeUndefined();
  });

  it("answers the seeded dashboard query (20 cases, 3 updates, 5 attachments, threat results)", async () => {
    const response = await graph.request({ query: DASHBOARD_QUERY, token: engineer });
    expect(response.errors).toBeUndefined();
    const cases = response.data!.cases.edges.map((edge: any) => edge.node);
    expect(cases.length).toBeGreaterThan(10);
    expect(cases.some((c: any) => c.updates.edges.length > 0)).toBe(true);
    expect(cases.some((c: any) => c.inquiryType === "THREAT" && c.threatAnalysis !== null)).toBe(true);
  });
});
