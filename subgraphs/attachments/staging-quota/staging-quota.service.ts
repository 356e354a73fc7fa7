import type { DataSource, EntityManager } from "typeorm";
import { domainError, ErrorCode } from "../../kit/errors.js";
import { AttachmentEntity, AttachmentState } from "../attachment/attachment.entity.js";
import { StagingLockEntity } from "./staging-lock.entity.js";

function quotaExceeded(organizationId: string, quotaBytes: number) {
  return domainError(ErrorCode.QUOTA_EXCEEDED, `The staged files of organization ${organizationId} would exceed its quota of ${quotaBytes} bytes: attach staged files to a case or wait until they expire`, {
    field: "files",
    organizationId,
    quotaBytes,
  });
}

async function stagedBytes(manager: EntityManager, organizationId: string): Promise<number> {
  const row = await manager
    .createQueryBuilder(AttachmentEntity, "a")
    .select("COALESCE(SUM(a.size), 0)", "bytes")
    // RESERVED files count as staged: a released reservation gives them back as STAGED.
    .where("a.organizationId = :organizationId AND a.state IN (:...states)", { organizationId, states: [AttachmentState.STAGED, AttachmentState.RESERVED] })
    .getRawOne<{ bytes: string | number }>();
  return Number(row?.bytes ?? 0);
}

/**
 * The per-organization quota of STAGED bytes (files uploaded and not yet attached to a case, which
 * nobody else bounds until they expire). An upload is measured against what is left while it
 * streams, and checked once more, under a per-organization lock, in the transaction that stages it.
 */
export class StagingQuota {
  constructor(
    private readonly dataSource: DataSource,
    readonly quotaBytes: number,
  ) {}

  /** The error of an upload that does not fit. */
  exceeded(organizationId: string) {
    return quotaExceeded(organizationId, this.quotaBytes);
  }

  /** Bytes the organization may still stage right now (negative when over): the budget of an upload before it stores anything. */
  async remaining(organizationId: string): Promise<number> {
    return this.quotaBytes - (await stagedBytes(this.dataSource.manager, organizationId));
  }

  /**
   * Within the staging transaction `tx`, before its rows are written: waits for any other staging of
   * the organization to commit, then refuses `bytes` more with QUOTA_EXCEEDED when they do not fit.
   */
  async reserve(tx: EntityManager, organizationId: string, bytes: number, now: Date): Promise<void> {
    // On MySQL the upsert holds the row's exclusive lock until commit; the sum below is then this
    // transaction's first plain read, so it sees every staging committed before the lock was ours.
    // SQLite runs one write transaction at a time already.
    await tx.upsert(StagingLockEntity, { organizationId, lockedAt: now }, ["organizationId"]);
    if ((await stagedBytes(tx, organizationId)) + bytes > this.quotaBytes) throw quotaExceeded(organizationId, this.quotaBytes);
  }
}
