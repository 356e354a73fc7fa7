import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase, threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, download, encryptedZip, eventually, randomFile, sha1, sha256, storedBlobs, upload } from "../support/uploads.js";

async function createCase(graph: TestGraph, token: string, input: Record<string, unknown> = productCase): Promise<string> {
  const created = await graph.request({ query: CREATE_CASE, variables: { input }, token });
  expect(created.errors).toBeUndefined();
  return created.data!.createCase.case.id;
}

const ATTACHMENTS_TAB_AND_MINE = `query($id: ID!) { case(id: $id) {
  attachments(first: 10) { totalCount edges { node { id fileName size sha1 sha256 state uploadedAt uploadedBy { name role } downloadUrl } } }
  myStagedAttachments { id fileName state }
} }`;
const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`;

describe.each(DATABASES)("uploads through the gateway on %s", (database) => {
  let graph: TestGraph;
  let acme: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("stores three files with the sizes and hashes the client computed; the update that carries them puts them in the attachments tab, and each streams back", async () => {
    const caseId = await createCase(graph, acme);
    const files = [
      { name: "agent.log", type: "text/plain", data: Buffer.from("2026-11-25 agent stopped reporting\n".repeat(50)) },
      { name: "dump.bin", data: randomFile(300_000) },
      { name: `設定 "final" (2)'s copy*.txt`, type: "text/plain", data: Buffer.from("設定ファイル") },
    ];
    const uploaded = await upload(graph, { token: acme, input: { caseId }, files });
    expect(uploaded.errors).toBeUndefined();
    const attachments = uploaded.data!.uploadAttachments.attachments;
    expect(attachments.map((a: any) => [a.fileName, a.size, a.sha1, a.sha256, a.state])).toEqual(files.map((f) => [f.name, f.data.length, sha1(f.data), sha256(f.data), "STAGED"]));
    expect(attachments[0].uploadedBy).toMatchObject({ name: "Aiko Tanaka", role: "CUSTOMER" });

    // Uploaded is not sent: the tab shows only files that are part of the case; the uploader sees the staged ones apart.
    const staged = await graph.request({ query: ATTACHMENTS_TAB_AND_MINE, variables: { id: caseId }, token: acme });
    expect(staged.errors).toBeUndefined();
    expect(staged.data!.case.attachments).toEqual({ totalCount: 0, edges: [] });
    const byName = (rows: string[][]) => rows.sort((a, b) => a[0]!.localeCompare(b[0]!));
    expect(byName(staged.data!.case.myStagedAttachments.map((a: any) => [a.fileName, a.state]))).toEqual(byName(files.map((f) => [f.name, "STAGED"])));

    const sent = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "Logs attached.", attachmentIds: attachments.map((a: any) => a.id) } }, token: acme });
    expect(sent.errors).toBeUndefined();
    const tab = await graph.request({ query: ATTACHMENTS_TAB_AND_MINE, variables: { id: caseId }, token: acme });
    expect(tab.errors).toBeUndefined();
    expect(tab.data!.case.attachments.totalCount).toBe(3);
    expect(tab.data!.case.myStagedAttachments).toEqual([]);
    const listed = tab.data!.case.attachments.edges.map((e: any) => e.node);
    for (const file of files) {
      const node = listed.find((n: any) => n.fileName === file.name);
      expect(node).toMatchObject({ size: file.data.length, sha1: sha1(file.data), sha256: sha256(file.data), state: "ATTACHED" });
      expect(node.downloadUrl.startsWith(`${graph.origin}/files/`)).toBe(true);
      // The signed link alone downloads the file, as an <a href> would.
      const fetched = await download(node.downloadUrl);
      expect(fetched.status).toBe(200);
      expect(fetched.body.equals(file.data)).toBe(true);
      expect(fetched.headers.get("content-length")).toBe(String(file.data.length));
      expect(fetched.headers.get("x-content-type-options")).toBe("nosniff");
      expect(fetched.headers.get("content-disposition")).toContain(`filename*=UTF-8''${encodeURIComponent(file.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`);
      expect(fetched.headers.get("content-disposition")).toMatch(/^attachment;/);
    }
    expect(storedBlobs(graph).temporaries).toEqual([]);
  });

  it("answers each uploaded file with its own id: the ids in the answer are the ids the files are stored under", async () => {
    // Three uploads of three files: a pairing that depended on the order of random ids would show in almost every run.
    for (let round = 0; round < 3; round++) {
      const caseId = await createCase(graph, acme);
      const files = ["a.log", "b.log", "c.log"].map((name) => ({ name, data: Buffer.from(`contents of ${name} in round ${round}`) }));
      const uploaded = await upload(graph, { token: acme, input: { caseId }, files });
      expect(uploaded.errors).toBeUndefined();
      const answered = uploaded.data!.uploadAttachments.attachments.map((a: any) => ({ id: a.id, fileName: a.fileName, sha1: a.sha1 }));
      expect(answered.map((a: any) => [a.fileName, a.sha1])).toEqual(files.map((f) => [f.name, sha1(f.data)]));
      const mine = await graph.request({ query: ATTACHMENTS_TAB_AND_MINE, variables: { id: caseId }, token: acme });
      const stored = new Map(mine.data!.case.myStagedAttachments.map((a: any) => [a.id, a.fileName]));
      expect(answered.map((a: any) => [a.fileName, stored.get(a.id)])).toEqual(files.map((f) => [f.name, f.name]));
    }
  });

  it("round-trips a 20 MB file intact", async () => {
    const caseId = await createCase(graph, acme);
    const data = randomFile(20 * 1024 * 1024);
    const uploaded = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "memory.dmp", data }] });
    expect(uploaded.errors).toBeUndefined();
    const [attachment] = uploaded.data!.uploadAttachments.attachments;
    expect([attachment.size, attachment.sha256]).toEqual([data.length, sha256(data)]);
    const fetched = await download(attachment.downloadUrl, acme);
    expect(fetched.body.length).toBe(data.length);
    expect(sha256(fetched.body)).toBe(sha256(data));
  });

  it("refuses a fourth file with TOO_MANY_FILES and stores none of them", async () => {
    const caseId = await createCase(graph, acme);
    const before = { rows: (await attachmentRows(graph)).length, blobs: storedBlobs(graph).objects.length };
    const files = [1, 2, 3, 4].map((n) => ({ name: `part${n}.log`, data: randomFile(50_000) }));
    const response = await upload(graph, { token: acme, input: { caseId }, files });
    expect(codeOf(response)).toBe("TOO_MANY_FILES");
    expect((await attachmentRows(graph)).length).toBe(before.rows);
    expect(storedBlobs(graph)).toEqual({ objects: expect.any(Array), temporaries: [] });
    expect(storedBlobs(graph).objects.length).toBe(before.blobs);
  });

  it("accepts on THREAT cases only ZIPs encrypted with the password virus, and stores nothing of a refused upload", async () => {
    const caseId = await createCase(graph, acme, threatCase);
    const before = { rows: (await attachmentRows(graph)).length, blobs: storedBlobs(graph).objects.length };
    const good = await encryptedZip("virus");
    const refused = [
      { name: "sample.exe", data: randomFile(10_000) },
      { name: "other-password.zip", data: await encryptedZip("infected") },
      { name: "not-encrypted.zip", data: await encryptedZip(undefined) },
    ];
    for (const bad of refused) {
      const response = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "good.zip", data: good }, bad] });
      expect([bad.name, codeOf(response)]).toEqual([bad.name, "ENCRYPTED_ZIP_REQUIRED"]);
    }
    expect((await attachmentRows(graph)).length).toBe(before.rows);
    expect(storedBlobs(graph).objects.length).toBe(before.blobs);
    expect(storedBlobs(graph).temporaries).toEqual([]);

    const accepted = await upload(graph, {
      token: acme,
      input: { caseId },
      files: [
        { name: "aes.zip", data: good },
        { name: "zipcrypto.zip", data: await encryptedZip("virus", { zipCrypto: true }) },
      ],
    });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.uploadAttachments.attachments).toHaveLength(2);
  });

  it("keeps nothing of an upload the client aborts halfway, and takes the next upload", async () => {
    const caseId = await createCase(graph, acme);
    const before = { rows: (await attachmentRows(graph)).length, blobs: storedBlobs(graph).objects.length };
    const chunk = randomFile(256 * 1024);
    let sent = 0;
    const aborted = upload(graph, {
      token: acme,
      input: { caseId },
      files: [
        {
          name: "huge.dmp",
          async *data() {
            for (let i = 0; i < 400; i++) {
              sent += chunk.length;
              yield chunk;
            }
          },
        },
      ],
      onFileStarted: (_index, abort) => {
        // Hang up once megabytes have reached the subgraph's temporary file.
        const timer = setInterval(() => {
          if (sent >= 8 * 1024 * 1024 && storedBlobs(graph).temporaries.length === 1) {
            clearInterval(timer);
            abort();
          }
        }, 5);
      },
    });
    await expect(aborted).rejects.toThrow();
    await eventually(() => storedBlobs(graph).temporaries.length === 0);
    expect((await attachmentRows(graph)).length).toBe(before.rows);
    expect(storedBlobs(graph).objects.length).toBe(before.blobs);

    const next = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "after.log", data: Buffer.from("still works") }] });
    expect(next.errors).toBeUndefined();
    expect(next.data!.uploadAttachments.attachments[0].size).toBe(11);
  });

  it("refuses multipart requests without apollo-require-preflight (CSRF protection)", async () => {
    const caseId = await createCase(graph, acme);
    const before = (await attachmentRows(graph)).length;
    const response = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "a.txt", data: Buffer.from("x") }], headers: {} });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.message).toMatch(/CSRF/);
    expect((await attachmentRows(graph)).length).toBe(before);
  });
});

describe("upload limits", () => {
  let graph: TestGraph;
  let acme: string;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite", env: { MAX_FILE_BYTES: "100000" } });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("refuses a file over the configured size with FILE_TOO_LARGE and keeps no row and no bytes of the whole upload", async () => {
    const caseId = await createCase(graph, acme);
    const response = await upload(graph, {
      token: acme,
      input: { caseId },
      files: [
        { name: "fits.log", data: randomFile(100_000) },
        { name: "too-big.log", data: randomFile(100_001) },
        { name: "after.log", data: randomFile(1000) },
      ],
    });
    expect(codeOf(response)).toBe("FILE_TOO_LARGE");
    expect(await attachmentRows(graph)).toEqual([]);
    expect(storedBlobs(graph)).toEqual({ objects: [], temporaries: [] });
  });

  it("accepts a file of exactly the configured size", async () => {
    const caseId = await createCase(graph, acme);
    const response = await upload(graph, { token: acme, input: { caseId }, files: [{ name: "fits.log", data: randomFile(100_000) }] });
    expect(response.errors).toBeUndefined();
  });

  it("only forwards the uploadAttachments mutation as multipart", async () => {
    const response = await upload(graph, {
      token: acme,
      input: {},
      query: `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id } } }`,
      files: [{ name: "a.txt", data: Buffer.from("x") }],
    });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
  });
});

describe("large uploads", () => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
  });
  afterAll(() => graph?.stop());

  it("takes a file of the default 250 MB limit without holding it in memory in the gateway or the subgraph", async () => {
    const acme = await graph.tokenFor("customer@acme.example");
    const caseId = await createCase(graph, acme);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const expected = createHash("sha256");
    for (let i = 0; i < 250; i++) expected.update(chunk);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const response = await upload(graph, {
        token: acme,
        input: { caseId },
        files: [
          {
            name: "full.dmp",
            async *data() {
              for (let i = 0; i < 250; i++) yield chunk;
            },
          },
        ],
      });
      expect(response.errors).toBeUndefined();
      expect(response.data!.uploadAttachments.attachments[0]).toMatchObject({ size: 250 * 1024 * 1024, sha256: expected.digest("hex") });
    } finally {
      clearInterval(sampler);
    }
    // Client, gateway and subgraph share this process: holding the file anywhere would add 250 MB.
    expect(peak - baseline).toBeLessThan(120 * 1024 * 1024);
  });
});
