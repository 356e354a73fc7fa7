import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDevToken } from "../../gateway/auth/bearer-token.js";
import { demoUser } from "../../gateway/auth/demo-users.js";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, TEST_JWT_SECRET, type TestGraph } from "../support/graph.js";

/** A second support engineer: a principal of its own (its own `sub`), not the demo engineer's token twice. */
const SECOND_ENGINEER = { sub: "u-engineer-2", name: "Mei Suzuki", email: "engineer2@support.example", role: "engineer" } as const;

/** Fault tolerance, races: concurrent commands on one case end in a state that the history explains. */
describe.runIf(DATABASES.includes("mysql"))("races on MySQL", () => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;
  let engineer: string;
  let engineer2: string;

  beforeAll(async () => {
    graph = await startGraph({ database: "mysql" });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
    engineer2 = await signDevToken(SECOND_ENGINEER, TEST_JWT_SECRET);
  });
  afterAll(() => graph?.stop());

  it("keeps all 50 of 50 concurrent addCaseUpdate calls, each once in the list", async () => {
    const c = (await api.create(acme)).data!.createCase.case;
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => api.addUpdate(i % 2 ? acme : engineer, { caseId: c.id, body: `update ${i}` })));
    for (const response of responses) expect(response.errors).toBeUndefined();
    const listed = await graph.request({ query: "query($id: ID!) { case(id: $id) { version updates(first: 100) { totalCount edges { node { body } } } } }", variables: { id: c.id }, token: acme });
    const bodies = listed.data!.case.updates.edges.map((e: any) => e.node.body).sort();
    expect(bodies).toEqual(Array.from({ length: 50 }, (_, i) => `update ${i}`).sort());
    expect(listed.data!.case.updates.totalCount).toBe(50);
    // Every update changed the case once: the version says how many changes there were.
    expect(listed.data!.case.version).toBe(51);
  });

  it("concurrent close and reopen end in a state the history explains", async () => {
    const c = (await api.create(acme)).data!.createCase.case;
    await api.close(acme, { caseId: c.id });
    const results = await Promise.all([
      api.addUpdate(acme, { caseId: c.id, body: "reopen please", requestReopen: true }),
      api.close(acme, { caseId: c.id }),
      api.addUpdate(acme, { caseId: c.id, body: "reopen again", requestReopen: true }),
      api.close(acme, { caseId: c.id }),
    ]);
    for (const result of results) expect([undefined, "CASE_CLOSED"]).toContain(codeOf(result));
    const final = await api.get(acme, c.id);
    const statusEvents = final.history.edges
      .map((e: any) => e.node)
      .filter((n: any) => n.field === "status")
      .reverse();
    // Replaying the status events from creation gives the final status, and each starts where the previous ended.
    let status: string | null = null;
    for (const event of statusEvents) {
      expect(event.oldValue).toBe(status);
      status = event.newValue;
    }
    expect(status).toBe(final.status);
  });

  it("two engineers moving the sub-status with the same expectedVersion: one CONFLICT", async () => {
    const c = (await api.create(acme)).data!.createCase.case;
    const [a, b] = await Promise.all([
      api.setSubStatus(engineer, { caseId: c.id, subStatus: "IN_PROGRESS", expectedVersion: c.version }),
      api.setSubStatus(engineer2, { caseId: c.id, subStatus: "ESCALATED", expectedVersion: c.version }),
    ]);
    expect([codeOf(a), codeOf(b)].filter((code) => code === "CONFLICT")).toHaveLength(1);
    const final = await api.get(acme, c.id);
    expect(final.version).toBe(c.version + 1);
    const winner = codeOf(a) ? b : a;
    expect(final.subStatus).toBe(winner.data!.setCaseSubStatus.case.subStatus);
    // The history names the engineer whose change won, one of two different principals.
    const change = final.history.edges.map((e: any) => e.node).find((n: any) => n.field === "subStatus");
    expect(change.actor.id).toBe(codeOf(a) ? SECOND_ENGINEER.sub : demoUser("engineer@support.example")!.sub);
  });
});
