import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AttachmentEntity, AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, type ClientFile, eventually, randomFile, storedBlobs, upload } from "../support/uploads.js";

const QUOTA = 100_000;

/** A file whose first half is sent at once and whose second half waits for `release()`: an upload held in flight. */
function heldFile(name: string, size: number): { file: ClientFile; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const data = randomFile(size);
  return {
    release,
    file: {
      name,
      async *data() {
        yield data.subarray(0, size / 2);
        await released;
        yield data.subarray(size / 2);
      },
    },
  };
}

describe.each(DATABASES)("storage bounds through the gateway on %s", (database) => {
  let graph: TestGraph;
  let customer: string;
  let partnerStaff: string;
  let globex: string;
  let caseId: string;

  beforeAll(async () => {
    graph = await startGraph({ database, env: { STAGED_QUOTA_BYTES_PER_ORGANIZATION: String(QUOTA), MAX_CONCURRENT_UPLOADS_PER_PRINCIPAL: "1" } });
    customer = await graph.tokenFor("customer@acme.example");
    partnerStaff = await graph.tokenFor("staff@initech.example");
    globex = await graph.tokenFor("customer@globex.example");
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: customer });
    caseId = created.data!.createCase.case.id;
  });
  afterAll(() => graph?.stop());

  // Each test starts with nothing staged: attaching is what frees an organization's quota.
  beforeEach(async () => {
    await graph.attachments.dataSource.getRepository(AttachmentEntity).update({ state: AttachmentState.STAGED }, { state: AttachmentState.ATTACHED });
  });

  async function staged(): Promise<number> {
    return (await attachmentRows(graph)).filter((row) => row.state === AttachmentState.STAGED).length;
  }

  it("refuses an upload that would take the organization's staged bytes over its quota with QUOTA_EXCEEDED, keeping no row and no bytes", async () => {
    const first = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "first.dmp", data: randomFile(60_000) }] });
    expect(first.errors).toBeUndefined();
    const objects = storedBlobs(graph).objects.length;

    const over = await upload(graph, {
      token: customer,
      input: { caseId },
      files: [
        { name: "fits.log", data: randomFile(30_000) },
        { name: "over.dmp", data: randomFile(30_000) },
      ],
    });
    expect(over.errors?.[0]).toMatchObject({ extensions: { code: "QUOTA_EXCEEDED", field: "files", organizationId: "acme", quotaBytes: QUOTA } });
    expect(await staged()).toBe(1);
    expect(storedBlobs(graph)).toEqual({ objects: expect.any(Array), temporaries: [] });
    expect(storedBlobs(graph).objects.length).toBe(objects);

    const fits = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "exactly.log", data: randomFile(QUOTA - 60_000) }] });
    expect(fits.errors).toBeUndefined();
    const full = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "one-byte.log", data: Buffer.from("x") }] });
    expect(codeOf(full)).toBe("QUOTA_EXCEEDED");
  });

  it("counts the quota per organization: another organization's staged files do not use it", async () => {
    const acmeFull = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "acme.dmp", data: randomFile(QUOTA) }] });
    expect(acmeFull.errors).toBeUndefined();
    const other = await upload(graph, { token: globex, input: { organizationId: "globex" }, files: [{ name: "globex.dmp", data: randomFile(QUOTA) }] });
    expect(other.errors).toBeUndefined();
  });

  it("frees the quota when staged files are attached to a case", async () => {
    const staging = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "a.dmp", data: randomFile(QUOTA) }] });
    expect(staging.errors).toBeUndefined();
    expect(codeOf(await upload(graph, { token: customer, input: { caseId }, files: [{ name: "b.log", data: Buffer.from("b") }] }))).toBe("QUOTA_EXCEEDED");
    const id = staging.data!.uploadAttachments.attachments[0].id;
    const attached = await graph.request({
      query: `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`,
      variables: { input: { caseId, body: "The dump.", attachmentIds: [id] } },
      token: customer,
    });
    expect(attached.errors).toBeUndefined();
    expect((await upload(graph, { token: customer, input: { caseId }, files: [{ name: "b.log", data: Buffer.from("b") }] })).errors).toBeUndefined();
  });

  it("re-checks the quota when staging: of two uploads that each fit alone, started together, the one that stages second is refused", async () => {
    // The customer's upload learns the quota left (all of it), then waits halfway through its file.
    const held = heldFile("held.dmp", 60_000);
    const slow = upload(graph, { token: customer, input: { caseId }, files: [held.file] });
    await eventually(() => storedBlobs(graph).temporaries.length === 1);
    // Meanwhile a partner's upload for the same organization stages 60 KB.
    const fast = await upload(graph, { token: partnerStaff, input: { caseId }, files: [{ name: "fast.dmp", data: randomFile(60_000) }] });
    expect(fast.errors).toBeUndefined();
    held.release();
    const refused = await slow;
    expect(codeOf(refused)).toBe("QUOTA_EXCEEDED");
    expect(await staged()).toBe(1);
    expect(storedBlobs(graph).temporaries).toEqual([]);
  });

  it("refuses a caller's upload beyond MAX_CONCURRENT_UPLOADS_PER_PRINCIPAL with TOO_MANY_UPLOADS, storing nothing, while other callers upload", async () => {
    const held = heldFile("long.dmp", 20_000);
    const inFlight = upload(graph, { token: customer, input: { caseId }, files: [held.file] });
    await eventually(() => storedBlobs(graph).temporaries.length === 1);
    const rows = (await attachmentRows(graph)).length;

    const second = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "second.log", data: randomFile(1000) }] });
    expect(second.errors?.[0]).toMatchObject({ extensions: { code: "TOO_MANY_UPLOADS", max: 1 } });
    expect((await attachmentRows(graph)).length).toBe(rows);

    const otherCaller = await upload(graph, { token: partnerStaff, input: { caseId }, files: [{ name: "partner.log", data: randomFile(1000) }] });
    expect(otherCaller.errors).toBeUndefined();

    held.release();
    expect((await inFlight).errors).toBeUndefined();
    const afterwards = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "next.log", data: randomFile(1000) }] });
    expect(afterwards.errors).toBeUndefined();
  });

  it("gives the caller's slot back when an upload fails", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await upload(graph, { token: customer, input: { caseId }, files: [{ name: "too-big.dmp", data: randomFile(QUOTA + 1) }] });
      expect(codeOf(refused)).toBe("QUOTA_EXCEEDED");
    }
    expect((await upload(graph, { token: customer, input: { caseId }, files: [{ name: "ok.log", data: randomFile(10) }] })).errors).toBeUndefined();
  });
});
