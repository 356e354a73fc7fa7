import { Field, ID, InputType } from "type-graphql";
import { EmailVerdict, FileVerdict } from "../threat.enums.js";

@InputType()
export class RecordEmailVerdictInput {
  @Field(() => ID) caseId: string;
  @Field(() => String) name: string;
  @Field(() => EmailVerdict) verdict: EmailVerdict;
}

@InputType({ description: "Engineers (or the analysis pipeline) record the result of a file attached to an e-mail of the case." })
export class RecordEmailFileInput {
  @Field(() => ID) caseId: string;
  @Field(() => String, { description: "The e-mail's name within the case (EmailAnalysis.name): submitted, or recorded with recordEmailVerdict." }) emailName: string;
  @Field(() => String, { description: "The attached file's name; with emailName, it names the result (recording it again updates it)." }) fileName: string;
  @Field(() => String, { description: "SHA-1 of the attached file, 40 hexadecimal digits." }) sha1: string;
  @Field(() => FileVerdict) verdict: FileVerdict;
  @Field(() => String, { nullable: true, description: "Only with DANGEROUS." }) detectionName?: string | null;
  @Field(() => String, { nullable: true }) patternVersion?: string | null;
}
