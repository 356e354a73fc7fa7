import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoCloseStaleCases } from "../../subgraphs/cases/case/case.autoclose.js";
import { smtpTransport } from "../../subgraphs/cases/notification/mail-transport.js";
import { NotificationDispatcher } from "../../subgraphs/cases/notification/notification.dispatcher.js";
import { LABELS } from "../../subgraphs/cases/notification/notification.labels.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { type ReceivedMail, type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

const DAY = 24 * 60 * 60 * 1000;
const REGISTRANT = "customer@acme.example";
const CC = ["cc1@acme.example", "cc2@acme.example"];

/** "E-mail" and rule 6 in docs/domain.md, as a real SMTP server receives them. */
describe.each(DATABASES)("case e-mail recipients on %s", (database) => {
  let graph: TestGraph;
  let sink: SmtpSink;
  let dispatcher: NotificationDispatcher;
  let api: ReturnType<typeof caseApi>;
  let acme: string;
  let globex: string;
  let engineer: string;
  let now = new Date("2026-03-02T09:00:00.000Z");
  const tick = () => (now = new Date(now.getTime() + 1000));

  beforeAll(async () => {
    sink = await startSmtpSink({ auth: { user: "mailer", pass: "s3cret pass" } });
    graph = await startGraph({ database, clock: () => now });
    dispatcher = new NotificationDispatcher(graph.cases.dataSource, {
      transport: smtpTransport(sink.url),
      from: "Support Portal <no-reply@support.example>",
      portalUrl: "https://portal.example.com/support",
      maxAttempts: 5,
      retryBaseSeconds: 60,
      leaseSeconds: 300,
      clock: () => now,
    });
    api = caseApi(graph);
    acme = await graph.tokenFor(REGISTRANT);
    globex = await graph.tokenFor("customer@globex.example");
    engineer = await graph.tokenFor("engineer@support.example");
  });
  afterAll(async () => {
    await graph?.stop();
    await sink?.stop();
  });

  async function openCase(token: string, input: Record<string, unknown> = {}) {
    tick();
    const response = await api.create(token, input);
    expect(response.errors).toBeUndefined();
    return response.data!.createCase.case as { id: string; caseNumber: string };
  }

  async function act(response: Promise<{ errors?: unknown }>) {
    tick();
    expect((await response).errors).toBeUndefined();
  }

  /** Delivers the outbox and returns, in order, `kind -> envelope recipients` of the messages about this case. */
  async function deliveredFor(caseNumber: string): Promise<[string, string[]][]> {
    await dispatcher.dispatchDue();
    return received(caseNumber).map((m) => [m.header("X-Casegraph-Notification")!, m.to]);
  }

  const received = (caseNumber: string): ReceivedMail[] => sink.messages.filter((m) => m.header("X-Casegraph-Case") === caseNumber);

  it("sends registration and closing to the registrant only, and updates, sub-status and severity changes to the registrant and both CC", async () => {
    const c = await openCase(acme, { ccEmails: CC });
    await act(api.addUpdate(acme, { caseId: c.id, body: "Logs attached." }));
    await act(api.setSubStatus(engineer, { caseId: c.id, subStatus: "IN_PROGRESS" }));
    await act(api.update(acme, { caseId: c.id, severity: "LOW" }));
    await act(api.close(acme, { caseId: c.id }));

    expect(await deliveredFor(c.caseNumber)).toEqual([
      ["CASE_REGISTERED", [REGISTRANT]],
      ["CASE_UPDATED", [REGISTRANT, ...CC]],
      ["SUB_STATUS_CHANGED", [REGISTRANT, ...CC]],
      ["SEVERITY_CHANGED", [REGISTRANT, ...CC]],
      ["CASE_CLOSED", [REGISTRANT]],
    ]);
    const update = received(c.caseNumber)[1]!.part("text/plain")!;
    expect(update).toContain("> Logs attached.");
    expect(update).toContain("Aiko Tanaka");
    expect(received(c.caseNumber)[2]!.part("text/plain")).toMatch(/変更前: お客さまによるアップデート\n変更後: 対応中/);
    for (const message of received(c.caseNumber)) {
      expect(message.from).toBe("no-reply@support.example");
      expect(message.user).toBe("mailer");
    }
  });

  it("sends the automatic close (NO_CUSTOMER_RESPONSE) to the registrant only", async () => {
    const c = await openCase(acme, { ccEmails: CC });
    await act(api.setSubStatus(engineer, { caseId: c.id, subStatus: "SOLUTION_PROVIDED" }));
    now = new Date(now.getTime() + 15 * DAY);
    expect(await autoCloseStaleCases(graph.cases.dataSource, now, 14)).toContain(c.id);

    expect(await deliveredFor(c.caseNumber)).toEqual([
      ["CASE_REGISTERED", [REGISTRANT]],
      ["SUB_STATUS_CHANGED", [REGISTRANT, ...CC]],
      ["CASE_CLOSED", [REGISTRANT]],
    ]);
    expect(received(c.caseNumber)[2]!.part("text/plain")).toContain(LABELS.ja.autoClosed);
  });

  it("sends an engineer's close (RESOLVED) to the registrant only", async () => {
    const c = await openCase(acme, { ccEmails: CC });
    await act(api.setSubStatus(engineer, { caseId: c.id, subStatus: "RESOLVED" }));

    expect(await deliveredFor(c.caseNumber)).toEqual([
      ["CASE_REGISTERED", [REGISTRANT]],
      ["CASE_CLOSED", [REGISTRANT]],
    ]);
  });

  it("never sends to an address twice, even when the CC list repeats the registrant in other letters", async () => {
    const c = await openCase(acme, { ccEmails: ["Customer@ACME.example", CC[0]] });
    await act(api.addUpdate(acme, { caseId: c.id, body: "Any news?" }));

    expect(await deliveredFor(c.caseNumber)).toEqual([
      ["CASE_REGISTERED", [REGISTRANT]],
      ["CASE_UPDATED", [REGISTRANT, CC[0]]],
    ]);
    const update = received(c.caseNumber)[1]!;
    expect(update.header("To")).toBe(REGISTRANT);
    expect(update.header("Cc")).toBe(CC[0]);
  });

  it("writes in the organization's language: Japanese for acme, English for globex", async () => {
    const japanese = await openCase(acme, { title: "エージェントが応答しない" });
    const english = await openCase(globex, { productProfileId: "globex-server", title: "Agents stopped reporting" });
    await dispatcher.dispatchDue();

    expect(received(japanese.caseNumber)[0]!.header("Subject")).toBe(`[${japanese.caseNumber}] ケースを受け付けました：エージェントが応答しない`);
    expect(received(english.caseNumber)[0]!.header("Subject")).toBe(`[${english.caseNumber}] Case registered: Agents stopped reporting`);
    expect(received(english.caseNumber)[0]!.part("text/plain")).toContain(`https://portal.example.com/support/cases/${english.caseNumber}`);
    expect(received(japanese.caseNumber)[0]!.part("text/html")).toContain(`href="https://portal.example.com/support/cases/${japanese.caseNumber}"`);
  });
});
