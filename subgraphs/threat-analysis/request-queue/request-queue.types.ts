import { Field, ObjectType } from "type-graphql";
import { PageInfo } from "../../kit/pagination.js";
import { AnalysisRequestEntity } from "../analysis-request/analysis-request.entity.js";

@ObjectType()
export class AnalysisRequestEdge {
  @Field(() => String) cursor: string;
  @Field(() => AnalysisRequestEntity) node: AnalysisRequestEntity;
}

@ObjectType()
export class AnalysisRequestConnection {
  @Field(() => [AnalysisRequestEdge]) edges: AnalysisRequestEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  /** Counts the filtered requests; run only when a client asks for `totalCount`. */
  countTotal: () => Promise<number>;
}
