import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDataSource, openTestDataSource } from "../../../test/support/data-source.js";
import { DATABASES } from "../../../test/support/databases.js";
import { caseWithOutbox } from "../../../test/support/outbox-rows.js";
import { type CaseActivity, CaseActivityKind } from "../../kit/case-activity-protocol.js";
import { CaseEventEntity } from "../case-event/case-event.entity.js";
import { CaseEntity } from "../case/case.entity.js";
import { CaseStatus, CaseSubStatus } from "../case/case.enums.js";
import { casesEntities } from "../cases.entities.js";
import { casesMigrations } from "../migrations/index.js";
import { NotificationEntity, NotificationKind } from "../notification/notification.entity.js";
import { AppliedCaseActivityEntity } from "./applied-case-activity.entity.js";
import { CaseActivityService } from "./case-activity.service.js";

const CUSTOMER = { id: "u-acme-customer", name: "Aiko Tanaka", role: "CUSTOMER" as const, email: "customer@acme.example" };
const ENGINEER = { id: "u-engineer", name: "Sam Support", role: "ENGINEER" as const, email: "engineer@support.example" };
const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function activity(caseId: string, kind: CaseActivityKind, minutes: number, overrides: Partial<CaseActivity> = {}): CaseActivity {
  const details: Record<CaseActivityKind, Record<string, string | null>> = {
    [CaseActivityKind.ANALYSIS_SUBMITTED]: { items: "sample.zip" },
    [CaseActivityKind.RESULT_RECORDED]: { resultType: "FILE", name: "sample.zip", oldValue: "ANALYZING", newValue: "DANGEROUS" },
    [CaseActivityKind.REQUEST_MADE]: { requestId: "r-1", action: "REQUEST_REANALYSIS", subjectName: "sample.zip", comment: "Please look again." },
    [CaseActivityKind.REQUEST_STARTED]: { requestId: "r-1", action: "REQUEST_REANALYSIS", subjectName: "sample.zip" },
    [CaseActivityKind.REQUEST_ANSWERED]: { requestId: "r-1", action: "REQUEST_REANALYSIS", subjectName: "sample.zip", state: "DONE", response: "Re-analysed.", outcome: "NO_PROBLEM" },
  };
  const actor = kind === CaseActivityKind.REQUEST_MADE || kind === CaseActivityKind.ANALYSIS_SUBMITTED ? CUSTOMER : ENGINEER;
  return { id: randomUUID(), caseId, organizationId: "acme", kind, actor, at: at(minutes).toISOString(), details: details[kind], ...overrides };
}

/** Applying delivered threat activity: each activity once, whoever delivers it how often (docs/decisions.md, "Case activity"). */
describe.each(DATABASES)("case activity applied exactly once on %s", (database) => {
  let db: TestDataSource;
  let primary: DataSource;
  let service: CaseActivityService;
  const clock = () => at(1_000);

  beforeAll(async () => {
    db = await openTestDataSource(database, { entities: casesEntities, migrations: casesMigrations });
    primary = db.dataSource;
    service = new CaseActivityService(primary, clock);
  });
  afterAll(() => db?.close());

  const caseRow = (id: string) => primary.getRepository(CaseEntity).findOneByOrFail({ id });
  const events = (caseId: string) => primary.getRepository(CaseEventEntity).find({ where: { caseId }, order: { at: "ASC", field: "ASC" } });
  const mails = (caseId: string) => primary.getRepository(NotificationEntity).find({ where: { caseId } });

  it("applies an activity delivered twice once: one history event, one mail, one version step", async () => {
    const { caseId } = await caseWithOutbox(primary, { at: T0 });
    const made = activity(caseId, CaseActivityKind.REQUEST_MADE, 5);
    expect(await service.apply([made])).toEqual([{ id: made.id, applied: true }]);
    const once = await caseRow(caseId);
    expect(await service.apply([made, made])).toEqual([
      { id: made.id, applied: true },
      { id: made.id, applied: true },
    ]);
    const after = await caseRow(caseId);
    expect(after.version).toBe(once.version);
    expect(once.version).toBe(2);
    expect((await events(caseId)).map((e) => [e.id === made.id, e.field, e.newValue, e.at.toISOString(), e.actor.id])).toEqual([[false, "request", "SUBMITTED", at(5).toISOString(), CUSTOMER.id]]);
    expect((await mails(caseId)).filter((m) => m.kind === NotificationKind.THREAT_REQUEST_MADE)).toHaveLength(1);
    expect(await primary.getRepository(AppliedCaseActivityEntity).countBy({ id: made.id })).toBe(1);
    expect(after.updatedAt.toISOString()).toBe(at(5).toISOString());
    expect(after.lastCustomerActivityAt.toISOString()).toBe(at(5).toISOString());
  });

  it("applies the same activity once when two replicas deliver it at the same moment", async () => {
    const { caseId } = await caseWithOutbox(primary, { at: T0 });
    const other = new CaseActivityService(await db.replica(), clock);
    const recorded = activity(caseId, CaseActivityKind.RESULT_RECORDED, 5);
    const results = await Promise.all([service.apply([recorded]), other.apply([recorded]), service.apply([recorded])]);
    // A loser may answer applied (it found the receipt) or an error (its insert lost the race); never a second event.
    expect(results.flat().some((r) => r.applied)).toBe(true);
    expect((await service.apply([recorded]))[0]!.applied).toBe(true);
    expect((await events(caseId)).filter((e) => e.field === "fileVerdict")).toHaveLength(1);
    expect((await caseRow(caseId)).version).toBe(2);
  });

  it("records each kind with its actor and time; an engineer's activity is no customer activity", async () => {
    const { caseId } = await caseWithOutbox(primary, { at: T0 });
    const kinds = [CaseActivityKind.ANALYSIS_SUBMITTED, CaseActivityKind.RESULT_RECORDED, CaseActivityKind.REQUEST_STARTED, CaseActivityKind.REQUEST_ANSWERED];
    const list = kinds.map((kind, i) => activity(caseId, kind, 10 + i));
    expect((await service.apply(list)).every((r) => r.applied)).toBe(true);
    expect((await events(caseId)).map((e) => [e.field, e.oldValue, e.newValue, e.comment, e.actor.role, e.at.toISOString()])).toEqual([
      ["analysis", null, "sample.zip", null, "CUSTOMER", at(10).toISOString()],
      ["fileVerdict", "ANALYZING", "DANGEROUS", "sample.zip", "ENGINEER", at(11).toISOString()],
      ["request", "SUBMITTED", "IN_PROGRESS", "[REQUEST_REANALYSIS] sample.zip", "ENGINEER", at(12).toISOString()],
      ["request", null, "DONE", "[REQUEST_REANALYSIS] sample.zip\nRe-analysed.\nNO_PROBLEM", "ENGINEER", at(13).toISOString()],
    ]);
    const c = await caseRow(caseId);
    // One transaction for the case's four activities: one version step.
    expect(c.version).toBe(2);
    expect(c.updatedAt.toISOString()).toBe(at(13).toISOString());
    expect(c.lastCustomerActivityAt.toISOString()).toBe(at(10).toISOString());
    expect((await mails(caseId)).map((m) => m.kind).sort()).toEqual([NotificationKind.CASE_REGISTERED, NotificationKind.THREAT_REQUEST_ANSWERED, NotificationKind.THREAT_REQUEST_STARTED]);
  });

  it("moves a waiting case to CUSTOMER_UPDATED, but not for a request made before the engineer's last sub-status change", async () => {
    const waiting = (await caseWithOutbox(primary, { at: T0 })).caseId;
    await primary.getRepository(CaseEntity).update({ id: waiting }, { subStatus: CaseSubStatus.SOLUTION_PROVIDED, subStatusChangedAt: at(20) });
    await service.apply([activity(waiting, CaseActivityKind.REQUEST_MADE, 15)]);
    expect((await caseRow(waiting)).subStatus).toBe(CaseSubStatus.SOLUTION_PROVIDED);
    await service.apply([activity(waiting, CaseActivityKind.REQUEST_MADE, 25)]);
    const moved = await caseRow(waiting);
    expect([moved.subStatus, moved.subStatusChangedAt.toISOString()]).toEqual([CaseSubStatus.CUSTOMER_UPDATED, at(25).toISOString()]);
    expect((await events(waiting)).filter((e) => e.field === "subStatus").map((e) => [e.oldValue, e.newValue, e.actor.id])).toEqual([[CaseSubStatus.SOLUTION_PROVIDED, CaseSubStatus.CUSTOMER_UPDATED, CUSTOMER.id]]);
  });

  it("records activity on a case that closed meanwhile without moving its status", async () => {
    const { caseId } = await caseWithOutbox(primary, { at: T0 });
    await primary.getRepository(CaseEntity).update({ id: caseId }, { status: CaseStatus.CLOSED, subStatus: CaseSubStatus.RESOLVED, subStatusChangedAt: at(1) });
    expect((await service.apply([activity(caseId, CaseActivityKind.REQUEST_MADE, 30)]))[0]!.applied).toBe(true);
    const c = await caseRow(caseId);
    expect([c.status, c.subStatus]).toEqual([CaseStatus.CLOSED, CaseSubStatus.RESOLVED]);
    expect((await events(caseId)).map((e) => e.field)).toEqual(["request"]);
  });

  it("refuses an unknown case, another organization's case and a malformed activity, and applies the rest of the batch", async () => {
    const { caseId } = await caseWithOutbox(primary, { at: T0 });
    const good = activity(caseId, CaseActivityKind.ANALYSIS_SUBMITTED, 40);
    const results = await service.apply([
      activity(randomUUID(), CaseActivityKind.ANALYSIS_SUBMITTED, 40),
      activity(caseId, CaseActivityKind.ANALYSIS_SUBMITTED, 40, { organizationId: "globex" }),
      activity(caseId, "SOMETHING_ELSE" as CaseActivityKind, 40),
      good,
    ]);
    expect(results.map((r) => [r.applied, r.error ?? null])).toEqual([
      [false, expect.stringMatching(/not found/)],
      [false, expect.stringMatching(/organization/)],
      [false, expect.stringMatching(/unknown activity kind/)],
      [true, null],
    ]);
    expect((await events(caseId)).map((e) => e.field)).toEqual(["analysis"]);
  });
});
