import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { FileVerdict } from "../threat.enums.js";

/** The verdict on one submitted file. */
@ObjectType("FileAnalysis")
@Directive('@key(fields: "id")')
@Entity("file_analyses")
// `EmailAnalysis.files`: the files of many e-mails in one statement.
@Index(["emailAnalysisId"])
export class FileAnalysisEntity extends CaseScoped {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 255 })
  fileName: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 40 })
  sha1: string;

  @Field(() => FileVerdict)
  @Column({ type: "varchar", length: 16 })
  verdict: FileVerdict;

  @Field(() => String, { nullable: true, description: "Only when DANGEROUS." })
  @Column({ type: "varchar", length: 200, nullable: true })
  detectionName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 64, nullable: true })
  patternVersion: string | null;

  @Field(() => DateTime, { nullable: true })
  @Column({ type: "datetime", precision: 3, nullable: true })
  analyzedAt: Date | null;

  @Field(() => String, { nullable: true, description: "The official pattern version that handles this file (the answer to a pattern file request)." })
  @Column({ type: "varchar", length: 64, nullable: true })
  officialPatternVersion: string | null;

  @Field(() => String, { nullable: true, description: "The link to the virus information article on this file (the answer to a virus information request)." })
  @Column({ type: "varchar", length: 2048, nullable: true })
  virusInfoUrl: string | null;

  @Field(() => String, { nullable: true, description: "How to clean up what the scanner could not (the answer to a cleanup failure report)." })
  @Column({ type: "text", nullable: true })
  cleanupInstructions: string | null;

  /** The uploaded file this result is about, when it came from an upload. */
  @Column({ type: "varchar", length: 36, nullable: true })
  attachmentId: string | null;

  /** The submitted e-mail this file was attached to, if any. */
  @Column({ type: "varchar", length: 36, nullable: true })
  emailAnalysisId: string | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
