import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { inTransaction } from "../../kit/transaction.js";
import { SYSTEM_ACTOR } from "../../kit/actor.js";
import { CaseFeedEventType } from "../../kit/case-feed-protocol.js";
import { CaseEventEntity } from "../case-event/case-event.entity.js";
import { CaseFeedWriter } from "../case-feed/case-feed.writer.js";
import { NotificationEntity, NotificationKind, NotificationState } from "../notification/notification.entity.js";
import { countCaseChanges, countedFacts } from "./case.counts.js";
import { CaseEntity } from "./case.entity.js";
import { CaseStatus, CaseSubStatus } from "./case.enums.js";
import { notificationRecipients } from "./case.rules.js";

const BATCH = 100;

/**
 * Rule 13: closes cases left in SOLUTION_PROVIDED with no customer activity for `days` days as
 * NO_CUSTOMER_RESPONSE, and notifies the registrant. Each case is closed by a conditional UPDATE,
 * so replicas running this at the same time close each case once. Returns the closed case ids.
 */
export async function autoCloseStaleCases(dataSource: DataSource, now: Date, days: number, feed: CaseFeedWriter = new CaseFeedWriter()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
  const closed: string[] = [];
  for (;;) {
    const candidates = await dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder("c")
      .where("c.status = :open AND c.subStatus = :waiting", { open: CaseStatus.OPEN, waiting: CaseSubStatus.SOLUTION_PROVIDED })
      .andWhere("c.subStatusChangedAt <= :cutoff AND c.lastCustomerActivityAt <= :cutoff", { cutoff })
      .orderBy("c.subStatusChangedAt", "ASC")
      .limit(BATCH)
      .getMany();
    for (const c of candidates) {
      const won = await inTransaction(dataSource, async (tx) => {
        const comment = `No customer response for ${days} days`;
        const changes = [
          { field: "status", oldValue: CaseStatus.OPEN, newValue: CaseStatus.CLOSED },
          { field: "subStatus", oldValue: CaseSubStatus.SOLUTION_PROVIDED, newValue: CaseSubStatus.NO_CUSTOMER_RESPONSE },
        ];
        const drafts = [{ type: CaseFeedEventType.CASE_CLOSED, actor: SYSTEM_ACTOR, at: now, changes, updateId: null }];
        const sequences = CaseFeedWriter.numberDrafts(c, drafts);
        const result = await tx
          .createQueryBuilder()
          .update(CaseEntity)
          .set({ status: CaseStatus.CLOSED, subStatus: CaseSubStatus.NO_CUSTOMER_RESPONSE, closedAt: now, updatedAt: now, subStatusChangedAt: now, lastEventSequence: c.lastEventSequence, version: () => "version + 1" })
          .where("id = :id AND version = :version AND sub_status = :waiting", { id: c.id, version: c.version, waiting: CaseSubStatus.SOLUTION_PROVIDED })
          .execute();
        if (result.affected !== 1) return false;
        await countCaseChanges(tx, [{ from: c, to: { ...countedFacts(c), status: CaseStatus.CLOSED, subStatus: CaseSubStatus.NO_CUSTOMER_RESPONSE } }]);
        await tx.insert(
          CaseEventEntity,
          changes.map((change) => Object.assign(new CaseEventEntity(), { id: randomUUID(), caseId: c.id, actor: SYSTEM_ACTOR, ...change, comment, at: now })),
        );
        await tx.insert(
          NotificationEntity,
          Object.assign(new NotificationEntity(), {
            id: randomUUID(),
            caseId: c.id,
            kind: NotificationKind.CASE_CLOSED,
            recipients: notificationRecipients(NotificationKind.CASE_CLOSED, c.registrant.email, c.ccEmails),
            details: { newValue: CaseSubStatus.NO_CUSTOMER_RESPONSE, actorName: SYSTEM_ACTOR.name, actorRole: SYSTEM_ACTOR.role, automatic: "true" },
            state: NotificationState.PENDING,
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
          }),
        );
        await feed.append(tx, c, drafts, sequences);
        return true;
      });
      if (won) closed.push(c.id);
    }
    if (candidates.length < BATCH) return closed;
  }
}
