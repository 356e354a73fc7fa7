import { Column } from "typeorm";

/**
 * The delivery columns of a row that the gateway's relays claim with a lease, deliver, and retry
 * with a growing delay until it is taken: the file reservations' confirm/release commands (cases)
 * and the case-activity outbox (threat-analysis). An entity extends it to get the same five columns,
 * under the same names, in its own table.
 */
export abstract class LeasedDelivery {
  /** Delivery tries so far, counted when a relay pass claims the row. */
  @Column({ type: "int", default: 0 })
  attempts: number;

  /** When a relay may deliver it next. */
  @Column({ type: "datetime", precision: 3 })
  nextAttemptAt: Date;

  /** Random token of the relay pass that claimed the row. */
  @Column({ type: "varchar", length: 36, nullable: true })
  claimToken: string | null;

  /** Until when the claim holds; after that another pass may deliver it. */
  @Column({ type: "datetime", precision: 3, nullable: true })
  leaseExpiresAt: Date | null;

  /** Why the last try failed. */
  @Column({ type: "varchar", length: 1000, nullable: true })
  lastError: string | null;
}
