import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../support/case-api.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, download, encryptedZip, randomFile, sha256, upload } from "../support/uploads.js";

describe("attachments on an S3-compatible blob store", () => {
  let s3: S3rver;
  let directory: string;
  let graph: TestGraph;
  let acme: string;
  const objects = () =>
    readdirSync(join(directory, "files"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith("._S3rver_object"));

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "casegraph-s3-"));
    s3 = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: "files", configs: [] }] });
    const { port } = (await s3.run()) as { port: number };
    graph = await startGraph({
      database: "sqlite",
      env: { BLOB_STORE: "s3", S3_BUCKET: "files", S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" },
    });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(async () => {
    await graph?.stop();
    await s3?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("uploads through the gateway into the bucket and downloads whole files and ranges back", async () => {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    const data = randomFile(12 * 1024 * 1024);
    const uploaded = await upload(graph, { token: acme, input: { caseId: created.data!.createCase.case.id }, files: [{ name: "trace.etl", data }] });
    expect(uploaded.errors).toBeUndefined();
    const [file] = uploaded.data!.uploadAttachments.attachments;
    expect(file.sha256).toBe(sha256(data));
    expect(objects()).toHaveLength(1);
    const whole = await download(file.downloadUrl, acme);
    expect(whole.body.equals(data)).toBe(true);
    const range = await download(file.downloadUrl, acme, { range: "bytes=5000000-5000099" });
    expect(range.status).toBe(206);
    expect(range.body.equals(data.subarray(5_000_000, 5_000_100))).toBe(true);
  });

  it("checks threat-case ZIPs by reading the bucket object, and leaves no object of a refused upload", async () => {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: threatCase }, token: acme });
    const caseId = created.data!.createCase.case.id;
    const before = { rows: (await attachmentRows(graph)).length, objects: objects().length };
    const refused = await upload(graph, {
      token: acme,
      input: { caseId },
      files: [
        { name: "good.zip", data: await encryptedZip("virus") },
        { name: "bad.zip", data: await encryptedZip("nope") },
      ],
    });
    expect(codeOf(refused)).toBe("ENCRYPTED_ZIP_REQUIRED");
    expect((await attachmentRows(graph)).length).toBe(before.rows);
    expect(objects().length).toBe(before.objects);
    const accepted = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "good.zip", data: await encryptedZip("virus") }] });
    expect(accepted.errors).toBeUndefined();
    expect(objects().length).toBe(before.objects + 1);
  });
});
