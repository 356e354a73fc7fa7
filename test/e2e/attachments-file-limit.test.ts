import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, randomFile, storedBlobs, upload } from "../support/uploads.js";

const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { case { status } update { attachments { id } } } }`;

/**
 * Rule: one per-update file limit, MAX_FILES_PER_UPLOAD: what one upload may send and what one
 * registration or update (a reopening one included) may attach. Configured to 2 here, every path obeys 2.
 */
describe.each(DATABASES)("the one MAX_FILES_PER_UPLOAD, set to 2, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;

  async function stage(input: Record<string, unknown>, count: number): Promise<string[]> {
    const uploaded = await upload(graph, { token: acme, input, files: Array.from({ length: count }, (_, i) => ({ name: `part${i}.log`, data: randomFile(500) })) });
    expect(uploaded.errors).toBeUndefined();
    return uploaded.data!.uploadAttachments.attachments.map((a: any) => a.id);
  }

  async function newCase(): Promise<string> {
    const created = await api.create(acme);
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id;
  }

  const tooMany = (response: { errors?: { extensions?: Record<string, any> }[] }, field: string) => expect(response.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_FILES", field, max: 2 });

  beforeAll(async () => {
    graph = await startGraph({ database, env: { MAX_FILES_PER_UPLOAD: "2" } });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("uploading: three files in one upload are TOO_MANY_FILES (max 2) and nothing is stored; two are taken", async () => {
    const caseId = await newCase();
    const before = (await attachmentRows(graph)).length;
    const refused = await upload(graph, { token: acme, input: { caseId }, files: [1, 2, 3].map((n) => ({ name: `${n}.log`, data: randomFile(500) })) });
    tooMany(refused, "files");
    expect((await attachmentRows(graph)).length).toBe(before);
    expect(storedBlobs(graph).temporaries).toEqual([]);
    expect(await stage({ caseId }, 2)).toHaveLength(2);
  });

  it("attaching: an update with three staged files is TOO_MANY_FILES (max 2) and attaches none; two are attached", async () => {
    const caseId = await newCase();
    const ids = [...(await stage({ caseId }, 2)), ...(await stage({ caseId }, 1))];
    tooMany(await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "three", attachmentIds: ids } }, token: acme }), "attachmentIds");
    expect((await attachmentRows(graph)).filter((r) => ids.includes(r.id)).map((r) => r.state)).toEqual(["STAGED", "STAGED", "STAGED"]);
    const two = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "two", attachmentIds: ids.slice(0, 2) } }, token: acme });
    expect(two.errors).toBeUndefined();
    expect(two.data!.addCaseUpdate.update.attachments).toHaveLength(2);
  });

  it("attaching at registration and with a reopening update obeys the same 2", async () => {
    const early = [...(await stage({ organizationId: "acme" }, 2)), ...(await stage({ organizationId: "acme" }, 1))];
    const before = await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: acme });
    tooMany(await graph.request({ query: CREATE_CASE, variables: { input: { ...productCase, attachmentIds: early } }, token: acme }), "attachmentIds");
    expect((await graph.request({ query: "{ cases(first: 1) { totalCount } }", token: acme })).data!.cases.totalCount).toBe(before.data!.cases.totalCount);

    const caseId = await newCase();
    expect((await api.close(acme, { caseId })).errors).toBeUndefined();
    const late = [...(await stage({ caseId }, 2)), ...(await stage({ caseId }, 1))];
    const reopening = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "back", requestReopen: true, attachmentIds: late } }, token: acme });
    tooMany(reopening, "attachmentIds");
    expect(codeOf(await api.addUpdate(acme, { caseId, body: "still closed?" }))).toBe("CASE_CLOSED");
  });

  it("refuses a request naming more ids than any setting allows without claiming a limit of its own", async () => {
    const caseId = await newCase();
    const response = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "many", attachmentIds: Array.from({ length: 101 }, () => randomUUID()) } }, token: acme });
    expect(codeOf(response)).toBe("TOO_MANY_FILES");
    expect(response.errors![0]!.extensions!.max).toBeUndefined();
  });
});
