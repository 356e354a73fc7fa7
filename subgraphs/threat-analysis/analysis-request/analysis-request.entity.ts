import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Actor } from "../../kit/actor.js";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { AnalysisRequestState } from "../threat.enums.js";

/** A customer's request on a result (re-analysis, false positive, pattern file, ...). */
@ObjectType("AnalysisRequest")
@Entity("analysis_requests")
@Index(["subjectId", "requestedAt"])
export class AnalysisRequestEntity extends CaseScoped {
  @Field(() => ID)
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  /** The FileAnalysis or AttkCollection the request is about. */
  @Column({ type: "varchar", length: 36 })
  subjectId: string;

  @Field(() => String, { description: "A FileAction or AttkAction value." })
  @Column({ type: "varchar", length: 32 })
  action: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "text", nullable: true })
  comment: string | null;

  @Field(() => AnalysisRequestState)
  @Column({ type: "varchar", length: 16 })
  state: AnalysisRequestState;

  @Field(() => Actor)
  @Column(() => Actor)
  requestedBy: Actor;

  @Field(() => DateTime)
  @Column({ type: "datetime", precision: 3 })
  requestedAt: Date;
}
