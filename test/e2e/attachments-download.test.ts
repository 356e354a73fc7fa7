import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signFileLink } from "../../subgraphs/kit/file-links.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { TEST_FILE_LINK_SECRET } from "../support/identity-keys.js";
import { download, randomFile, upload } from "../support/uploads.js";

describe("signed downloads through the gateway", () => {
  let graph: TestGraph;
  let acme: string;
  let file: { id: string; downloadUrl: string };
  const data = randomFile(64 * 1024);

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
    acme = await graph.tokenFor("customer@acme.example");
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    const uploaded = await upload(graph, { token: acme, input: { caseId: created.data!.createCase.case.id }, files: [{ name: "Bericht März.pdf", data }] });
    file = uploaded.data!.uploadAttachments.attachments[0];
  });
  afterAll(() => graph?.stop());

  it("streams the file for a good link as a download browsers do not render", async () => {
    const fetched = await download(file.downloadUrl, acme);
    expect(fetched.status).toBe(200);
    expect(fetched.body.equals(data)).toBe(true);
    expect(Object.fromEntries(["content-length", "content-type", "x-content-type-options", "content-disposition", "accept-ranges"].map((h) => [h, fetched.headers.get(h)]))).toEqual({
      "content-length": String(data.length),
      "content-type": "application/octet-stream",
      "x-content-type-options": "nosniff",
      "content-disposition": `attachment; filename="Bericht M_rz.pdf"; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf`,
      "accept-ranges": "bytes",
    });
  });

  it("answers a Range request with 206 and exactly those bytes", async () => {
    const partial = await download(file.downloadUrl, acme, { range: "bytes=1000-1999" });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe(`bytes 1000-1999/${data.length}`);
    expect(partial.headers.get("content-length")).toBe("1000");
    expect(partial.body.equals(data.subarray(1000, 2000))).toBe(true);

    const tail = await download(file.downloadUrl, acme, { range: "bytes=-10" });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(data.subarray(data.length - 10))).toBe(true);

    const beyond = await download(file.downloadUrl, acme, { range: `bytes=${data.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${data.length}`);
  });

  it("refuses a tampered link with 403 and no bytes", async () => {
    const url = new URL(file.downloadUrl);
    const signature = url.searchParams.get("signature")!;
    url.searchParams.set("signature", `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`);
    const forged = await download(url.toString(), acme);
    expect(forged.status).toBe(403);
    expect(forged.body.includes(data.subarray(0, 16))).toBe(false);

    const longer = new URL(file.downloadUrl);
    longer.searchParams.set("expires", String(Number(longer.searchParams.get("expires")) + 3600));
    expect((await download(longer.toString(), acme)).status).toBe(403);
  });

  it("refuses an expired link with 403", async () => {
    const expired = signFileLink(graph.origin, TEST_FILE_LINK_SECRET, file.id, Math.floor(Date.now() / 1000) - 1);
    const response = await download(expired, acme);
    expect(response.status).toBe(403);
    expect(response.body.length).toBeLessThan(200);
  });

  it("refuses a link to another organization's file with 403, even when validly signed", async () => {
    const globex = await graph.tokenFor("customer@globex.example");
    const response = await download(file.downloadUrl, globex);
    expect(response.status).toBe(403);
    expect(response.body.includes(data.subarray(0, 16))).toBe(false);
  });

  it("requires the caller's credentials besides the signed link", async () => {
    const response = await download(file.downloadUrl);
    expect(response.status).toBe(401);
  });

  it("keeps the subgraph's byte stream closed to callers without the gateway's identity token", async () => {
    const direct = await fetch(new URL(`/files/${file.id}`, graph.urls.attachments));
    expect(direct.status).toBe(401);
  });

  it("lets partner staff who manage the organization and engineers download", async () => {
    for (const email of ["staff@initech.example", "engineer@support.example"]) {
      const fetched = await download(file.downloadUrl, await graph.tokenFor(email));
      expect([email, fetched.status]).toEqual([email, 200]);
    }
  });
});
