import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/** The first answer to a mutation sent with an `Idempotency-Key`, kept 24 h for retries. */
@Entity("idempotency_records")
@Index(["expiresAt"])
export class IdempotencyRecord {
  /** Who sent it (`user:<id>` or `apiKey:<id>`): keys of different callers never collide. */
  @PrimaryColumn({ type: "varchar", length: 200 })
  principal: string;

  @PrimaryColumn({ type: "varchar", length: 255 })
  key: string;

  /** SHA-256 of the operation and its variables: the same key with other input is a CONFLICT. */
  @Column({ type: "varchar", length: 64 })
  fingerprint: string;

  /** Null while the first request is still running. */
  @Column({ type: "int", nullable: true })
  statusCode: number | null;

  @Column({ type: "text", nullable: true })
  body: string | null;

  @Column({ type: "datetime", precision: 3 })
  expiresAt: Date;
}
