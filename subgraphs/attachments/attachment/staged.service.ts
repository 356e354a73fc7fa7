import type DataLoader from "dataloader";
import { In } from "typeorm";
import type { CaseAccess } from "../../kit/case-access-client.js";
import { badInput, domainError, ErrorCode, notFound } from "../../kit/errors.js";
import { canSeeOrganization, type Principal } from "../../kit/principal.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import type { AttachmentsServices } from "../attachments.context.js";
import { AttachmentEntity, AttachmentState } from "./attachment.entity.js";

/** The case files are attached to, as far as the rules need it. */
interface AttachTarget {
  caseId: string;
  organizationId: string;
  threat: boolean;
  /** Files uploaded before the case existed (no case yet) may join it: only when the case is being registered. */
  registering: boolean;
}

/** What `createCase` knows about the case it is about to register, before the case exists. */
export interface NewCaseFacts {
  organizationId: string;
  inquiryType: string;
}

/**
 * Staged → attached (rule 8 in docs/domain.md), on behalf of the cases subgraph's `createCase` and
 * `addCaseUpdate`: only STAGED files of that case (or, at registration, the caller's own uploads for
 * the case's organization) that the caller may see, at most the per-upload limit.
 */
export class StagedAttachmentService {
  constructor(private readonly services: AttachmentsServices) {}

  /** Fails with the reason the files cannot be attached; changes nothing. */
  async check(principal: Principal, caseId: string, ids: string[], newCase: NewCaseFacts | null, caseAccess: DataLoader<string, CaseAccess | null>): Promise<void> {
    const unique = this.limit(ids);
    if (unique.length === 0) return;
    let target: AttachTarget;
    if (newCase) {
      if (!canSeeOrganization(principal, newCase.organizationId)) throw notFound("Organization", newCase.organizationId);
      target = { caseId, organizationId: newCase.organizationId, threat: newCase.inquiryType === "THREAT", registering: true };
    } else {
      target = await this.existingCase(caseId, false, caseAccess);
    }
    const rows = await this.services.dataSource.getRepository(AttachmentEntity).findBy({ id: In(unique) });
    for (const id of unique)
      this.requireAttachable(
        principal,
        target,
        rows.find((row) => row.id === id),
        id,
      );
  }

  /** Marks the files ATTACHED to the case (and update). Repeating the same call is harmless. */
  async attach(principal: Principal, caseId: string, updateId: string | null, ids: string[], caseAccess: DataLoader<string, CaseAccess | null>): Promise<string[]> {
    const unique = this.limit(ids);
    if (unique.length === 0) return [];
    const target = await this.existingCase(caseId, updateId === null, caseAccess);
    const { dataSource } = this.services;
    await inTransaction(dataSource, async (tx) => {
      const rows = await tx.find(AttachmentEntity, { where: { id: In(unique) }, ...writeLock(dataSource) });
      for (const id of unique) {
        const row = rows.find((r) => r.id === id);
        if (row?.state === AttachmentState.ATTACHED && row.caseId === caseId && row.caseUpdateId === updateId && canSeeOrganization(principal, row.organizationId)) continue;
        this.requireAttachable(principal, target, row, id);
        await tx.update(AttachmentEntity, { id, state: AttachmentState.STAGED }, { state: AttachmentState.ATTACHED, caseId, caseUpdateId: updateId });
      }
    });
    return unique;
  }

  private limit(ids: string[]): string[] {
    const unique = [...new Set(ids)];
    const max = this.services.config.maxFilesPerUpload;
    if (unique.length > max) throw domainError(ErrorCode.TOO_MANY_FILES, `At most ${max} files per update`, { field: "attachmentIds", max });
    return unique;
  }

  private async existingCase(caseId: string, registering: boolean, caseAccess: DataLoader<string, CaseAccess | null>): Promise<AttachTarget> {
    const access = await caseAccess.load(caseId);
    if (!access) throw notFound("Case", caseId);
    return { caseId, organizationId: access.organizationId, threat: access.inquiryType === "THREAT", registering };
  }

  private requireAttachable(principal: Principal, target: AttachTarget, row: AttachmentEntity | undefined, id: string): void {
    if (!row || !canSeeOrganization(principal, row.organizationId)) throw notFound("Attachment", id);
    if (row.state !== AttachmentState.STAGED) throw badInput("attachmentIds", `${row.fileName} is already attached`);
    const ownUploadForNewCase = target.registering && row.caseId === null && row.organizationId === target.organizationId && row.uploadedBy.id === principal.id;
    if (row.caseId !== target.caseId && !ownUploadForNewCase) throw badInput("attachmentIds", `${row.fileName} is not a staged upload of this case`);
    if (target.threat && !row.encryptedZip) {
      throw domainError(ErrorCode.ENCRYPTED_ZIP_REQUIRED, `${row.fileName}: files of threat cases must be ZIP archives encrypted with the password "virus"`, {
        field: "attachmentIds",
      });
    }
  }
}
