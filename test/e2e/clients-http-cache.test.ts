import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const POLL = "query Poll($first: Int!) { cases(first: $first) { totalCount edges { node { id caseNumber subStatus version } } } }";

describe("queries over GET, with validators and 304", () => {
  let graph: TestGraph;
  let customer: string;
  let engineer: string;
  let caseId: string;

  async function get(params: Record<string, unknown>, headers: Record<string, string>) {
    const url = new URL(graph.gatewayUrl);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, typeof value === "string" ? value : JSON.stringify(value));
    const response = await fetch(url, { headers });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  /** The headers of a client's GET: its credential, and the header CSRF prevention requires of every GET. */
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, "apollo-require-preflight": "true", ...extra });

  beforeAll(async () => {
    graph = await startGraph({ database: "sqlite" });
    [customer, engineer] = await Promise.all([graph.tokenFor("customer@acme.example"), graph.tokenFor("engineer@support.example")]);
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: customer });
    caseId = created.data!.createCase.case.id;
  });
  afterAll(() => graph?.stop());

  it("answers a query sent by GET with a strong per-caller ETag and Cache-Control: private, no-cache; If-None-Match gets 304 without a body", async () => {
    const first = await get({ query: POLL, variables: { first: 20 } }, bearer(customer));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).data.cases.totalCount).toBe(1);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers.get("cache-control")).toBe("private, no-cache");
    expect(first.headers.get("vary")).toMatch(/Authorization.*X-API-Key/i);

    const again = await get({ query: POLL, variables: { first: 20 } }, bearer(customer, { "if-none-match": etag }));
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    // A list of validators, and the weak form of the same tag, match too (If-None-Match compares weakly).
    expect((await get({ query: POLL, variables: { first: 20 } }, bearer(customer, { "if-none-match": `"other", W/${etag}` }))).status).toBe(304);

    // The same answer for another caller carries another tag; the first caller's tag does not match it.
    const other = await get({ query: POLL, variables: { first: 20 } }, bearer(engineer, { "if-none-match": etag }));
    expect(other.status).toBe(200);
    expect(other.headers.get("etag")).not.toBe(etag);

    // A change: the next poll gets the new answer and a new tag.
    await graph.request({ query: "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { case { id } } }", variables: { input: { caseId, body: "More logs." } }, token: customer });
    const changed = await get({ query: POLL, variables: { first: 20 } }, bearer(customer, { "if-none-match": etag }));
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(JSON.parse(changed.text).data.cases.edges[0].node.version).toBeGreaterThan(JSON.parse(first.text).data.cases.edges[0].node.version);
  });

  it("puts the validators on POSTed queries too, but answers a POST in full whatever If-None-Match says", async () => {
    const response = await fetch(graph.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...bearer(customer) }, body: JSON.stringify({ query: POLL, variables: { first: 20 } }) });
    const etag = response.headers.get("etag")!;
    expect(etag).toMatch(/^"/);
    const conditional = await fetch(graph.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "if-none-match": etag, ...bearer(customer) },
      body: JSON.stringify({ query: POLL, variables: { first: 20 } }),
    });
    expect(conditional.status).toBe(200);
    expect(((await conditional.json()) as { data: { cases: { totalCount: number } } }).data.cases.totalCount).toBe(1);
  });

  it("never caches or runs a mutation over GET, and leaves answers to mutations without validators", async () => {
    const mutation = "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { case { id } } }";
    const refused = await get({ query: mutation, variables: { input: { caseId, body: "by GET" } } }, bearer(customer));
    expect(refused.status).toBe(405);
    const history = await graph.request({ query: "query($id: ID!) { case(id: $id) { updates(first: 10) { totalCount } } }", variables: { id: caseId }, token: customer });
    expect(history.data!.case.updates.totalCount).toBe(1);
    const posted = await graph.request({ query: mutation, variables: { input: { caseId, body: "by POST" } }, token: customer });
    expect(posted.errors).toBeUndefined();
    expect(posted.headers.get("etag")).toBeNull();
  });

  it("keeps CSRF prevention: a GET runs only with a header a browser cannot send cross-site without a preflight", async () => {
    const plain = { authorization: `Bearer ${customer}` };
    // A cross-site <img> or link carries no credential header: refused before anything runs.
    expect((await get({ query: POLL, variables: { first: 1 } }, {})).status).toBe(401);
    // With a credential but without Apollo's preflight header: refused by CSRF prevention, as before GETs were cacheable.
    const unflagged = await get({ query: POLL, variables: { first: 1 } }, plain);
    expect(unflagged.status).toBe(400);
    expect(unflagged.text).toContain("Cross-Site Request Forgery");
    expect(unflagged.headers.get("etag")).toBeNull();
    expect((await get({ query: POLL, variables: { first: 1 } }, { ...plain, "x-apollo-operation-name": "Poll" })).status).toBe(200);
  });

  it("passes graphql-http's audit of the GraphQL-over-HTTP specification: every MUST, every MAY (GETs included), all SHOULDs but three", async () => {
    // The audit's requests as our clients send them: a credential, and Apollo's preflight header (CSRF prevention).
    const fetchFn = (input: string | URL | Request, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${customer}`);
      headers.set("apollo-require-preflight", "true");
      return fetch(input, { ...init, headers });
    };
    const results: { id: string; name: string; status: string }[] = [];
    for (const audit of serverAudits({ url: graph.gatewayUrl, fetchFn })) results.push({ ...(await audit.fn()), id: audit.id, name: audit.name });
    const failed = (level: string) => results.filter((r) => r.name.startsWith(level) && r.status !== "ok").map((r) => `${r.id} ${r.name}`);
    expect(results.length).toBeGreaterThan(50);
    expect(failed("MUST")).toEqual([]);
    expect(failed("MAY")).toEqual([]);
    // Apollo Server answers parse, validation and variable errors with 400 also under application/json: the
    // specification prefers 200 there (legacy clients), and requires 4xx under application/graphql-response+json.
    expect(failed("SHOULD")).toEqual([
      "572B SHOULD use 200 status code on document parsing failure when accepting application/json",
      "FDE2 SHOULD use 200 status code on document validation failure when accepting application/json",
      "7B9B SHOULD use a status code of 200 on variable coercion failure when accepting application/json",
    ]);
    const get = results.filter((r) => ["5A70", "D6D5", "6A70", "9C48"].includes(r.id));
    expect(get.map((r) => r.status)).toEqual(["ok", "ok", "ok", "ok"]);
  });
});
