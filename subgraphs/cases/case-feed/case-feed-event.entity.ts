import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Actor } from "../../kit/actor.js";
import type { CaseFeedChange, CaseFeedEventType } from "../../kit/case-feed-protocol.js";

/** Feed positions are BIGINT; mysql2 answers them as strings, SQLite as numbers. */
const position = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/**
 * One event of the case feed (see kit/case-feed-protocol.ts): written in the transaction of the change
 * it describes, numbered by the feed's head row (CaseFeedHead), kept for CASE_FEED_RETENTION_DAYS.
 */
@Entity("case_feed_events")
@Index(["caseId", "position"])
@Index(["organizationId", "position"])
@Index(["at"])
export class CaseFeedEventEntity {
  /** The event id: unique and increasing in commit order across the whole feed. */
  @PrimaryColumn({ type: "bigint", transformer: position })
  position: number;

  @Column({ type: "varchar", length: 36 })
  caseId: string;

  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  /** 1, 2, 3... within the case (the case's `lastEventSequence` when it was written). */
  @Column({ type: "int" })
  sequence: number;

  @Column({ type: "varchar", length: 32 })
  type: CaseFeedEventType;

  @Column(() => Actor)
  actor: Actor;

  @Column({ type: "datetime", precision: 3 })
  at: Date;

  @Column({ type: "simple-json" })
  changes: CaseFeedChange[];

  @Column({ type: "varchar", length: 36, nullable: true })
  updateId: string | null;
}

/**
 * The feed's one head row (id 1): the last position handed out. A transaction that writes events moves
 * it last, just before it commits, and holds its lock until then, so positions become visible in
 * order: a reader that has seen position N has seen every position below N that will ever exist.
 */
@Entity("case_feed_head")
export class CaseFeedHead {
  @PrimaryColumn({ type: "int" })
  id: number;

  @Column({ type: "bigint", transformer: position })
  position: number;
}

export const FEED_HEAD_ID = 1;
