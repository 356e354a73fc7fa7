import { Column, Entity, PrimaryColumn } from "typeorm";

export enum StagedReservationState {
  /** Its files are RESERVED. */
  RESERVED = "RESERVED",
  /** Its files are ATTACHED; it never changes again. */
  CONFIRMED = "CONFIRMED",
  /** Its files went back to STAGED, or it never held any (a release that came first); it never changes again. */
  RELEASED = "RELEASED",
}

/**
 * This subgraph's record of one reservation of the cases subgraph (same id): which case and update
 * the files go to on confirm, and how the reservation ended. A release writes the row even when no
 * reserve arrived yet, so that a reserve delayed on the network and arriving after its release is
 * refused instead of holding the files for ever.
 */
@Entity("staged_reservations")
export class StagedReservationEntity {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  /** Null for a reservation of `createCase` (the files join the case, with no update). */
  @Column({ type: "varchar", length: 36, nullable: true })
  updateId: string | null;

  @Column({ type: "varchar", length: 16 })
  state: StagedReservationState;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  @Column({ type: "datetime", precision: 3 })
  updatedAt: Date;
}
