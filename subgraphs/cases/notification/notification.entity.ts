import { Column, Entity, Index, PrimaryColumn } from "typeorm";

export enum NotificationKind {
  CASE_REGISTERED = "CASE_REGISTERED",
  CASE_UPDATED = "CASE_UPDATED",
  SUB_STATUS_CHANGED = "SUB_STATUS_CHANGED",
  SEVERITY_CHANGED = "SEVERITY_CHANGED",
  CASE_REOPENED = "CASE_REOPENED",
  CASE_CLOSED = "CASE_CLOSED",
}

export enum NotificationState {
  PENDING = "PENDING",
  SENT = "SENT",
  FAILED = "FAILED",
}

/** An e-mail to send, written in the same transaction as the change it announces (the outbox). */
@Entity("notification_outbox")
@Index(["state", "nextAttemptAt"])
export class NotificationEntity {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Column({ type: "varchar", length: 32 })
  kind: NotificationKind;

  @Column({ type: "simple-json" })
  recipients: string[];

  /** What the message says: the change, the update's text, who made it. */
  @Column({ type: "simple-json" })
  details: Record<string, string | null>;

  @Column({ type: "varchar", length: 16 })
  state: NotificationState;

  @Column({ type: "int", default: 0 })
  attempts: number;

  @Column({ type: "datetime", precision: 3 })
  nextAttemptAt: Date;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
