import { Field, ID, InputType } from "type-graphql";

@InputType()
export class SubmitForAnalysisInput {
  @Field(() => ID) caseId: string;
  @Field(() => [ID], { nullable: true, description: 'Files of the case to analyse (ZIPs with password "virus").' }) attachmentIds?: string[] | null;
  @Field(() => [String], { nullable: true }) urls?: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'Archives of the case holding e-mail messages (.eml entries, ZIP with password "virus"): each .eml becomes an EmailAnalysis, ANALYZING.' })
  emails?: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'Archives of the case holding an Anti-Threat Toolkit collection (ZIP with password "virus"): each file in it becomes an AttkCollection row, collected.' })
  attkLogs?: string[] | null;
}
