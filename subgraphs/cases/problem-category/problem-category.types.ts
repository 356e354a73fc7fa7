import { Field, ID, ObjectType } from "type-graphql";
import { InquiryType, ThreatCategory } from "../case/case.enums.js";

@ObjectType("LocalizedText", { description: "One text in each language of the portal." })
export class LocalizedText {
  @Field(() => String) ja: string;
  @Field(() => String) en: string;
}

@ObjectType("ProblemCategory", { description: "A problem category (問題区分) a case is registered with." })
export class ProblemCategory {
  @Field(() => ID, { description: "Stable and unique across inquiry types: what createCase takes as problemCategory and Case.problemCategory holds." })
  id: string;

  @Field(() => InquiryType)
  inquiryType: InquiryType;

  @Field(() => ThreatCategory, { nullable: true, description: "On threat cases the category is the threat category (the same value); null on product cases." })
  threatCategory: ThreatCategory | null;

  @Field(() => LocalizedText)
  label: LocalizedText;
}
