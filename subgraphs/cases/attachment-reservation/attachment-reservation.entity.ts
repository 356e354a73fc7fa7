import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { LeasedDelivery } from "../../kit/leased-delivery.js";

/** Where one reservation of files stands; the coordinator's JSDoc draws the transitions. */
export enum ReservationState {
  /** Written before the attachments subgraph is asked to reserve; the case or update is not committed. */
  PENDING = "PENDING",
  /** The case or update is committed (in the same transaction as this state): the files are to be confirmed. */
  COMMITTED = "COMMITTED",
  /** The case or update will never be committed: the files are to be released. */
  RELEASING = "RELEASING",
  /** The attachments subgraph attached the files. Final. */
  CONFIRMED = "CONFIRMED",
  /** The attachments subgraph gave the files back (STAGED), or never held them. Final. */
  RELEASED = "RELEASED",
}

/**
 * The cases subgraph's intent to attach files to a case or update it is about to commit: written
 * before anything is asked of the attachments subgraph, so that whatever dies afterwards, someone
 * knows the files are to be confirmed (COMMITTED) or released (RELEASING) and delivers that. The
 * delivery columns (LeasedDelivery) are the case-activity outbox's: the relay claims due rows with a lease.
 */
@Entity("attachment_reservations")
@Index(["state", "nextAttemptAt"])
@Index(["state", "createdAt"])
@Index(["claimToken"])
@Index(["requestScope"])
export class AttachmentReservationEntity extends LeasedDelivery {
  /** Also the reservation's id in the attachments subgraph. */
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  /** The case the files join (for `createCase`, the id the case will have). */
  @Column({ type: "varchar", length: 36 })
  caseId: string;

  /** The update the files come with; null for `createCase`. */
  @Column({ type: "varchar", length: 36, nullable: true })
  updateId: string | null;

  @Column({ type: "simple-json" })
  attachmentIds: string[];

  @Column({ type: "varchar", length: 16 })
  state: ReservationState;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  /**
   * The keyed request (caller, Idempotency-Key, mutation) whose attempt wrote the row, as kit/idempotency's
   * `attemptScope` names it; null without a key. A retry of the request releases what an earlier attempt
   * left PENDING or RELEASING before it reserves the same files again.
   */
  @Column({ type: "varchar", length: 64, nullable: true })
  requestScope: string | null;
}
