import { Column, Entity, Index, PrimaryColumn } from "typeorm";

const bigintNumber = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/** Where a resumable upload stands: receiving bytes, being handed to the attachments subgraph, or staged there. */
export type ResumableUploadState = "receiving" | "forwarding" | "done";

/**
 * One tus upload at the gateway: whose it is (only that caller may resume, inspect or end it), what the
 * finished file becomes (a STAGED attachment of `caseId` or `organizationId`), and until when it may be
 * finished. The bytes live in the tus store (disk or S3) until the attachments subgraph has them.
 */
@Entity("resumable_uploads")
@Index(["principal", "state"])
@Index(["expiresAt"])
export class ResumableUpload {
  /** The tus upload id (the last segment of its URL): 32 random hex characters. */
  @PrimaryColumn({ type: "varchar", length: 64 })
  id: string;

  /** `user:<id>` or `apiKey:<id>`. */
  @Column({ type: "varchar", length: 200 })
  principal: string;

  @Column({ type: "bigint", transformer: bigintNumber })
  size: number;

  @Column({ type: "varchar", length: 255 })
  fileName: string;

  @Column({ type: "varchar", length: 128 })
  contentType: string;

  @Column({ type: "varchar", length: 64, nullable: true })
  caseId: string | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  organizationId: string | null;

  @Column({ type: "varchar", length: 16 })
  state: ResumableUploadState;

  /** The STAGED attachment the finished file became. */
  @Column({ type: "varchar", length: 64, nullable: true })
  attachmentId: string | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;

  @Column({ type: "datetime", precision: 3 })
  expiresAt: Date;
}
