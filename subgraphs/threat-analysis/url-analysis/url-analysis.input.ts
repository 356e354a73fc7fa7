import { Field, ID, InputType } from "type-graphql";
import { UrlRating } from "../threat.enums.js";

@InputType()
export class RecordUrlRatingInput {
  @Field(() => ID) caseId: string;
  @Field(() => String) url: string;
  @Field(() => UrlRating) rating: UrlRating;
  @Field(() => String, { nullable: true }) category?: string | null;
}
