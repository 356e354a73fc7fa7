import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { randomFile, upload } from "../support/uploads.js";

const CREATE_WITH_FILES = `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id caseNumber } } }`;

/**
 * Rule 1: a case number once shown is never given to another case. Numbers come from an allocation
 * table, one row per number, inserted in the registration's transaction. Nothing in the graph removes
 * a case (no withdrawal, no CLI command), so what can happen is tried here: a registration that fails
 * after its number was allocated, and an operator deleting a case, and its number's row, from the
 * tables by hand.
 */
describe.each(DATABASES)("case numbers are never given to a second case, on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let failInsideRegistration = false;
  /** Every number a client was ever shown, in order. */
  const shown: string[] = [];

  async function register(): Promise<{ id: string; caseNumber: string }> {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    expect(created.errors).toBeUndefined();
    const c = created.data!.createCase.case as { id: string; caseNumber: string };
    shown.push(c.caseNumber);
    return c;
  }

  const sequence = (caseNumber: string) => Number(caseNumber.slice(-6));

  beforeAll(async () => {
    graph = await startGraph({
      database,
      // Inside the registration's transaction, after the case and its number were written: a failure here rolls it all back.
      casesFaults: (step) => {
        if (failInsideRegistration && step === "main-transaction") throw new Error("injected failure after the case number was allocated");
      },
    });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());

  it("a registration that fails after its number was allocated shows no number and leaves no case; the next registration gets a number never shown", async () => {
    const first = await register();
    const staged = await upload(graph, { token: acme, input: { organizationId: "acme" }, files: [{ name: "agent.log", data: randomFile(200) }] });
    expect(staged.errors).toBeUndefined();
    const title = `Fails after its number was allocated ${Date.now()}`;
    failInsideRegistration = true;
    const failed = await graph.request({ query: CREATE_WITH_FILES, variables: { input: { ...productCase, title, attachmentIds: [staged.data!.uploadAttachments.attachments[0].id] } }, token: acme });
    failInsideRegistration = false;
    expect(codeOf(failed)).toBe("INTERNAL_SERVER_ERROR");
    expect(failed.data?.createCase ?? null).toBeNull();
    expect(await graph.cases.dataSource.getRepository(CaseEntity).countBy({ title })).toBe(0);

    const next = await register();
    expect(next.caseNumber).not.toBe(first.caseNumber);
    expect(sequence(next.caseNumber)).toBeGreaterThan(sequence(first.caseNumber));
    expect(new Set(shown).size).toBe(shown.length);
  });

  it("a case an operator deletes from the table keeps its number: the next registration gets a new one, even when its allocation row is deleted too", async () => {
    const removed = await register();
    await graph.cases.dataSource.query("DELETE FROM case_events WHERE case_id = ?", [removed.id]);
    await graph.cases.dataSource.query("DELETE FROM notification_outbox WHERE case_id = ?", [removed.id]);
    await graph.cases.dataSource.query("DELETE FROM cases WHERE id = ?", [removed.id]);
    const afterCase = await register();
    expect(afterCase.caseNumber).not.toBe(removed.caseNumber);
    expect(sequence(afterCase.caseNumber)).toBeGreaterThan(sequence(removed.caseNumber));

    // The newest case and the row that allocated its number: a plain MAX(id) + 1 would give the number out again.
    await graph.cases.dataSource.query("DELETE FROM cases WHERE id = ?", [afterCase.id]);
    await graph.cases.dataSource.query("DELETE FROM case_number_sequence WHERE id = ?", [sequence(afterCase.caseNumber)]);
    const afterRow = await register();
    expect(sequence(afterRow.caseNumber)).toBeGreaterThan(sequence(afterCase.caseNumber));

    expect(new Set(shown).size).toBe(shown.length);
    const stored = (await graph.cases.dataSource.getRepository(CaseEntity).find({ select: { caseNumber: true } })).map((c) => c.caseNumber);
    expect(stored).not.toContain(removed.caseNumber);
    expect(stored).not.toContain(afterCase.caseNumber);
  });
});
