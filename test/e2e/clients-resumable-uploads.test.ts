import { readdirSync } from "node:fs";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { type S3MultipartServer, startS3MultipartServer } from "../support/s3-multipart-server.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { tusFailure, tusUpload } from "../support/tus.js";
import { attachmentRows, download, encryptedZip, randomFile, sha256, storedBlobs } from "../support/uploads.js";

const MB = 1024 * 1024;
const ADD_UPDATE = "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id attachments { id fileName state sha256 } } } }";

describe.each(DATABASES)("resumable uploads (tus) through the gateway on %s", (database) => {
  let graph: TestGraph;
  let endpoint: string;
  let acme: string;
  let productCaseId: string;

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const tusDir = () => graph.gateway.resumableUploads.store.constructor.name === "FileStore" && readdirSync((graph.gateway.resumableUploads.store as unknown as { directory: string }).directory);
  async function tusRequest(method: string, url: string, token: string, headers: Record<string, string> = {}, body?: Buffer) {
    const response = await fetch(url, { method, headers: { "tus-resumable": "1.0.0", ...bearer(token), ...headers }, body });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** An upload of `size` bytes of which only `sent` arrive (a client that went away): its URL. */
  async function partialUpload(token: string, size: number, sent: number): Promise<string> {
    const metadata = `filename ${Buffer.from("partial.bin").toString("base64")},caseId ${Buffer.from(productCaseId).toString("base64")}`;
    const created = await tusRequest("POST", endpoint, token, { "upload-length": String(size), "upload-metadata": metadata });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get("location")!, endpoint).href;
    const patched = await tusRequest("PATCH", url, token, { "upload-offset": "0", "content-type": "application/offset+octet-stream" }, randomFile(sent));
    expect(patched.headers.get("upload-offset")).toBe(String(sent));
    return url;
  }
  const filesOf = (url: string) => (tusDir() || []).filter((name) => name.startsWith(url.split("/").pop()!));

  beforeAll(async () => {
    graph = await startGraph({
      database,
      env: { MAX_FILE_BYTES: String(60 * MB), RESUMABLE_UPLOADS_PER_PRINCIPAL: "4", RESUMABLE_UPLOAD_BYTES_PER_PRINCIPAL: String(200 * MB), RESUMABLE_UPLOAD_SWEEP_INTERVAL_SECONDS: "0" },
    });
    endpoint = `${graph.origin}/uploads/tus`;
    acme = await graph.tokenFor("customer@acme.example");
    productCaseId = (await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme })).data!.createCase.case.id;
  });
  afterAll(() => graph?.stop());

  it("turns a finished tus-js-client upload into a STAGED attachment named by the final PATCH, which an update then attaches", async () => {
    const data = randomFile(3 * MB + 17);
    const result = await tusUpload(endpoint, data, { headers: bearer(acme), metadata: { filename: "agent-logs.zip", filetype: "application/zip", caseId: productCaseId } });
    expect(result.attachmentId).toMatch(/\S/);
    expect(result.url.startsWith(`${endpoint}/`)).toBe(true);
    const [row] = (await attachmentRows(graph)).filter((a) => a.id === result.attachmentId);
    expect(row).toMatchObject({ state: "STAGED", fileName: "agent-logs.zip", size: data.length, sha256: sha256(data), caseId: productCaseId });
    // The gateway keeps no copy; a HEAD later still names the attachment (a client whose last answer was lost).
    expect(tusDir() || []).toEqual([]);
    const head = await tusRequest("HEAD", result.url, acme);
    expect(head.status).toBe(200);
    expect(head.headers.get("attachment-id")).toBe(result.attachmentId);
    expect(head.headers.get("upload-offset")).toBe(String(data.length));

    const added = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId: productCaseId, body: "Logs, uploaded resumably.", attachmentIds: [result.attachmentId] } }, token: acme });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addCaseUpdate.update.attachments).toEqual([{ id: result.attachmentId, fileName: "agent-logs.zip", state: "ATTACHED", sha256: sha256(data) }]);
  });

  it("resumes a 50 MB upload whose connection was cut at about 60% from its last offset: the right SHA-256, and under 60% of the bytes sent twice", async () => {
    const data = randomFile(50 * MB);
    let cutting: Promise<void> | undefined;
    const proxy = await startTcpProxy("127.0.0.1", Number(new URL(graph.origin).port), {
      onClientData: (bytes) => {
        if (!cutting && bytes >= 0.6 * data.length) cutting = proxy.cut();
      },
    });
    try {
      const viaProxy = `http://127.0.0.1:${proxy.port}/uploads/tus`;
      const interrupted = await tusFailure(tusUpload(viaProxy, data, { headers: bearer(acme), metadata: { filename: "memory.dmp", caseId: productCaseId } }));
      expect(interrupted.url).toMatch(/\/uploads\/tus\/[0-9a-f]{32}$/);
      await cutting;
      const sentBeforeCut = proxy.bytesFromClients;
      expect(sentBeforeCut).toBeGreaterThanOrEqual(0.6 * data.length);
      expect(sentBeforeCut).toBeLessThan(0.7 * data.length);
      await proxy.restore();

      // The server kept what arrived: HEAD reports it, and the resumed upload starts there.
      const head = await tusRequest("HEAD", interrupted.url!, acme);
      const offset = Number(head.headers.get("upload-offset"));
      expect(offset).toBeGreaterThan(0.5 * data.length);
      expect(offset).toBeLessThanOrEqual(sentBeforeCut);
      const resumed = await tusUpload(viaProxy, data, { headers: bearer(acme), uploadUrl: interrupted.url! });
      expect(resumed.url).toBe(interrupted.url);
      const sentTwice = proxy.bytesFromClients - data.length;
      expect(sentTwice).toBeLessThan(0.6 * data.length);

      const [row] = (await attachmentRows(graph)).filter((a) => a.id === resumed.attachmentId);
      expect(row).toMatchObject({ state: "STAGED", size: data.length, sha256: sha256(data), fileName: "memory.dmp" });
      // The bytes the attachments subgraph stored are the file's, as a download shows (a staged file is its uploader's: myStagedAttachments).
      const mine = await graph.request({ query: "query($id: ID!) { case(id: $id) { myStagedAttachments { id downloadUrl } } }", variables: { id: productCaseId }, token: acme });
      const file = mine.data!.case.myStagedAttachments.find((a: any) => a.id === resumed.attachmentId);
      expect(sha256((await download(file.downloadUrl, acme)).body)).toBe(sha256(data));
    } finally {
      await proxy.close();
    }
  });

  it("applies the multipart path's limits before any byte: authentication, the attachments:write scope, file size, target, uploads and bytes held per caller", async () => {
    const create = (token: string | undefined, headers: Record<string, string>) =>
      fetch(endpoint, { method: "POST", headers: { "tus-resumable": "1.0.0", ...(token ? bearer(token) : {}), ...headers } }).then(async (r) => ({
        status: r.status,
        json: r.status === 201 ? null : ((await r.json()) as { errors: { extensions: { code: string } }[] }),
        location: r.headers.get("location"),
      }));
    const meta = (fields: Record<string, string>) =>
      Object.entries(fields)
        .map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`)
        .join(",");
    const ok = { "upload-length": "1000", "upload-metadata": meta({ filename: "a.log", caseId: productCaseId }) };

    expect((await create(undefined, ok)).status).toBe(401);
    const { key } = await apiKeysOf(graph).create({ partnerId: "initech", scopes: ["cases:read"] });
    const noScope = await fetch(endpoint, { method: "POST", headers: { "tus-resumable": "1.0.0", "x-api-key": key, ...ok } });
    expect(noScope.status).toBe(403);
    const tooBig = await create(acme, { ...ok, "upload-length": String(60 * MB + 1) });
    expect([tooBig.status, tooBig.json!.errors[0]!.extensions.code]).toEqual([413, "FILE_TOO_LARGE"]);
    expect((await create(acme, { "upload-defer-length": "1", "upload-metadata": ok["upload-metadata"] })).status).toBe(400);
    expect((await create(acme, { ...ok, "upload-metadata": meta({ filename: "a.log" }) })).json!.errors[0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "caseId" });
    expect((await create(acme, { ...ok, "upload-metadata": meta({ caseId: productCaseId }) })).json!.errors[0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filename" });

    // Bytes held: 200 MB of unfinished uploads per caller.
    const partner = await graph.tokenFor("staff@initech.example");
    const big = { ...ok, "upload-length": String(55 * MB) };
    const held: string[] = [];
    for (let i = 0; i < 3; i++) held.push((await create(partner, big)).location!);
    const overQuota = await create(partner, big);
    expect([overQuota.status, overQuota.json!.errors[0]!.extensions.code]).toEqual([413, "QUOTA_EXCEEDED"]);
    // Uploads held: 4 unfinished per caller; ending one frees its place.
    held.push((await create(partner, ok)).location!);
    const tooMany = await create(partner, ok);
    expect([tooMany.status, tooMany.json!.errors[0]!.extensions.code]).toEqual([429, "TOO_MANY_UPLOADS"]);
    expect((await tusRequest("DELETE", new URL(held.pop()!, endpoint).href, partner)).status).toBe(204);
    expect((await create(partner, ok)).status).toBe(201);
    // Another caller is not held back by them.
    expect((await create(acme, ok)).status).toBe(201);
  });

  it("never lets another caller resume, inspect or end an upload, and serves no upload's bytes", async () => {
    const url = await partialUpload(acme, 2 * MB, MB);
    const mine = await tusRequest("HEAD", url, acme);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("upload-offset")).toBe(String(MB));

    for (const email of ["customer@globex.example", "engineer@support.example", "staff@initech.example"]) {
      const other = await graph.tokenFor(email);
      expect((await tusRequest("HEAD", url, other)).status).toBe(404);
      expect((await tusRequest("PATCH", url, other, { "upload-offset": String(MB), "content-type": "application/offset+octet-stream" }, Buffer.alloc(10))).status).toBe(404);
      expect((await tusRequest("DELETE", url, other)).status).toBe(404);
    }
    expect((await tusRequest("GET", url, acme)).status).toBe(405);
    expect(Number((await tusRequest("HEAD", url, acme)).headers.get("upload-offset"))).toBe(MB);

    // The owner too follows the protocol: the offset held, the body type, and never past Upload-Length.
    const patch = (offset: number, body: Buffer, type = "application/offset+octet-stream") => tusRequest("PATCH", url, acme, { "upload-offset": String(offset), "content-type": type }, body);
    const stale = await patch(0, Buffer.alloc(10));
    expect([stale.status, stale.headers.get("upload-offset")]).toEqual([409, String(MB)]);
    expect((await patch(MB, Buffer.alloc(10), "application/json")).status).toBe(415);
    expect((await patch(MB, Buffer.alloc(MB + 1))).status).toBe(413);
    expect(Number((await tusRequest("HEAD", url, acme)).headers.get("upload-offset"))).toBe(MB);
  });

  it("hands finished files to the same ZIP rules: an unencrypted file on a threat case is refused with its code, and nothing is kept", async () => {
    const threat = (await graph.request({ query: CREATE_CASE, variables: { input: threatCase }, token: acme })).data!.createCase.case.id;
    const before = { rows: (await attachmentRows(graph)).length, blobs: storedBlobs(graph).objects.length };
    const refused = await tusFailure(tusUpload(endpoint, randomFile(64 * 1024), { headers: bearer(acme), metadata: { filename: "sample.exe", caseId: threat } }));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body!).errors[0].extensions.code).toBe("ENCRYPTED_ZIP_REQUIRED");
    expect((await attachmentRows(graph)).length).toBe(before.rows);
    expect(storedBlobs(graph).objects.length).toBe(before.blobs);
    // The refused upload is gone at the gateway too: a client asking again learns to start over.
    expect((await tusRequest("HEAD", refused.url!, acme)).status).toBe(404);
    expect(filesOf(refused.url!)).toEqual([]);

    const accepted = await tusUpload(endpoint, await encryptedZip("virus"), { headers: bearer(acme), metadata: { filename: "sample.zip", caseId: threat } });
    expect((await attachmentRows(graph)).find((a) => a.id === accepted.attachmentId)).toMatchObject({ state: "STAGED", caseId: threat });
  });

  it("sweeps uploads abandoned past their expiry, bytes and all, and keeps younger ones", async () => {
    const url = await partialUpload(acme, 2 * MB, MB);
    expect(await graph.gateway.resumableUploads.sweep(new Date())).toBe(0);
    expect((await tusRequest("HEAD", url, acme)).status).toBe(200);
    const files = () => filesOf(url);
    expect(files().length).toBeGreaterThan(0);

    // A day and a second later (RESUMABLE_UPLOAD_EXPIRY_SECONDS, 24 h by default).
    const swept = await graph.gateway.resumableUploads.sweep(new Date(Date.now() + 86_401_000));
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(files()).toEqual([]);
    expect((await tusRequest("HEAD", url, acme)).status).toBe(404);
  });
});

describe("resumable uploads on an S3 store", () => {
  let s3: S3MultipartServer;
  let graph: TestGraph;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3MultipartServer(["uploads", "files"]);
    const credentials = { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" };
    graph = await startGraph({
      database: "sqlite",
      env: { ...credentials, BLOB_STORE: "s3", S3_BUCKET: "files", RESUMABLE_UPLOAD_STORE: "s3", RESUMABLE_UPLOAD_S3_BUCKET: "uploads", RESUMABLE_UPLOAD_SWEEP_INTERVAL_SECONDS: "0" },
    });
    client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  });
  afterAll(async () => {
    await graph?.stop();
    await s3?.stop();
  });
  const objects = async (bucket: string) => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);

  it("resumes an upload cut at about 60% from the parts already in the bucket, stages it in the attachments bucket, and leaves no tus object behind", async () => {
    const acme = await graph.tokenFor("customer@acme.example");
    const caseId = (await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme })).data!.createCase.case.id;
    const data = randomFile(20 * MB);
    let cutting: Promise<void> | undefined;
    const proxy = await startTcpProxy("127.0.0.1", Number(new URL(graph.origin).port), {
      onClientData: (bytes) => {
        if (!cutting && bytes >= 0.6 * data.length) cutting = proxy.cut();
      },
    });
    try {
      const viaProxy = `http://127.0.0.1:${proxy.port}/uploads/tus`;
      const headers = { authorization: `Bearer ${acme}` };
      const interrupted = await tusFailure(tusUpload(viaProxy, data, { headers, metadata: { filename: "trace.etl", caseId } }));
      await cutting;
      await proxy.restore();
      const resumed = await tusUpload(viaProxy, data, { headers, uploadUrl: interrupted.url! });
      expect(proxy.bytesFromClients - data.length).toBeLessThan(0.6 * data.length);
      const [row] = (await attachmentRows(graph)).filter((a) => a.id === resumed.attachmentId);
      expect(row).toMatchObject({ state: "STAGED", size: data.length, sha256: sha256(data) });
      expect(await objects("files")).toHaveLength(1);
      expect(await objects("uploads")).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
