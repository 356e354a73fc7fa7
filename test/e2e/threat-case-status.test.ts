import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subgraphCallStats } from "../../subgraphs/kit/subgraph-client.js";
import { DATABASES } from "../support/databases.js";
import { type GraphQLResponse, startGraph, type TestGraph } from "../support/graph.js";
import { threatApi } from "../support/threat-api.js";

/**
 * A result's availableActions depend on its case being open. Read through `Case.threatAnalysis`, the
 * case's status comes with the gateway's call (`@requires(fields: "inquiryType status")`): the
 * threat-analysis subgraph does not ask the cases subgraph again, and a closed case still offers nothing.
 */
describe.each(DATABASES)("availableActions from the case status the gateway sends, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof threatApi>;
  let customer: string;
  let engineer: string;

  beforeAll(async () => {
    graph = await startGraph({ database, env: { CASE_ACTIVITY_DELIVERY_WAIT_MS: "0" } });
    api = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(() => graph?.stop());

  function ok(response: GraphQLResponse): any {
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return Object.values(response.data!)[0];
  }

  /** The case's files as the customer sees them on the case page, and how many subgraph-to-subgraph calls that read sent. */
  async function filesOnCasePage(caseId: string) {
    const sentBefore = subgraphCallStats.sent;
    const answer = ok(await graph.request({ query: "query($id: ID!) { case(id: $id) { status threatAnalysis { files { id availableActions } } } }", variables: { id: caseId }, token: customer }));
    return { status: answer.status as string, files: answer.threatAnalysis.files as { id: string; availableActions: string[] }[], callsSent: subgraphCallStats.sent - sentBefore };
  }

  it("offers the actions of an open case's DANGEROUS file without asking the cases subgraph, and none once the case is closed", async () => {
    const caseId = await api.createThreatCase(customer, "INFECTION_ANALYSIS");
    const upload = await api.uploadZip(customer, caseId, "sample.zip");
    const [file] = ok(await api.submit(customer, { caseId, attachmentIds: [upload.id] })).threatAnalysis.files;
    ok(await api.recordFileVerdict(engineer, { fileAnalysisId: file.id, verdict: "DANGEROUS", detectionName: "TROJ_STATUS.A", patternVersion: "19.100.00" }));

    const open = await filesOnCasePage(caseId);
    expect(open.status).toBe("OPEN");
    expect(open.files).toEqual([{ id: file.id, availableActions: expect.arrayContaining(["REQUEST_REANALYSIS", "REQUEST_DETECTION_NAME"]) }]);
    expect(open.callsSent).toBe(0);

    ok(await graph.request({ query: "mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { status } } }", variables: { input: { caseId } }, token: customer }));
    const closed = await filesOnCasePage(caseId);
    expect(closed).toEqual({ status: "CLOSED", files: [{ id: file.id, availableActions: [] }], callsSent: 0 });
  });
});
