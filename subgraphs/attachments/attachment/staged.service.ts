import { type DataSource, type EntityManager, In } from "typeorm";
import { badInput, domainError, ErrorCode, forbidden, notFound } from "../../kit/errors.js";
import { canSeeOrganization, isRelay, type Principal } from "../../kit/principal.js";
import { ATTACHMENT_RESERVED } from "../../kit/reservation-protocol.js";
import { inTransaction, writeLock } from "../../kit/transaction.js";
import type { AttachmentsConfig } from "../config.js";
import { AttachmentEntity, AttachmentState } from "./attachment.entity.js";
import { isUploader } from "./attachment.visibility.js";
import { StagedReservationEntity, StagedReservationState } from "./staged-reservation.entity.js";

/**
 * The case and update a reservation's files go to, as the cases subgraph states them: it has
 * checked that the caller may see the case, and a case's organization and inquiry type never
 * change, so this subgraph does not ask back.
 */
export interface ReservationTarget {
  caseId: string;
  /** Null when the case is being registered (`createCase`): then the caller's own uploads for the organization may join it. */
  updateId: string | null;
  organizationId: string;
  inquiryType: "PRODUCT" | "THREAT";
  /** The update reopens a closed case: like a registration, it may take the caller's own uploads for the organization too. */
  reopening?: boolean;
}

/** A file held for a reservation, with the name the cases subgraph indexes for search. */
export interface ReservedFile {
  id: string;
  fileName: string;
}

/** What the service uses: the database, the per-upload file limit and the time. */
export interface StagedAttachmentDependencies {
  dataSource: DataSource;
  config: Pick<AttachmentsConfig, "maxFilesPerUpload">;
  clock: () => Date;
}

/**
 * Staged → reserved → attached (or back to staged), on behalf of the cases subgraph's `createCase`
 * and `addCaseUpdate`, which drive the steps (its reservation coordinator explains the protocol):
 *
 * - `reserve`: checks the rules (the caller's own STAGED uploads of this case, or at registration and
 *   on a reopening update also its own uploads for the organization; at most MAX_FILES_PER_UPLOAD, the
 *   one limit that uploads obey too; ZIPs encrypted with `virus` on threat cases) and holds the files
 *   for the reservation. Repeating it is harmless.
 * - `confirm`: the case or update exists now; the files become ATTACHED to it. Repeating it is harmless.
 * - `release`: the case or update will never exist; the files are STAGED again. Repeating it is harmless,
 *   and a release that arrives before its reserve makes that reserve fail.
 *
 * Each is one transaction of this database and calls nobody. A reservation is confirmed or
 * released, never both: the cases subgraph sends one or the other, and this service refuses the second.
 */
export class StagedAttachmentService {
  constructor(private readonly deps: StagedAttachmentDependencies) {}

  /** Holds the files for `reservationId`; fails with the reason they cannot join the case, and then holds nothing. */
  async reserve(principal: Principal, reservationId: string, target: ReservationTarget, ids: string[]): Promise<ReservedFile[]> {
    if (isRelay(principal)) throw forbidden("Files are reserved on behalf of the caller only");
    const unique = this.limit(ids);
    if (!canSeeOrganization(principal, target.organizationId)) throw notFound("Case", target.caseId);
    if (unique.length === 0) return [];
    const { dataSource } = this.deps;
    return inTransaction(dataSource, async (tx) => {
      const reservation = await this.lockReservation(tx, reservationId, target.caseId, target.updateId, StagedReservationState.RESERVED);
      if (reservation.state === StagedReservationState.RELEASED) {
        throw domainError(ErrorCode.CONFLICT, `Reservation ${reservationId} was released already; retry the request`, { id: reservationId });
      }
      if (reservation.caseId !== target.caseId || reservation.updateId !== target.updateId) {
        throw badInput("reservationId", `Reservation ${reservationId} belongs to another case or update`);
      }
      const rows = await tx.find(AttachmentEntity, { where: { id: In(unique) }, order: { id: "ASC" }, ...writeLock(dataSource) });
      const named = () => unique.map((id) => ({ id, fileName: rows.find((r) => r.id === id)?.fileName ?? "" }));
      if (reservation.state === StagedReservationState.CONFIRMED) return named();
      const toReserve: string[] = [];
      for (const id of unique) {
        const row = rows.find((r) => r.id === id);
        if (row?.state === AttachmentState.RESERVED && row.reservationId === reservationId && canSeeOrganization(principal, row.organizationId)) continue;
        this.requireReservable(principal, target, row, id);
        toReserve.push(id);
      }
      if (toReserve.length > 0) {
        await tx.update(AttachmentEntity, { id: In(toReserve), state: AttachmentState.STAGED }, { state: AttachmentState.RESERVED, reservationId });
      }
      return named();
    });
  }

  /** The reservation's files become ATTACHED to its case (and update). */
  async confirm(principal: Principal, reservationId: string): Promise<boolean> {
    const { dataSource, clock } = this.deps;
    return inTransaction(dataSource, async (tx) => {
      const reservation = await tx.findOne(StagedReservationEntity, { where: { id: reservationId }, ...writeLock(dataSource) });
      if (!reservation) throw notFound("Reservation", reservationId);
      if (reservation.state === StagedReservationState.CONFIRMED) return true;
      if (reservation.state === StagedReservationState.RELEASED) {
        throw domainError(ErrorCode.CONFLICT, `Reservation ${reservationId} was released; it cannot be confirmed`, { id: reservationId });
      }
      await this.heldFiles(tx, principal, reservationId);
      await tx.update(AttachmentEntity, { reservationId, state: AttachmentState.RESERVED }, { state: AttachmentState.ATTACHED, caseId: reservation.caseId, caseUpdateId: reservation.updateId });
      await tx.update(StagedReservationEntity, { id: reservationId }, { state: StagedReservationState.CONFIRMED, updatedAt: clock() });
      return true;
    });
  }

  /** The reservation's files are STAGED again; a reservation never seen is recorded as released. */
  async release(principal: Principal, reservationId: string, caseId: string): Promise<boolean> {
    const { dataSource, clock } = this.deps;
    return inTransaction(dataSource, async (tx) => {
      const reservation = await this.lockReservation(tx, reservationId, caseId, null, StagedReservationState.RELEASED);
      if (reservation.state === StagedReservationState.RELEASED) return true;
      if (reservation.state === StagedReservationState.CONFIRMED) {
        throw domainError(ErrorCode.CONFLICT, `Reservation ${reservationId} was confirmed; it cannot be released`, { id: reservationId });
      }
      await this.heldFiles(tx, principal, reservationId);
      await tx.update(AttachmentEntity, { reservationId, state: AttachmentState.RESERVED }, { state: AttachmentState.STAGED, reservationId: null });
      await tx.update(StagedReservationEntity, { id: reservationId }, { state: StagedReservationState.RELEASED, updatedAt: clock() });
      return true;
    });
  }

  /**
   * The reservation's row under a write lock, written first in `initialState` when it does not exist.
   * INSERT IGNORE waits for a concurrent insert of the same id and then keeps it, so a reserve and a
   * release of one reservation serialize on this row whichever comes first.
   */
  private async lockReservation(tx: EntityManager, id: string, caseId: string, updateId: string | null, initialState: StagedReservationState): Promise<StagedReservationEntity> {
    const now = this.deps.clock();
    await tx.createQueryBuilder().insert().into(StagedReservationEntity).values({ id, caseId, updateId, state: initialState, createdAt: now, updatedAt: now }).orIgnore().execute();
    return tx.findOneOrFail(StagedReservationEntity, { where: { id }, ...writeLock(this.deps.dataSource) });
  }

  /** Locks the files a reservation holds; the relay may move any, a caller only files it may see. */
  private async heldFiles(tx: EntityManager, principal: Principal, reservationId: string): Promise<AttachmentEntity[]> {
    const rows = await tx.find(AttachmentEntity, { where: { reservationId, state: AttachmentState.RESERVED }, order: { id: "ASC" }, ...writeLock(this.deps.dataSource) });
    if (!isRelay(principal) && rows.some((row) => !canSeeOrganization(principal, row.organizationId))) throw notFound("Reservation", reservationId);
    return rows;
  }

  private limit(ids: string[]): string[] {
    const unique = [...new Set(ids)];
    const max = this.deps.config.maxFilesPerUpload;
    if (unique.length > max) throw domainError(ErrorCode.TOO_MANY_FILES, `At most ${max} files per update`, { field: "attachmentIds", max });
    return unique;
  }

  private requireReservable(principal: Principal, target: ReservationTarget, row: AttachmentEntity | undefined, id: string): void {
    if (!row || !canSeeOrganization(principal, row.organizationId)) throw notFound("Attachment", id);
    // Someone else's upload that nobody sent yet does not exist for the caller (see canSeeAttachment).
    if (row.state !== AttachmentState.ATTACHED && !isUploader(principal, row)) throw notFound("Attachment", id);
    // Held by a request that has not finished (or whose process died: then until the relay gives it back): not final.
    if (row.state === AttachmentState.RESERVED) {
      throw domainError(ErrorCode.CONFLICT, `${row.fileName} is being attached to another update or case; retry shortly`, { field: "attachmentIds", reason: ATTACHMENT_RESERVED });
    }
    if (row.state !== AttachmentState.STAGED) throw badInput("attachmentIds", `${row.fileName} is already attached`);
    // Uploads made before the case exists (uploadAttachments with organizationId) join a registration, or an update that reopens a case.
    const takesOrganizationUploads = target.updateId === null || target.reopening === true;
    const organizationUpload = takesOrganizationUploads && row.caseId === null;
    if (row.organizationId !== target.organizationId || (row.caseId !== target.caseId && !organizationUpload)) {
      throw badInput("attachmentIds", `${row.fileName} is not a staged upload of this case`);
    }
    if (target.inquiryType === "THREAT" && !row.encryptedZip) {
      throw domainError(ErrorCode.ENCRYPTED_ZIP_REQUIRED, `${row.fileName}: files of threat cases must be ZIP archives encrypted with the password "virus"`, {
        field: "attachmentIds",
      });
    }
  }
}
