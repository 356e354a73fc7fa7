import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCOPES } from "../../subgraphs/kit/principal.js";
import { addPartner, apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { type GraphQLResponse, startGraph, type TestGraph } from "../support/graph.js";

/**
 * Who may do what to an acme case, through the gateway. Cells:
 * ok = done / visible; hidden = absent from the list or `case` is null (rule 11: never FORBIDDEN);
 * NOT_FOUND / FORBIDDEN = that error code; 401 = HTTP 401 UNAUTHENTICATED at the gateway.
 */
const MATRIX = `
  principal                  | list cases | get case | update case | add update | set sub-status
  no credentials             | 401        | 401      | 401         | 401        | 401
  globex customer            | hidden     | hidden   | NOT_FOUND   | NOT_FOUND  | FORBIDDEN
  acme customer              | ok         | ok       | ok          | ok         | FORBIDDEN
  initech key (all scopes)   | ok         | ok       | ok          | ok         | FORBIDDEN
  initech key (cases:read)   | ok         | ok       | FORBIDDEN   | FORBIDDEN  | FORBIDDEN
  umbrella key (globex only) | hidden     | hidden   | NOT_FOUND   | NOT_FOUND  | FORBIDDEN
  revoked initech key        | 401        | 401      | 401         | 401        | 401
  expired initech key        | 401        | 401      | 401         | 401        | 401
  engineer                   | ok         | ok       | ok          | ok         | ok
`;

type Operation = "list cases" | "get case" | "update case" | "add update" | "set sub-status";
const rows = MATRIX.trim()
  .split("\n")
  .map((line) => line.split("|").map((cell) => cell.trim()));
const operations = rows[0]!.slice(1) as Operation[];
const cells = rows.slice(1).flatMap(([principal, ...outcomes]) => outcomes.map((expected, i) => [principal!, operations[i]!, expected] as const));

describe.each(DATABASES)("access matrix through the gateway on %s", (database) => {
  let graph: TestGraph;
  let caseId: string;
  const credentials = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    graph = await startGraph({ database });
    const bearer = async (email: string) => ({ authorization: `Bearer ${await graph.tokenFor(email)}` });
    const keys = apiKeysOf(graph);
    // umbrella manages acme and globex; its key is limited to globex.
    await addPartner(graph, "umbrella", ["acme", "globex"]);
    const revoked = await keys.create({ partnerId: "initech", scopes: SCOPES });
    await keys.revoke(revoked.record.id);
    const hourAgo = Date.now() - 3_600_000;
    const expired = await apiKeysOf(graph, { clock: () => new Date(hourAgo - 60_000) }).create({ partnerId: "initech", scopes: SCOPES, expiresAt: new Date(hourAgo) });
    credentials.set("no credentials", {});
    credentials.set("globex customer", await bearer("customer@globex.example"));
    credentials.set("acme customer", await bearer("customer@acme.example"));
    credentials.set("initech key (all scopes)", apiKeyHeader((await keys.create({ partnerId: "initech", scopes: SCOPES })).key));
    credentials.set("initech key (cases:read)", apiKeyHeader((await keys.create({ partnerId: "initech", scopes: ["cases:read"] })).key));
    credentials.set("umbrella key (globex only)", apiKeyHeader((await keys.create({ partnerId: "umbrella", scopes: SCOPES, organizationIds: ["globex"] })).key));
    credentials.set("revoked initech key", apiKeyHeader(revoked.key));
    credentials.set("expired initech key", apiKeyHeader(expired.key));
    credentials.set("engineer", await bearer("engineer@support.example"));
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, headers: credentials.get("acme customer") });
    caseId = created.data!.createCase.case.id;
  });
  afterAll(() => graph?.stop());

  const requests: Record<Operation, (principal: string) => { query: string; variables?: Record<string, unknown> }> = {
    "list cases": () => ({ query: "{ cases(first: 100) { edges { node { id } } } }" }),
    "get case": () => ({ query: "query($id: ID!) { case(id: $id) { id } }", variables: { id: caseId } }),
    "update case": (principal) => ({
      query: "mutation($input: UpdateCaseInput!) { updateCase(input: $input) { case { id businessImpact } } }",
      variables: { input: { caseId, businessImpact: `Impact as seen by ${principal}` } },
    }),
    "add update": (principal) => ({
      query: "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }",
      variables: { input: { caseId, body: `An update from ${principal}` } },
    }),
    "set sub-status": () => ({
      query: "mutation($input: SetCaseSubStatusInput!) { setCaseSubStatus(input: $input) { case { id } } }",
      variables: { input: { caseId, subStatus: "IN_PROGRESS" } },
    }),
  };

  function outcomeOf(operation: Operation, response: GraphQLResponse): string {
    if (response.status === 401) {
      expect(response.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      return "401";
    }
    const code = response.errors?.[0]?.extensions?.code;
    if (code) return code;
    if (operation === "list cases") return response.data!.cases.edges.some((e: any) => e.node.id === caseId) ? "ok" : "hidden";
    if (operation === "get case") return response.data!.case ? "ok" : "hidden";
    return "ok";
  }

  async function caseVersion(): Promise<number> {
    const [row] = await graph.cases.dataSource.query("SELECT version FROM cases WHERE id = ?", [caseId]);
    return Number(row.version);
  }

  it.each(cells)("%s × %s → %s", async (principal, operation, expected) => {
    const before = await caseVersion();
    const response = await graph.request({ ...requests[operation](principal), headers: credentials.get(principal) });
    expect(outcomeOf(operation, response)).toBe(expected);
    // A refused mutation changes nothing.
    if (expected !== "ok") expect(await caseVersion()).toBe(before);
  });
});
