import { Directive, Field, Float, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Actor } from "../../kit/actor.js";
import { DateTime } from "../../kit/scalars.js";

export enum AttachmentState {
  STAGED = "STAGED",
  /** Held for one reservation of the cases subgraph (`reservationId`) until it is confirmed (ATTACHED) or released (STAGED). */
  RESERVED = "RESERVED",
  ATTACHED = "ATTACHED",
}

/**
 * The states clients see. A RESERVED file is in the middle of joining a case and no read shows it,
 * so the contract keeps its two values.
 */
export const VisibleAttachmentState = { STAGED: AttachmentState.STAGED, ATTACHED: AttachmentState.ATTACHED } as const;
registerEnumType(VisibleAttachmentState, { name: "AttachmentState" });

const bytes = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/** A file of a case: staged by an upload, reserved and then attached by `createCase` / `addCaseUpdate`. */
@ObjectType("Attachment")
@Directive('@key(fields: "id")')
@Entity("attachments")
@Index(["caseId", "uploadedAt", "id"])
@Index(["caseUpdateId"])
@Index(["state", "uploadedAt"])
@Index(["reservationId"])
// The staging quota sums an organization's STAGED bytes on every upload.
@Index(["organizationId", "state"])
export class AttachmentEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  /** Null for a file uploaded before its case exists (see `uploadAttachments(organizationId)`), until `createCase` attaches it. */
  @Column({ type: "varchar", length: 36, nullable: true })
  caseId: string | null;

  /** The case's organization, recorded at upload so that reads need not ask the cases subgraph. */
  @Column({ type: "varchar", length: 64 })
  organizationId: string;

  @Column({ type: "varchar", length: 36, nullable: true })
  caseUpdateId: string | null;

  @Field(() => String)
  @Column({ type: "varchar", length: 255 })
  fileName: string;

  @Field(() => Float, { description: "Bytes (Float: may exceed 2^31)." })
  @Column({ type: "bigint", transformer: bytes })
  size: number;

  @Field(() => String)
  @Column({ type: "varchar", length: 127 })
  contentType: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 40 })
  sha1: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 64 })
  sha256: string;

  @Field(() => DateTime)
  @Column({ type: "datetime", precision: 3 })
  uploadedAt: Date;

  @Field(() => Actor)
  @Column(() => Actor)
  uploadedBy: Actor;

  @Field(() => VisibleAttachmentState)
  @Column({ type: "varchar", length: 16 })
  state: AttachmentState;

  /** The cases subgraph's reservation that holds (RESERVED) or attached (ATTACHED) the file; null while STAGED. */
  @Column({ type: "varchar", length: 36, nullable: true })
  reservationId: string | null;

  /** True when the file is a ZIP encrypted with the password `virus`: what threat cases require. */
  @Column({ type: "boolean", default: false })
  encryptedZip: boolean;

  /**
   * The names of the file entries of an encrypted archive (readable without its password), at most
   * ENTRY_NAMES_KEPT; null when the archive was not inspected, is not encrypted, or has more entries.
   * Threat analysis takes submitted e-mails (.eml entries) and ATTK files from them.
   */
  @Column({ type: "simple-json", nullable: true })
  entryNames: string[] | null;

  /** Where the bytes are in the blob store. */
  @Column({ type: "varchar", length: 255 })
  blobKey: string;
}
