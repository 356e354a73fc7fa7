import type { DataSource } from "typeorm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type TestDataSource, openTestDataSource } from "../../../test/support/data-source.js";
import { DATABASES } from "../../../test/support/databases.js";
import { caseWithOutbox } from "../../../test/support/outbox-rows.js";
import { type SmtpSink, startSmtpSink } from "../../../test/support/smtp-sink.js";
import { casesEntities } from "../cases.entities.js";
import { casesMigrations } from "../migrations/index.js";
import { smtpTransport } from "./mail-transport.js";
import { NotificationDispatcher } from "./notification.dispatcher.js";
import { NotificationEntity, NotificationState } from "./notification.entity.js";
import { claimDueNotifications, recordOutcome } from "./notification.outbox.js";

/**
 * Each message is sent once even when several dispatchers (replicas) run at once. On MySQL the second
 * replica has its own connection pool on the same database, as another process would.
 */
describe.each(DATABASES)("several dispatchers over one outbox on %s", (database) => {
  let db: TestDataSource;
  let primary: DataSource;
  let replica: DataSource;
  let sink: SmtpSink;
  const now = new Date("2026-03-02T09:00:00.000Z");

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: casesEntities, migrations: casesMigrations });
    primary = db.dataSource;
    replica = await db.replica();
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await db?.close();
    await sink?.stop();
  });
  beforeEach(() => primary.createQueryBuilder().delete().from(NotificationEntity).execute());

  /** `cases` cases with two CC addresses and `updates` updates each: 1 + updates outbox rows per case. */
  async function fillOutbox(cases: number, updates: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < cases; i++) ids.push(...(await caseWithOutbox(primary, { at: now, ccEmails: ["cc1@acme.example", "cc2@acme.example"], updates })).notificationIds);
    return ids.sort();
  }

  const dispatcher = (dataSource: DataSource, url = sink.url) =>
    new NotificationDispatcher(dataSource, {
      transport: smtpTransport(url),
      from: "no-reply@support.example",
      portalUrl: "https://portal.example.com",
      maxAttempts: 5,
      retryBaseSeconds: 60,
      leaseSeconds: 300,
      batchSize: 4,
      clock: () => now,
    });

  it("delivers every message exactly once when four dispatchers drain the outbox together", async () => {
    const ids = await fillOutbox(6, 2);
    expect(ids).toHaveLength(18);
    const before = sink.messages.length;

    const dispatchers = [dispatcher(primary), dispatcher(replica), dispatcher(primary), dispatcher(replica)];
    const summaries = await Promise.all(dispatchers.map((d) => d.dispatchDue()));
    await Promise.all(dispatchers.map((d) => d.dispatchDue()));

    const delivered = sink.messages.slice(before).map((m) => /^<([^@]+)@/.exec(m.header("Message-ID")!)![1]!);
    expect(delivered).toHaveLength(18);
    expect([...delivered].sort()).toEqual(ids);
    expect(summaries.reduce((sum, s) => sum + s.sent, 0)).toBe(18);
    expect(summaries.filter((s) => s.sent > 0).length).toBeGreaterThan(1); // they really ran side by side
    const rows = await primary.getRepository(NotificationEntity).find();
    expect(rows.every((row) => row.state === NotificationState.SENT && row.attempts === 1)).toBe(true);
  });

  it("splits due rows between two racing claims without giving one row to both", async () => {
    const ids = await fillOutbox(4, 1);

    const [first, second] = await Promise.all([claimDueNotifications(primary, now, 300_000, 100), claimDueNotifications(replica, now, 300_000, 100)]);

    const firstIds = first.rows.map((row) => row.id);
    const secondIds = second.rows.map((row) => row.id);
    expect(firstIds.filter((id) => secondIds.includes(id))).toEqual([]);
    expect([...firstIds, ...secondIds].sort()).toEqual(ids);
  });

  it("lets another dispatcher take over a claim whose lease expired, and then refuses the old holder's outcome", async () => {
    const [id] = await fillOutbox(1, 0);
    const crashed = await claimDueNotifications(primary, now, 300_000, 10);
    expect(crashed.rows.map((row) => row.id)).toEqual([id]);
    expect((await claimDueNotifications(replica, new Date(now.getTime() + 299_000), 300_000, 10)).rows).toEqual([]);

    const later = new Date(now.getTime() + 301_000);
    const takeover = await claimDueNotifications(replica, later, 300_000, 10);
    expect(takeover.rows.map((row) => row.id)).toEqual([id]);
    expect(takeover.rows[0]!.attempts).toBe(2);

    expect(await recordOutcome(primary, id!, crashed.token, { state: NotificationState.SENT, sentAt: later, lastError: null })).toBe(false);
    expect(await recordOutcome(replica, id!, takeover.token, { state: NotificationState.SENT, sentAt: later, lastError: null })).toBe(true);
    expect(await primary.getRepository(NotificationEntity).findOneByOrFail({ id })).toMatchObject({ state: NotificationState.SENT, claimToken: takeover.token });
  });

  it("on shutdown finishes the message in flight and gives the rest of its claim back at once", async () => {
    const ids = await fillOutbox(1, 2);
    let arrived!: () => void;
    let release!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = await startSmtpSink({ beforeAccept: () => (arrived(), gate) });
    try {
      const stop = dispatcher(primary, slow.url).start(60_000);
      await firstArrived;
      const stopped = stop();
      release();
      await stopped;

      expect(slow.messages).toHaveLength(1);
      const rows = await primary.getRepository(NotificationEntity).find();
      expect(rows.filter((row) => row.state === NotificationState.SENT)).toHaveLength(1);
      for (const row of rows.filter((r) => r.state === NotificationState.PENDING)) expect(row).toMatchObject({ claimToken: null, leaseExpiresAt: null, attempts: 0 });

      await dispatcher(replica, slow.url).dispatchDue();
      expect(slow.messages.map((m) => /^<([^@]+)@/.exec(m.header("Message-ID")!)![1]).sort()).toEqual(ids);
    } finally {
      await slow.stop();
    }
  });
});
