import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { EmailVerdict } from "../threat.enums.js";

@ObjectType("EmailAnalysis")
@Directive('@key(fields: "id")')
@Entity("email_analyses")
export class EmailAnalysisEntity extends CaseScoped {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 255 })
  name: string;

  @Field(() => EmailVerdict)
  @Column({ type: "varchar", length: 16 })
  verdict: EmailVerdict;

  @Field(() => DateTime, { nullable: true })
  @Column({ type: "datetime", precision: 3, nullable: true })
  analyzedAt: Date | null;

  @Column({ type: "datetime", precision: 3 })
  createdAt: Date;
}
