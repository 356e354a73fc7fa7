import { Column, Entity, Index, PrimaryColumn } from "typeorm";

export enum NotificationKind {
  CASE_REGISTERED = "CASE_REGISTERED",
  CASE_UPDATED = "CASE_UPDATED",
  SUB_STATUS_CHANGED = "SUB_STATUS_CHANGED",
  SEVERITY_CHANGED = "SEVERITY_CHANGED",
  CASE_REOPENED = "CASE_REOPENED",
  CASE_CLOSED = "CASE_CLOSED",
  /** A customer's or partner's request on a threat analysis result (delivered from the threat-analysis subgraph). */
  THREAT_REQUEST_MADE = "THREAT_REQUEST_MADE",
  /** An engineer started working on such a request. */
  THREAT_REQUEST_STARTED = "THREAT_REQUEST_STARTED",
  /** An engineer answered it: done or rejected, with a response. */
  THREAT_REQUEST_ANSWERED = "THREAT_REQUEST_ANSWERED",
}

export enum NotificationState {
  PENDING = "PENDING",
  SENT = "SENT",
  /** Gave up: a permanent SMTP refusal, or temporary ones until the attempts ran out (see `lastError`). */
  FAILED = "FAILED",
  /** Nothing to send: no recipient address (e.g. a case registered with a partner API key). */
  SKIPPED = "SKIPPED",
}

/** An e-mail to send, written in the same transaction as the change it announces (the outbox). */
@Entity("notification_outbox")
@Index(["state", "nextAttemptAt"])
@Index(["claimToken"])
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

  /** Random token of the dispatcher run that claimed the row; outcomes are written only by its holder. */
  @Column({ type: "varchar", length: 36, nullable: true })
  claimToken: string | null;

  /** Until when the claim holds; an expired claim (a crashed dispatcher) may be taken over. */
  @Column({ type: "datetime", precision: 3, nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ type: "datetime", precision: 3, nullable: true })
  sentAt: Date | null;

  /** The last delivery error (SMTP reply or connection error), kept after a retry and on FAILED. */
  @Column({ type: "varchar", length: 1000, nullable: true })
  lastError: string | null;
}
