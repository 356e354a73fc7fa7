import { Field, ID, InputType } from "type-graphql";

@InputType()
export class SubmitForAnalysisInput {
  @Field(() => ID) caseId: string;
  @Field(() => [ID], { nullable: true, description: 'Files of the case to analyse (ZIPs with password "virus").' }) attachmentIds?: string[] | null;
  @Field(() => [String], { nullable: true }) urls?: string[] | null;
}
