import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * An operation a client build ships (a trusted document): its id is what requests send instead of
 * the text (`documentId`, or `extensions.persistedQuery.sha256Hash`). Written by `npm run operations
 * -- publish`, never by a request.
 */
@Entity("persisted_operations")
export class PersistedOperation {
  /** The id the client's manifest gives it: the SHA-256 (or SHA-1) hex of `body`. */
  @PrimaryColumn({ type: "varchar", length: 128 })
  id: string;

  /** SHA-256 hex of `body`: Apollo clients send this hash, and full texts of persisted-only callers are matched by it. */
  @Index()
  @Column({ type: "varchar", length: 64 })
  bodySha256: string;

  @Column({ type: "text" })
  body: string;

  /** The operation's name (null for an anonymous one). */
  @Column({ type: "varchar", length: 200, nullable: true })
  name: string | null;

  /** query, mutation or subscription. */
  @Column({ type: "varchar", length: 16 })
  type: string;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}

/**
 * One operation of one published client release (client name and version). An operation is known
 * while at least one release that contains it is not retired.
 */
@Entity("persisted_operation_releases")
@Index(["operationId"])
export class PersistedOperationRelease {
  @PrimaryColumn({ type: "varchar", length: 100 })
  clientName: string;

  @PrimaryColumn({ type: "varchar", length: 64 })
  clientVersion: string;

  @PrimaryColumn({ type: "varchar", length: 128 })
  operationId: string;

  @Column({ type: "datetime", precision: 3 })
  publishedAt: Date;

  /** Set by `retire`: the release's operations stop working unless another live release has them. */
  @Column({ type: "datetime", precision: 3, nullable: true })
  retiredAt: Date | null;
}
