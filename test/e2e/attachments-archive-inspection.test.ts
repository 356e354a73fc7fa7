import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, encryptedZip, storedBlobs, upload } from "../support/uploads.js";

/**
 * The end records of a ZIP64 archive that declares `entries` entries, each with a one-entry central
 * directory before them: what a parser building one object per entry would believe. A real archive of
 * a million entries weighs ~47 MB; its end records are all the check reads.
 */
function zip64Declaring(entries: bigint): Buffer {
  const central = Buffer.alloc(47);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(1, 28);
  central.write("a", 46);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeBigUInt64LE(entries, 24);
  record.writeBigUInt64LE(entries, 32);
  record.writeBigUInt64LE(BigInt(central.length), 40);
  record.writeBigUInt64LE(0n, 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(central.length), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([central, record, locator, end]);
}

/** An archive whose end record puts its central directory far beyond the end of the file. */
function directoryBeyondEnd(): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46, 12);
  end.writeUInt32LE(50_000_000, 16);
  return Buffer.concat([Buffer.alloc(100), end]);
}

const CREATE_WITH_FILES = `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id attachments(first: 5) { totalCount } } } }`;

describe.each(DATABASES)("bounded archive inspection through the gateway on %s", (database) => {
  let graph: TestGraph;
  let acme: string;

  async function newCase(input: Record<string, unknown>): Promise<string> {
    const created = await graph.request({ query: CREATE_CASE, variables: { input }, token: acme });
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id;
  }

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("refuses, on a THREAT case, a ZIP64 archive declaring 1,000,000 entries with BAD_USER_INPUT naming the file and the reason, and stores nothing of the upload", async () => {
    const caseId = await newCase(threatCase);
    const before = { rows: (await attachmentRows(graph)).length, objects: storedBlobs(graph).objects.length };
    const response = await upload(graph, {
      token: acme,
      input: { caseId },
      files: [
        { name: "good.zip", data: await encryptedZip("virus") },
        { name: "million.zip", data: zip64Declaring(1_000_000n) },
      ],
    });
    expect(response.errors?.[0]).toMatchObject({
      message: "million.zip was refused: it declares 1000000 entries, more than the 10000 allowed",
      extensions: { code: "BAD_USER_INPUT", field: "files", reason: "too_many_entries", fileName: "million.zip" },
    });
    expect((await attachmentRows(graph)).length).toBe(before.rows);
    expect(storedBlobs(graph)).toEqual({ objects: expect.any(Array), temporaries: [] });
    expect(storedBlobs(graph).objects.length).toBe(before.objects);
  });

  it("refuses, on a THREAT case, an archive whose end record is inconsistent with the file, with the reason malformed_archive", async () => {
    const caseId = await newCase(threatCase);
    const response = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "beyond.zip", data: directoryBeyondEnd() }] });
    expect(response.errors?.[0]).toMatchObject({
      message: "beyond.zip was refused: its central directory extends beyond the end of the file",
      extensions: { code: "BAD_USER_INPUT", field: "files", reason: "malformed_archive", fileName: "beyond.zip" },
    });
    expect(storedBlobs(graph).temporaries).toEqual([]);
  });

  it("does not inspect files of PRODUCT cases, where no rule asks for a ZIP", async () => {
    const caseId = await newCase(productCase);
    const response = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "million.zip", data: zip64Declaring(1_000_000n) }] });
    expect(response.errors).toBeUndefined();
    const [row] = (await attachmentRows(graph)).filter((r) => r.id === response.data!.uploadAttachments.attachments[0].id);
    expect(row!.encryptedZip).toBe(false);
  });

  it("takes an organization-level upload whatever the archive, records the inspection, and registers a THREAT case only with files it found encrypted with virus", async () => {
    const staged = async (name: string, data: Buffer) => {
      const response = await upload(graph, { token: acme, input: { organizationId: "acme" }, files: [{ name, data }] });
      expect(response.errors).toBeUndefined();
      return response.data!.uploadAttachments.attachments[0].id as string;
    };
    const hostile = await staged("million.zip", zip64Declaring(1_000_000n));
    const good = await staged("sample.zip", await encryptedZip("virus"));
    const rows = await attachmentRows(graph);
    expect([rows.find((r) => r.id === hostile)!.encryptedZip, rows.find((r) => r.id === good)!.encryptedZip]).toEqual([false, true]);

    const refused = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...threatCase, attachmentIds: [good, hostile] } }, token: acme });
    expect(codeOf(refused)).toBe("ENCRYPTED_ZIP_REQUIRED");
    const threat = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...threatCase, attachmentIds: [good] } }, token: acme });
    expect(threat.errors).toBeUndefined();
    const product = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...productCase, attachmentIds: [hostile] } }, token: acme });
    expect(product.errors).toBeUndefined();
  });
});
