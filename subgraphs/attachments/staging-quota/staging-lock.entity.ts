import { Column, Entity, PrimaryColumn } from "typeorm";

/**
 * One row per organization that has staged files: the staging transaction locks it, so that two
 * uploads of the same organization check the quota one after the other, never both against the
 * same total. It carries no data a reader needs.
 */
@Entity("staging_locks")
export class StagingLockEntity {
  @PrimaryColumn({ type: "varchar", length: 64 })
  organizationId: string;

  /** Written by every locking upsert (an upsert needs a column to update). */
  @Column({ type: "datetime", precision: 3 })
  lockedAt: Date;
}
