import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const globexCase = { ...productCase, productProfileId: "globex-server", contactName: "Hank Scorpio" };

/**
 * One graph per database for the visibility, statement-count and concurrency tests: they only add acme
 * cases besides globex's one, and each asserts on cases it made or on lists that stay under a page of 100.
 * Listing, which counts every acme case, has its own graph below.
 */
const graphs = new Map<string, TestGraph>();
/** SQL statements of the cases subgraph, recorded only while a test counts them. */
let statements: string[] | undefined;
async function sharedGraph(database: (typeof DATABASES)[number]): Promise<TestGraph> {
  let graph = graphs.get(database);
  if (!graph) {
    graph = await startGraph({ database, onQuery: (subgraph, sql) => void (subgraph === "cases" && statements?.push(sql)) });
    graphs.set(database, graph);
  }
  return graph;
}
afterAll(async () => {
  for (const graph of graphs.values()) await graph.stop();
});

describe.each(DATABASES)("who sees which case, on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let tokens: Record<"acme" | "globex" | "partner" | "engineer", string>;
  let acmeCase: { id: string; caseNumber: string };
  let globexOwn: { id: string; caseNumber: string };

  beforeAll(async () => {
    graph = await sharedGraph(database);
    api = caseApi(graph);
    tokens = {
      acme: await graph.tokenFor("customer@acme.example"),
      globex: await graph.tokenFor("customer@globex.example"),
      partner: await graph.tokenFor("staff@initech.example"),
      engineer: await graph.tokenFor("engineer@support.example"),
    };
    acmeCase = (await api.create(tokens.acme)).data!.createCase.case;
    globexOwn = (await api.create(tokens.globex, globexCase)).data!.createCase.case;
  });

  async function listedIds(token: string): Promise<string[]> {
    const response = await graph.request({ query: "{ cases(first: 100) { totalCount edges { node { id } } } }", token });
    expect(response.data!.cases.totalCount).toBe(response.data!.cases.edges.length);
    return response.data!.cases.edges.map((e: any) => e.node.id);
  }

  it("rule 11: globex cannot see, list, find by number, update, close or comment on acme's case", async () => {
    const byId = await graph.request({ query: "query($id: ID!) { case(id: $id) { id } }", variables: { id: acmeCase.id }, token: tokens.globex });
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.case).toBeNull();
    const byNumber = await graph.request({ query: "query($n: String!) { caseByNumber(caseNumber: $n) { id } }", variables: { n: acmeCase.caseNumber }, token: tokens.globex });
    expect(byNumber.data!.caseByNumber).toBeNull();
    expect(await listedIds(tokens.globex)).toEqual([globexOwn.id]);
    const search = await graph.request({ query: "query($s: String!) { cases(filter: { search: $s }) { totalCount } }", variables: { s: acmeCase.caseNumber }, token: tokens.globex });
    expect(search.data!.cases.totalCount).toBe(0);

    const before = await api.get(tokens.acme, acmeCase.id);
    expect(codeOf(await api.update(tokens.globex, { caseId: acmeCase.id, severity: "LOW" }))).toBe("NOT_FOUND");
    expect(codeOf(await api.close(tokens.globex, { caseId: acmeCase.id }))).toBe("NOT_FOUND");
    expect(codeOf(await api.addUpdate(tokens.globex, { caseId: acmeCase.id, body: "hello" }))).toBe("NOT_FOUND");
    // Same answer as for a case that does not exist at all.
    expect(codeOf(await api.close(tokens.globex, { caseId: "00000000-0000-0000-0000-000000000000" }))).toBe("NOT_FOUND");
    expect(await api.get(tokens.acme, acmeCase.id)).toEqual(before);
  });

  it("rule 11: partner initech sees acme's cases and not globex's", async () => {
    const ids = await listedIds(tokens.partner);
    expect(ids).toContain(acmeCase.id);
    expect(ids).not.toContain(globexOwn.id);
    const hidden = await graph.request({ query: "query($id: ID!) { case(id: $id) { id } }", variables: { id: globexOwn.id }, token: tokens.partner });
    expect(hidden.data!.case).toBeNull();
    const created = await api.create(tokens.partner, { organizationId: "acme" });
    expect(created.errors).toBeUndefined();
    expect(codeOf(await api.create(tokens.partner, { ...globexCase, organizationId: "globex" }))).toBe("NOT_FOUND");
  });

  it("engineers see every organization's cases", async () => {
    const ids = await listedIds(tokens.engineer);
    expect(ids).toEqual(expect.arrayContaining([acmeCase.id, globexOwn.id]));
  });

  it("productProfiles lists only the caller's organizations' profiles", async () => {
    const profiles = async (token: string) => (await graph.request({ query: "{ productProfiles { id } }", token })).data!.productProfiles.map((p: any) => p.id);
    expect(await profiles(tokens.acme)).toEqual(["acme-endpoint", "acme-mail"]);
    expect(await profiles(tokens.globex)).toEqual(["globex-server"]);
  });
});

describe.each(DATABASES)("listing cases on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;
  let tick = Date.parse("2026-06-01T00:00:00.000Z");

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => new Date((tick += 1000)) });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    const severities = ["LOW", "MEDIUM", "HIGH", "CRITICAL", "MEDIUM", "LOW", "HIGH"];
    for (const [i, severity] of severities.entries()) {
      await api.create(acme, { title: `Listing case ${i} ${i % 2 ? "printer" : "scanner"}`, severity, businessImpact: "Some impact." });
    }
  });
  afterAll(() => graph?.stop());

  async function page(args: string, variables: Record<string, unknown> = {}) {
    const declared = Object.keys(variables)
      .map((name) => `$${name}: String`)
      .join(", ");
    const response = await graph.request({
      query: `query${declared ? `(${declared})` : ""} { cases(${args}) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title severity } } } }`,
      variables,
      token: acme,
    });
    expect(response.errors).toBeUndefined();
    return response.data!.cases;
  }

  it("keyset pagination visits every case exactly once, newest update first by default", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const current: any = await page("first: 2, after: $after", { after });
      seen.push(...current.edges.map((e: any) => e.node.title));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect(seen[0]).toBe("Listing case 6 scanner");
    expect(seen.at(-1)).toBe("Listing case 0 scanner");
  });

  it("orders by severity and filters by severity and search words", async () => {
    const bySeverity = await page("first: 10, orderBy: { field: SEVERITY, direction: ASC }");
    expect(bySeverity.edges.map((e: any) => e.node.severity)).toEqual(["CRITICAL", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "LOW", "LOW"]);
    const secondPage = await page("first: 3, after: $after, orderBy: { field: SEVERITY, direction: ASC }", { after: bySeverity.edges[2].cursor });
    expect(secondPage.edges.map((e: any) => e.node.severity)).toEqual(["MEDIUM", "MEDIUM", "LOW"]);
    const high = await page("filter: { severity: [HIGH, CRITICAL] }");
    expect(high.totalCount).toBe(3);
    const printers = await page("filter: { search: $search }", { search: "printer" });
    expect(printers.edges.map((e: any) => e.node.title).sort()).toEqual(["Listing case 1 printer", "Listing case 3 printer", "Listing case 5 printer"]);
  });

  it("refuses a cursor it did not issue", async () => {
    const response = await graph.request({ query: 'query { cases(after: "bm90LWEtY3Vyc29y") { totalCount } }', token: acme });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });
});

describe.each(DATABASES)("SQL statements of a nested list on %s", (database) => {
  let graph: TestGraph;

  beforeAll(async () => {
    graph = await sharedGraph(database);
    const api = caseApi(graph);
    const acme = await graph.tokenFor("customer@acme.example");
    const engineer = await graph.tokenFor("engineer@support.example");
    for (let i = 0; i < 50; i++) {
      const c = (await api.create(acme)).data!.createCase.case;
      if (i % 5 === 0) await api.addUpdate(engineer, { caseId: c.id, body: `Looking into it (${i}).` });
    }
  }, 120_000);

  async function countFor(first: number): Promise<number> {
    const token = await graph.tokenFor("staff@initech.example");
    const counted: string[] = [];
    statements = counted;
    const response = await graph.request({
      query: `query($first: Int!) { cases(first: $first) { totalCount edges { node { caseNumber registrant { name } organization { name } productProfile { name }
        updates(first: 3) { totalCount edges { node { body author { name } } } } history(first: 3) { edges { node { field newValue } } } } } } }`,
      variables: { first },
      token,
    });
    statements = undefined;
    expect(response.errors).toBeUndefined();
    expect(response.data!.cases.edges).toHaveLength(first);
    return counted.filter((sql) => /^\s*select/i.test(sql)).length;
  }

  it("runs the same number of statements for 5 and for 50 cases (DataLoaders, no N+1)", async () => {
    const five = await countFor(5);
    const fifty = await countFor(50);
    expect(fifty).toBe(five);
    expect(five).toBeLessThanOrEqual(10);
  });
});

describe.runIf(DATABASES.includes("mysql"))("concurrency on MySQL", () => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;

  beforeAll(async () => {
    graph = await sharedGraph("mysql");
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
  });

  it("20 concurrent createCase give 20 distinct case numbers", async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.create(acme)));
    for (const response of responses) expect(response.errors).toBeUndefined();
    const numbers = responses.map((r) => r.data!.createCase.case.caseNumber);
    expect(new Set(numbers).size).toBe(20);
  });

  it("two updates with the same expectedVersion give one success and one CONFLICT", async () => {
    const c = (await api.create(acme)).data!.createCase.case;
    const [a, b] = await Promise.all([api.update(acme, { caseId: c.id, expectedVersion: 1, severity: "LOW" }), api.update(acme, { caseId: c.id, expectedVersion: 1, ccEmails: ["x@acme.example"] })]);
    const codes = [codeOf(a), codeOf(b)].sort();
    expect(codes).toEqual(["CONFLICT", undefined].sort());
    const after = await api.get(acme, c.id);
    expect(after.version).toBe(2);
    expect(after.history.edges).toHaveLength(3); // created (status, subStatus) + the one change that won
  });
});
