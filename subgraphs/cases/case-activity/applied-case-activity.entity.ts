import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * The receipt of one case activity applied to a case (subgraphs/kit/case-activity-protocol.ts): its
 * id is the activity's id, so an activity delivered twice (a relay retry after a lost
 * acknowledgement, two relay replicas) finds its receipt and changes nothing the second time.
 * Written in the same transaction as the history events it produced. Kept: an activity may be
 * delivered again any time until the threat-analysis subgraph has recorded its acknowledgement.
 */
@Entity("applied_case_activities")
@Index(["caseId"])
export class AppliedCaseActivityEntity {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Column({ type: "varchar", length: 24 })
  kind: string;

  /** When the activity happened (its time on the threat side). */
  @Column({ type: "datetime", precision: 3 })
  occurredAt: Date;

  /** When this subgraph applied it. */
  @Column({ type: "datetime", precision: 3 })
  appliedAt: Date;
}
