import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runApiKeyCommand } from "../../gateway/access/api-key.cli.js";
import { ApiKeyService } from "../../gateway/access/api-key.service.js";
import { runOperationsCommand } from "../../gateway/operations/operations.cli.js";
import { PersistedOperationsService } from "../../gateway/operations/persisted-operations.service.js";
import { createLogger } from "../../subgraphs/kit/logger.js";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { attachmentRows, UPLOAD, upload } from "../support/uploads.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

const LIST_CASES = "query ListCases($first: Int!) { cases(first: $first) { totalCount edges { node { id caseNumber } } } }";
const CASE_COUNT = "query CaseCount { cases(first: 1) { totalCount } }";
const ADD_UPDATE = "mutation AddUpdate($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { case { id version } update { id } } }";
const NOT_PUBLISHED = "query Unpublished { cases(first: 2) { totalCount } }";

/** Apollo's persisted query list, as `generate-persisted-query-manifest` writes it. */
function apolloManifest(operations: { body: string; name: string; type: string }[]): string {
  return JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: operations.map((op) => ({ id: sha256(op.body), ...op })) });
}

describe.each(DATABASES)("persisted operations through the gateway on %s", (database) => {
  let graph: TestGraph;
  let dir: string;
  let customer: string;
  let caseId: string;

  const logger = createLogger("test", "silent");
  async function operations(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOperationsCommand(argv, {
      operations: new PersistedOperationsService(graph.gateway.dataSource, { logger }),
      queryLimits: { maxLength: 100_000, maxTokens: 1_000 },
      actor: "test-admin",
      output: { out: (l) => out.push(l), err: (l) => err.push(l) },
    });
    return { code, out, err };
  }
  async function apikey(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const keys = new ApiKeyService(graph.gateway.dataSource, { logger, rotationGraceSeconds: 60 });
    const code = await runApiKeyCommand(argv, { keys, dataSource: graph.gateway.dataSource, logger, output: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    return { code, out, err };
  }
  function manifestFile(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) => postGraphQL<any>(graph.gatewayUrl, body, { authorization: `Bearer ${customer}`, ...headers });
  async function get(params: Record<string, unknown>, headers: Record<string, string> = {}) {
    const url = new URL(graph.gatewayUrl);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, typeof value === "string" ? value : JSON.stringify(value));
    const response = await fetch(url, { headers: { authorization: `Bearer ${customer}`, "apollo-require-preflight": "true", ...headers } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: any; errors?: any[] } };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "casegraph-operations-"));
    graph = await startGraph({ database, env: { PERSISTED_ONLY_CLIENTS: "web,ios" } });
    customer = await graph.tokenFor("customer@acme.example");
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: customer });
    caseId = created.data!.createCase.case.id;
  });
  afterAll(async () => {
    await graph?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes an Apollo manifest and a GraphQL Code Generator manifest, lists releases and their operations", async () => {
    const apollo = manifestFile(
      "apollo.json",
      apolloManifest([
        { body: LIST_CASES, name: "ListCases", type: "query" },
        { body: ADD_UPDATE, name: "AddUpdate", type: "mutation" },
      ]),
    );
    expect(await operations("publish", apollo, "--client", "web", "--version", "1.4.0")).toMatchObject({ code: 0, out: ["Published web 1.4.0: 2 operations (2 new)"] });
    // Publishing the same release again is a no-op; other operations under the same version are refused.
    expect((await operations("publish", apollo, "--client", "web", "--version", "1.4.0")).out[0]).toContain("already published");
    const other = manifestFile("other.json", apolloManifest([{ body: CASE_COUNT, name: "CaseCount", type: "query" }]));
    expect(await operations("publish", other, "--client", "web", "--version", "1.4.0")).toMatchObject({ code: 1, err: [expect.stringContaining("publish a new version")] });

    // Code Generator's persisted documents: { "<hash>": "<document>" }, SHA-1 by default.
    const codegen = manifestFile("persisted-documents.json", JSON.stringify({ [sha1(CASE_COUNT)]: CASE_COUNT, [sha256(LIST_CASES)]: LIST_CASES }));
    expect(await operations("publish", codegen, "--client", "ios", "--version", "2.0.1")).toMatchObject({ code: 0, out: ["Published ios 2.0.1: 2 operations (1 new)"] });

    const listed = await operations("list");
    expect(listed.out.map((line) => line.split("  ").slice(0, 3).join(" "))).toEqual(["ios 2.0.1 operations=2", "web 1.4.0 operations=2"]);
    expect(listed.out.every((line) => line.endsWith("live"))).toBe(true);
    expect((await operations("list", "--client", "web", "--version", "1.4.0")).out).toEqual(
      [`${sha256(ADD_UPDATE)}  mutation  AddUpdate`, `${sha256(LIST_CASES)}  query  ListCases`].sort((a, b) => a.split("  ")[2]!.localeCompare(b.split("  ")[2]!)),
    );
  });

  it("refuses a manifest whose ids are not the hashes of their documents, or whose documents are not one operation", async () => {
    const tampered = manifestFile("tampered.json", JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: sha256(CASE_COUNT), name: "ListCases", type: "query", body: LIST_CASES }] }));
    expect(await operations("publish", tampered, "--client", "web", "--version", "9.9.9")).toMatchObject({ code: 1, err: [expect.stringContaining("is not the hash of its document")] });
    const two = `${CASE_COUNT} ${LIST_CASES}`;
    expect((await operations("publish", manifestFile("two.json", JSON.stringify({ [sha256(two)]: two })), "--client", "web", "--version", "9.9.9")).err[0]).toContain("exactly one operation");
    expect((await operations("publish", manifestFile("bad.json", "{nope"), "--client", "web", "--version", "9.9.9")).err[0]).toContain("not JSON");
    expect((await operations("list", "--client", "web")).out).toHaveLength(1);
  });

  it("runs a published operation by documentId or by Apollo's sha256Hash, over POST and GET", async () => {
    const variables = { first: 5 };
    const byDocumentId = await post({ documentId: sha256(LIST_CASES), variables });
    expect(byDocumentId.errors).toBeUndefined();
    expect(byDocumentId.data.cases.totalCount).toBeGreaterThan(0);
    const byHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LIST_CASES) } }, variables });
    expect(byHash.data).toEqual(byDocumentId.data);
    // A SHA-1 id (Code Generator's default), and Apollo's sha256Hash of the same text, find the same operation.
    expect((await post({ documentId: sha1(CASE_COUNT) })).data.cases.totalCount).toBe(byDocumentId.data.cases.totalCount);
    expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(CASE_COUNT) } } })).data.cases.totalCount).toBe(byDocumentId.data.cases.totalCount);

    const viaGet = await get({ documentId: sha256(LIST_CASES), variables });
    expect(viaGet.status).toBe(200);
    expect(viaGet.body.data).toEqual(byDocumentId.data);
    const viaGetExtensions = await get({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LIST_CASES) } }, variables });
    expect(viaGetExtensions.body.data).toEqual(byDocumentId.data);
  });

  it("answers an unknown id with PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo clients expect), and the text then runs where the policy allows", async () => {
    const unknown = sha256(NOT_PUBLISHED);
    const missing = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } });
    expect(missing.status).toBe(200);
    expect(missing.errors).toEqual([{ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND", id: unknown } }]);
    expect((await get({ documentId: unknown })).body.errors?.[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(codeOf(await post({ documentId: "not-a-hash" }))).toBe("PERSISTED_QUERY_NOT_FOUND");
    // Apollo's fallback: the hash and the text together. Nothing is registered by it.
    const fallback = await post({ query: NOT_PUBLISHED, extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } });
    expect(fallback.errors).toBeUndefined();
    expect(codeOf(await post({ documentId: unknown }))).toBe("PERSISTED_QUERY_NOT_FOUND");
    // A hash that is not the text's is refused.
    const mismatch = await post({ query: CASE_COUNT, extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } });
    expect(mismatch.status).toBe(400);
    expect(codeOf(mismatch)).toBe("BAD_REQUEST");
    expect(codeOf(await post({ query: CASE_COUNT, documentId: sha256(LIST_CASES) }))).toBe("BAD_REQUEST");
  });

  it("lets a persisted-only client (PERSISTED_ONLY_CLIENTS) run a known id, answers an unknown one NOT_FOUND and a text REQUIRED", async () => {
    const web = { "apollographql-client-name": "web", "apollographql-client-version": "1.4.0" };
    const known = await post({ documentId: sha256(LIST_CASES), variables: { first: 1 } }, web);
    expect(known.errors).toBeUndefined();
    expect(known.data.cases.edges).toHaveLength(1);
    expect(codeOf(await post({ documentId: sha256(NOT_PUBLISHED) }, web))).toBe("PERSISTED_QUERY_NOT_FOUND");
    // Its fallback with the text is refused, as is any text that no live release publishes.
    const fallback = await post({ query: NOT_PUBLISHED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(NOT_PUBLISHED) } } }, web);
    expect(fallback.status).toBe(400);
    expect(codeOf(fallback)).toBe("PERSISTED_QUERY_REQUIRED");
    expect(codeOf(await post({ query: NOT_PUBLISHED }, { "graphql-client-name": "ios" }))).toBe("PERSISTED_QUERY_REQUIRED");
    expect((await get({ query: NOT_PUBLISHED }, web)).body.errors?.[0].extensions.code).toBe("PERSISTED_QUERY_REQUIRED");
    // The exact text of a published operation is accepted (a safelist); a client not in the list may send any text.
    expect((await post({ query: CASE_COUNT }, web)).errors).toBeUndefined();
    expect((await post({ query: NOT_PUBLISHED }, { "apollographql-client-name": "partner-tool" })).errors).toBeUndefined();
  });

  it("holds a persisted-only client's multipart uploads to the published text of its upload mutation", async () => {
    const web = { "apollo-require-preflight": "true", "apollographql-client-name": "web" };
    const files = [{ name: "agent.log", data: Buffer.from("agent 14.0 diagnostic log\n") }];
    const refused = await upload(graph, { token: customer, input: { caseId }, files, headers: web });
    expect(refused.status).toBe(400);
    expect(codeOf(refused)).toBe("PERSISTED_QUERY_REQUIRED");
    expect((await attachmentRows(graph)).filter((a) => a.caseId === caseId)).toEqual([]);

    expect((await operations("publish", manifestFile("upload.json", JSON.stringify({ [sha256(UPLOAD)]: UPLOAD })), "--client", "web", "--version", "1.4.1")).code).toBe(0);
    const accepted = await upload(graph, { token: customer, input: { caseId }, files, headers: web });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.uploadAttachments.attachments[0].state).toBe("STAGED");
  });

  it("restricts an API key made with --persisted-only to published operations, whatever client it names, until its policy is lifted", async () => {
    const created = await apikey("create", "--partner", "initech", "--scopes", "cases:read,cases:write", "--persisted-only");
    expect(created.code).toBe(0);
    const key = created.out[0]!;
    const keyId = (await apikey("list", "--partner", "initech")).out.find((line) => line.includes("operations=persisted-only"))!.split("  ")[0]!;
    const withKey = (body: Record<string, unknown>) => postGraphQL<any>(graph.gatewayUrl, body, { "x-api-key": key });
    expect((await withKey({ documentId: sha256(CASE_COUNT) })).errors).toBeUndefined();
    expect(codeOf(await withKey({ query: NOT_PUBLISHED }))).toBe("PERSISTED_QUERY_REQUIRED");

    // Rotation keeps the restriction.
    const rotated = await apikey("rotate", keyId);
    expect(codeOf(await postGraphQL(graph.gatewayUrl, { query: NOT_PUBLISHED }, { "x-api-key": rotated.out[0]! }))).toBe("PERSISTED_QUERY_REQUIRED");

    expect((await apikey("policy", keyId, "--any-operations")).out[0]).toContain("operations=any");
    expect((await withKey({ query: NOT_PUBLISHED })).errors).toBeUndefined();
    expect((await apikey("policy", keyId, "--persisted-only")).code).toBe(0);
    expect(codeOf(await withKey({ query: NOT_PUBLISHED }))).toBe("PERSISTED_QUERY_REQUIRED");
    expect((await apikey("policy", keyId)).code).toBe(1);
  });

  it("keeps the request path in order: authentication before any lookup, the idempotency replay of a persisted mutation", async () => {
    const anonymous = await postGraphQL(graph.gatewayUrl, { documentId: sha256(LIST_CASES), variables: { first: 1 } });
    expect(anonymous.status).toBe(401);

    const input = { caseId, body: "Logs attached by the mobile app." };
    const headers = { "idempotency-key": `persisted-${database}`, "apollographql-client-name": "web" };
    const first = await post({ documentId: sha256(ADD_UPDATE), variables: { input } }, headers);
    expect(first.errors).toBeUndefined();
    const replay = await post({ documentId: sha256(ADD_UPDATE), variables: { input } }, headers);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.data).toEqual(first.data);
    // A mutation is never run by GET, persisted or not.
    const overGet = await get({ documentId: sha256(ADD_UPDATE), variables: { input } });
    expect(overGet.status).toBe(405);
  });

  it("stops a retired release's operations from the next request on, unless a live release has them too", async () => {
    expect(await operations("retire", "--client", "web", "--version", "1.4.0")).toMatchObject({ code: 0, err: ["Retired web 1.4.0 (2 operations)"] });
    expect(codeOf(await post({ documentId: sha256(ADD_UPDATE), variables: { input: { caseId, body: "x" } } }))).toBe("PERSISTED_QUERY_NOT_FOUND");
    // ListCases is in ios 2.0.1 too.
    expect((await post({ documentId: sha256(LIST_CASES), variables: { first: 1 } })).errors).toBeUndefined();
    expect((await operations("list", "--client", "web")).out.find((line) => line.startsWith("web  1.4.0  "))).toContain("retired");
    expect((await operations("retire", "--client", "web", "--version", "1.4.0")).err[0]).toContain("already retired");
    expect((await operations("retire", "--client", "web", "--version", "0.0.1")).code).toBe(1);
  });
});
