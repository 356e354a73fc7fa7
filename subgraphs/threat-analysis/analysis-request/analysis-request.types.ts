import { Field, ObjectType } from "type-graphql";
import { AnalysisRequestEntity } from "./analysis-request.entity.js";

@ObjectType()
export class AnalysisRequestPayload {
  @Field(() => AnalysisRequestEntity) request: AnalysisRequestEntity;
}
