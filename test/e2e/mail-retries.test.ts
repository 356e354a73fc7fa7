import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { smtpTransport } from "../../subgraphs/cases/notification/mail-transport.js";
import { NotificationDispatcher } from "../../subgraphs/cases/notification/notification.dispatcher.js";
import { NotificationEntity, NotificationKind, NotificationState } from "../../subgraphs/cases/notification/notification.entity.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from "../support/smtp-sink.js";

const SECOND = 1000;

/** Mail delivery: temporary SMTP failures are retried with backoff on an injected clock; permanent ones end at once. */
describe.each(DATABASES)("case e-mail retries on %s", (database) => {
  let graph: TestGraph;
  let acme: string;
  let sink: SmtpSink | undefined;
  let now = new Date("2026-03-02T09:00:00.000Z");

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now });
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(() => graph?.stop());
  // Each test starts from an empty outbox, so that only its own message meets its server.
  beforeEach(() => graph.cases.dataSource.createQueryBuilder().delete().from(NotificationEntity).execute());
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  async function registerCase(): Promise<string> {
    const created = await caseApi(graph).create(acme, { ccEmails: ["cc1@acme.example"] });
    expect(created.errors).toBeUndefined();
    return created.data!.createCase.case.id;
  }

  async function dispatcherFor(options: SmtpSinkOptions, maxAttempts = 5) {
    sink = await startSmtpSink(options);
    return new NotificationDispatcher(graph.cases.dataSource, {
      transport: smtpTransport(sink.url),
      from: "no-reply@support.example",
      portalUrl: "https://portal.example.com",
      maxAttempts,
      retryBaseSeconds: 60,
      leaseSeconds: 300,
      clock: () => now,
    });
  }

  const row = async (caseId: string) => graph.cases.dataSource.getRepository(NotificationEntity).findOneByOrFail({ caseId, kind: NotificationKind.CASE_REGISTERED });
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));

  it("delivers once, later, when the server refuses the first two attempts with 4xx", async () => {
    const dispatcher = await dispatcherFor({ refuse: (attempt) => (attempt <= 2 ? { code: 451, message: "4.3.0 try again later" } : null) });
    const caseId = await registerCase();
    const start = now.getTime();

    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 0, retried: 1 });
    expect(await row(caseId)).toMatchObject({ state: NotificationState.PENDING, attempts: 1, nextAttemptAt: new Date(start + 60 * SECOND) });
    expect((await row(caseId)).lastError).toContain("451");
    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 0, retried: 0 }); // not due yet

    advance(60 * SECOND);
    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 0, retried: 1 });
    expect(await row(caseId)).toMatchObject({ attempts: 2, nextAttemptAt: new Date(start + 180 * SECOND) }); // backoff doubled
    advance(119 * SECOND);
    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 0, retried: 0 });

    advance(1 * SECOND);
    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 1 });
    const sentAt = now;
    advance(3600 * SECOND);
    await dispatcher.dispatchDue();

    expect(sink!.attempts).toBe(3);
    expect(sink!.messages).toHaveLength(1);
    expect(sink!.messages[0]!.to).toEqual(["customer@acme.example"]);
    expect(await row(caseId)).toMatchObject({ state: NotificationState.SENT, attempts: 3, sentAt });
  });

  it("marks a message FAILED at once when the server refuses it permanently with 5xx", async () => {
    const dispatcher = await dispatcherFor({ refuse: () => ({ code: 550, message: "5.7.1 sender rejected" }) });
    const caseId = await registerCase();

    expect(await dispatcher.dispatchDue()).toMatchObject({ failed: 1 });
    advance(24 * 3600 * SECOND);
    await dispatcher.dispatchDue();

    expect(sink!.attempts).toBe(1);
    const failed = await row(caseId);
    expect(failed).toMatchObject({ state: NotificationState.FAILED, attempts: 1 });
    expect(failed.lastError).toContain("550 5.7.1 sender rejected");
  });

  it("gives up after the configured number of attempts, keeping the last error", async () => {
    const dispatcher = await dispatcherFor({ refuse: (attempt) => ({ code: 421, message: `4.7.0 busy (${attempt})` }) }, 3);
    const caseId = await registerCase();

    for (let i = 0; i < 6; i++) {
      await dispatcher.dispatchDue();
      advance(3600 * SECOND);
    }

    expect(sink!.attempts).toBe(3);
    const failed = await row(caseId);
    expect(failed).toMatchObject({ state: NotificationState.FAILED, attempts: 3 });
    expect(failed.lastError).toContain("busy (3)");
  });

  it("counts a message as sent when the server refuses one recipient but takes the others, and records the refusal", async () => {
    const dispatcher = await dispatcherFor({ refuseRecipient: (address) => (address === "cc1@acme.example" ? { code: 550, message: "5.1.1 no such user" } : null) });
    const caseId = await registerCase();
    expect((await caseApi(graph).addUpdate(acme, { caseId, body: "More logs." })).errors).toBeUndefined();

    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 2, retried: 0, failed: 0 });
    advance(24 * 3600 * SECOND);
    await dispatcher.dispatchDue();

    expect(sink!.messages.map((m) => m.to)).toEqual([["customer@acme.example"], ["customer@acme.example"]]);
    const update = await graph.cases.dataSource.getRepository(NotificationEntity).findOneByOrFail({ caseId, kind: NotificationKind.CASE_UPDATED });
    expect(update.state).toBe(NotificationState.SENT);
    expect(update.lastError).toContain("cc1@acme.example");
    expect(update.lastError).toContain("550 5.1.1 no such user");
  });

  it("retries when the SMTP server cannot be reached at all", async () => {
    const dispatcher = await dispatcherFor({});
    await sink!.stop();
    const caseId = await registerCase();

    expect(await dispatcher.dispatchDue()).toMatchObject({ retried: 1 });
    expect(await row(caseId)).toMatchObject({ state: NotificationState.PENDING, attempts: 1 });
    expect((await row(caseId)).lastError).toMatch(/ECONNREFUSED|connect/i);
    sink = undefined;
  });
});
