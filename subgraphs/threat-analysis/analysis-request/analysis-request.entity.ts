import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Actor } from "../../kit/actor.js";
import type { ResponseSeverity } from "../../kit/response-targets.js";
import { DateTime } from "../../kit/scalars.js";
import { CaseScoped } from "../threat-analysis/case-scoped.js";
import { AnalysisRequestState } from "../threat.enums.js";
import { OptionalActorColumns } from "./optional-actor.js";

/** A customer's request on a result (re-analysis, false positive, pattern file, ...). */
@ObjectType("AnalysisRequest")
@Entity("analysis_requests")
@Index(["subjectId", "requestedAt"])
// The engineers' queue (request-queue/): oldest first, per organization, and the overdue filter.
@Index(["requestedAt", "id"])
@Index(["organizationId", "requestedAt", "id"])
@Index(["state", "caseSeverity", "requestedAt"])
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

  /**
   * The case's severity when the request was made: it sets the request's response target (`dueAt`,
   * request-queue/). Null for requests made before it was recorded, which have no target.
   */
  @Column({ type: "varchar", length: 16, nullable: true })
  caseSeverity: ResponseSeverity | null;

  @Field(() => DateTime, { nullable: true, description: "When an engineer started working on it (IN_PROGRESS); null when it was answered without being started." })
  @Column({ type: "datetime", precision: 3, nullable: true })
  startedAt: Date | null;

  /** Who started it; `AnalysisRequest.startedBy` (see analysis-request.resolver.ts). */
  @Column(() => OptionalActorColumns)
  startedBy: OptionalActorColumns;

  @Field(() => DateTime, { nullable: true, description: "When an engineer answered it (DONE or REJECTED)." })
  @Column({ type: "datetime", precision: 3, nullable: true })
  respondedAt: Date | null;

  /** Who answered it; `AnalysisRequest.respondedBy`. */
  @Column(() => OptionalActorColumns)
  respondedBy: OptionalActorColumns;

  @Field(() => String, { nullable: true, description: "The engineer's answer, for the customer: set with DONE and REJECTED." })
  @Column({ type: "text", nullable: true })
  response: string | null;

  @Field(() => String, { nullable: true, description: "One line on what a DONE answer recorded on the result (a new verdict, a detection name, a link, ...)." })
  @Column({ type: "varchar", length: 500, nullable: true })
  outcome: string | null;
}
