import { Field, ID, InputType } from "type-graphql";
import { EmailVerdict } from "../threat.enums.js";

@InputType()
export class RecordEmailVerdictInput {
  @Field(() => ID) caseId: string;
  @Field(() => String) name: string;
  @Field(() => EmailVerdict) verdict: EmailVerdict;
}
