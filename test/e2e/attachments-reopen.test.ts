import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, encryptedZip, randomFile, upload } from "../support/uploads.js";

const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) {
  addCaseUpdate(input: $input) { case { id status subStatus version } update { id body requestedReopen attachments { id fileName state } } }
}`;
const CASE_VIEW = `query($id: ID!) { case(id: $id) { status subStatus version updates(first: 10) { totalCount } attachments(first: 10) { totalCount edges { node { id state } } } } }`;

/**
 * Rules: a reopening update (requestReopen on a CLOSED case) carries files like any update, within
 * the same limit and the same ZIP rule of threat cases; an update needs text, files, or both.
 */
describe.each(DATABASES)("updates with files, reopening ones included, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;

  async function closedCase(input: Record<string, unknown> = {}): Promise<string> {
    const created = await api.create(acme, input);
    expect(created.errors).toBeUndefined();
    const caseId = created.data!.createCase.case.id as string;
    expect((await api.close(acme, { caseId })).errors).toBeUndefined();
    return caseId;
  }

  async function stage(input: Record<string, unknown>, files: { name: string; data: Buffer }[]): Promise<string[]> {
    const uploaded = await upload(graph, { token: acme, input, files });
    expect(uploaded.errors).toBeUndefined();
    return uploaded.data!.uploadAttachments.attachments.map((a: any) => a.id);
  }

  const logs = (...names: string[]) => names.map((name) => ({ name, data: randomFile(1000) }));
  const view = async (caseId: string) => (await graph.request({ query: CASE_VIEW, variables: { id: caseId }, token: acme })).data!.case;
  const states = async (ids: string[]) => (await attachmentRows(graph)).filter((r) => ids.includes(r.id)).map((r) => r.state);

  beforeAll(async () => {
    graph = await startGraph({ database });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("reopens a closed case with an update that carries files uploaded to it and no text (drop the logs, press Update)", async () => {
    const caseId = await closedCase();
    const ids = await stage({ caseId }, logs("agent.log", "crash.dmp"));
    const reopened = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, requestReopen: true, attachmentIds: ids } }, token: acme });
    expect(reopened.errors).toBeUndefined();
    const { case: c, update } = reopened.data!.addCaseUpdate;
    expect(c).toMatchObject({ status: "OPEN", subStatus: "CUSTOMER_UPDATED" });
    expect(update).toMatchObject({ body: "", requestedReopen: true });
    expect(update.attachments.map((a: any) => [a.fileName, a.state]).sort()).toEqual([
      ["agent.log", "ATTACHED"],
      ["crash.dmp", "ATTACHED"],
    ]);
    expect((await view(caseId)).attachments.totalCount).toBe(2);
  });

  it("lets a reopening update carry the caller's uploads made for the organization; a plain update cannot", async () => {
    const open = await api.create(acme);
    const openId = open.data!.createCase.case.id as string;
    const [forOpen] = await stage({ organizationId: "acme" }, logs("not-for-open.log"));
    const plain = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId: openId, body: "x", attachmentIds: [forOpen] } }, token: acme });
    expect(plain.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "attachmentIds" });

    const caseId = await closedCase();
    const reopened = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "Reopening, with the log.", requestReopen: true, attachmentIds: [forOpen] } }, token: acme });
    expect(reopened.errors).toBeUndefined();
    expect(reopened.data!.addCaseUpdate.update.attachments.map((a: any) => a.id)).toEqual([forOpen]);
    expect((await attachmentRows(graph)).find((r) => r.id === forOpen)).toMatchObject({ state: "ATTACHED", caseId });
  });

  it("applies the ZIP rule of threat cases to the files of a reopening update: a refused one changes nothing", async () => {
    const caseId = await closedCase(threatCase);
    const notZip = await upload(graph, { token: acme, input: { caseId }, files: logs("sample.exe") });
    expect(codeOf(notZip)).toBe("ENCRYPTED_ZIP_REQUIRED");
    const [plainZip] = await stage({ organizationId: "acme" }, [{ name: "plain.zip", data: await encryptedZip(undefined) }]);
    const before = await view(caseId);
    const refused = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "Sample attached.", requestReopen: true, attachmentIds: [plainZip] } }, token: acme });
    expect(codeOf(refused)).toBe("ENCRYPTED_ZIP_REQUIRED");
    expect(await view(caseId)).toEqual(before);
    expect(await states([plainZip!])).toEqual(["STAGED"]);

    const [sample] = await stage({ caseId }, [{ name: "sample.zip", data: await encryptedZip("virus") }]);
    const reopened = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, requestReopen: true, attachmentIds: [sample] } }, token: acme });
    expect(reopened.errors).toBeUndefined();
    expect(reopened.data!.addCaseUpdate.case.status).toBe("OPEN");
    expect(await states([sample!])).toEqual(["ATTACHED"]);
  });

  it("holds a reopening update to the per-update file limit: TOO_MANY_FILES, and the case stays closed", async () => {
    const caseId = await closedCase();
    const ids = [...(await stage({ caseId }, logs("1.log", "2.log", "3.log"))), ...(await stage({ caseId }, logs("4.log")))];
    const before = await view(caseId);
    const refused = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "four files", requestReopen: true, attachmentIds: ids } }, token: acme });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_FILES", field: "attachmentIds", max: 3 });
    expect(await view(caseId)).toEqual(before);
    expect(await states(ids)).toEqual(["STAGED", "STAGED", "STAGED", "STAGED"]);
  });

  it("refuses an update with neither text nor files (BAD_USER_INPUT on body), and takes files without text on an open case too", async () => {
    const created = await api.create(acme);
    const caseId = created.data!.createCase.case.id as string;
    for (const input of [{ caseId }, { caseId, body: "   " }, { caseId, body: null, attachmentIds: [] }]) {
      const refused = await graph.request({ query: ADD_UPDATE, variables: { input }, token: acme });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "body" });
    }
    expect((await view(caseId)).updates.totalCount).toBe(0);
    const ids = await stage({ caseId }, logs("only-a-file.log"));
    const filesOnly = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, attachmentIds: ids } }, token: acme });
    expect(filesOnly.errors).toBeUndefined();
    expect(filesOnly.data!.addCaseUpdate.update).toMatchObject({ body: "", attachments: [{ id: ids[0], state: "ATTACHED" }] });
  });
});
