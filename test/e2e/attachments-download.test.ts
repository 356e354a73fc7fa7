import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachmentsConfig } from "../../subgraphs/attachments/config.js";
import { type FileLink, signFileLink } from "../../subgraphs/kit/file-links.js";
import { redirectLogsForTests } from "../../subgraphs/kit/logger.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { TEST_FILE_LINK_SECRET } from "../support/identity-keys.js";
import { download, randomFile, upload } from "../support/uploads.js";

const TAB = `query($id: ID!) { case(id: $id) { attachments(first: 10) { edges { node { id downloadUrl } } } } }`;
const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id } } }`;
const ACME_CUSTOMER: FileLink["principal"] = { kind: "user", id: "u-acme-customer", role: "customer" };

/** What every answer of /files/:id carries, refusals included. */
function expectLinkHeaders(headers: Headers): void {
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("cache-control")).toBe("private, no-store");
}

/** A refusal: the status, a small JSON body with a code, no stack, no bytes of the file. */
function expectRefused(response: { status: number; headers: Headers; body: Buffer }, status: number, code: string, data: Buffer): void {
  expect(response.status).toBe(status);
  expectLinkHeaders(response.headers);
  expect(response.body.length).toBeLessThan(300);
  expect(JSON.parse(response.body.toString()).errors[0].extensions.code).toBe(code);
  expect(response.body.toString()).not.toMatch(/ at |\.ts:|\.js:/);
  expect(response.body.includes(data.subarray(0, 16))).toBe(false);
}

/** Rule: `downloadUrl` is a short-lived signed link that downloads on its own, for the principal it was minted for. */
describe.each(DATABASES)("download links through the gateway on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let caseId: string;
  let file: { id: string; downloadUrl: string };
  let staged: { id: string; downloadUrl: string };
  const data = randomFile(64 * 1024);
  const logLines: Record<string, any>[] = [];
  const audits = () => logLines.filter((line) => line.event === "file_download");

  beforeAll(async () => {
    redirectLogsForTests({ write: (line: string) => void logLines.push(JSON.parse(line)) });
    graph = await startGraph({ database, env: { LOG_LEVEL: "info" } });
    acme = await graph.tokenFor("customer@acme.example");
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    caseId = created.data!.createCase.case.id;
    const uploaded = await upload(graph, {
      token: acme,
      input: { caseId },
      files: [
        { name: "Bericht März.pdf", data },
        { name: "draft.log", data: Buffer.from("not sent yet") },
      ],
    });
    [file, staged] = uploaded.data!.uploadAttachments.attachments;
    const sent = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "The report.", attachmentIds: [file.id] } }, token: acme });
    expect(sent.errors).toBeUndefined();
  });
  afterAll(async () => {
    redirectLogsForTests(undefined);
    await graph?.stop();
  });

  it("downloads with the signed link alone, without an Authorization header, as a download browsers do not render, cache or refer on", async () => {
    const fetched = await download(file.downloadUrl);
    expect(fetched.status).toBe(200);
    expect(fetched.body.equals(data)).toBe(true);
    expectLinkHeaders(fetched.headers);
    expect(Object.fromEntries(["content-length", "content-type", "x-content-type-options", "content-disposition", "accept-ranges"].map((h) => [h, fetched.headers.get(h)]))).toEqual({
      "content-length": String(data.length),
      "content-type": "application/octet-stream",
      "x-content-type-options": "nosniff",
      "content-disposition": `attachment; filename="Bericht M_rz.pdf"; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf`,
      "accept-ranges": "bytes",
    });
    // The gateway's internal case header stays inside.
    expect(fetched.headers.get("x-casegraph-case-id")).toBeNull();
  });

  it("names the file, its principal and organization, and expires after FILE_LINK_TTL_SECONDS (300 by default)", () => {
    const url = new URL(file.downloadUrl);
    expect(url.pathname).toBe(`/files/${file.id}`);
    expect(Object.fromEntries(["principal", "role", "org"].map((name) => [name, url.searchParams.get(name)]))).toEqual({ principal: "user:u-acme-customer", role: "customer", org: "acme" });
    const lifetime = Number(url.searchParams.get("expires")) - Date.now() / 1000;
    expect(lifetime).toBeGreaterThan(240);
    expect(lifetime).toBeLessThanOrEqual(300);
    expect(attachmentsConfig({ FILE_LINK_TTL_SECONDS: "60" }).fileLinkTtlSeconds).toBe(60);
    expect(() => attachmentsConfig({ FILE_LINK_TTL_SECONDS: "86400" })).toThrow(/FILE_LINK_TTL_SECONDS/);
    expect(() => attachmentsConfig({ DOWNLOAD_LINK_SECONDS: "900" })).toThrow(/renamed FILE_LINK_TTL_SECONDS/);
  });

  it("does not need the credentials a caller sends along: a wrong token or another organization's changes nothing", async () => {
    const sent: Record<string, string>[] = [{ authorization: "Bearer not-a-token" }, { authorization: `Bearer ${await graph.tokenFor("customer@globex.example")}` }, { "x-api-key": "csk_nonsense" }];
    for (const headers of sent) {
      const fetched = await download(file.downloadUrl, undefined, headers);
      expect([Object.keys(headers)[0], fetched.status]).toEqual([Object.keys(headers)[0], 200]);
    }
  });

  it("answers a Range request with 206 and exactly those bytes", async () => {
    const partial = await download(file.downloadUrl, undefined, { range: "bytes=1000-1999" });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe(`bytes 1000-1999/${data.length}`);
    expect(partial.body.equals(data.subarray(1000, 2000))).toBe(true);
    const beyond = await download(file.downloadUrl, undefined, { range: `bytes=${data.length}-` });
    expect(beyond.status).toBe(416);
  });

  it("refuses a link whose file, principal, role, organization, expiry or signature was changed, or that misses a part, with 403 and no bytes", async () => {
    const changed = (change: (url: URL) => void) => {
      const url = new URL(file.downloadUrl);
      change(url);
      return url.toString();
    };
    const signature = new URL(file.downloadUrl).searchParams.get("signature")!;
    const tampered = {
      "another file": changed((url) => (url.pathname = `/files/${staged.id}`)),
      "another principal": changed((url) => url.searchParams.set("principal", "user:u-engineer")),
      "another kind": changed((url) => url.searchParams.set("principal", "apiKey:u-acme-customer")),
      "another role": changed((url) => url.searchParams.set("role", "engineer")),
      "another organization": changed((url) => url.searchParams.set("org", "globex")),
      "a later expiry": changed((url) => url.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600))),
      "another signature": changed((url) => url.searchParams.set("signature", `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`)),
      "no signature": changed((url) => url.searchParams.delete("signature")),
      "a signature twice": changed((url) => url.searchParams.append("signature", signature)),
    };
    for (const [name, url] of Object.entries(tampered)) {
      const response = await download(url);
      expect([name, response.status]).toEqual([name, 403]);
      expectRefused(response, 403, "FORBIDDEN", data);
    }
  });

  it("refuses an expired link with 403; the same link signed to expire later downloads", async () => {
    const now = Math.floor(Date.now() / 1000);
    const link = (expires: number) => signFileLink(graph.origin, TEST_FILE_LINK_SECRET, { attachmentId: file.id, principal: ACME_CUSTOMER, organizationId: "acme", expires });
    expectRefused(await download(link(now - 1)), 403, "FORBIDDEN", data);
    expect((await download(link(now + 60))).status).toBe(200);
  });

  it("writes one structured audit line per download: principal, file, case, organization and outcome", async () => {
    const before = audits().length;
    await download(file.downloadUrl);
    await download(signFileLink(graph.origin, TEST_FILE_LINK_SECRET, { attachmentId: file.id, principal: ACME_CUSTOMER, organizationId: "acme", expires: 1 }));
    await download(file.downloadUrl.replace("signature=", "signature=x"));
    const lines = audits().slice(before);
    expect(lines.map((line) => line.outcome)).toEqual(["served", "expired_link", "invalid_link"]);
    expect(lines[0]).toMatchObject({ principalKind: "user", principalId: "u-acme-customer", attachmentId: file.id, caseId, organizationId: "acme", status: 200, bytes: data.length, name: "gateway" });
    expect(lines[1]).toMatchObject({ principalKind: null, principalId: null, attachmentId: file.id, status: 403 });
    expect(lines[2]).toMatchObject({ attachmentId: file.id, status: 403 });
    expect(JSON.stringify(lines)).not.toContain("signature=");
  });

  it("mints links only for a principal who sees the file: nobody else gets one, and a link for someone else is refused where the file lives", async () => {
    // Another organization sees no case, so no file and no link.
    const globex = await graph.request({ query: TAB, variables: { id: caseId }, token: await graph.tokenFor("customer@globex.example") });
    expect(globex.data?.case ?? null).toBeNull();
    // A STAGED file is its uploader's alone: a link minted for anyone else (only the secret could make one) finds nothing.
    const forEngineer = signFileLink(graph.origin, TEST_FILE_LINK_SECRET, {
      attachmentId: staged.id,
      principal: { kind: "user", id: "u-engineer", role: "engineer" },
      organizationId: "acme",
      expires: Math.floor(Date.now() / 1000) + 60,
    });
    expectRefused(await download(forEngineer), 404, "NOT_FOUND", data);
    expect((await download(staged.downloadUrl)).body.toString()).toBe("not sent yet");
    expect(audits().at(-2)).toMatchObject({ outcome: "not_found", principalId: "u-engineer", attachmentId: staged.id, caseId });
  });

  it("gives partner staff and engineers their own links to a file they see", async () => {
    for (const email of ["staff@initech.example", "engineer@support.example"]) {
      const tab = await graph.request({ query: TAB, variables: { id: caseId }, token: await graph.tokenFor(email) });
      const link = tab.data!.case.attachments.edges.find((e: any) => e.node.id === file.id).node.downloadUrl as string;
      expect(new URL(link).searchParams.get("principal")).not.toBe("user:u-acme-customer");
      expect([email, (await download(link)).status]).toEqual([email, 200]);
    }
  });

  it("stops the links of an API key once the key is revoked", async () => {
    const keys = apiKeysOf(graph);
    const { key, record } = await keys.create({ partnerId: "initech", scopes: ["cases:read"] });
    const tab = await graph.request({ query: TAB, variables: { id: caseId }, headers: apiKeyHeader(key) });
    const link = tab.data!.case.attachments.edges.find((e: any) => e.node.id === file.id).node.downloadUrl as string;
    expect(new URL(link).searchParams.get("principal")).toBe(`apiKey:${record.id}`);
    expect((await download(link)).status).toBe(200);
    await keys.revoke(record.id);
    expectRefused(await download(link), 403, "FORBIDDEN", data);
    expect(audits().at(-1)).toMatchObject({ outcome: "credential_refused", principalKind: "apiKey", principalId: record.id });
  });

  it("keeps the subgraph's byte stream closed to callers without the gateway's identity token", async () => {
    const direct = await fetch(new URL(`/files/${file.id}${new URL(file.downloadUrl).search}`, graph.urls.attachments));
    expect(direct.status).toBe(401);
  });
});
