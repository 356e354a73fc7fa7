import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { CaseActivity, CaseActivityResult } from "../../kit/case-activity-protocol.js";
import { FEED_TYPE_OF_ACTIVITY } from "../../kit/case-feed-protocol.js";
import type { Clock } from "../../kit/clock.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import { CaseEventEntity } from "../case-event/case-event.entity.js";
import { type CaseFeedDraft, CaseFeedWriter } from "../case-feed/case-feed.writer.js";
import { countCaseChanges, countedFacts } from "../case/case.counts.js";
import { CaseEntity } from "../case/case.entity.js";
import { CaseSubStatus } from "../case/case.enums.js";
import { notificationRecipients } from "../case/case.rules.js";
import { ChangeSet } from "../case/case.service.js";
import { NotificationEntity, NotificationState } from "../notification/notification.entity.js";
import { analysisTermsOf } from "../search/activity-terms.js";
import { CaseSearchIndex } from "../search/search-index.js";
import { AppliedCaseActivityEntity } from "./applied-case-activity.entity.js";
import * as rules from "./case-activity.rules.js";

/**
 * Applies case activity delivered by the gateway's relay from the threat-analysis subgraph, each
 * activity exactly once: its id is the idempotency key, kept as a receipt (AppliedCaseActivityEntity)
 * in the same transaction as the history events, mail and case changes it produced. Activities of one
 * case are applied in one transaction that holds the case's write lock and bumps its version once;
 * different cases do not wait for each other, and one case's failure does not hold back another's.
 */
export class CaseActivityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly feed: CaseFeedWriter = new CaseFeedWriter(),
    /** Detection names and URLs of the activities join the case's searchable text in the same transaction. */
    private readonly search = new CaseSearchIndex(dataSource, clock),
  ) {}

  /** One result per activity, in the order given: applied (now or already before) or the reason it was not. */
  async apply(activities: readonly CaseActivity[]): Promise<CaseActivityResult[]> {
    const results = new Map<string, CaseActivityResult>();
    const byCase = new Map<string, CaseActivity[]>();
    for (const activity of activities) {
      if (results.has(activity.id) || byCase.get(activity.caseId)?.some((a) => a.id === activity.id)) continue;
      const invalid = rules.invalidActivity(activity);
      if (invalid) results.set(activity.id, { id: activity.id, applied: false, error: invalid });
      else byCase.set(activity.caseId, [...(byCase.get(activity.caseId) ?? []), activity]);
    }
    for (const [caseId, list] of byCase) {
      const ordered = [...list].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      try {
        const outcome = await inTransaction(this.dataSource, (tx) => this.applyToCase(tx, caseId, ordered));
        for (const result of outcome) results.set(result.id, result);
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
        for (const activity of ordered) results.set(activity.id, { id: activity.id, applied: false, error: message });
      }
    }
    return activities.map((activity) => results.get(activity.id)!);
  }

  private async applyToCase(tx: EntityManager, caseId: string, activities: CaseActivity[]): Promise<CaseActivityResult[]> {
    const c = await tx.findOne(CaseEntity, { where: { id: caseId }, ...writeLock(this.dataSource) });
    if (!c) return activities.map((a) => ({ id: a.id, applied: false, error: `case ${caseId} not found` }));
    // Read under the case's lock: a concurrent delivery of the same activity has committed its receipt, or waits for this one.
    const receipts = await tx
      .getRepository(AppliedCaseActivityEntity)
      .createQueryBuilder("r")
      .select("r.id", "id")
      .where("r.id IN (:...ids)", { ids: activities.map((a) => a.id) })
      .getRawMany<{ id: string }>();
    const done = new Set(receipts.map((r) => r.id));
    const results: CaseActivityResult[] = [];
    const events: CaseEventEntity[] = [];
    const feed: CaseFeedDraft[] = [];
    const mails: NotificationEntity[] = [];
    const applied: AppliedCaseActivityEntity[] = [];
    const analysisTerms: string[] = [];
    const before = c.version;
    const counted = countedFacts(c);
    const now = this.clock();
    for (const activity of activities) {
      if (done.has(activity.id)) {
        results.push({ id: activity.id, applied: true });
        continue;
      }
      if (activity.organizationId !== c.organizationId) {
        results.push({ id: activity.id, applied: false, error: `the activity's organization is not the case's` });
        continue;
      }
      const at = new Date(activity.at);
      const changes = new ChangeSet(rules.actorOfActivity(activity), at, c.id);
      const history = rules.historyOf(activity);
      changes.record(history.field, history.oldValue, history.newValue, history.comment);
      // An activity on a case that closed meanwhile stays in its history but moves no status.
      if (rules.movesToCustomerUpdated(activity, c)) {
        changes.record("subStatus", c.subStatus, CaseSubStatus.CUSTOMER_UPDATED);
        c.subStatus = CaseSubStatus.CUSTOMER_UPDATED;
        c.subStatusChangedAt = at;
      }
      changes.announce(FEED_TYPE_OF_ACTIVITY[activity.kind]);
      const mail = rules.notificationOf(activity.kind);
      if (mail) changes.notify(mail, { ...activity.details });
      if (at > c.updatedAt) c.updatedAt = at;
      if (rules.isCustomerSide(activity.actor.role) && at > c.lastCustomerActivityAt) c.lastCustomerActivityAt = at;
      events.push(...changes.events);
      feed.push(...changes.feed);
      for (const { kind, details } of changes.notifications) {
        mails.push(
          Object.assign(new NotificationEntity(), {
            id: randomUUID(),
            caseId: c.id,
            kind,
            recipients: notificationRecipients(kind, c.registrant.email, c.ccEmails),
            details,
            state: NotificationState.PENDING,
            attempts: 0,
            nextAttemptAt: now,
            createdAt: at,
          }),
        );
      }
      analysisTerms.push(...analysisTermsOf(activity));
      applied.push(Object.assign(new AppliedCaseActivityEntity(), { id: activity.id, caseId: c.id, kind: activity.kind, occurredAt: at, appliedAt: now }));
      results.push({ id: activity.id, applied: true });
    }
    if (applied.length === 0) return results;
    const sequences = CaseFeedWriter.numberDrafts(c, feed);
    const result = await tx.update(
      CaseEntity,
      { id: c.id, version: before },
      {
        version: before + 1,
        updatedAt: c.updatedAt,
        lastCustomerActivityAt: c.lastCustomerActivityAt,
        subStatus: c.subStatus,
        subStatusChangedAt: c.subStatusChangedAt,
        lastEventSequence: c.lastEventSequence,
      },
    );
    if (result.affected === 0) throw new Error(`case ${c.caseNumber} was changed concurrently; the activities are retried`);
    await countCaseChanges(tx, [{ from: counted, to: c }]);
    await tx.insert(AppliedCaseActivityEntity, applied);
    if (events.length) await tx.insert(CaseEventEntity, events);
    if (mails.length) await tx.insert(NotificationEntity, mails);
    if (analysisTerms.length) await this.search.refresh(tx, c, { analysisTerms });
    await this.feed.append(tx, c, feed, sequences);
    return results;
  }
}
