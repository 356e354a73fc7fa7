import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { autoCloseStaleCases } from "../../subgraphs/cases/case/case.autoclose.js";
import { NotificationEntity } from "../../subgraphs/cases/notification/notification.entity.js";
import { SCOPES } from "../../subgraphs/kit/principal.js";
import { apiKeyHeader, apiKeysOf } from "../support/api-keys.js";
import { caseApi, codeOf } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { threatCase } from "../support/fixtures.js";
import { startGraph, type TestGraph } from "../support/graph.js";

const DAY = 24 * 60 * 60 * 1000;
/** The graph's clock at the start of every test: tests that move it do not move it for the next one. */
const START = new Date("2026-03-02T09:00:00.000Z");

/** The rules of docs/domain.md, one test per rule the cases subgraph owns, through the gateway. */
describe.each(DATABASES)("case lifecycle rules on %s", (database) => {
  let graph: TestGraph;
  let api: ReturnType<typeof caseApi>;
  let acme: string;
  let engineer: string;
  let partner: string;
  let now = START;

  async function outbox(caseId: string) {
    return graph.cases.dataSource.getRepository(NotificationEntity).find({ where: { caseId }, order: { createdAt: "ASC" } });
  }

  async function openCase(input: Record<string, unknown> = {}) {
    const response = await api.create(acme, { ccEmails: ["cc1@acme.example", "cc2@acme.example"], ...input });
    expect(response.errors).toBeUndefined();
    return response.data!.createCase.case as { id: string; caseNumber: string; version: number };
  }

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now });
    api = caseApi(graph);
    acme = await graph.tokenFor("customer@acme.example");
    engineer = await graph.tokenFor("engineer@support.example");
    partner = await graph.tokenFor("staff@initech.example");
  });
  afterEach(() => {
    now = START;
  });
  afterAll(() => graph?.stop());

  it("rule 1: a new case starts OPEN / RECEIVED with a unique, never reused case number", async () => {
    const numbers = [];
    for (let i = 0; i < 3; i++) {
      const created = await api.create(acme);
      expect(created.data!.createCase.case).toMatchObject({ status: "OPEN", subStatus: "RECEIVED", version: 1 });
      numbers.push(created.data!.createCase.case.caseNumber as string);
    }
    expect(new Set(numbers).size).toBe(3);
    for (const number of numbers) expect(number).toMatch(/^C-2026-\d{6}$/);
    const sequence = numbers.map((n) => Number(n.slice(-6)));
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
  });

  it("rule 2: a customer closes an open case as CLOSED_BY_CUSTOMER and only the registrant is notified", async () => {
    const c = await openCase();
    const closed = await api.close(acme, { caseId: c.id });
    expect(closed.data!.closeCase.case).toMatchObject({ status: "CLOSED", subStatus: "CLOSED_BY_CUSTOMER", editableFields: [] });
    expect(closed.data!.closeCase.case.closedAt).toBe(now.toISOString());
    const closing = (await outbox(c.id)).find((n) => n.kind === "CASE_CLOSED");
    expect(closing?.recipients).toEqual(["customer@acme.example"]);
  });

  it("rule 2: a partner closes a managed organization's case as CLOSED_BY_CUSTOMER", async () => {
    const c = await openCase();
    const closed = await api.update(partner, { caseId: c.id, status: "CLOSED" });
    expect(closed.data!.updateCase.case).toMatchObject({ status: "CLOSED", subStatus: "CLOSED_BY_CUSTOMER" });
  });

  it("rule 3: setting status back to OPEN fails with REOPEN_VIA_UPDATE and changes nothing", async () => {
    const c = await openCase();
    await api.close(acme, { caseId: c.id });
    const before = await api.get(acme, c.id);
    const reopened = await api.update(acme, { caseId: c.id, status: "OPEN" });
    expect(codeOf(reopened)).toBe("REOPEN_VIA_UPDATE");
    expect(await api.get(acme, c.id)).toEqual(before);
    expect(codeOf(await api.update(engineer, { caseId: c.id, status: "OPEN" }))).toBe("REOPEN_VIA_UPDATE");
  });

  it("rule 3: an update with requestReopen on a closed case reopens it as CUSTOMER_UPDATED and records who asked", async () => {
    const c = await openCase();
    await api.close(acme, { caseId: c.id });
    const response = await api.addUpdate(acme, { caseId: c.id, body: "The problem is back; please reopen.", requestReopen: true });
    expect(response.errors).toBeUndefined();
    expect(response.data!.addCaseUpdate.case).toMatchObject({ status: "OPEN", subStatus: "CUSTOMER_UPDATED", closedAt: null });
    expect(response.data!.addCaseUpdate.update).toMatchObject({ requestedReopen: true, author: { name: "Aiko Tanaka", role: "CUSTOMER" } });
    const history = (await api.get(acme, c.id)).history.edges.map((e: any) => e.node);
    expect(history).toContainEqual({ field: "reopen", oldValue: null, newValue: "Aiko Tanaka", actor: { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER" } });
    expect(history).toContainEqual(expect.objectContaining({ field: "status", oldValue: "CLOSED", newValue: "OPEN" }));
  });

  it("rule 3: an engineer's reopening update is the engineer's action: OPEN / IN_PROGRESS, the engineer in history; a partner's stays CUSTOMER_UPDATED", async () => {
    const c = await openCase();
    await api.close(acme, { caseId: c.id });
    const byEngineer = await api.addUpdate(engineer, { caseId: c.id, body: "Reopening: the fix did not hold on the customer's side.", requestReopen: true });
    expect(byEngineer.errors).toBeUndefined();
    expect(byEngineer.data!.addCaseUpdate.case).toMatchObject({ status: "OPEN", subStatus: "IN_PROGRESS", closedAt: null });
    expect(byEngineer.data!.addCaseUpdate.update).toMatchObject({ requestedReopen: true, author: { id: "u-engineer", role: "ENGINEER" } });
    const engineerActor = { id: "u-engineer", name: "Kenji Sato", role: "ENGINEER" };
    const history = (await api.get(acme, c.id)).history.edges.map((e: any) => e.node);
    expect(history).toContainEqual({ field: "subStatus", oldValue: "CLOSED_BY_CUSTOMER", newValue: "IN_PROGRESS", actor: engineerActor });
    expect(history).toContainEqual({ field: "reopen", oldValue: null, newValue: "Kenji Sato", actor: engineerActor });
    expect(history.some((event: any) => event.newValue === "CUSTOMER_UPDATED")).toBe(false);

    await api.close(partner, { caseId: c.id });
    const byPartner = await api.addUpdate(partner, { caseId: c.id, body: "Back again, reopening.", requestReopen: true });
    expect(byPartner.data!.addCaseUpdate.case).toMatchObject({ status: "OPEN", subStatus: "CUSTOMER_UPDATED" });
  });

  it("rule 4: a customer update on an open case moves it to CUSTOMER_UPDATED and notifies registrant and CC", async () => {
    const c = await openCase();
    await api.setSubStatus(engineer, { caseId: c.id, subStatus: "INFORMATION_REQUESTED" });
    const response = await api.addUpdate(acme, { caseId: c.id, body: "Here is the information you asked for." });
    expect(response.data!.addCaseUpdate.case.subStatus).toBe("CUSTOMER_UPDATED");
    const update = (await outbox(c.id)).find((n) => n.kind === "CASE_UPDATED");
    expect(update?.recipients).toEqual(["customer@acme.example", "cc1@acme.example", "cc2@acme.example"]);
  });

  it("rule 4: an engineer's update leaves the sub-status alone", async () => {
    const c = await openCase();
    await api.setSubStatus(engineer, { caseId: c.id, subStatus: "IN_PROGRESS" });
    const response = await api.addUpdate(engineer, { caseId: c.id, body: "We are looking at the logs." });
    expect(response.data!.addCaseUpdate.case.subStatus).toBe("IN_PROGRESS");
  });

  it("rule 5: CRITICAL or HIGH without a business impact fails with BUSINESS_IMPACT_REQUIRED", async () => {
    for (const severity of ["CRITICAL", "HIGH"]) {
      expect(codeOf(await api.create(acme, { severity }))).toBe("BUSINESS_IMPACT_REQUIRED");
      expect(codeOf(await api.create(acme, { severity, businessImpact: "   " }))).toBe("BUSINESS_IMPACT_REQUIRED");
    }
    const c = await openCase();
    expect(codeOf(await api.update(acme, { caseId: c.id, severity: "HIGH" }))).toBe("BUSINESS_IMPACT_REQUIRED");
    expect((await api.get(acme, c.id)).severity).toBe("MEDIUM");
    const raised = await api.update(acme, { caseId: c.id, severity: "CRITICAL", businessImpact: "Production halted." });
    expect(raised.data!.updateCase.case).toMatchObject({ severity: "CRITICAL", businessImpact: "Production halted." });
    // Clearing the impact of a CRITICAL case is refused too.
    expect(codeOf(await api.update(acme, { caseId: c.id, businessImpact: "" }))).toBe("BUSINESS_IMPACT_REQUIRED");
    expect(codeOf(await api.create(acme, { severity: "LOW" }))).toBeUndefined();
  });

  it("rule 6: CC addresses are validated, de-duplicated case-insensitively, at most 20, and registration mail skips them", async () => {
    const c = await openCase({ ccEmails: ["Ops@Acme.example", "ops@acme.example", " boss@acme.example "] });
    expect((await api.get(acme, c.id)).ccEmails).toEqual(["Ops@Acme.example", "boss@acme.example"]);
    const registration = (await outbox(c.id)).find((n) => n.kind === "CASE_REGISTERED");
    expect(registration?.recipients).toEqual(["customer@acme.example"]);

    const malformed = await api.update(acme, { caseId: c.id, ccEmails: ["not-an-address"] });
    expect(codeOf(malformed)).toBe("BAD_USER_INPUT");
    expect(malformed.errors![0]!.extensions!.field).toBe("ccEmails");
    const tooMany = Array.from({ length: 21 }, (_, i) => `cc${i}@acme.example`);
    expect(codeOf(await api.update(acme, { caseId: c.id, ccEmails: tooMany }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await api.update(acme, { caseId: c.id, ccEmails: tooMany.slice(0, 20) }))).toBeUndefined();
    expect(codeOf(await api.create(acme, { ccEmails: tooMany }))).toBe("BAD_USER_INPUT");
  });

  it("rule 7: read-only fields cannot be changed by customers or partners, through any mutation", async () => {
    const c = await openCase();
    const partnerKey = apiKeyHeader((await apiKeysOf(graph).create({ partnerId: "initech", scopes: [...SCOPES] })).key);
    // Case number, dates, sub-status, product profile, inquiry type, problem category (and the threat category, the same fact), contact name.
    const readOnly: Record<string, unknown> = {
      caseNumber: "C-2026-999999",
      createdAt: "2020-01-01T00:00:00.000Z",
      updatedAt: "2020-01-01T00:00:00.000Z",
      closedAt: "2020-01-01T00:00:00.000Z",
      subStatus: "RESOLVED",
      productProfileId: "acme-mail",
      productProfile: "acme-mail",
      inquiryType: "THREAT",
      problemCategory: "LICENSE",
      threatCategory: "OTHER",
      contactName: "Someone else",
      registrant: { email: "it-ops@acme.example" },
    };
    const mutations: [string, string, Record<string, unknown>][] = [
      ["updateCase", "UpdateCaseInput", { caseId: c.id }],
      ["closeCase", "CloseCaseInput", { caseId: c.id }],
      ["addCaseUpdate", "AddCaseUpdateInput", { caseId: c.id, body: "Trying to change a read-only field." }],
    ];
    const before = await api.get(acme, c.id);
    const detail = `query($id: ID!) { case(id: $id) { caseNumber createdAt updatedAt subStatus productProfile { id } inquiryType problemCategory threatCategory contactName registrant { id } version } }`;
    const detailBefore = (await graph.request({ query: detail, variables: { id: c.id }, token: acme })).data!.case;
    for (const [who, auth] of [
      ["customer", { token: acme }],
      ["partner staff", { token: partner }],
      ["partner key", { headers: partnerKey }],
    ] as const) {
      for (const [field, value] of Object.entries(readOnly)) {
        for (const [mutation, inputType, input] of mutations) {
          const response = await graph.request({ query: `mutation($input: ${inputType}!) { ${mutation}(input: $input) { __typename } }`, variables: { input: { ...input, [field]: value } }, ...auth });
          const label = `${who} ${mutation} ${field}`;
          expect(response.errors?.[0]?.extensions?.code, label).toBe("BAD_USER_INPUT");
          expect(response.errors?.[0]?.message, label).toContain(`"${field}"`);
        }
      }
      expect(
        codeOf(await graph.request({ query: "mutation($input: SetCaseSubStatusInput!) { setCaseSubStatus(input: $input) { __typename } }", variables: { input: { caseId: c.id, subStatus: "RESOLVED" } }, ...auth })),
        who,
      ).toBe("FORBIDDEN");
    }
    // The pencil icons never offer one of them.
    expect(before.editableFields).toEqual(["STATUS", "SEVERITY", "CC_EMAILS", "BUSINESS_IMPACT"]);
    expect(await api.get(acme, c.id)).toEqual(before);
    expect((await graph.request({ query: detail, variables: { id: c.id }, token: acme })).data!.case).toEqual(detailBefore);
  });

  it("rule 10: nothing changes on a closed case except reopening through an update (CASE_CLOSED)", async () => {
    const c = await openCase();
    await api.close(acme, { caseId: c.id });
    const before = await api.get(acme, c.id);
    expect(codeOf(await api.update(acme, { caseId: c.id, severity: "LOW" }))).toBe("CASE_CLOSED");
    expect(codeOf(await api.update(acme, { caseId: c.id, ccEmails: [] }))).toBe("CASE_CLOSED");
    expect(codeOf(await api.close(acme, { caseId: c.id }))).toBe("CASE_CLOSED");
    expect(codeOf(await api.addUpdate(acme, { caseId: c.id, body: "one more thing" }))).toBe("CASE_CLOSED");
    expect(codeOf(await api.setSubStatus(engineer, { caseId: c.id, subStatus: "IN_PROGRESS" }))).toBe("CASE_CLOSED");
    expect(await api.get(acme, c.id)).toEqual(before);
  });

  it("rule 12: every change is a history event with who, when, which field, old and new value", async () => {
    const registeredAt = new Date("2026-03-02T09:00:00.000Z");
    const changedAt = new Date("2026-03-03T10:15:30.123Z");
    const movedAt = new Date("2026-03-05T23:59:59.999Z");
    now = registeredAt;
    const c = await openCase();
    now = changedAt;
    await api.update(acme, { caseId: c.id, severity: "LOW", ccEmails: ["new@acme.example"], businessImpact: "Minor." });
    now = movedAt;
    await api.setSubStatus(engineer, { caseId: c.id, subStatus: "IN_PROGRESS", comment: "Taking it." });
    const read = await graph.request({
      query: "query($id: ID!) { case(id: $id) { updatedAt history(first: 50) { edges { node { field oldValue newValue at actor { id name role } } } } } }",
      variables: { id: c.id },
      token: acme,
    });
    // Events of one change share their time; their order among themselves is not part of the rule.
    const key = (e: any) => `${e.at} ${e.field} ${e.newValue}`;
    const history = read.data!.case.history.edges.map((e: any) => e.node).sort((x: any, y: any) => (key(x) < key(y) ? -1 : 1));
    const customer = { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER" };
    const engineerActor = { id: "u-engineer", name: "Kenji Sato", role: "ENGINEER" };
    // When: the graph's clock at each change, to the millisecond.
    expect(history).toEqual([
      { field: "status", oldValue: null, newValue: "OPEN", at: registeredAt.toISOString(), actor: customer },
      { field: "subStatus", oldValue: null, newValue: "RECEIVED", at: registeredAt.toISOString(), actor: customer },
      { field: "businessImpact", oldValue: null, newValue: "Minor.", at: changedAt.toISOString(), actor: customer },
      { field: "ccEmails", oldValue: "cc1@acme.example, cc2@acme.example", newValue: "new@acme.example", at: changedAt.toISOString(), actor: customer },
      { field: "severity", oldValue: "MEDIUM", newValue: "LOW", at: changedAt.toISOString(), actor: customer },
      { field: "subStatus", oldValue: "RECEIVED", newValue: "IN_PROGRESS", at: movedAt.toISOString(), actor: engineerActor },
    ]);
    expect(read.data!.case.updatedAt).toBe(movedAt.toISOString());
  });

  it("rule 13: engineers move sub-statuses and close with RESOLVED, CLOSE_AGREED or OUT_OF_SCOPE only", async () => {
    for (const closing of ["RESOLVED", "CLOSE_AGREED", "OUT_OF_SCOPE"]) {
      const c = await openCase();
      const response = await api.setSubStatus(engineer, { caseId: c.id, subStatus: closing });
      expect(response.data!.setCaseSubStatus.case).toMatchObject({ status: "CLOSED", subStatus: closing });
      expect((await outbox(c.id)).find((n) => n.kind === "CASE_CLOSED")?.recipients).toEqual(["customer@acme.example"]);
    }
    const c = await openCase();
    for (const reserved of ["NO_CUSTOMER_RESPONSE", "CLOSED_BY_CUSTOMER", "CUSTOMER_UPDATED", "RECEIVED"]) {
      expect(codeOf(await api.setSubStatus(engineer, { caseId: c.id, subStatus: reserved })), reserved).toBe("BAD_USER_INPUT");
    }
    const moved = await api.setSubStatus(engineer, { caseId: c.id, subStatus: "ESCALATED" });
    expect(moved.data!.setCaseSubStatus.case).toMatchObject({ status: "OPEN", subStatus: "ESCALATED" });
  });

  it("rule 13: SOLUTION_PROVIDED without customer activity for 14 days closes as NO_CUSTOMER_RESPONSE, notifying the registrant", async () => {
    now = new Date("2026-04-01T09:00:00.000Z");
    const stale = await openCase();
    const answered = await openCase();
    const recent = await openCase();
    await api.setSubStatus(engineer, { caseId: stale.id, subStatus: "SOLUTION_PROVIDED" });
    await api.setSubStatus(engineer, { caseId: answered.id, subStatus: "SOLUTION_PROVIDED" });
    await api.setSubStatus(engineer, { caseId: recent.id, subStatus: "IN_PROGRESS" });
    now = new Date("2026-04-10T09:00:00.000Z");
    await api.addUpdate(acme, { caseId: answered.id, body: "Still checking, please wait." }); // moves it to CUSTOMER_UPDATED
    now = new Date(Date.parse("2026-04-01T09:00:00.000Z") + 14 * DAY + 1);

    const closed = await autoCloseStaleCases(graph.cases.dataSource, now, 14);
    expect(closed).toEqual([stale.id]);
    expect(await api.get(acme, stale.id)).toMatchObject({ status: "CLOSED", subStatus: "NO_CUSTOMER_RESPONSE" });
    expect((await api.get(acme, answered.id)).status).toBe("OPEN");
    expect((await api.get(acme, recent.id)).status).toBe("OPEN");
    expect((await outbox(stale.id)).filter((n) => n.kind === "CASE_CLOSED").map((n) => n.recipients)).toEqual([["customer@acme.example"]]);
    // A second run (another replica) closes nothing twice.
    expect(await autoCloseStaleCases(graph.cases.dataSource, now, 14)).toEqual([]);
  });

  it("rule 13: auto-close waits the full N days (one day short closes nothing)", async () => {
    now = new Date("2026-05-01T09:00:00.000Z");
    const c = await openCase();
    await api.setSubStatus(engineer, { caseId: c.id, subStatus: "SOLUTION_PROVIDED" });
    expect(await autoCloseStaleCases(graph.cases.dataSource, new Date(now.getTime() + 13 * DAY), 14)).not.toContain(c.id);
    expect(await autoCloseStaleCases(graph.cases.dataSource, new Date(now.getTime() + 14 * DAY), 14)).toContain(c.id);
  });

  it("editableFields: severity, CC, impact and status while open with write access; nothing once closed", async () => {
    const c = await openCase();
    expect((await api.get(acme, c.id)).editableFields).toEqual(["STATUS", "SEVERITY", "CC_EMAILS", "BUSINESS_IMPACT"]);
    expect((await api.get(engineer, c.id)).editableFields).toEqual(["STATUS", "SEVERITY", "CC_EMAILS", "BUSINESS_IMPACT"]);
    await api.close(acme, { caseId: c.id });
    expect((await api.get(acme, c.id)).editableFields).toEqual([]);
  });

  it("optimistic locking: each change increases version; a stale expectedVersion fails with CONFLICT and changes nothing", async () => {
    const c = await openCase();
    const first = await api.update(acme, { caseId: c.id, expectedVersion: 1, severity: "LOW" });
    expect(first.data!.updateCase.case.version).toBe(2);
    const before = await api.get(acme, c.id);
    const stale = await api.update(acme, { caseId: c.id, expectedVersion: 1, severity: "MEDIUM" });
    expect(codeOf(stale)).toBe("CONFLICT");
    expect(await api.get(acme, c.id)).toEqual(before);
    // A command that changes nothing leaves the version alone.
    expect((await api.update(acme, { caseId: c.id, severity: "LOW" })).data!.updateCase.case.version).toBe(2);
  });

  it("threat cases need a threat category and product cases must not have one", async () => {
    const missing = await api.create(acme, { ...threatCase, threatCategory: null });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "threatCategory" });
    const extra = await api.create(acme, { threatCategory: "OTHER" });
    expect(extra.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "threatCategory" });
    expect((await api.create(acme, threatCase)).data!.createCase.case).toMatchObject({ inquiryType: "THREAT", threatCategory: "INFECTION_ANALYSIS" });
  });

  it("validates text lengths, product profiles and page sizes with BAD_USER_INPUT naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ title: "" }, "title"],
      [{ title: "x".repeat(201) }, "title"],
      [{ description: "   " }, "description"],
      [{ description: "x".repeat(32_001) }, "description"],
      [{ productProfileId: "globex-server" }, "productProfileId"],
      [{ productProfileId: "no-such-profile" }, "productProfileId"],
    ];
    for (const [input, field] of cases) {
      const response = await api.create(acme, input);
      expect(response.errors?.[0]?.extensions, JSON.stringify(input).slice(0, 60)).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    expect(codeOf(await api.create(acme, { title: "x".repeat(200) }))).toBeUndefined();
    const c = await openCase();
    const longBody = await api.addUpdate(acme, { caseId: c.id, body: "x".repeat(32_001) });
    expect(longBody.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "body" });
    for (const first of [0, 101, -1]) {
      const page = await graph.request({ query: "query($first: Int) { cases(first: $first) { totalCount } }", variables: { first }, token: acme });
      expect(page.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    }
  });
});
