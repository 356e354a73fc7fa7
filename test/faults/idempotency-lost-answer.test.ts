import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdempotencyRecord } from "../../gateway/idempotency/idempotency-record.entity.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { IdempotencyReceipt } from "../../subgraphs/kit/idempotency.js";
import { caseApi } from "../support/case-api.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, randomFile, storedBlobs, upload } from "../support/uploads.js";

const ADD_UPDATE = "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id body } case { id } } }";
const UPDATE_CASE = "mutation($input: UpdateCaseInput!) { updateCase(input: $input) { case { id businessImpact } } }";

/**
 * A keyed mutation that committed in its subgraph but whose answer never reached the client: the
 * gateway replica that waited for it was killed. Its Idempotency-Key record stays "being processed"
 * until its lease passes, and then the client's retry is run as a new request (found by the topology
 * soak, test/faults/topology-soak.test.ts). The subgraph recorded the key with the change, so the
 * retry is answered with what the first attempt did, and the work is there once.
 */
describe.each(DATABASES)("a keyed mutation whose answer was lost after it committed, on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let caseId: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
    caseId = (await caseApi(graph).create(acme)).data!.createCase.case.id;
  });
  afterAll(() => graph?.stop());

  const send = (key: string, query: string, input: Record<string, unknown>) => graph.request({ query, variables: { input }, token: acme, headers: { "idempotency-key": key } });

  /** What a gateway killed mid-request leaves behind once its lease has passed: the key's record, never settled, expired. */
  async function loseTheAnswer(key: string): Promise<void> {
    const records = graph.gateway.dataSource.getRepository(IdempotencyRecord);
    const { affected } = await records.update({ key }, { statusCode: null, body: null, expiresAt: new Date(Date.now() - 1_000) });
    expect(affected).toBe(1);
  }

  it("answers the retry of an update with the update the first attempt added, and adds it once", async () => {
    const input = { caseId, body: "Lost answer, text only." };
    const first = await send("lost-text", ADD_UPDATE, input);
    expect(first.errors).toBeUndefined();
    await loseTheAnswer("lost-text");
    const retry = await send("lost-text", ADD_UPDATE, input);
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.addCaseUpdate.update).toEqual(first.data!.addCaseUpdate.update);
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: input.body })).toBe(1);
  });

  it("answers the retry of an update with files instead of refusing its files as already attached", async () => {
    const uploaded = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "logs.txt", type: "text/plain", data: randomFile(2_048) }] });
    expect(uploaded.errors).toBeUndefined();
    const attachmentId = uploaded.data!.uploadAttachments.attachments[0].id as string;
    const input = { caseId, body: "Lost answer, with a file.", attachmentIds: [attachmentId] };
    const first = await send("lost-file", ADD_UPDATE, input);
    expect(first.errors).toBeUndefined();
    await loseTheAnswer("lost-file");
    const retry = await send("lost-file", ADD_UPDATE, input);
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.addCaseUpdate.update.id).toBe(first.data!.addCaseUpdate.update.id);
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: input.body })).toBe(1);
  });

  it("answers the retry of a new case with that case, registered once", async () => {
    const input = { ...productCase, title: "Lost answer, new case" };
    const first = await send("lost-case", CREATE_CASE, input);
    expect(first.errors).toBeUndefined();
    await loseTheAnswer("lost-case");
    const retry = await send("lost-case", CREATE_CASE, input);
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.createCase.case.id).toBe(first.data!.createCase.case.id);
    expect(await graph.cases.dataSource.getRepository(CaseEntity).countBy({ title: input.title })).toBe(1);
  });

  it("refuses the same key with another input once the first committed, as CONFLICT of reason IDEMPOTENCY_KEY_REUSED", async () => {
    const first = await send("lost-reused", UPDATE_CASE, { caseId, businessImpact: "First impact." });
    expect(first.errors).toBeUndefined();
    await loseTheAnswer("lost-reused");
    const other = await send("lost-reused", UPDATE_CASE, { caseId, businessImpact: "Other impact." });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "IDEMPOTENCY_KEY_REUSED" });
    expect((await graph.cases.dataSource.getRepository(CaseEntity).findOneByOrFail({ id: caseId })).businessImpact).toBe("First impact.");
  });

  it("answers a retry that reaches the subgraph while the first attempt still runs CONFLICT IDEMPOTENCY_KEY_IN_FLIGHT, to be retried, then the first attempt's update", async () => {
    const input = { caseId, body: "Two attempts at once." };
    // The first attempt, past its claim on the key, waits here before it changes anything.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const service = graph.cases.services.cases;
    const addCaseUpdate = service.addCaseUpdate.bind(service);
    service.addCaseUpdate = async (...args) => {
      await held;
      return addCaseUpdate(...args);
    };
    let answered: Awaited<ReturnType<typeof send>> | undefined;
    try {
      const first = send("two-at-once", ADD_UPDATE, input);
      const receipts = graph.cases.dataSource.getRepository(IdempotencyReceipt);
      while ((await receipts.countBy({ key: "two-at-once" })) === 0) await new Promise((resolve) => setImmediate(resolve));
      // Its gateway died: its record's lease has passed, and the retry reaches the subgraph.
      await loseTheAnswer("two-at-once");
      const retry = await send("two-at-once", ADD_UPDATE, input);
      expect(retry.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "IDEMPOTENCY_KEY_IN_FLIGHT" });
      release();
      answered = await first;
    } finally {
      release();
      service.addCaseUpdate = addCaseUpdate;
    }
    expect(answered?.errors).toBeUndefined();
    const again = await send("two-at-once", ADD_UPDATE, input);
    expect(again.errors).toBeUndefined();
    expect(again.data!.addCaseUpdate.update.id).toBe(answered.data!.addCaseUpdate.update.id);
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: input.body })).toBe(1);
  });

  // An upload has no record at the gateway (its body is a stream, not kept): the attachments subgraph's receipt is the only one.
  it("answers the retry of an upload with the files its first attempt stored, and stores them once", async () => {
    const files = () => [{ name: "twice.log", type: "text/plain", data: Buffer.from("the same bytes, sent twice") }];
    const keyed = (key: string, input: Record<string, unknown>) => upload(graph, { token: acme, input, files: files(), headers: { "apollo-require-preflight": "true", "idempotency-key": key } });
    const blobsBefore = storedBlobs(graph).objects.length;
    const first = await keyed("upload-once", { caseId });
    expect(first.errors).toBeUndefined();
    const retry = await keyed("upload-once", { caseId });
    expect(retry.errors).toBeUndefined();
    // The same files (their download links are signed anew, with a later expiry).
    const stored = (answer: typeof first) => answer.data!.uploadAttachments.attachments.map(({ downloadUrl: _link, ...file }: Record<string, unknown>) => file);
    expect(stored(retry)).toEqual(stored(first));
    expect(stored(first)).toHaveLength(1);
    expect((await attachmentRows(graph)).filter((row) => row.caseId === caseId && row.fileName === "twice.log")).toHaveLength(1);
    expect(storedBlobs(graph).objects.length).toBe(blobsBefore + 1);
    // The same key for an upload somewhere else is another request: refused, nothing stored.
    const elsewhere = await keyed("upload-once", { organizationId: "acme" });
    expect(elsewhere.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "IDEMPOTENCY_KEY_REUSED" });
    expect(storedBlobs(graph).objects.length).toBe(blobsBefore + 1);
    // Without a key, the same upload is a new one.
    expect((await upload(graph, { token: acme, input: { caseId }, files: files() })).errors).toBeUndefined();
    expect((await attachmentRows(graph)).filter((row) => row.caseId === caseId && row.fileName === "twice.log")).toHaveLength(2);
  });

  it("refuses an upload's Idempotency-Key that is empty or over 255 characters, before any byte is stored", async () => {
    for (const key of ["", "k".repeat(256)]) {
      const answer = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "bad-key.log", data: randomFile(64) }], headers: { "apollo-require-preflight": "true", "idempotency-key": key } });
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "Idempotency-Key" });
    }
    expect((await attachmentRows(graph)).filter((row) => row.fileName === "bad-key.log")).toEqual([]);
  });

  it("keeps receipts apart per caller: another caller's same key is its own request", async () => {
    const engineer = await graph.tokenFor("engineer@support.example");
    const input = { caseId, body: "Same key, two callers." };
    expect((await send("lost-shared", ADD_UPDATE, input)).errors).toBeUndefined();
    await loseTheAnswer("lost-shared");
    const theirs = await graph.request({ query: ADD_UPDATE, variables: { input }, token: engineer, headers: { "idempotency-key": "lost-shared" } });
    expect(theirs.errors).toBeUndefined();
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: input.body })).toBe(2);
  });
});
