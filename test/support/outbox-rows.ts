import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { CaseStatus, CaseSubStatus, Severity } from "../../subgraphs/cases/case/case.enums.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { notificationRecipients } from "../../subgraphs/cases/case/case.rules.js";
import { ensureReferenceData } from "../../subgraphs/cases/demo/reference-data.js";
import { NotificationEntity, NotificationKind, NotificationState } from "../../subgraphs/cases/notification/notification.entity.js";
import { Actor, ActorRole } from "../../subgraphs/kit/actor.js";
import { InquiryType } from "../../subgraphs/kit/case-kinds.js";

/** acme's demo customer, the registrant of every case made here. */
const REGISTRANT = Object.assign(new Actor(), { id: "u-acme-customer", name: "Aiko Tanaka", role: ActorRole.CUSTOMER, email: "customer@acme.example" });

let caseSequence = 0;

/**
 * An acme case and the outbox rows its registration and `updates` customer updates leave, written
 * as the cases service writes them (same columns, same recipient rule): for tests of the outbox and
 * its dispatcher in process, without the rest of the graph. Returns the case id and the rows' ids
 * (registration first).
 */
export async function caseWithOutbox(dataSource: DataSource, options: { at: Date; ccEmails?: string[]; updates?: number }): Promise<{ caseId: string; notificationIds: string[] }> {
  const { at, ccEmails = [], updates = 0 } = options;
  await ensureReferenceData(dataSource);
  const caseId = randomUUID();
  await dataSource.getRepository(CaseEntity).insert(
    Object.assign(new CaseEntity(), {
      id: caseId,
      caseNumber: `C-2026-${String(++caseSequence).padStart(6, "0")}`,
      organizationId: "acme",
      title: "Agent stops after the pattern update",
      description: "The agent stopped.",
      status: CaseStatus.OPEN,
      subStatus: updates ? CaseSubStatus.CUSTOMER_UPDATED : CaseSubStatus.RECEIVED,
      severity: Severity.MEDIUM,
      severityRank: 2,
      inquiryType: InquiryType.PRODUCT,
      threatCategory: null,
      problemCategory: "MALFUNCTION",
      productProfileId: "acme-endpoint",
      contactName: REGISTRANT.name,
      registrant: REGISTRANT,
      ccEmails,
      businessImpact: null,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      version: 1 + updates,
      lastCustomerActivityAt: at,
      subStatusChangedAt: at,
    }),
  );
  const kinds = [NotificationKind.CASE_REGISTERED, ...Array.from({ length: updates }, () => NotificationKind.CASE_UPDATED)];
  const rows = kinds.map((kind, index) =>
    Object.assign(new NotificationEntity(), {
      id: randomUUID(),
      caseId,
      kind,
      recipients: notificationRecipients(kind, REGISTRANT.email, ccEmails),
      details: { actorName: REGISTRANT.name, actorRole: REGISTRANT.role, ...(index ? { body: `update ${index}` } : {}) },
      state: NotificationState.PENDING,
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
    }),
  );
  await dataSource.getRepository(NotificationEntity).insert(rows);
  return { caseId, notificationIds: rows.map((row) => row.id) };
}
