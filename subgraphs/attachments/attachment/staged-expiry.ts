import { sqlDatetime } from "../../kit/child-pages.js";
import type { Logger } from "../../kit/logger.js";
import type { DataSource } from "typeorm";
import type { BlobStore } from "../blob-store/blob-store.js";
import type { AttachmentsConfig } from "../config.js";
import { AttachmentEntity, AttachmentState } from "./attachment.entity.js";

/** What the expiry uses: the database, the blob store, the time-to-live and the time. */
export interface StagedExpiryDependencies {
  dataSource: DataSource;
  blobs: BlobStore;
  config: Pick<AttachmentsConfig, "stagedTtlHours">;
  clock: () => Date;
}

const BATCH = 500;

/**
 * Deletes STAGED files uploaded more than `stagedTtlHours` before `now`, rows and bytes. Each row is
 * deleted only while still STAGED, so a file reserved or attached at the same moment (or by another
 * replica) is kept; RESERVED and ATTACHED files are never touched. A reservation that is never
 * confirmed is released by the cases subgraph's recovery, and its files expire from then on like
 * any other staged file. Returns how many files were deleted.
 */
export async function deleteExpiredStagedAttachments(services: StagedExpiryDependencies, now: Date): Promise<number> {
  const { dataSource, blobs, config } = services;
  const repository = dataSource.getRepository(AttachmentEntity);
  const cutoff = sqlDatetime(new Date(now.getTime() - config.stagedTtlHours * 3_600_000));
  let deleted = 0;
  for (;;) {
    const expired = await repository.createQueryBuilder("a").where("a.state = :state AND a.uploadedAt < :cutoff", { state: AttachmentState.STAGED, cutoff }).orderBy("a.uploadedAt", "ASC").limit(BATCH).getMany();
    for (const row of expired) {
      const result = await repository.delete({ id: row.id, state: AttachmentState.STAGED });
      if (!result.affected) continue;
      await blobs.delete(row.blobKey);
      deleted++;
    }
    if (expired.length < BATCH) return deleted;
  }
}

/** Runs the expiry every `intervalSeconds` until the returned function is called. */
export function scheduleStagedExpiry(services: StagedExpiryDependencies, intervalSeconds: number, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deleteExpiredStagedAttachments(services, services.clock())
      .then((count) => {
        if (count) logger.info({ count }, "deleted expired staged attachments");
      })
      .catch((error: unknown) => logger.error({ err: error }, "staged attachment expiry failed"))
      .finally(() => {
        running = false;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
