import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { deleteExpiredStagedAttachments } from "../../subgraphs/attachments/attachment/staged-expiry.js";
import { AttachmentReservationEntity, ReservationState } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.entity.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { RELAY_PRINCIPAL } from "../../subgraphs/kit/principal.js";
import { subgraphCallStats } from "../../subgraphs/kit/subgraph-client.js";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { type GraphQLResponse, postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { attachmentRows, encryptedZip, randomFile, upload } from "../support/uploads.js";

const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id attachments { id fileName state } } } }`;
const CREATE_WITH_FILES = `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id inquiryType attachments(first: 5) { totalCount edges { node { id fileName state } } } } } }`;

/**
 * The loser of two requests racing for one file: refused while the winner's request holds the file
 * (CONFLICT, reason ATTACHMENT_RESERVED: retry), or as attached already when the winner finished first.
 */
function expectLoserOfRace(answer: GraphQLResponse): void {
  const error = answer.errors![0]!;
  if (error.extensions?.code === "CONFLICT") expect(error.extensions.reason).toBe("ATTACHMENT_RESERVED");
  else expect(error.extensions?.code).toBe("BAD_USER_INPUT");
}
describe.each(DATABASES)("staged and attached files on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let globex: string;

  async function newCase(input: Record<string, unknown> = productCase, token = acme): Promise<string> {
    const created = await graph.request({ query: CREATE_CASE, variables: { input }, token });
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id;
  }

  async function stage(input: Record<string, unknown>, names: string[], token = acme, data: () => Buffer = () => randomFile(2000)): Promise<string[]> {
    const uploaded = await upload(graph, { token, input, files: names.map((name) => ({ name, data: data() })) });
    expect(uploaded.errors).toBeUndefined();
    return uploaded.data!.uploadAttachments.attachments.map((a: any) => a.id);
  }

  function blobExists(id: string): boolean {
    return existsSync(join(graph.attachments.services.config.blobDir, "objects", id));
  }

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
    globex = await graph.tokenFor("customer@globex.example");
  });
  afterAll(() => graph?.stop());

  it("attaches staged files with addCaseUpdate: CaseUpdate.attachments shows them, ATTACHED", async () => {
    const caseId = await newCase();
    const ids = await stage({ caseId }, ["a.log", "b.log"]);
    const added = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "Logs attached.", attachmentIds: ids } }, token: acme });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addCaseUpdate.update.attachments.map((a: any) => [a.fileName, a.state]).sort()).toEqual([
      ["a.log", "ATTACHED"],
      ["b.log", "ATTACHED"],
    ]);
    const again = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "Same files again.", attachmentIds: [ids[0]] } }, token: acme });
    expect(codeOf(again)).toBe("BAD_USER_INPUT");
  });

  it("two updates racing for the same staged file: one attaches it, the other fails and writes nothing", async () => {
    const caseId = await newCase();
    const [id] = await stage({ caseId }, ["contested.log"]);
    const requests = ["First update.", "Second update."].map((body) => ({ query: ADD_UPDATE, variables: { input: { caseId, body, attachmentIds: [id] } }, token: acme }));
    const answers = await Promise.all(requests.map((request) => graph.request(request)));
    const failed = answers.filter((a) => a.errors);
    expect(failed).toHaveLength(1);
    expectLoserOfRace(failed[0]!);
    // Retried, as a client does with a retryable answer: the file is the winner's now.
    const retried = await graph.request(requests[answers.indexOf(failed[0]!)]!);
    expect(codeOf(retried)).toBe("BAD_USER_INPUT");
    const listed = await graph.request({ query: "query($id: ID!) { case(id: $id) { version updates(first: 10) { totalCount edges { node { body attachments { id } } } } } }", variables: { id: caseId }, token: acme });
    const updates = listed.data!.case.updates.edges.map((e: any) => e.node);
    expect(updates).toHaveLength(1);
    expect(updates[0].attachments.map((a: any) => a.id)).toEqual([id]);
    // Created (version 1) and one update: the failed one left the case as it was.
    expect(listed.data!.case.version).toBe(2);
  });

  it("two registrations racing for the same pre-case upload: one case gets the file, the other case is not kept", async () => {
    const [id] = await stage({ organizationId: "acme" }, ["contested-screenshot.png"]);
    const title = `Racing registration ${Date.now()}`;
    const register = { query: CREATE_WITH_FILES, variables: { input: { ...productCase, title, attachmentIds: [id] } }, token: acme };
    const answers = await Promise.all([1, 2].map(() => graph.request(register)));
    const failed = answers.filter((a) => a.errors);
    expect(failed).toHaveLength(1);
    expectLoserOfRace(failed[0]!);
    expect(codeOf(await graph.request(register))).toBe("BAD_USER_INPUT");
    const found = await graph.request({ query: "query($s: String!) { cases(filter: { search: $s }) { totalCount edges { node { attachments { totalCount } } } } }", variables: { s: title }, token: acme });
    expect(found.data!.cases.totalCount).toBe(1);
    expect(found.data!.cases.edges[0].node.attachments.totalCount).toBe(1);
  });

  it("attaches only staged files of that same case, and refuses files of a case the caller cannot see", async () => {
    const caseId = await newCase();
    const otherCase = await newCase();
    const [foreign] = await stage({ caseId: otherCase }, ["other.log"]);
    const wrongCase = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "x", attachmentIds: [foreign] } }, token: acme });
    expect(codeOf(wrongCase)).toBe("BAD_USER_INPUT");

    const globexCase = await newCase({ ...productCase, productProfileId: "globex-server" }, globex);
    const [globexFile] = await stage({ caseId: globexCase }, ["secret.log"], globex);
    const stolen = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "x", attachmentIds: [globexFile] } }, token: acme });
    expect(codeOf(stolen)).toBe("NOT_FOUND");
    const intoForeignCase = await upload(graph, { token: acme, input: { caseId: globexCase }, files: [{ name: "x", data: Buffer.from("x") }] });
    expect(codeOf(intoForeignCase)).toBe("NOT_FOUND");
    const tab = await graph.request({ query: "query($id: ID!) { case(id: $id) { id } }", variables: { id: globexCase }, token: acme });
    expect(tab.data?.case ?? null).toBeNull();
    const [mine] = await stage({ caseId }, ["mine.log"]);
    const rows = await attachmentRows(graph);
    expect(rows.find((r) => r.id === mine)!.state).toBe("STAGED");
    expect(rows.find((r) => r.id === foreign)!.state).toBe("STAGED");
  });

  it("attaches at most 3 files per update (TOO_MANY_FILES) and changes nothing then", async () => {
    const caseId = await newCase();
    const ids = [...(await stage({ caseId }, ["1", "2", "3"])), ...(await stage({ caseId }, ["4"]))];
    const response = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "four", attachmentIds: ids } }, token: acme });
    expect(codeOf(response)).toBe("TOO_MANY_FILES");
    expect((await attachmentRows(graph)).filter((r) => ids.includes(r.id)).map((r) => r.state)).toEqual(["STAGED", "STAGED", "STAGED", "STAGED"]);
  });

  it("registers a case with files uploaded before it existed (uploadAttachments with organizationId)", async () => {
    const ids = await stage({ organizationId: "acme" }, ["screenshot.png", "agent.log"]);
    const created = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...productCase, attachmentIds: ids } }, token: acme });
    expect(created.errors).toBeUndefined();
    const c = created.data!.createCase.case;
    expect(c.attachments.totalCount).toBe(2);
    expect(c.attachments.edges.map((e: any) => e.node.state)).toEqual(["ATTACHED", "ATTACHED"]);
    expect((await attachmentRows(graph)).filter((r) => ids.includes(r.id)).map((r) => r.caseId)).toEqual([c.id, c.id]);
  });

  it("refuses to register a THREAT case with files that are not ZIPs encrypted with virus, and registers no case", async () => {
    const plain = await stage({ organizationId: "acme" }, ["sample.exe"]);
    const before = await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: acme });
    const refused = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...threatCase, attachmentIds: plain } }, token: acme });
    expect(codeOf(refused)).toBe("ENCRYPTED_ZIP_REQUIRED");
    const after = await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: acme });
    expect(after.data!.cases.totalCount).toBe(before.data!.cases.totalCount);

    const zip = await encryptedZip("virus");
    const zipped = await stage({ organizationId: "acme" }, ["sample.zip"], acme, () => zip);
    const created = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...threatCase, attachmentIds: zipped } }, token: acme });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCase.case.attachments.totalCount).toBe(1);
  });

  it("does not let another user of the organization register a case, or post an update, with someone else's staged upload: to them it does not exist", async () => {
    const ids = await stage({ organizationId: "acme" }, ["mine-only.log"]);
    const staff = await graph.tokenFor("staff@initech.example");
    const response = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...productCase, organizationId: "acme", attachmentIds: ids } }, token: staff });
    expect(codeOf(response)).toBe("NOT_FOUND");
    const caseId = await newCase();
    const [onCase] = await stage({ caseId }, ["also-mine.log"]);
    for (const other of [staff, await graph.tokenFor("engineer@support.example")]) {
      const update = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "not yours", attachmentIds: [onCase] } }, token: other });
      expect(codeOf(update)).toBe("NOT_FOUND");
    }
    expect((await attachmentRows(graph)).filter((r) => [...ids, onCase].includes(r.id)).map((r) => r.state)).toEqual(["STAGED", "STAGED"]);
  });

  it("takes uploads to a closed case, which only a reopening update can carry (CASE_CLOSED for any other)", async () => {
    const caseId = await newCase();
    const closed = await graph.request({ query: "mutation($input: CloseCaseInput!) { closeCase(input: $input) { case { status } } }", variables: { input: { caseId } }, token: acme });
    expect(closed.errors).toBeUndefined();
    const [late] = await stage({ caseId }, ["late.log"]);
    const plain = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "late logs", attachmentIds: [late] } }, token: acme });
    expect(codeOf(plain)).toBe("CASE_CLOSED");
    expect((await attachmentRows(graph)).find((r) => r.id === late)!.state).toBe("STAGED");
    const reopening = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "It is back; logs attached.", attachmentIds: [late], requestReopen: true } }, token: acme });
    expect(reopening.errors).toBeUndefined();
    expect(reopening.data!.addCaseUpdate.update.attachments.map((a: any) => [a.id, a.state])).toEqual([[late, "ATTACHED"]]);
  });

  it("deletes staged files older than the TTL with their bytes, and never attached ones", async () => {
    const caseId = await newCase();
    const [attached, staged] = await stage({ caseId }, ["keep.log", "drop.log"]);
    const added = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "keep one", attachmentIds: [attached] } }, token: acme });
    expect(added.errors).toBeUndefined();
    const services = graph.attachments.services;

    expect(await deleteExpiredStagedAttachments(services, new Date(Date.now() + 23 * 3_600_000))).toBe(0);
    expect(blobExists(staged!)).toBe(true);

    await deleteExpiredStagedAttachments(services, new Date(Date.now() + 25 * 3_600_000));
    const rows = await attachmentRows(graph);
    expect(rows.find((r) => r.id === staged)).toBeUndefined();
    expect(blobExists(staged!)).toBe(false);
    expect(rows.find((r) => r.id === attached)!.state).toBe("ATTACHED");
    expect(blobExists(attached!)).toBe(true);
    expect(rows.filter((r) => r.state === "STAGED")).toEqual([]);
  });

  it("sends no call to another subgraph while a cases transaction is open: files come with two calls, reserve and confirm, and the attachments subgraph never calls back", async () => {
    const caseId = await newCase();
    const ids = await stage({ caseId }, ["during.log"]);
    const preCase = await stage({ organizationId: "acme" }, ["before.log"]);
    const before = { ...subgraphCallStats };
    const added = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "with a file", attachmentIds: ids } }, token: acme });
    expect(added.errors).toBeUndefined();
    const afterUpdate = { ...subgraphCallStats };
    const created = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...productCase, attachmentIds: preCase } }, token: acme });
    expect(created.errors).toBeUndefined();
    expect(afterUpdate.sent - before.sent).toBe(2);
    expect(subgraphCallStats.sent - afterUpdate.sent).toBe(2);
    expect(subgraphCallStats.sentInsideTransaction).toBe(before.sentInsideTransaction);
    expect(subgraphCallStats.sentInsideTransaction).toBe(0);
    const reservations = await graph.cases.dataSource.getRepository(AttachmentReservationEntity).findBy({ caseId });
    expect(reservations.map((r) => r.state)).toEqual([ReservationState.CONFIRMED]);
  });

  it("shows no RESERVED file (not in the attachments tab, not among the uploader's staged files, not by id) and the staged-file expiry never deletes one; released, it is STAGED and its uploader sees it again", async () => {
    const caseId = await newCase();
    const [id] = await stage({ caseId }, ["held.log"]);
    const staged = graph.attachments.services.staged;
    const reservationId = randomUUID();
    await staged.reserve(PRINCIPALS.acme, reservationId, { caseId, updateId: randomUUID(), organizationId: "acme", inquiryType: "PRODUCT" }, [id!]);
    const tab = `query($id: ID!) { case(id: $id) { attachments(first: 5) { totalCount edges { node { id } } } myStagedAttachments { id } } }`;
    const hidden = await graph.request({ query: tab, variables: { id: caseId }, token: acme });
    expect(hidden.data!.case).toEqual({ attachments: { totalCount: 0, edges: [] }, myStagedAttachments: [] });
    // By id, as the gateway resolves a file: nothing. As the other subgraphs check a file before using it:
    // "retry shortly" (the request holding it may still release it), never its facts.
    const asAcme = { [IDENTITY_HEADER]: signTestIdentity(PRINCIPALS.acme, "attachments") };
    const byId = await postGraphQL<any>(
      graph.urls.attachments,
      { query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Attachment { id } } }`, variables: { r: [{ __typename: "Attachment", id }] } },
      asAcme,
    );
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toEqual({ _entities: [null] });
    const facts = await postGraphQL<any>(graph.urls.attachments, { query: `query($ids: [ID!]!) { attachmentFacts(ids: $ids) { id fileName } }`, variables: { ids: [id] } }, asAcme);
    expect(facts.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "ATTACHMENT_RESERVED" });
    expect(facts.data?.attachmentFacts ?? null).toBeNull();

    expect(await deleteExpiredStagedAttachments(graph.attachments.services, new Date(Date.now() + 25 * 3_600_000))).toBe(0);
    expect((await attachmentRows(graph)).find((r) => r.id === id)!.state).toBe(AttachmentState.RESERVED);
    expect(blobExists(id!)).toBe(true);

    await staged.release(RELAY_PRINCIPAL, reservationId, caseId);
    const shown = await graph.request({ query: tab, variables: { id: caseId }, token: acme });
    expect(shown.data!.case).toEqual({ attachments: { totalCount: 0, edges: [] }, myStagedAttachments: [{ id }] });
    expect((await attachmentRows(graph)).find((r) => r.id === id)).toMatchObject({ state: AttachmentState.STAGED, reservationId: null });
  });

  it("confirms or releases a reservation, never both, and refuses a reserve that arrives after its release; reserve and confirm repeat harmlessly", async () => {
    const caseId = await newCase();
    const [first, second] = await stage({ caseId }, ["one.log", "two.log"]);
    const staged = graph.attachments.services.staged;
    const target = { caseId, updateId: randomUUID(), organizationId: "acme", inquiryType: "PRODUCT" as const };

    const confirmed = randomUUID();
    await staged.reserve(PRINCIPALS.acme, confirmed, target, [first!]);
    await staged.reserve(PRINCIPALS.acme, confirmed, target, [first!]);
    await staged.confirm(PRINCIPALS.acme, confirmed);
    await staged.confirm(RELAY_PRINCIPAL, confirmed);
    await expect(staged.release(RELAY_PRINCIPAL, confirmed, caseId)).rejects.toMatchObject({ extensions: { code: "CONFLICT" } });
    expect((await attachmentRows(graph)).find((r) => r.id === first)).toMatchObject({ state: AttachmentState.ATTACHED, caseUpdateId: target.updateId });

    const late = randomUUID();
    await staged.release(PRINCIPALS.acme, late, caseId);
    await expect(staged.reserve(PRINCIPALS.acme, late, target, [second!])).rejects.toMatchObject({ extensions: { code: "CONFLICT" } });
    await expect(staged.confirm(RELAY_PRINCIPAL, late)).rejects.toMatchObject({ extensions: { code: "CONFLICT" } });
    expect((await attachmentRows(graph)).find((r) => r.id === second)).toMatchObject({ state: AttachmentState.STAGED, reservationId: null });

    // Only on the caller's behalf: the relay's system principal reserves nothing.
    await expect(staged.reserve(RELAY_PRINCIPAL, randomUUID(), target, [second!])).rejects.toMatchObject({ extensions: { code: "FORBIDDEN" } });
    // Another organization's caller cannot move acme's held files.
    const held = randomUUID();
    await staged.reserve(PRINCIPALS.acme, held, target, [second!]);
    await expect(staged.confirm(PRINCIPALS.globex, held)).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
    await expect(staged.release(PRINCIPALS.globex, held, caseId)).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
    await staged.release(PRINCIPALS.acme, held, caseId);
  });
});
