import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type TestDataSource, openTestDataSource } from "../../../test/support/data-source.js";
import { DATABASES } from "../../../test/support/databases.js";
import { caseWithOutbox } from "../../../test/support/outbox-rows.js";
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from "../../../test/support/smtp-sink.js";
import { casesEntities } from "../cases.entities.js";
import { casesMigrations } from "../migrations/index.js";
import { smtpTransport } from "./mail-transport.js";
import { NotificationDispatcher, retryDelayMs } from "./notification.dispatcher.js";
import { NotificationEntity, NotificationKind, NotificationState } from "./notification.entity.js";

const SECOND = 1000;

describe("retry backoff", () => {
  it("doubles the delay after every failed attempt and never waits more than an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelayMs(attempt, 60) / 1000)).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });
});

/** Temporary SMTP failures are retried with backoff on an injected clock; permanent ones end at once. */
describe.each(DATABASES)("case e-mail retries on %s", (database) => {
  let db: TestDataSource;
  let sink: SmtpSink | undefined;
  let now = new Date("2026-03-02T09:00:00.000Z");

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: casesEntities, migrations: casesMigrations });
  });
  afterAll(() => db?.close());
  // Each test starts from an empty outbox, so that only its own message meets its server.
  beforeEach(() => db.dataSource.createQueryBuilder().delete().from(NotificationEntity).execute());
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  /** A case registered now with one CC address, and `updates` updates: its outbox rows wait to be sent. */
  async function registerCase(updates = 0): Promise<string> {
    return (await caseWithOutbox(db.dataSource, { at: now, ccEmails: ["cc1@acme.example"], updates })).caseId;
  }

  async function dispatcherFor(options: SmtpSinkOptions, maxAttempts = 5, sleep?: (ms: number) => Promise<void>) {
    sink = await startSmtpSink(options);
    return new NotificationDispatcher(db.dataSource, {
      transport: smtpTransport(sink.url),
      from: "no-reply@support.example",
      portalUrl: "https://portal.example.com",
      maxAttempts,
      retryBaseSeconds: 60,
      leaseSeconds: 300,
      clock: () => now,
      sleep,
    });
  }

  const row = (caseId: string, kind = NotificationKind.CASE_REGISTERED) => db.dataSource.getRepository(NotificationEntity).findOneByOrFail({ caseId, kind });
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
    const caseId = await registerCase(1);

    expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 2, retried: 0, failed: 0 });
    advance(24 * 3600 * SECOND);
    await dispatcher.dispatchDue();

    expect(sink!.messages.map((m) => m.to)).toEqual([["customer@acme.example"], ["customer@acme.example"]]);
    const update = await row(caseId, NotificationKind.CASE_UPDATED);
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

  // Found by the topology soak (test/faults/topology-soak.test.ts): the database restarted right after
  // a message left; its outcome was not recorded, the lease ran out and another replica sent it again.
  it("keeps recording a sent message while the database is unreachable, instead of leaving it to be sent again", async () => {
    const waits: number[] = [];
    const dispatcher = await dispatcherFor({}, 5, async (ms) => void waits.push(ms));
    const caseId = await registerCase();
    // The database refuses connections for the next two transactions after the message has left.
    const transaction = db.dataSource.transaction.bind(db.dataSource);
    let refusals = 0;
    db.dataSource.transaction = ((...args: Parameters<typeof transaction>) => {
      if (sink!.messages.length > 0 && refusals < 2) {
        refusals++;
        return Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3306"), { code: "ECONNREFUSED" }));
      }
      return transaction(...args);
    }) as typeof transaction;
    try {
      expect(await dispatcher.dispatchDue()).toMatchObject({ sent: 1 });
    } finally {
      db.dataSource.transaction = transaction;
    }
    expect(refusals).toBe(2);
    expect(waits).toHaveLength(2);
    expect(await row(caseId)).toMatchObject({ state: NotificationState.SENT, claimToken: expect.any(String) });
    // Long after the lease, nothing is due: the message is not sent a second time.
    advance(3600 * SECOND);
    await dispatcher.dispatchDue();
    expect(sink!.messages).toHaveLength(1);
  });
});
