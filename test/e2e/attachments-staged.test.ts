import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import type { Principal } from "../../subgraphs/kit/principal.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { upload } from "../support/uploads.js";

const TAB = `query($id: ID!) { case(id: $id) { attachments(first: 10) { totalCount edges { node { id state } } } myStagedAttachments { id fileName state uploadedBy { id } } } }`;
const MINE_FOR_ORGANIZATION = `query($org: ID!) { myStagedAttachments(organizationId: $org) { id fileName state } }`;
const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`;

/**
 * Rule: the attachments tab (添付ファイル一覧) shows the files that are part of the case (ATTACHED);
 * a file uploaded and not sent yet (STAGED) is its uploader's alone, listed in myStagedAttachments.
 */
describe.each(DATABASES)("staged files are their uploader's alone, on %s", (database) => {
  let graph: TestGraph;
  let tokens: Record<"acme" | "staff" | "engineer" | "globex", string>;

  async function stage(token: string, input: Record<string, unknown>, names: string[]): Promise<string[]> {
    const uploaded = await upload(graph, { token, input, files: names.map((name) => ({ name, data: Buffer.from(`contents of ${name}`) })) });
    expect(uploaded.errors).toBeUndefined();
    return uploaded.data!.uploadAttachments.attachments.map((a: any) => a.id);
  }

  async function tabAs(token: string, caseId: string) {
    const response = await graph.request({ query: TAB, variables: { id: caseId }, token });
    expect(response.errors).toBeUndefined();
    return response.data!.case;
  }

  beforeAll(async () => {
    graph = await startGraph({ database });
    tokens = {
      acme: await graph.tokenFor("customer@acme.example"),
      staff: await graph.tokenFor("staff@initech.example"),
      engineer: await graph.tokenFor("engineer@support.example"),
      globex: await graph.tokenFor("customer@globex.example"),
    };
  });
  afterAll(() => graph?.stop());

  it("lists and counts only ATTACHED files in the attachments tab, for every user; the uploader alone sees its STAGED files, in myStagedAttachments", async () => {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: tokens.acme });
    const caseId = created.data!.createCase.case.id as string;
    const [first, second] = await stage(tokens.acme, { caseId }, ["first.log", "second.log"]);
    const [staffs] = await stage(tokens.staff, { caseId }, ["partner.log"]);

    const empty = { totalCount: 0, edges: [] };
    const own = await tabAs(tokens.acme, caseId);
    expect(own.attachments).toEqual(empty);
    // One upload's files share their upload time; their order among themselves is not part of the rule.
    expect([...own.myStagedAttachments].sort((a: any, b: any) => a.fileName.localeCompare(b.fileName))).toEqual([
      { id: first, fileName: "first.log", state: "STAGED", uploadedBy: { id: "u-acme-customer" } },
      { id: second, fileName: "second.log", state: "STAGED", uploadedBy: { id: "u-acme-customer" } },
    ]);
    expect(await tabAs(tokens.staff, caseId)).toEqual({ attachments: empty, myStagedAttachments: [{ id: staffs, fileName: "partner.log", state: "STAGED", uploadedBy: { id: "u-initech-staff" } }] });
    expect(await tabAs(tokens.engineer, caseId)).toEqual({ attachments: empty, myStagedAttachments: [] });

    const sent = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "The first log.", attachmentIds: [first] } }, token: tokens.acme });
    expect(sent.errors).toBeUndefined();
    for (const token of [tokens.acme, tokens.staff, tokens.engineer]) {
      expect((await tabAs(token, caseId)).attachments).toEqual({ totalCount: 1, edges: [{ node: { id: first, state: "ATTACHED" } }] });
    }
    expect((await tabAs(tokens.acme, caseId)).myStagedAttachments.map((a: any) => a.id)).toEqual([second]);
  });

  it("lists the caller's own uploads for a case not registered yet with myStagedAttachments(organizationId), and nobody else's", async () => {
    const [mine] = await stage(tokens.acme, { organizationId: "acme" }, ["before-registration.png"]);
    const [staffs] = await stage(tokens.staff, { organizationId: "acme" }, ["partner-before.png"]);
    const listAs = async (token: string, org: string) => (await graph.request({ query: MINE_FOR_ORGANIZATION, variables: { org }, token })).data!.myStagedAttachments.map((a: any) => a.id);
    expect(await listAs(tokens.acme, "acme")).toEqual([mine]);
    expect(await listAs(tokens.staff, "acme")).toEqual([staffs]);
    expect(await listAs(tokens.engineer, "acme")).toEqual([]);
    expect(await listAs(tokens.globex, "acme")).toEqual([]);
  });

  it("answers null for someone else's STAGED file by id (entity references, the facts other subgraphs ask for), and the file once ATTACHED", async () => {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: tokens.acme });
    const caseId = created.data!.createCase.case.id as string;
    const [id] = await stage(tokens.acme, { caseId }, ["by-id.log"]);
    const byId = async (principal: Principal) => {
      const response = await postGraphQL<any>(
        graph.urls.attachments,
        { query: `query($r: [_Any!]!, $ids: [ID!]!) { _entities(representations: $r) { ... on Attachment { id } } attachmentFacts(ids: $ids) { id } }`, variables: { r: [{ __typename: "Attachment", id }], ids: [id] } },
        { [IDENTITY_HEADER]: signTestIdentity(principal, "attachments") },
      );
      expect(response.errors).toBeUndefined();
      return response.data;
    };
    const other: Principal = { ...PRINCIPALS.acme, id: "u-acme-colleague", name: "A colleague" };
    expect(await byId(PRINCIPALS.acme)).toEqual({ _entities: [{ id }], attachmentFacts: [{ id }] });
    expect(await byId(other)).toEqual({ _entities: [null], attachmentFacts: [null] });
    expect(await byId(PRINCIPALS.engineer)).toEqual({ _entities: [null], attachmentFacts: [null] });

    const sent = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "Now it is part of the case.", attachmentIds: [id] } }, token: tokens.acme });
    expect(sent.errors).toBeUndefined();
    expect(await byId(other)).toEqual({ _entities: [{ id }], attachmentFacts: [{ id }] });
    expect(await byId(PRINCIPALS.engineer)).toEqual({ _entities: [{ id }], attachmentFacts: [{ id }] });
  });
});
