import type { DataSource } from "typeorm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type TestDataSource, openTestDataSource } from "../../../test/support/data-source.js";
import { DATABASES } from "../../../test/support/databases.js";
import { CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { inTransaction } from "../../kit/transaction.js";
import { threatsMigrations } from "../migrations/index.js";
import { threatsEntities } from "../threats-subgraph.js";
import { CaseActivityOutboxEntity } from "./case-activity-outbox.entity.js";
import { CaseActivityOutbox, MAX_DETAIL_LENGTH, newActivityId, recordCaseActivity, retryDelayMs } from "./case-activity.outbox.js";

const ACTOR = { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER" as const, email: "customer@acme.example" };

/** The threat side of case activity: written with the change, claimed with leases, acknowledged, retried with backoff. */
describe.each(DATABASES)("the case-activity outbox on %s", (database) => {
  let db: TestDataSource;
  let primary: DataSource;
  let now = new Date("2026-03-02T09:00:00.000Z");
  const clock = () => now;
  let outbox: CaseActivityOutbox;

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: threatsEntities, migrations: threatsMigrations });
    primary = db.dataSource;
    outbox = new CaseActivityOutbox(primary, clock, 60_000);
  });
  afterAll(() => db?.close());
  beforeEach(() => primary.createQueryBuilder().delete().from(CaseActivityOutboxEntity).execute());

  const write = (n: number, caseId = "case-1") =>
    inTransaction(primary, async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await recordCaseActivity(tx, { caseId, organizationId: "acme", kind: CaseActivityKind.ANALYSIS_SUBMITTED, actor: ACTOR, at: now, details: { items: `file-${i}.zip` } }));
      return ids;
    });

  it("writes nothing when the change's transaction rolls back", async () => {
    await expect(
      inTransaction(primary, async (tx) => {
        await recordCaseActivity(tx, { caseId: "case-1", organizationId: "acme", kind: CaseActivityKind.REQUEST_MADE, actor: ACTOR, at: now, details: { comment: "x" } });
        throw new Error("the threat change failed");
      }),
    ).rejects.toThrow("the threat change failed");
    expect(await outbox.pending()).toEqual([]);
  });

  it("gives each claim its own rows, oldest first in the order written, and shortens long details", async () => {
    const ids = await write(4);
    await inTransaction(primary, (tx) =>
      recordCaseActivity(tx, { caseId: "case-2", organizationId: "acme", kind: CaseActivityKind.REQUEST_MADE, actor: ACTOR, at: now, details: { comment: "y".repeat(MAX_DETAIL_LENGTH + 10) } }),
    );
    const other = new CaseActivityOutbox(await db.replica(), clock, 60_000);
    const [a, b] = await Promise.all([outbox.claim(3), other.claim(3)]);
    const c = await outbox.claim(10);
    const batches = [a, b, c].map((claim) => claim.activities.map((r) => r.id));
    // No row is in two claims, and together they hold every row.
    expect(batches.flat().sort()).toEqual([...ids, ...(await outbox.pending()).filter((r) => r.caseId === "case-2").map((r) => r.id)].sort());
    expect(new Set(batches.flat()).size).toBe(5);
    const firstFull = batches.find((batch) => batch.length === 3)!;
    expect(firstFull).toEqual(ids.slice(0, 3));
    const long = [a, b, c].flatMap((claim) => claim.activities).find((r) => r.caseId === "case-2")!;
    expect(long.details.comment).toHaveLength(MAX_DETAIL_LENGTH);
    expect(long.details.comment!.endsWith("…")).toBe(true);
    // Everything is leased: a further claim gets nothing.
    expect((await outbox.claim(10)).activities).toEqual([]);
  });

  it("deletes delivered rows, backs failed ones off with a growing delay, and ignores the acknowledgement of a claim whose lease ran out", async () => {
    const [delivered, failed, late] = await write(3);
    const first = await outbox.claim(10);
    expect(
      await outbox.acknowledge(first.claimToken, [
        { id: delivered!, delivered: true },
        { id: failed!, delivered: false, error: "cases subgraph down" },
      ]),
    ).toBe(2);
    const rows = await outbox.pending();
    expect(rows.map((r) => r.id)).toEqual([failed, late]);
    expect(rows[0]).toMatchObject({ attempts: 1, lastError: "cases subgraph down", claimToken: null });
    expect(rows[0]!.nextAttemptAt.getTime()).toBe(now.getTime() + retryDelayMs(1));

    // `late` is still leased to the first claim; after the lease, another pass takes it (with `failed`, now due too).
    now = new Date(now.getTime() + 61_000);
    const second = await outbox.claim(10);
    expect(second.activities.map((r) => [r.id, r.attempts])).toEqual([
      [failed, 2],
      [late, 2],
    ]);
    expect(await outbox.acknowledge(first.claimToken, [{ id: late!, delivered: true }])).toBe(0);
    expect(
      await outbox.acknowledge(second.claimToken, [
        { id: failed!, delivered: false, error: "again" },
        { id: late!, delivered: true },
      ]),
    ).toBe(2);
    const [retry] = await outbox.pending();
    expect(retry!.nextAttemptAt.getTime()).toBe(now.getTime() + retryDelayMs(2));
    expect(retryDelayMs(2)).toBeGreaterThan(retryDelayMs(1));
    expect(retryDelayMs(50)).toBe(60_000);
  });

  it("makes ids that sort in the order they were made within one millisecond", () => {
    const at = new Date("2026-03-02T09:00:00.000Z");
    const ids = Array.from({ length: 50 }, () => newActivityId(at));
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
  });
});
