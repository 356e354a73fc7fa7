import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { LeasedDelivery } from "../../kit/leased-delivery.js";
import type { CaseActivityActor, CaseActivityKind } from "../../kit/case-activity-protocol.js";

/**
 * One case activity waiting to reach the cases subgraph (subgraphs/kit/case-activity-protocol.ts).
 * Written in the same transaction as the threat change it reports; the gateway's relay claims due
 * rows with a lease, delivers them, and acknowledges: an acknowledged row is deleted (the cases
 * subgraph keeps the record, as a history event whose id is this row's id). A row the cases
 * subgraph did not take waits, with a growing delay, until it does.
 */
@Entity("case_activity_outbox")
@Index(["nextAttemptAt"])
@Index(["claimToken"])
export class CaseActivityOutboxEntity extends LeasedDelivery {
  /** The activity's id: the idempotency key on the cases side. Time-ordered (see newActivityId). */
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Column({ type: "varchar", length: 24 })
  kind: CaseActivityKind;

  @Column({ type: "simple-json" })
  actor: CaseActivityActor;

  @Column({ type: "simple-json" })
  details: Record<string, string | null>;

  /** When the change committed (the history event's time on the case). */
  @Column({ type: "datetime", precision: 3 })
  occurredAt: Date;
}
