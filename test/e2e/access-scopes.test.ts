import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { type Principal, SCOPES, type Scope } from "../../subgraphs/kit/principal.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, threatCase } from "../support/fixtures.js";
import { type GraphQLResponse, postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { download, encryptedZip, upload } from "../support/uploads.js";

const ALL_BUT_READ = SCOPES.filter((scope) => scope !== "cases:read");

/** An initech key's principal as the gateway forwards it, for calls straight to a subgraph. */
const keyPrincipal = (scopes: Scope[]): Principal => ({ kind: "apiKey", id: `key-${scopes.join("+")}`, name: "initech integration", role: "partner", partnerId: "initech", organizationIds: ["acme"], scopes });

function expectForbidden(response: GraphQLResponse, field?: string) {
  const errors = response.errors ?? [];
  const forbidden = errors.filter((error) => error.extensions?.code === "FORBIDDEN");
  expect(forbidden.length, JSON.stringify(errors)).toBeGreaterThan(0);
  if (field)
    expect(
      forbidden.some((error) => error.path?.includes(field)),
      JSON.stringify(errors),
    ).toBe(true);
}

/**
 * Rule: reading needs the cases:read scope (root fields, entity fields, `_entities`, downloads);
 * a mutation needs its write scope and answers with what its own service resolves.
 */
describe.each(DATABASES)("the cases:read scope on every read, on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let caseId: string;
  let caseNumber: string;
  let file: { id: string; downloadUrl: string };
  /** Every scope except cases:read. */
  let noRead: Record<string, string>;
  let readOnly: Record<string, string>;
  let writeOnly: Record<string, string>;
  let attachmentsOnly: Record<string, string>;

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
    const keys = apiKeysOf(graph);
    const keyFor = async (scopes: Scope[]) => apiKeyHeader((await keys.create({ partnerId: "initech", scopes })).key);
    noRead = await keyFor(ALL_BUT_READ);
    readOnly = await keyFor(["cases:read"]);
    writeOnly = await keyFor(["cases:write"]);
    attachmentsOnly = await keyFor(["attachments:write"]);
    const created = await graph.request({ query: CREATE_CASE, variables: { input: threatCase }, token: acme });
    ({ id: caseId, caseNumber } = created.data!.createCase.case);
    const uploaded = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "sample.zip", data: await encryptedZip("virus") }] });
    file = uploaded.data!.uploadAttachments.attachments[0];
    const attached = await graph.request({
      query: "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }",
      variables: { input: { caseId, body: "The sample.", attachmentIds: [file.id] } },
      token: acme,
    });
    expect(attached.errors).toBeUndefined();
  });
  afterAll(() => graph?.stop());

  const ROOT_READS: [string, () => { query: string; variables?: Record<string, unknown> }][] = [
    ["cases", () => ({ query: "{ cases(first: 5) { totalCount edges { node { id } } } }" })],
    ["case", () => ({ query: "query($id: ID!) { case(id: $id) { id } }", variables: { id: caseId } })],
    ["caseByNumber", () => ({ query: "query($n: String!) { caseByNumber(caseNumber: $n) { id } }", variables: { n: caseNumber } })],
    ["productProfiles", () => ({ query: "{ productProfiles { id } }" })],
  ];

  it.each(ROOT_READS)("refuses %s to a key with every scope but cases:read with FORBIDDEN", async (field, operation) => {
    const response = await graph.request({ ...operation(), headers: noRead });
    expectForbidden(response, field);
    expect(response.data?.[field] ?? null).toBeNull();
  });

  it.each(ROOT_READS)("answers %s to a cases:read key", async (field, operation) => {
    const response = await graph.request({ ...operation(), headers: readOnly });
    expect(response.errors).toBeUndefined();
    expect(response.data![field]).not.toBeNull();
  });

  it("lets a cases:read key read the case's files and threat analysis, which other services resolve", async () => {
    const response = await graph.request({
      query: "query($id: ID!) { case(id: $id) { attachments { totalCount } updates(first: 5) { edges { node { attachments { id } } } } threatAnalysis { files { id } } } }",
      variables: { id: caseId },
      headers: readOnly,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.case.attachments.totalCount).toBe(1);
    expect(response.data!.case.threatAnalysis).not.toBeNull();
  });

  it("answers a cases:write-only key's mutation with the fields of the case it changed", async () => {
    const response = await graph.request({
      query: "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id body } case { id caseNumber subStatus } } }",
      variables: { input: { caseId, body: "From a write-only integration." } },
      headers: writeOnly,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.addCaseUpdate).toMatchObject({ update: { body: "From a write-only integration." }, case: { id: caseId, caseNumber } });
  });

  it.each([
    ["Case.threatAnalysis", "threat-analysis", "case { id threatAnalysis { files { id } } }"],
    ["Case.attachments", "attachments", "case { id attachments { totalCount } }"],
    ["CaseUpdate.attachments", "attachments", "update { id attachments { id } }"],
  ])("refuses %s in a mutation's answer without cases:read: FORBIDDEN from %s, and the mutation itself stands", async (_field, service, selection) => {
    const body = `Without read scope: ${selection}`;
    const response = await graph.request({
      query: `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { ${selection} } }`,
      variables: { input: { caseId, body } },
      headers: noRead,
    });
    expectForbidden(response);
    // The other service refused its part (the gateway asked it for the entity's fields).
    expect(
      response.errors!.every((error) => error.extensions?.code === "FORBIDDEN" && error.extensions?.serviceName === service),
      JSON.stringify(response.errors),
    ).toBe(true);
    // Where the schema lets the field be null, the rest of the answer arrives.
    if (service === "threat-analysis") expect(response.data!.addCaseUpdate.case).toEqual({ id: caseId, threatAnalysis: null });
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body })).toBe(1);
  });

  const ENTITIES: [string, "cases" | "attachments" | "threat-analysis", () => object, string][] = [
    ["Case on cases", "cases", () => ({ __typename: "Case", id: caseId }), "... on Case { id caseNumber }"],
    ["Attachment on attachments", "attachments", () => ({ __typename: "Attachment", id: file.id }), "... on Attachment { id fileName }"],
    ["Case.attachments on attachments", "attachments", () => ({ __typename: "Case", id: caseId }), "... on Case { attachments { totalCount } }"],
    ["Case.threatAnalysis on threat-analysis", "threat-analysis", () => ({ __typename: "Case", id: caseId, inquiryType: "THREAT" }), "... on Case { threatAnalysis { files { id } } }"],
  ];

  async function entities(subgraph: "cases" | "attachments" | "threat-analysis", scopes: Scope[], representation: object, selection: string) {
    return postGraphQL<{ _entities: unknown[] | null }>(
      graph.urls[subgraph],
      { query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, variables: { r: [representation] } },
      { [IDENTITY_HEADER]: signTestIdentity(keyPrincipal(scopes), subgraph) },
    );
  }

  it.each(ENTITIES)("refuses _entities for %s without cases:read with FORBIDDEN", async (_name, subgraph, representation, selection) => {
    const response = await entities(subgraph, [...ALL_BUT_READ], representation(), selection);
    expectForbidden(response, "_entities");
    expect(response.data?._entities ?? null).toBeNull();
  });

  it.each(ENTITIES)("resolves _entities for %s with cases:read", async (_name, subgraph, representation, selection) => {
    const response = await entities(subgraph, ["cases:read"], representation(), selection);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities![0]).not.toBeNull();
  });

  it("refuses a download link minted for a key without cases:read with 403 at the gateway, and the attachments subgraph refuses such an identity; a cases:read key's link serves", async () => {
    // The upload's answer is the one place a key without cases:read gets a download link: for itself.
    const uploaded = await upload(graph, { input: { caseId }, files: [{ name: "no-read.zip", data: await encryptedZip("virus") }], headers: { "apollo-require-preflight": "true", ...noRead } });
    expect(uploaded.errors).toBeUndefined();
    const refused = await download(uploaded.data!.uploadAttachments.attachments[0].downloadUrl);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body.toString()).errors[0].extensions.code).toBe("FORBIDDEN");
    const direct = await fetch(new URL(`/files/${file.id}`, graph.urls.attachments), { headers: { [IDENTITY_HEADER]: signTestIdentity(keyPrincipal([...ALL_BUT_READ]), "attachments") } });
    expect(direct.status).toBe(403);
    const tab = await graph.request({ query: "query($id: ID!) { case(id: $id) { attachments(first: 5) { edges { node { id downloadUrl } } } } }", variables: { id: caseId }, headers: readOnly });
    const link = tab.data!.case.attachments.edges.find((e: any) => e.node.id === file.id).node.downloadUrl;
    const served = await download(link);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("application/octet-stream");
  });

  it("lets an attachments:write-only key upload to a case: the upload's own check of the case is not a client read", async () => {
    const response = await upload(graph, {
      input: { caseId },
      files: [{ name: "more.zip", data: await encryptedZip("virus") }],
      headers: { "apollo-require-preflight": "true", ...attachmentsOnly },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.uploadAttachments.attachments[0].fileName).toBe("more.zip");
  });
});
