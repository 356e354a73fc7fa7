import { Directive, Field, ID, ObjectType } from "type-graphql";
import { CaseStatus, InquiryType } from "../threat.enums.js";

/** The cases subgraph's Case, as far as this subgraph knows it: the key, its inquiry type and status (`@requires`). */
@ObjectType("Case")
@Directive('@key(fields: "id")')
export class CaseRef {
  @Field(() => ID) id: string;

  @Field(() => InquiryType)
  @Directive("@external")
  inquiryType: InquiryType;

  @Field(() => CaseStatus)
  @Directive("@external")
  status: CaseStatus;
}
