import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASES } from "../support/databases.js";
import { productCase, threatCase, CREATE_CASE as CREATE } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

describe.each(DATABASES)("walking skeleton on %s", (database) => {
  let graph: TestGraph;
  let acme: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("creates a case through the gateway and lists it back", async () => {
    const created = await graph.request({ query: CREATE, variables: { input: productCase }, token: acme });
    expect(created.errors).toBeUndefined();
    const c = created.data!.createCase.case;
    expect(c.caseNumber).toMatch(/^C-\d{4}-\d{6}$/);
    expect([c.status, c.subStatus]).toEqual(["OPEN", "RECEIVED"]);

    const listed = await graph.request({ query: "{ cases(first: 10) { totalCount edges { node { id caseNumber title } } } }", token: acme });
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.cases.edges.map((e: any) => e.node.id)).toContain(c.id);
    expect(listed.data!.cases.edges.find((e: any) => e.node.id === c.id).node.title).toBe(productCase.title);
  });

  it("answers one query with fields from all three subgraphs for the same case", async () => {
    const threat = await graph.request({
      query: CREATE,
      variables: { input: threatCase },
      token: acme,
    });
    const product = await graph.request({ query: CREATE, variables: { input: productCase }, token: acme });
    const query = `query($id: ID!) { case(id: $id) { caseNumber inquiryType attachments(first: 5) { totalCount edges { node { id } } } threatAnalysis { files { id } urls { id } emails { id } attk { id } } } }`;

    const threatView = await graph.request({ query, variables: { id: threat.data!.createCase.case.id }, token: acme });
    expect(threatView.errors).toBeUndefined();
    expect(threatView.data!.case).toMatchObject({
      inquiryType: "THREAT",
      attachments: { totalCount: 0, edges: [] },
      threatAnalysis: { files: [], urls: [], emails: [], attk: [] },
    });

    const productView = await graph.request({ query, variables: { id: product.data!.createCase.case.id }, token: acme });
    expect(productView.errors).toBeUndefined();
    expect(productView.data!.case.inquiryType).toBe("PRODUCT");
    expect(productView.data!.case.threatAnalysis).toBeNull();
  });

  it("refuses requests without credentials at the gateway with 401 UNAUTHENTICATED", async () => {
    const response = await graph.request({ query: "{ cases { totalCount } }" });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("does not expose the subgraph-to-subgraph caseAccess field through the gateway", async () => {
    const response = await graph.request({ query: '{ caseAccess(ids: ["x"]) { id organizationId } }', token: await graph.tokenFor("engineer@support.example") });
    expect(response.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(response.data).toBeUndefined();
  });
});
