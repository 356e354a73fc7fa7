import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { threatApi } from "../support/threat-api.js";

const HOUR = 60 * 60 * 1000;
/** The graph's clock at the start of every test: a test moves it, the next one starts here again. */
const START = new Date("2026-03-02T09:00:00.000Z");
const at = (hours: number, ms = 0) => new Date(START.getTime() + hours * HOUR + ms);

const CASE_TARGET = `query($id: ID!) { case(id: $id) { id status subStatus severity dueAt overdue } }`;
const OVERDUE_CASES = `query($overdue: Boolean, $organizationId: ID) { cases(first: 100, filter: { overdue: $overdue, organizationId: $organizationId }) { totalCount edges { node { id overdue } } } }`;

/**
 * docs/domain.md, "Response targets", for cases: an open case in RECEIVED or CUSTOMER_UPDATED is due its
 * next response from support RESPONSE_TARGET_<severity>_HOURS after it entered that sub-status, by its
 * current severity. The graph runs with RESPONSE_TARGET_LOW_HOURS=48 (default 72) to pin the setting.
 */
describe.each(DATABASES)("response targets of cases on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;
  let globex: string;
  let partner: string;
  let engineer: string;
  let now = START;

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now, env: { RESPONSE_TARGET_LOW_HOURS: "48" } });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    globex = await graph.tokenFor("customer@globex.example");
    partner = await graph.tokenFor("staff@initech.example");
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterEach(() => {
    now = START;
  });
  afterAll(() => graph?.stop());

  async function open(token: string, input: Record<string, unknown> = {}): Promise<string> {
    const created = await api.create(token, input);
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id as string;
  }

  async function target(id: string, token = engineer): Promise<{ subStatus: string; severity: string; dueAt: string | null; overdue: boolean }> {
    const response = await graph.request({ query: CASE_TARGET, variables: { id }, token });
    expect(response.errors).toBeUndefined();
    return response.data!.case;
  }

  async function overdueIds(overdue: boolean | null, token = engineer, organizationId: string | null = null): Promise<string[]> {
    const response = await graph.request({ query: OVERDUE_CASES, variables: { overdue, organizationId }, token });
    expect(response.errors).toBeUndefined();
    const ids = response.data!.cases.edges.map((edge: any) => edge.node.id as string);
    expect(response.data!.cases.totalCount).toBe(ids.length);
    // The filter and the field agree.
    if (overdue !== null) for (const edge of response.data!.cases.edges) expect(edge.node.overdue).toBe(overdue);
    return ids;
  }

  it("makes a new case due its severity's hours after registration, and overdue only once that moment has passed", async () => {
    const id = await open(acme, { severity: "MEDIUM" });
    expect(await target(id)).toMatchObject({ subStatus: "RECEIVED", dueAt: at(24).toISOString(), overdue: false });
    expect(await overdueIds(false)).toContain(id);

    now = at(24);
    expect(await target(id)).toMatchObject({ dueAt: at(24).toISOString(), overdue: false });
    expect(await overdueIds(true)).not.toContain(id);

    now = at(24, 1);
    expect((await target(id)).overdue).toBe(true);
    expect(await overdueIds(true)).toContain(id);
    expect(await overdueIds(false)).not.toContain(id);
  });

  it("takes each severity's own target, the configured one for LOW", async () => {
    const ids = {
      CRITICAL: await open(acme, { severity: "CRITICAL", businessImpact: "Nobody can work." }),
      HIGH: await open(acme, { severity: "HIGH", businessImpact: "Half the office cannot work." }),
      MEDIUM: await open(acme, { severity: "MEDIUM" }),
      LOW: await open(acme, { severity: "LOW" }),
    };
    const hours = { CRITICAL: 4, HIGH: 8, MEDIUM: 24, LOW: 48 };
    for (const [severity, id] of Object.entries(ids)) expect((await target(id)).dueAt, severity).toBe(at(hours[severity as keyof typeof hours]).toISOString());

    now = at(8, 1);
    const overdue = await overdueIds(true);
    expect([ids.CRITICAL, ids.HIGH].every((id) => overdue.includes(id))).toBe(true);
    expect([ids.MEDIUM, ids.LOW].some((id) => overdue.includes(id))).toBe(false);
    now = at(48, 1);
    expect((await target(ids.LOW)).overdue).toBe(true);
  });

  it("stops the clock while support has answered (any other sub-status) and restarts it on the customer's update", async () => {
    const id = await open(acme, { severity: "HIGH", businessImpact: "Half the office cannot work." });
    now = at(2);
    expect((await api.setSubStatus(engineer, { caseId: id, subStatus: "INFORMATION_REQUESTED", comment: "Which version?" })).errors).toBeUndefined();
    now = at(30);
    expect(await target(id)).toMatchObject({ subStatus: "INFORMATION_REQUESTED", dueAt: null, overdue: false });
    expect(await overdueIds(true)).not.toContain(id);

    expect((await api.addUpdate(acme, { caseId: id, body: "Version 14.0.1123." })).errors).toBeUndefined();
    expect(await target(id)).toMatchObject({ subStatus: "CUSTOMER_UPDATED", dueAt: at(38).toISOString(), overdue: false });
    // A second update before support answers does not move the due time: support still owes the first answer.
    now = at(33);
    expect((await api.addUpdate(acme, { caseId: id, body: "And the agent log." })).errors).toBeUndefined();
    expect((await target(id)).dueAt).toBe(at(38).toISOString());
    now = at(38, 1);
    expect((await target(id)).overdue).toBe(true);

    expect((await api.setSubStatus(engineer, { caseId: id, subStatus: "IN_PROGRESS" })).errors).toBeUndefined();
    expect(await target(id)).toMatchObject({ dueAt: null, overdue: false });
  });

  it("moves the due time when the severity changes, at once and in the filter", async () => {
    const id = await open(acme, { severity: "LOW" });
    now = at(5);
    expect(await target(id)).toMatchObject({ dueAt: at(48).toISOString(), overdue: false });
    expect(await overdueIds(true)).not.toContain(id);

    expect((await api.update(acme, { caseId: id, severity: "CRITICAL", businessImpact: "The outage spread to every branch." })).errors).toBeUndefined();
    expect(await target(id)).toMatchObject({ severity: "CRITICAL", dueAt: at(4).toISOString(), overdue: true });
    expect(await overdueIds(true)).toContain(id);

    expect((await api.update(acme, { caseId: id, severity: "MEDIUM" })).errors).toBeUndefined();
    expect(await target(id)).toMatchObject({ dueAt: at(24).toISOString(), overdue: false });
    expect(await overdueIds(false)).toContain(id);
  });

  it("gives closed cases no due time, and a reopened case a new one", async () => {
    const id = await open(acme, { severity: "CRITICAL", businessImpact: "Nobody can work." });
    now = at(1);
    expect((await api.close(acme, { caseId: id })).errors).toBeUndefined();
    now = at(10);
    expect(await target(id)).toMatchObject({ dueAt: null, overdue: false });
    expect(await overdueIds(true)).not.toContain(id);
    expect((await api.addUpdate(acme, { caseId: id, body: "It is back; please reopen.", requestReopen: true })).errors).toBeUndefined();
    expect(await target(id)).toMatchObject({ subStatus: "CUSTOMER_UPDATED", dueAt: at(14).toISOString(), overdue: false });
  });

  it("filters within what the caller may see: customers and partners get their organizations' overdue cases only", async () => {
    const acmeCase = await open(acme, { severity: "CRITICAL", businessImpact: "Nobody can work." });
    const globexCase = await open(globex, { severity: "CRITICAL", businessImpact: "Nobody can work.", productProfileId: "globex-server" });
    now = at(4, 1);
    expect(await overdueIds(true)).toEqual(expect.arrayContaining([acmeCase, globexCase]));
    const acmeOverdue = await overdueIds(true, acme);
    expect(acmeOverdue).toContain(acmeCase);
    expect(acmeOverdue).not.toContain(globexCase);
    expect(await overdueIds(true, globex)).toContain(globexCase);
    expect(await overdueIds(true, globex)).not.toContain(acmeCase);
    const partnerOverdue = await overdueIds(true, partner);
    expect(partnerOverdue).toContain(acmeCase);
    expect(partnerOverdue).not.toContain(globexCase);
    expect(await overdueIds(true, partner, "globex")).toEqual([]);
  });

  it("gives an analysis request the configured target of its case's severity (the threat subgraph reads the same setting)", async () => {
    const threats = threatApi(graph);
    const caseId = await threats.createThreatCase(acme, "INFECTION_ANALYSIS", { severity: "LOW" });
    const file = await threats.uploadZip(acme, caseId, "sample.zip");
    const [analysing] = (await threats.submit(acme, { caseId, attachmentIds: [file.id] })).data!.submitForAnalysis.threatAnalysis.files;
    expect((await threats.recordFileVerdict(engineer, { fileAnalysisId: analysing.id, verdict: "NO_PROBLEM" })).errors).toBeUndefined();
    now = at(1);
    const requested = await graph.request({
      query: `mutation($input: RequestFileActionInput!) { requestFileAction(input: $input) { request { id dueAt overdue } } }`,
      variables: { input: { fileAnalysisId: analysing.id, action: "REQUEST_REANALYSIS" } },
      token: acme,
    });
    expect(requested.errors).toBeUndefined();
    expect(requested.data!.requestFileAction.request).toMatchObject({ dueAt: at(49).toISOString(), overdue: false });
  });
});
