import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { AttachmentEntity, AttachmentState } from "../../subgraphs/attachments/attachment/attachment.entity.js";
import { CaseEventEntity } from "../../subgraphs/cases/case-event/case-event.entity.js";
import { CaseUpdateEntity } from "../../subgraphs/cases/case-update/case-update.entity.js";
import { countNewCases } from "../../subgraphs/cases/case/case.counts.js";
import { CaseEntity } from "../../subgraphs/cases/case/case.entity.js";
import { CaseStatus, CaseSubStatus, InquiryType, SEVERITY_RANK, Severity, ThreatCategory } from "../../subgraphs/cases/case/case.enums.js";
import { type Actor, ActorRole } from "../../subgraphs/kit/actor.js";
import { FileAnalysisEntity } from "../../subgraphs/threat-analysis/file-analysis/file-analysis.entity.js";
import { FileVerdict } from "../../subgraphs/threat-analysis/threat.enums.js";

const SEVERITIES = [Severity.LOW, Severity.MEDIUM, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL];
const SUB_STATUSES = [CaseSubStatus.RECEIVED, CaseSubStatus.IN_PROGRESS, CaseSubStatus.INFORMATION_REQUESTED, CaseSubStatus.SOLUTION_PROVIDED, CaseSubStatus.CUSTOMER_UPDATED];
const customer = { id: "u-acme-customer", name: "Aiko Tanaka", role: ActorRole.CUSTOMER, email: "customer@acme.example" };
const engineer = { id: "u-engineer", name: "Kenji Sato", role: ActorRole.ENGINEER, email: "engineer@support.example" };

export interface BenchDatabases {
  cases: DataSource;
  attachments: DataSource;
  threats: DataSource;
}

/**
 * The demo story scaled up: `count` acme cases (every fifth a THREAT case with a file result), each
 * with two updates and two history events, every third with an attachment. Inserted in chunks.
 */
export async function insertCases(db: BenchDatabases, from: number, count: number, onProgress: (done: number) => void): Promise<void> {
  const chunk = 500;
  const base = Date.parse("2026-01-01T00:00:00.000Z");
  for (let start = from; start < from + count; start += chunk) {
    const cases: CaseEntity[] = [];
    const updates: CaseUpdateEntity[] = [];
    const events: CaseEventEntity[] = [];
    const attachments: AttachmentEntity[] = [];
    const files: FileAnalysisEntity[] = [];
    for (let i = start; i < Math.min(start + chunk, from + count); i++) {
      const at = new Date(base + i * 60_000);
      const severity = SEVERITIES[i % SEVERITIES.length]!;
      const threat = i % 5 === 0;
      const id = randomUUID();
      cases.push(
        Object.assign(new CaseEntity(), {
          id,
          caseNumber: `C-2026-B${String(i).padStart(7, "0")}`,
          organizationId: "acme",
          title: `Bench case ${i}`,
          description: "Scaled-up demo data.",
          status: CaseStatus.OPEN,
          subStatus: SUB_STATUSES[i % SUB_STATUSES.length],
          severity,
          severityRank: SEVERITY_RANK[severity],
          inquiryType: threat ? InquiryType.THREAT : InquiryType.PRODUCT,
          threatCategory: threat ? ThreatCategory.INFECTION_ANALYSIS : null,
          problemCategory: threat ? ThreatCategory.INFECTION_ANALYSIS : "MALFUNCTION",
          productProfileId: "acme-endpoint",
          contactName: "Aiko Tanaka",
          registrant: customer,
          ccEmails: ["ops@acme.example"],
          businessImpact: "Measured impact.",
          createdAt: at,
          updatedAt: at,
          closedAt: null,
          version: 3,
          lastCustomerActivityAt: at,
          subStatusChangedAt: at,
        }),
      );
      for (const [n, author] of [customer, engineer].entries()) {
        updates.push(Object.assign(new CaseUpdateEntity(), { id: randomUUID(), caseId: id, body: `Update ${n} of case ${i}.`, author, requestedReopen: false, createdAt: new Date(at.getTime() + n) }));
        events.push(
          Object.assign(new CaseEventEntity(), { id: randomUUID(), caseId: id, actor: author, field: "subStatus", oldValue: "RECEIVED", newValue: "IN_PROGRESS", comment: null, at: new Date(at.getTime() + n) }),
        );
      }
      if (i % 3 === 0) {
        const attachmentId = randomUUID();
        attachments.push(benchAttachment({ id: attachmentId, caseId: id, organizationId: "acme", i, at, uploadedBy: customer }));
        if (threat) {
          files.push(benchFileAnalysis({ id: randomUUID(), caseId: id, organizationId: "acme", i, at, attachmentId, verdict: FileVerdict.DANGEROUS }));
        }
      }
    }
    await insertRows(db, { cases, updates, events, attachments, files });
    onProgress(Math.min(start + chunk, from + count) - from);
  }
}

/** One chunk of generated rows, for the cases, attachments and threat-analysis databases. */
export interface BenchRows {
  cases: CaseEntity[];
  updates: CaseUpdateEntity[];
  events: CaseEventEntity[];
  attachments: AttachmentEntity[];
  files: FileAnalysisEntity[];
}

/** Inserts a chunk of rows, each kind into its own database; the cases with their counts, in one transaction. */
export async function insertRows(db: BenchDatabases, rows: BenchRows): Promise<void> {
  await db.cases.transaction(async (tx) => {
    await tx.insert(CaseEntity, rows.cases);
    await countNewCases(tx, rows.cases);
  });
  await db.cases.getRepository(CaseUpdateEntity).insert(rows.updates);
  await db.cases.getRepository(CaseEventEntity).insert(rows.events);
  if (rows.attachments.length) await db.attachments.getRepository(AttachmentEntity).insert(rows.attachments);
  if (rows.files.length) await db.threats.getRepository(FileAnalysisEntity).insert(rows.files);
}

interface BenchFileFields {
  id: string;
  caseId: string;
  organizationId: string;
  /** The case's number in the generated set: names and sizes derive from it. */
  i: number;
  at: Date;
}

/** An attached log archive of case `i` (its bytes are never read: the blob key points nowhere). */
export function benchAttachment({ id, caseId, organizationId, i, at, uploadedBy }: BenchFileFields & { uploadedBy: Actor }): AttachmentEntity {
  return Object.assign(new AttachmentEntity(), {
    id,
    caseId,
    organizationId,
    caseUpdateId: null,
    fileName: `logs-${i}.zip`,
    size: 1024 * ((i % 100) + 1),
    contentType: "application/zip",
    sha1: "0".repeat(40),
    sha256: "0".repeat(64),
    uploadedAt: at,
    uploadedBy,
    state: AttachmentState.ATTACHED,
    blobKey: `bench/${id}`,
  });
}

/** The analysis result of case `i`'s sample (from attachment `attachmentId`, when it has one). */
export function benchFileAnalysis({ id, caseId, organizationId, i, at, attachmentId, verdict }: BenchFileFields & { attachmentId: string | null; verdict: FileVerdict }): FileAnalysisEntity {
  return Object.assign(new FileAnalysisEntity(), {
    id,
    caseId,
    organizationId,
    threatCategory: ThreatCategory.INFECTION_ANALYSIS,
    fileName: `sample-${i}.exe`,
    sha1: "1".repeat(40),
    verdict,
    detectionName: "Ransom.Win32.BENCH",
    patternVersion: "19.100",
    analyzedAt: at,
    attachmentId,
    emailAnalysisId: null,
    createdAt: at,
  });
}
