import { Field, ID, InputType } from "type-graphql";
import { FileAction, FileVerdict } from "../threat.enums.js";

@InputType()
export class RequestFileActionInput {
  @Field(() => ID) fileAnalysisId: string;
  @Field(() => FileAction) action: FileAction;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

@InputType({ description: "Engineers (or the analysis pipeline) record results." })
export class RecordFileVerdictInput {
  @Field(() => ID) fileAnalysisId: string;
  @Field(() => FileVerdict) verdict: FileVerdict;
  @Field(() => String, { nullable: true, description: "Only with DANGEROUS." }) detectionName?: string | null;
  @Field(() => String, { nullable: true }) patternVersion?: string | null;
}
