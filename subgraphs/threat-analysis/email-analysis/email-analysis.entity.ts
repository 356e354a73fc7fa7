import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { EmailVerdict } from "../threat.enums.js";

/** The verdict on one e-mail message of a case; the files attached to it are FileAnalysis rows pointing here. */
@ObjectType("EmailAnalysis")
@Directive('@key(fields: "id")')
@Entity("email_analyses")
export class EmailAnalysisEntity extends CaseScoped {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String, { description: "Unique within the case: the .eml file's path inside the submitted archive, or the name an engineer recorded." })
  @Column({ type: "varchar", length: 255 })
  name: string;

  @Field(() => EmailVerdict)
  @Column({ type: "varchar", length: 16 })
  verdict: EmailVerdict;

  @Field(() => DateTime, { nullable: true })
  @Column({ type: "datetime", precision: 3, nullable: true })
  analyzedAt: Date | null;

  /** The uploaded archive the message came in, when a customer submitted it (`EmailAnalysis.attachment`). */
  @Column({ type: "varchar", length: 36, nullable: true })
  attachmentId: string | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
