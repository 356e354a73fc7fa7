import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { AttachmentReservationEntity, ReservationState } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.entity.js";
import { type ReservationStep, SimulatedCrash } from "../../subgraphs/cases/attachment-reservation/attachment-reservation.coordinator.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { CREATE_CASE, productCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { threatApi } from "../support/threat-api.js";
import { attachmentRows, randomFile, upload } from "../support/uploads.js";

const ADD_UPDATE = `mutation($input: AddCaseUpdateInput!) { addCaseUpdate(input: $input) { update { id attachments { id state } } } }`;
const CREATE_WITH_FILES = `mutation($input: CreateCaseInput!) { createCase(input: $input) { case { id attachments(first: 5) { totalCount edges { node { id state } } } } } }`;

/**
 * Where the request stops and whether its change was committed by then. A crash ends the request as a
 * dying process would (no compensation); a failure is an ordinary error of the step after that point.
 */
interface Scenario {
  crash?: ReservationStep;
  fail?: ReservationStep[];
  /** The case or update exists afterwards. */
  commits: boolean;
}

const SCENARIOS = (
  [
    // A crash between every pair of steps, on the way in and on the way back.
    { crash: "intent-written", commits: false },
    { crash: "reserved", commits: false },
    { crash: "main-transaction", commits: false },
    { crash: "committed", commits: true },
    { crash: "confirmed", commits: true },
    { fail: ["main-transaction"], crash: "releasing", commits: false },
    { fail: ["main-transaction"], crash: "released", commits: false },
    // Ordinary failures: the request compensates itself, or leaves the rest to the relay.
    { fail: ["intent-written"], commits: false },
    { fail: ["main-transaction"], commits: false },
    { fail: ["main-transaction", "releasing"], commits: false },
    { fail: ["main-transaction", "released"], commits: false },
    { fail: ["committed"], commits: true },
    { fail: ["confirmed"], commits: true },
  ] satisfies Scenario[]
).map((s: Scenario) => ({ ...s, name: scenarioName(s) }));

function scenarioName(s: Scenario): string {
  const parts = [...(s.fail ?? []).map((step) => `a failure after ${step}`), ...(s.crash ? [`a crash after ${s.crash}`] : [])];
  return `${parts.join(", then ")} (${s.commits ? "committed" : "not committed"})`;
}

/** A clock the test moves forward: "restarting" lets the recovery's timeout and the leases run out. */
function movableClock() {
  let offsetMs = 0;
  return { now: () => new Date(Date.now() + offsetMs), advance: (ms: number) => (offsetMs += ms) };
}

describe.each(DATABASES)("crashes between the steps of attaching files on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let scenario: Scenario | null = null;
  const clock = movableClock();

  beforeAll(async () => {
    graph = await startGraph({
      database,
      clock: clock.now,
      casesFaults: (step) => {
        if (!scenario) return;
        if (scenario.crash === step) throw new SimulatedCrash(step);
        if (scenario.fail?.includes(step)) throw new Error(`injected failure after ${step}`);
      },
    });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterEach(() => {
    scenario = null;
  });
  afterAll(() => graph?.stop());

  async function newCase(): Promise<string> {
    const created = await graph.request({ query: CREATE_CASE, variables: { input: productCase }, token: acme });
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id;
  }

  async function stage(input: Record<string, unknown>, count = 2): Promise<string[]> {
    const uploaded = await upload(graph, { token: acme, input, files: Array.from({ length: count }, (_, i) => ({ name: `evidence-${i}.log`, data: randomFile(1000) })) });
    expect(uploaded.errors).toBeUndefined();
    return uploaded.data!.uploadAttachments.attachments.map((a: { id: string }) => a.id);
  }

  /**
   * What a restart does: the time a dead request's reservation waits runs out, then one relay pass
   * (the recovery of PENDING reservations runs with it) delivers what is left.
   */
  async function restart(): Promise<void> {
    clock.advance(graph.cases.services.reservations.timings.pendingTimeoutMs + graph.cases.services.reservations.timings.leaseMs + 1_000);
    await graph.gateway.relay.runOnce();
  }

  /** The invariants of the protocol, over the whole of both databases. */
  async function expectConsistent(): Promise<void> {
    const reservations = await graph.cases.dataSource.getRepository(AttachmentReservationEntity).find();
    expect(reservations.filter((r) => r.state !== ReservationState.CONFIRMED && r.state !== ReservationState.RELEASED)).toEqual([]);
    const caseIds = new Set((await graph.cases.dataSource.getRepository(CaseEntity).find({ select: { id: true } })).map((c) => c.id));
    const updates = new Map((await graph.cases.dataSource.getRepository(CaseUpdateEntity).find({ select: { id: true, caseId: true } })).map((u) => [u.id, u.caseId]));
    const rows = await attachmentRows(graph);
    expect(rows.filter((row) => row.state === AttachmentState.RESERVED)).toEqual([]);
    for (const row of rows.filter((r) => r.state === AttachmentState.ATTACHED)) {
      expect(caseIds.has(row.caseId!), `file ${row.id} is ATTACHED to case ${row.caseId}, which does not exist`).toBe(true);
      if (row.caseUpdateId !== null) expect(updates.get(row.caseUpdateId), `file ${row.id} is ATTACHED to update ${row.caseUpdateId}, which does not exist in its case`).toBe(row.caseId);
    }
  }

  async function filesOf(ids: string[]) {
    const rows = await attachmentRows(graph);
    return ids.map((id) => rows.find((row) => row.id === id)!);
  }

  describe("addCaseUpdate", () => {
    it.each(SCENARIOS.map((s) => [s.name, s] as const))(
      "%s: no file ends ATTACHED to an update that does not exist, every reservation ends CONFIRMED or RELEASED, the files of an update that was not written can be used again",
      async (_name, s) => {
        const caseId = await newCase();
        const ids = await stage({ caseId });
        const body = `Update through ${s.name}`;
        scenario = s;
        const answer = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body, attachmentIds: ids } }, token: acme });
        scenario = null;
        if (s.crash || !s.commits) expect(codeOf(answer)).toBe("INTERNAL_SERVER_ERROR");
        else expect(answer.errors).toBeUndefined();

        await restart();
        await expectConsistent();
        const written = await graph.cases.dataSource.getRepository(CaseUpdateEntity).findBy({ caseId, body });
        expect(written).toHaveLength(s.commits ? 1 : 0);
        const files = await filesOf(ids);
        if (s.commits) {
          // The update stands, and its files followed it.
          expect(files.map((f) => [f.state, f.caseUpdateId])).toEqual(ids.map(() => [AttachmentState.ATTACHED, written[0]!.id]));
        } else {
          expect(files.map((f) => [f.state, f.reservationId])).toEqual(ids.map(() => [AttachmentState.STAGED, null]));
          const retry = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body, attachmentIds: ids } }, token: acme });
          expect(retry.errors).toBeUndefined();
          expect(retry.data!.addCaseUpdate.update.attachments.map((a: { state: string }) => a.state)).toEqual(["ATTACHED", "ATTACHED"]);
          await expectConsistent();
        }
      },
    );
  });

  describe("createCase", () => {
    it.each(SCENARIOS.map((s) => [s.name, s] as const))(
      "%s: no file ends ATTACHED to a case that does not exist, every reservation ends CONFIRMED or RELEASED, the files of a case that was not registered can be used again",
      async (_name, s) => {
        const ids = await stage({ organizationId: "acme" });
        const title = `Registration through ${s.name} ${Math.random()}`;
        const input = { ...productCase, title, attachmentIds: ids };
        scenario = s;
        const answer = await graph.request({ query: CREATE_WITH_FILES, variables: { input }, token: acme });
        scenario = null;
        if (s.crash || !s.commits) expect(codeOf(answer)).toBe("INTERNAL_SERVER_ERROR");
        else expect(answer.errors).toBeUndefined();

        await restart();
        await expectConsistent();
        const registered = await graph.cases.dataSource.getRepository(CaseEntity).findBy({ title });
        expect(registered).toHaveLength(s.commits ? 1 : 0);
        const files = await filesOf(ids);
        if (s.commits) {
          expect(files.map((f) => [f.state, f.caseId, f.caseUpdateId])).toEqual(ids.map(() => [AttachmentState.ATTACHED, registered[0]!.id, null]));
        } else {
          expect(files.map((f) => [f.state, f.caseId, f.reservationId])).toEqual(ids.map(() => [AttachmentState.STAGED, null, null]));
          const retry = await graph.request({ query: CREATE_WITH_FILES, variables: { input }, token: acme });
          expect(retry.errors).toBeUndefined();
          expect(retry.data!.createCase.case.attachments.totalCount).toBe(2);
          await expectConsistent();
        }
      },
    );
  });

  // Found by the topology soak: a submission right after the update, while its files were still RESERVED, was refused as final.
  it("answers a submission for analysis of a file whose update committed, its confirmation not yet delivered, CONFLICT ATTACHMENT_RESERVED, then takes it", async () => {
    const threats = threatApi(graph);
    const caseId = await threats.createThreatCase(acme);
    const { id } = await threats.stageZip(acme, caseId);
    scenario = { crash: "committed", commits: true };
    await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "the sample", attachmentIds: [id] } }, token: acme });
    scenario = null;
    expect((await filesOf([id]))[0]!.state).toBe(AttachmentState.RESERVED);
    const early = await threats.submit(acme, { caseId, attachmentIds: [id] });
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "ATTACHMENT_RESERVED" });
    await restart();
    expect((await threats.submit(acme, { caseId, attachmentIds: [id] })).errors).toBeUndefined();
  });

  // Found by the topology soak: the gateway kept "a file another request holds" as the key's final answer,
  // so every retry of the request was answered that CONFLICT again, long after the files were free.
  it("does not answer a keyed request's retry from an earlier CONFLICT ATTACHMENT_RESERVED: once the files are free, the retry attaches them", async () => {
    const caseId = await newCase();
    const ids = await stage({ caseId }, 1);
    scenario = { crash: "reserved", commits: false };
    expect(codeOf(await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "held by a dead request", attachmentIds: ids } }, token: acme }))).toBe("INTERNAL_SERVER_ERROR");
    scenario = null;
    const keyed = { query: ADD_UPDATE, variables: { input: { caseId, body: "keyed", attachmentIds: ids } }, token: acme, headers: { "idempotency-key": `held-${caseId}` } };
    expect((await graph.request(keyed)).errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "ATTACHMENT_RESERVED" });
    await restart();
    const retry = await graph.request(keyed);
    expect(retry.errors).toBeUndefined();
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.data!.addCaseUpdate.update.attachments.map((a: { state: string }) => a.state)).toEqual(["ATTACHED"]);
    await expectConsistent();
  });

  it.each([
    ["its process died after reserving them", { crash: "reserved", commits: false }],
    ["its release did not get through", { fail: ["main-transaction"], crash: "releasing", commits: false }],
  ] satisfies [string, Scenario][])("a retry with the same Idempotency-Key gives back at once the files its earlier attempt still held (%s), while another request still finds them held", async (_name, s) => {
    const caseId = await newCase();
    const ids = await stage({ caseId }, 1);
    const keyed = (key: string) => ({ query: ADD_UPDATE, variables: { input: { caseId, body: `retried ${key}`, attachmentIds: ids } }, token: acme, headers: { "idempotency-key": key } });
    scenario = s;
    expect(codeOf(await graph.request(keyed(`first-${caseId}`)))).toBe("INTERNAL_SERVER_ERROR");
    scenario = null;
    // Another request (its own key) may not take them: the earlier attempt is not its own.
    const other = await graph.request(keyed(`other-${caseId}`));
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "ATTACHMENT_RESERVED" });
    // The retry of the first request, with no recovery and no relay pass in between.
    const retry = await graph.request(keyed(`first-${caseId}`));
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.addCaseUpdate.update.attachments.map((a: { state: string }) => a.state)).toEqual(["ATTACHED"]);
    expect(await graph.cases.dataSource.getRepository(CaseUpdateEntity).countBy({ caseId, body: `retried first-${caseId}` })).toBe(1);
    await expectConsistent();
  });

  it("files held by a crashed request are refused to a retry until the recovery gives them back, then the retry succeeds", async () => {
    const caseId = await newCase();
    const ids = await stage({ caseId }, 1);
    scenario = { crash: "reserved", commits: false };
    expect(codeOf(await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "first try", attachmentIds: ids } }, token: acme }))).toBe("INTERNAL_SERVER_ERROR");
    scenario = null;
    const early = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "too early", attachmentIds: ids } }, token: acme });
    // Not final: a client retries it (README), and the retry below, after the recovery, attaches them.
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "ATTACHMENT_RESERVED", field: "attachmentIds" });
    // Not yet stale: a relay pass leaves a reservation whose request may still be running alone.
    expect(await graph.gateway.relay.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 });
    expect((await filesOf(ids))[0]!.state).toBe(AttachmentState.RESERVED);
    await restart();
    const retry = await graph.request({ query: ADD_UPDATE, variables: { input: { caseId, body: "after the restart", attachmentIds: ids } }, token: acme });
    expect(retry.errors).toBeUndefined();
    await expectConsistent();
  });
});
