import { Field, ID, InputType } from "type-graphql";
import { AnalysisRequestAnswer, AnalysisRequestState, FileVerdict } from "../threat.enums.js";

@InputType()
export class StartAnalysisRequestInput {
  @Field(() => ID) requestId: string;
  @Field(() => AnalysisRequestState, { nullable: true, description: "The state the engineer saw; when the request is in another state now, CONFLICT." })
  expectedState?: AnalysisRequestState | null;
}

@InputType({
  description:
    "What a DONE answer records on the result. Which fields an action takes (a field it does not take is BAD_USER_INPUT): " +
    "REQUEST_REANALYSIS verdict, patternVersion, detectionName (only with DANGEROUS); REPORT_FALSE_POSITIVE verdict (the corrected one), patternVersion (optional), detectionName (only with DANGEROUS); " +
    "REQUEST_PATTERN_FILE patternVersion (the official pattern that handles the file); REQUEST_DETECTION_NAME detectionName; REQUEST_VIRUS_INFO virusInfoUrl; " +
    "REPORT_CLEANUP_FAILURE instructions; COLLECT_MORE_FILES filesToCollect; REQUEST_LOG_REANALYSIS collected and findings.",
})
export class AnalysisRequestOutcomeInput {
  @Field(() => FileVerdict, { nullable: true, description: "NO_PROBLEM or DANGEROUS." }) verdict?: FileVerdict | null;
  @Field(() => String, { nullable: true }) detectionName?: string | null;
  @Field(() => String, { nullable: true }) patternVersion?: string | null;
  @Field(() => String, { nullable: true, description: "An http or https link to the virus information article." }) virusInfoUrl?: string | null;
  @Field(() => String, { nullable: true, description: "Cleanup instructions for the customer." }) instructions?: string | null;
  @Field(() => [String], { nullable: true, description: "Paths of the files the customer should collect next with the Anti-Threat Toolkit." }) filesToCollect?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: "Whether the re-analysed log shows the file as collected." }) collected?: boolean | null;
  @Field(() => String, { nullable: true, description: "What the re-analysis of the collection log found." }) findings?: string | null;
}

@InputType()
export class AnswerAnalysisRequestInput {
  @Field(() => ID) requestId: string;
  @Field(() => AnalysisRequestAnswer) state: AnalysisRequestAnswer;
  @Field(() => String, { description: "The answer the customer reads; required with DONE and REJECTED." }) response: string;
  @Field(() => AnalysisRequestOutcomeInput, { nullable: true, description: "Required with DONE; none with REJECTED." }) outcome?: AnalysisRequestOutcomeInput | null;
  @Field(() => AnalysisRequestState, { nullable: true, description: "The state the engineer saw; when the request is in another state now, CONFLICT." })
  expectedState?: AnalysisRequestState | null;
}
