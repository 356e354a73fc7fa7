import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdempotencyRecord } from "../../gateway/idempotency/idempotency-record.entity.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";

const ADD_UPDATE = "mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id body } case { version } } }";

/** Fault tolerance: mutations accept an Idempotency-Key; a retry does not do the work twice. */
describe.each(DATABASES)("Idempotency-Key on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let caseId: string;

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
    caseId = (await caseApi(graph).create(acme)).data!.createCase.case.id;
  });
  afterAll(() => graph?.stop());

  const send = (token: string, key: string, body: string) => graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body } }, token, headers: { "idempotency-key": key } });

  it("answers a retry with the first result and does the work once", async () => {
    const first = await send(acme, "retry-1", "Logs attached.");
    const again = await send(acme, "retry-1", "Logs attached.");
    expect(first.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const rows = await graph.cases.dataSource.getRepository(CaseUpdateEntity).findBy({ caseId, body: "Logs attached." });
    expect(rows).toHaveLength(1);
  });

  it("refuses the same key with different input as CONFLICT, changing nothing", async () => {
    await send(acme, "retry-2", "First text.");
    const other = await send(acme, "retry-2", "Second text.");
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "IDEMPOTENCY_KEY_REUSED" });
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: "Second text." })).toBe(0);
  });

  it("keeps keys apart per caller, and refuses keys over 255 characters", async () => {
    const engineer = await graph.tokenFor("engineer@support.example");
    await send(acme, "shared-key", "From the customer.");
    const theirs = await send(engineer, "shared-key", "From the engineer.");
    expect(theirs.errors).toBeUndefined();
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    const tooLong = await send(acme, "k".repeat(256), "x");
    expect(tooLong.status).toBe(400);
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "Idempotency-Key" });
    expect((await send(acme, "k".repeat(255), "Long key.")).errors).toBeUndefined();
  });

  it("runs concurrent retries of one key once", async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(acme, "burst", "Burst update.")));
    const succeeded = answers.filter((a) => a.data?.addCaseUpdate);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) if (!a.data?.addCaseUpdate) expect(a.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: "Burst update." })).toBe(1);
  });

  // Were the idempotency check first, it would fingerprint and store the oversized request (and keep its 400 answer).
  it.each([
    ["1,000 tokens", "tokens", ADD_UPDATE.replace("update { id body }", `update { id body ${"__typename ".repeat(1_000)}}`)],
    ["100,000 characters", "length", `${ADD_UPDATE}\n#${"x".repeat(100_000)}`],
  ])("refuses a keyed mutation over %s with QUERY_TOO_COMPLEX before the idempotency check: no record, no work", async (_size, measure, query) => {
    const key = `oversized-${measure}`;
    const body = `Oversized (${measure}).`;
    const response = await graph.request({ query, variables: { input: { caseId, body } }, token: acme, headers: { "idempotency-key": key } });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", [measure]: expect.any(Number) });
    expect(await graph.gateway.dataSource.getRepository(IdempotencyRecord).countBy({ key })).toBe(0);
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body })).toBe(0);
    // The key is still free: the same key with a query of ordinary size is served and recorded.
    const ordinary = await send(acme, key, body);
    expect(ordinary.errors).toBeUndefined();
    expect(await graph.gateway.dataSource.getRepository(IdempotencyRecord).countBy({ key })).toBe(1);
  });

  it("tells a mutation from a query without parsing: a keyed query is not recorded, the named mutation of a document is", async () => {
    const document = `query Mine { cases(first: 1) { totalCount } } ${ADD_UPDATE.replace("mutation(", "mutation Add(")}`;
    const headers = { authorization: `Bearer ${acme}`, "idempotency-key": "two-operations" };
    const run = (operationName: string) => postGraphQL(graph.gatewayUrl, { query: document, variables: { input: { caseId, body: "Named mutation." } }, operationName }, headers);
    expect((await run("Mine")).errors).toBeUndefined();
    expect(await graph.gateway.dataSource.getRepository(IdempotencyRecord).countBy({ key: "two-operations" })).toBe(0);
    const first = await run("Add");
    expect(first.errors).toBeUndefined();
    const again = await run("Add");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.data).toEqual(first.data);
  });
});
