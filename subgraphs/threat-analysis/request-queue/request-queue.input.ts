import { Field, ID, InputType, registerEnumType } from "type-graphql";
import { DateTime } from "../../kit/scalars.js";
import { AnalysisRequestState } from "../threat.enums.js";

export enum AnalysisRequestOrder {
  /** requestedAt ascending: the request waiting longest comes first (the default). */
  OLDEST_FIRST = "OLDEST_FIRST",
  NEWEST_FIRST = "NEWEST_FIRST",
}
registerEnumType(AnalysisRequestOrder, { name: "AnalysisRequestOrder", description: "Order of `analysisRequests`; ties by id." });

@InputType({ description: "Narrows `analysisRequests`; every given condition must hold. An empty list is no condition; lists take at most 100 values." })
export class AnalysisRequestFilter {
  @Field(() => [AnalysisRequestState], { nullable: true, description: "The engineers' open queue is [SUBMITTED, IN_PROGRESS]." }) states?: AnalysisRequestState[] | null;
  @Field(() => [String], { nullable: true, description: "FileAction or AttkAction values." }) actions?: string[] | null;
  @Field(() => [ID], { nullable: true, description: "Within the organizations the caller may see." }) organizationIds?: string[] | null;
  @Field(() => [ID], { nullable: true }) caseIds?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: "true: only open requests past their dueAt; false: only the others." }) overdue?: boolean | null;
  @Field(() => DateTime, { nullable: true, description: "Requested before this time (older than it)." }) requestedBefore?: Date | null;
  @Field(() => DateTime, { nullable: true, description: "Requested at or after this time." }) requestedSince?: Date | null;
}
