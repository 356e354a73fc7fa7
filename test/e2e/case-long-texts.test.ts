import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";

/**
 * Long texts are bounded in characters and in UTF-8 bytes: a MySQL TEXT column holds 65,535 bytes,
 * and 32,000 Japanese characters (3 bytes each) would not fit. Such a text is refused as bad input on
 * every database, rather than failing as an internal error on MySQL alone; a long text that fits is
 * stored intact.
 */
describe.each(DATABASES)("long Japanese texts, on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  const japanese = (characters: number) => "駆除失敗".repeat(characters / 4);

  beforeAll(async () => {
    graph = await startGraph({ database });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("stores a 20,000-character Japanese description and update body intact (60,000 bytes)", async () => {
    const cases = caseApi(graph);
    const created = await cases.create(acme, { description: japanese(20_000) });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createCase.case.id as string;
    const updated = await cases.addUpdate(acme, { caseId: id, body: japanese(20_000) });
    expect(updated.errors).toBeUndefined();
    const read = await graph.request({ query: `query($id: ID!) { case(id: $id) { description updates(first: 1) { edges { node { body } } } } }`, variables: { id }, token: acme });
    expect(read.data!.case.description).toBe(japanese(20_000));
    expect(read.data!.case.updates.edges[0].node.body).toBe(japanese(20_000));
  });

  it("refuses 32,000 Japanese characters (96,000 bytes) as BAD_USER_INPUT naming the field, and stores nothing", async () => {
    const cases = caseApi(graph);
    const tooLong = await cases.create(acme, { title: "too long to store", description: japanese(32_000) });
    expect(codeOf(tooLong)).toBe("BAD_USER_INPUT");
    expect(tooLong.errors![0]!.extensions!.field).toBe("description");
    const listed = await graph.request({ query: `{ cases(first: 50, filter: { search: "too long to store" }) { totalCount } }`, token: acme });
    expect(listed.data!.cases.totalCount).toBe(0);
    const created = await cases.create(acme, { severity: "HIGH", businessImpact: "x" });
    const id = created.data!.createCase.case.id as string;
    expect(codeOf(await cases.addUpdate(acme, { caseId: id, body: japanese(32_000) }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await cases.update(acme, { caseId: id, businessImpact: japanese(32_000) }))).toBe("BAD_USER_INPUT");
  });
});
