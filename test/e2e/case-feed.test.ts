import { LessThan } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoCloseStaleCases } from "../../subgraphs/cases/case/case.autoclose.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { CaseFeedEventEntity } from "../../subgraphs/cases/case-feed/case-feed-event.entity.js";
import type { CaseFeedEvent } from "../../subgraphs/kit/case-feed-protocol.js";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { postGraphQL, startGraph, type TestGraph } from "../support/graph.js";
import { signTestIdentity } from "../support/identity-keys.js";
import { PRINCIPALS } from "../support/principals.js";
import { IDENTITY_HEADER } from "../../subgraphs/kit/identity.js";
import { threatApi } from "../support/threat-api.js";

const DAY = 24 * 60 * 60 * 1000;
const START = new Date("2026-05-11T09:00:00.000Z");

/** The case feed: every committed change to a case becomes one ordered event, written with the change. */
describe.each(DATABASES)("case feed on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let threats: ReturnType<typeof threatApi>;
  let customer: string;
  let engineer: string;
  let otherCustomer: string;
  let now = START;

  /** The events of one case, oldest first, as the gateway's subscriptions read them. */
  async function eventsOf(caseId: string): Promise<CaseFeedEvent[]> {
    const slice = await graph.cases.services.feed.since("0", 500, { caseId });
    return slice.rows.map((row) => ({ ...row, id: String(row.position) }) as unknown as CaseFeedEvent);
  }

  async function created(input: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
    const response = await api.create(customer, input);
    expect(response.errors).toBeUndefined();
    return response.data!.createCase.case;
  }

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now, env: { CASE_ACTIVITY_DELIVERY_WAIT_MS: "5000" } });
    api = caseApi(graph);
    threats = threatApi(graph);
    customer = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
    otherCustomer = await graph.tokenFor("customer@globex.example");
  });
  afterAll(() => graph?.stop());

  it("writes one event per change, with the actor, the changed fields' old and new values, and per-case sequence numbers without gaps", async () => {
    const c = await created();
    expect((await api.update(customer, { caseId: c.id, severity: "HIGH", businessImpact: "Mail is down", ccEmails: ["cc@acme.example"] })).errors).toBeUndefined();
    expect((await api.setSubStatus(engineer, { caseId: c.id, subStatus: "SOLUTION_PROVIDED", comment: "Try the patch" })).errors).toBeUndefined();
    const update = await api.addUpdate(customer, { caseId: c.id, body: "The patch did not help" });
    expect(update.errors).toBeUndefined();
    expect((await api.close(customer, { caseId: c.id })).errors).toBeUndefined();
    const reopened = await api.addUpdate(customer, { caseId: c.id, body: "It is back", requestReopen: true });

    const events = await eventsOf(c.id);
    expect(events.map((e) => e.type)).toEqual(["CASE_CREATED", "CASE_CHANGED", "STATUS_CHANGED", "UPDATE_ADDED", "CASE_CLOSED", "CASE_REOPENED"]);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    const ids = events.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.every((e) => e.caseId === c.id && e.organizationId === "acme")).toBe(true);
    expect(events[0]!.changes).toEqual([
      { field: "status", oldValue: null, newValue: "OPEN" },
      { field: "subStatus", oldValue: null, newValue: "RECEIVED" },
    ]);
    expect(events[1]!.changes).toEqual([
      { field: "severity", oldValue: "MEDIUM", newValue: "HIGH" },
      { field: "businessImpact", oldValue: null, newValue: "Mail is down" },
      { field: "ccEmails", oldValue: "", newValue: "cc@acme.example" },
    ]);
    expect(events[2]).toMatchObject({ actor: { name: "Kenji Sato", role: "ENGINEER" }, changes: [{ field: "subStatus", oldValue: "RECEIVED", newValue: "SOLUTION_PROVIDED" }] });
    expect(events[3]).toMatchObject({ updateId: update.data!.addCaseUpdate.update.id, changes: [{ field: "subStatus", oldValue: "SOLUTION_PROVIDED", newValue: "CUSTOMER_UPDATED" }] });
    expect(events[4]!.changes).toEqual([
      { field: "status", oldValue: "OPEN", newValue: "CLOSED" },
      { field: "subStatus", oldValue: "CUSTOMER_UPDATED", newValue: "CLOSED_BY_CUSTOMER" },
    ]);
    expect(events[5]).toMatchObject({ updateId: reopened.data!.addCaseUpdate.update.id, actor: { role: "CUSTOMER" } });
    expect(events[5]!.changes.map((change) => change.field)).toEqual(["status", "subStatus", "reopen"]);
    const row = await graph.cases.dataSource.getRepository(CaseEntity).findOneByOrFail({ id: c.id });
    expect(row.lastEventSequence).toBe(6);
  });

  it("hands out ids in commit order under concurrent writers: a reader tailing the feed never finds an id below one it has seen", async () => {
    const cases = await Promise.all(Array.from({ length: 6 }, () => created()));
    const start = (await graph.cases.services.feed.since("0", 1)).head;
    const seen: number[] = [];
    let writing = true;
    const tail = (async () => {
      let after = start;
      for (;;) {
        const done = !writing;
        const slice = await graph.cases.services.feed.since(String(after), 500);
        for (const row of slice.rows) {
          // Contiguous: the next id is always the one right after the last seen, never a later one first.
          expect(row.position).toBe(after + 1);
          seen.push(row.position);
          after = row.position;
        }
        if (done && slice.rows.length === 0) return;
        // SQLite answers without I/O: let the writers' requests run between polls.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const answers = await Promise.all(cases.flatMap((c) => Array.from({ length: 5 }, (_, i) => api.addUpdate(customer, { caseId: c.id, body: `update ${i}` }))));
    writing = false;
    expect(answers.map((answer) => answer.errors)).toEqual(answers.map(() => undefined));
    await tail;
    // Every update is one UPDATE_ADDED event (the first one also moves the sub-status, in the same event).
    expect(seen.length).toBe(30);
    for (const c of cases) expect((await eventsOf(c.id)).map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("writes nothing for a refused or empty command: no change, no event", async () => {
    const c = await created();
    const before = await eventsOf(c.id);
    expect(codeOf(await api.update(customer, { caseId: c.id, severity: "LOW", expectedVersion: 99 }))).toBe("CONFLICT");
    expect(codeOf(await api.update(customer, { caseId: c.id, status: "OPEN" }))).toBe("REOPEN_VIA_UPDATE");
    expect((await api.update(customer, { caseId: c.id, severity: "MEDIUM" })).errors).toBeUndefined(); // already MEDIUM: nothing changes
    expect(await eventsOf(c.id)).toEqual(before);
  });

  it("records files joining a case, and threat activity from the other subgraph, in the same feed and order", async () => {
    const caseId = await threats.createThreatCase(customer);
    const file = await threats.uploadZip(customer, caseId, "invoice.zip");
    expect((await threats.submit(customer, { caseId, attachmentIds: [file.id] })).errors).toBeUndefined();
    expect(
      (await threats.recordFileVerdict(engineer, { fileAnalysisId: (await threats.analysisOf(engineer, caseId)).files[0].id, verdict: "DANGEROUS", detectionName: "TROJ_FAKE.A", patternVersion: "1.0" })).errors,
    ).toBeUndefined();
    const events = await eventsOf(caseId);
    expect(events.map((e) => e.type)).toEqual(["CASE_CREATED", "UPDATE_ADDED", "FILES_ATTACHED", "ANALYSIS_SUBMITTED", "RESULT_RECORDED"]);
    expect(events[2]!.changes).toEqual([{ field: "attachments", oldValue: null, newValue: file.id }]);
    expect(events[2]!.updateId).toBe(events[1]!.updateId);
    expect(events[3]!.actor.role).toBe("CUSTOMER");
    expect(events[4]).toMatchObject({ actor: { role: "ENGINEER" }, sequence: 5 });
  });

  it("answers caseFeedEvent through the gateway with the federated case, and null to a caller who may not see the case", async () => {
    const caseId = await threats.createThreatCase(customer);
    const [event] = await eventsOf(caseId);
    const query = `query($id: ID!) { caseFeedEvent(id: $id) { id sequence type at actor { role } changes { field newValue } case { id subStatus threatAnalysis { files { fileName } } } } }`;
    const seen = await graph.request({ query, variables: { id: event!.id }, token: customer });
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.caseFeedEvent).toMatchObject({ id: event!.id, sequence: 1, type: "CASE_CREATED", actor: { role: "CUSTOMER" }, case: { id: caseId, subStatus: "RECEIVED", threatAnalysis: { files: [] } } });
    const hidden = await graph.request({ query, variables: { id: event!.id }, token: otherCustomer });
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data!.caseFeedEvent).toBeNull();
    const internal = await graph.request({ query: `{ caseFeedSince(after: "0", first: 10) { head } }`, token: engineer });
    expect(codeOf(internal)).toBe("GRAPHQL_VALIDATION_FAILED");
    // Called on the cases subgraph itself, with an engineer's gateway-signed identity: only the relay reads the feed.
    const direct = await postGraphQL<any>(graph.urls.cases, { query: `{ caseFeedSince(after: "0", first: 10) { head } }` }, { [IDENTITY_HEADER]: signTestIdentity(PRINCIPALS.engineer, "cases") });
    expect(direct.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("closes stale cases with a CASE_CLOSED event by the system, and forgets events past retention", async () => {
    const c = await created();
    expect((await api.setSubStatus(engineer, { caseId: c.id, subStatus: "SOLUTION_PROVIDED" })).errors).toBeUndefined();
    now = new Date(START.getTime() + 15 * DAY);
    try {
      expect(await autoCloseStaleCases(graph.cases.dataSource, now, 14, graph.cases.services.feedWriter)).toContain(c.id);
      const events = await eventsOf(c.id);
      expect(events.at(-1)).toMatchObject({ type: "CASE_CLOSED", sequence: 3, actor: { role: "SYSTEM" } });
      const total = await graph.cases.dataSource.getRepository(CaseFeedEventEntity).count();
      // Seven days after the auto-close, only it (and anything newer) is kept.
      const removed = await graph.cases.services.feed.prune(new Date(now.getTime() + 7 * DAY), 7);
      expect(removed).toBeGreaterThan(0);
      expect(await graph.cases.dataSource.getRepository(CaseFeedEventEntity).count()).toBe(total - removed);
      const kept = await eventsOf(c.id);
      expect(kept.map((e) => e.sequence)).toEqual([3]);
      // The case's numbers go on after retention: the next event is 4, not 1.
      expect((await api.addUpdate(customer, { caseId: c.id, body: "Reopening", requestReopen: true })).errors).toBeUndefined();
      expect((await eventsOf(c.id)).map((e) => e.sequence)).toEqual([3, 4]);
      const cutoff = new Date(now.getTime());
      expect(await graph.cases.dataSource.getRepository(CaseFeedEventEntity).countBy({ at: LessThan(cutoff) })).toBe(0);
    } finally {
      now = START;
    }
  });
});
