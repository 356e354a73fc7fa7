import { Arg, Query, Resolver } from "type-graphql";
import { InquiryType } from "../case/case.enums.js";
import { problemCategoriesOf } from "./problem-category.catalog.js";
import { ProblemCategory } from "./problem-category.types.js";

@Resolver(() => ProblemCategory)
export class ProblemCategoryResolver {
  @Query(() => [ProblemCategory], { description: "The problem categories a case of this inquiry type (or of any, without one) is registered with, in display order." })
  problemCategories(@Arg("inquiryType", () => InquiryType, { nullable: true }) inquiryType: InquiryType | null): ProblemCategory[] {
    return problemCategoriesOf(inquiryType);
  }
}
