import { DataSource } from "typeorm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { smtpTransport } from "../../subgraphs/cases/notification/mail-transport.js";
import { NotificationDispatcher } from "../../subgraphs/cases/notification/notification.dispatcher.js";
import { NotificationEntity, NotificationState } from "../../subgraphs/cases/notification/notification.entity.js";
import { claimDueNotifications, recordOutcome } from "../../subgraphs/cases/notification/notification.outbox.js";
import { caseApi } from "../support/case-api.js";
import { DATABASES } from "../support/databases.js";
import { startGraph, type TestGraph } from "../support/graph.js";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.js";

/**
 * Mail delivery: each message is sent once even when several dispatchers (replicas) run at once. On MySQL
 * the second replica has its own connection pool on the same database, as another process would.
 */
describe.each(DATABASES)("several dispatchers over one outbox on %s", (database) => {
  let graph: TestGraph;
  let replica: DataSource;
  let sink: SmtpSink;
  let acme: string;
  const now = new Date("2026-03-02T09:00:00.000Z");

  beforeAll(async () => {
    graph = await startGraph({ database, clock: () => now });
    // SQLite is the single-process embedded default: there the dispatchers share its one connection
    // (better-sqlite3 is synchronous, so a second connection in this process would wait on the file
    // lock while blocking the thread that holds it). Replicas run on MySQL.
    replica = database === "mysql" ? new DataSource({ ...graph.cases.dataSource.options, migrationsRun: false, synchronize: false }) : graph.cases.dataSource;
    if (!replica.isInitialized) await replica.initialize();
    sink = await startSmtpSink();
    acme = await graph.tokenFor("customer@acme.example");
  });
  afterAll(async () => {
    if (replica !== graph?.cases.dataSource && replica?.isInitialized) await replica.destroy();
    await graph?.stop();
    await sink?.stop();
  });
  beforeEach(() => graph.cases.dataSource.createQueryBuilder().delete().from(NotificationEntity).execute());

  /** `cases` cases with two CC addresses and `updates` updates each: 1 + updates outbox rows per case. */
  async function fillOutbox(cases: number, updates: number): Promise<string[]> {
    const api = caseApi(graph);
    for (let i = 0; i < cases; i++) {
      const created = await api.create(acme, { ccEmails: ["cc1@acme.example", "cc2@acme.example"] });
      expect(created.errors).toBeUndefined();
      for (let u = 0; u < updates; u++) expect((await api.addUpdate(acme, { caseId: created.data!.createCase.case.id, body: `update ${u}` })).errors).toBeUndefined();
    }
    const rows = await graph.cases.dataSource.getRepository(NotificationEntity).find();
    return rows.map((row) => row.id).sort();
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

    const dispatchers = [dispatcher(graph.cases.dataSource), dispatcher(replica), dispatcher(graph.cases.dataSource), dispatcher(replica)];
    const summaries = await Promise.all(dispatchers.map((d) => d.dispatchDue()));
    await Promise.all(dispatchers.map((d) => d.dispatchDue()));

    const delivered = sink.messages.slice(before).map((m) => /^<([^@]+)@/.exec(m.header("Message-ID")!)![1]!);
    expect(delivered).toHaveLength(18);
    expect([...delivered].sort()).toEqual(ids);
    expect(summaries.reduce((sum, s) => sum + s.sent, 0)).toBe(18);
    expect(summaries.filter((s) => s.sent > 0).length).toBeGreaterThan(1); // they really ran side by side
    const rows = await graph.cases.dataSource.getRepository(NotificationEntity).find();
    expect(rows.every((row) => row.state === NotificationState.SENT && row.attempts === 1)).toBe(true);
  });

  it("splits due rows between two racing claims without giving one row to both", async () => {
    const ids = await fillOutbox(4, 1);

    const [first, second] = await Promise.all([claimDueNotifications(graph.cases.dataSource, now, 300_000, 100), claimDueNotifications(replica, now, 300_000, 100)]);

    const firstIds = first.rows.map((row) => row.id);
    const secondIds = second.rows.map((row) => row.id);
    expect(firstIds.filter((id) => secondIds.includes(id))).toEqual([]);
    expect([...firstIds, ...secondIds].sort()).toEqual(ids);
  });

  it("lets another dispatcher take over a claim whose lease expired, and then refuses the old holder's outcome", async () => {
    const [id] = await fillOutbox(1, 0);
    const crashed = await claimDueNotifications(graph.cases.dataSource, now, 300_000, 10);
    expect(crashed.rows.map((row) => row.id)).toEqual([id]);
    expect((await claimDueNotifications(replica, new Date(now.getTime() + 299_000), 300_000, 10)).rows).toEqual([]);

    const later = new Date(now.getTime() + 301_000);
    const takeover = await claimDueNotifications(replica, later, 300_000, 10);
    expect(takeover.rows.map((row) => row.id)).toEqual([id]);
    expect(takeover.rows[0]!.attempts).toBe(2);

    expect(await recordOutcome(graph.cases.dataSource, id!, crashed.token, { state: NotificationState.SENT, sentAt: later, lastError: null })).toBe(false);
    expect(await recordOutcome(replica, id!, takeover.token, { state: NotificationState.SENT, sentAt: later, lastError: null })).toBe(true);
    expect(await graph.cases.dataSource.getRepository(NotificationEntity).findOneByOrFail({ id })).toMatchObject({ state: NotificationState.SENT, claimToken: takeover.token });
  });

  it("on shutdown finishes the message in flight and gives the rest of its claim back at once", async () => {
    const ids = await fillOutbox(1, 2);
    let arrived!: () => void;
    let release!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = await startSmtpSink({ beforeAccept: () => (arrived(), gate) });
    try {
      const stop = dispatcher(graph.cases.dataSource, slow.url).start(60_000);
      await firstArrived;
      const stopped = stop();
      release();
      await stopped;

      expect(slow.messages).toHaveLength(1);
      const rows = await graph.cases.dataSource.getRepository(NotificationEntity).find();
      expect(rows.filter((row) => row.state === NotificationState.SENT)).toHaveLength(1);
      for (const row of rows.filter((r) => r.state === NotificationState.PENDING)) expect(row).toMatchObject({ claimToken: null, leaseExpiresAt: null, attempts: 0 });

      await dispatcher(replica, slow.url).dispatchDue();
      expect(slow.messages.map((m) => /^<([^@]+)@/.exec(m.header("Message-ID")!)![1]).sort()).toEqual(ids);
    } finally {
      await slow.stop();
    }
  });
});
